"""Users' public face: people and their families as DTOs (never a model instance).

People belong to a school: every function that returns or changes them takes the caller's `scope`
(`common.tenancy.Scope`, keyword-only, required) and answers only people the scope reaches (a person
of no school, e.g. network staff: network-wide scopes only). Views pass `request_scope(request)`;
saga steps, handlers and commands pass `common.tenancy.SYSTEM`. The providers registered with auth
(`providers.py`: credentials, user_summary, guardian_student_ids) are system lookups."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from apps.users import selectors
from common.tenancy import Scope


@dataclass(frozen=True)
class UserDTO:
    id: int
    code: str
    user_type: str
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str
    is_active: bool
    institution_id: int | None
    preferred_language: str
    document_type: str = ""
    document_number: str = ""
    birth_date: date | None = None


@dataclass(frozen=True)
class GuardianDTO:
    guardian: UserDTO
    relationship: str
    is_primary_contact: bool
    may_pick_up: bool
    notify_email: bool
    notify_sms: bool
    notify_inapp: bool = True


@dataclass(frozen=True)
class UserValidationDTO:
    user_id: int
    exists: bool
    is_active: bool
    user_type: str | None
    code: str | None = None


def user_dto(user) -> UserDTO:
    return UserDTO(id=user.pk, code=user.code or "", user_type=user.user_type, first_name=user.first_name,
                   last_name=user.last_name, full_name=f"{user.first_name} {user.last_name}".strip(),
                   email=user.email, phone=user.phone, is_active=user.is_active, institution_id=user.institution_id,
                   preferred_language=user.preferred_language, document_type=user.document_type,
                   document_number=user.document_number, birth_date=user.birth_date)


def _guardian_dto(link) -> GuardianDTO:
    return GuardianDTO(guardian=user_dto(link.guardian), relationship=link.relationship,
                       is_primary_contact=link.is_primary_contact, may_pick_up=link.may_pick_up,
                       notify_email=link.notify_email, notify_sms=link.notify_sms, notify_inapp=link.notify_inapp)


def get_user(*, scope: Scope, user_id: int) -> UserDTO | None:
    """The person, or None if unknown or of a school the scope does not reach."""
    user = selectors.user_in_scope(scope=scope, user_id=user_id)
    return user_dto(user) if user else None


def get_users(*, scope: Scope, user_ids: Iterable[int]) -> dict[int, UserDTO]:
    """The users among `user_ids` that exist and the scope reaches (one query)."""
    return {pk: user_dto(u) for pk, u in selectors.users_by_ids(user_ids, scope=scope).items()}


def guardians_of(*, scope: Scope, student_id: int) -> list[GuardianDTO]:
    """The student's guardians, primary contact first ([] for a student the scope does not reach)."""
    return [_guardian_dto(link) for link in selectors.links_of_students([student_id], scope=scope)]


def guardians_of_students(*, scope: Scope, student_ids: Iterable[int]) -> dict[int, list[GuardianDTO]]:
    """Guardians of many students in one query; every asked id is a key (an empty list if none, or if
    the scope does not reach the student)."""
    ids = set(student_ids)
    result: dict[int, list[GuardianDTO]] = {sid: [] for sid in ids}
    for link in selectors.links_of_students(ids, scope=scope):
        result[link.student_id].append(_guardian_dto(link))
    return result


def student_ids_of_guardian(*, scope: Scope, guardian_id: int) -> list[int]:
    """The guardian's children the scope reaches."""
    return selectors.student_ids_of_guardian(guardian_id, scope=scope)


def bulk_validate(*, scope: Scope, user_ids: Iterable[int]) -> list[UserValidationDTO]:
    """For each asked id (in order, without duplicates): does it exist (for this scope: a person of a
    school it does not reach does not), is it active, what type is it."""
    ordered = list(dict.fromkeys(user_ids))
    found = selectors.users_by_ids(ordered, scope=scope)
    return [UserValidationDTO(user_id=uid, exists=uid in found, is_active=uid in found and found[uid].is_active,
                              user_type=found[uid].user_type if uid in found else None,
                              code=found[uid].code if uid in found else None) for uid in ordered]


def find_users_by_document(*, scope: Scope, document_number: str) -> list[UserDTO]:
    return [user_dto(u) for u in selectors.find_by_document(document_number, scope=scope)]


def user_move_institution(*, scope: Scope, user_id: int, institution_id: int, reason: str = "") -> UserDTO:
    """Move a person to another school (academic's school transfer). Only a network-wide scope
    (`common.tenancy.Scope`) may move people between schools; a school-scoped caller is refused (403)."""
    from django.utils.translation import gettext as _

    from apps.users import services
    from common.errors import PermissionDenied

    if not scope.is_network:
        raise PermissionDenied(_("Only network staff may move a person to another school."),
                               code="network_scope_required")
    return user_dto(services.user_update(user_id=user_id, reason=reason or None, institution_id=institution_id))
