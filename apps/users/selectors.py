"""Read queries of the users context."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from apps.users.models import GuardianLink, User
from common.tenancy import Scope


def user_by_id(user_id: int) -> User | None:
    """Any person, unscoped: for the system lookups auth's rules make through the contract (check_credentials,
    user_security_summary) and for services acting on a person a scoped selector already found. Callers'
    reads use `user_in_scope`."""
    return User.objects.filter(pk=user_id).first()


def user_in_scope(*, scope: Scope, user_id: int) -> User | None:
    """The person if the scope reaches their school (a person of no school: network-wide scopes only)."""
    return scope.filter(User.objects.filter(pk=user_id)).first()


def users(*, scope: Scope, institution_id: int | None = None, user_type: str | None = None,
          is_active: bool | None = None, search: str | None = None) -> QuerySet[User]:
    """People the scope reaches, optionally of one institution/type/state, matching `search` in names,
    document, code, email."""
    qs = scope.filter(User.objects.all())
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    if user_type:
        qs = qs.filter(user_type=user_type)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    for term in (search or "").split():
        qs = qs.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(code__iexact=term)
                       | Q(document_number__startswith=term.upper()) | Q(email__icontains=term)
                       | Q(username__iexact=term))
    return qs


def users_by_ids(user_ids: Iterable[int], *, scope: Scope) -> dict[int, User]:
    return {u.pk: u for u in scope.filter(User.objects.filter(pk__in=set(user_ids)))}


def links_of_students(student_ids: Iterable[int], *, scope: Scope) -> list[GuardianLink]:
    """Guardian links of the students the scope reaches (the student's school decides)."""
    qs = scope.filter(GuardianLink.objects.filter(student_id__in=set(student_ids)), "student__institution_id")
    return list(qs.select_related("guardian")
                .order_by("student_id", "-is_primary_contact", "guardian__last_name", "guardian_id"))


def children_links(guardian_id: int) -> list[GuardianLink]:
    """The guardian's links with each child loaded (one query), children sorted by name. The family path,
    not a school's rows: only for the guardian themself (a child may attend another school)."""
    return list(GuardianLink.objects.filter(guardian_id=guardian_id).select_related("student")
                .order_by("student__last_name", "student__first_name", "student_id"))


def student_ids_of_guardian(guardian_id: int, *, scope: Scope, active_only: bool = False) -> list[int]:
    qs = scope.filter(GuardianLink.objects.filter(guardian_id=guardian_id), "student__institution_id")
    if active_only:
        qs = qs.filter(student__is_active=True)
    return list(qs.order_by("student_id").values_list("student_id", flat=True))


def find_by_document(document_number: str, *, scope: Scope) -> QuerySet[User]:
    return scope.filter(User.objects.filter(document_number=document_number.strip().upper()))
