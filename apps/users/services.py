"""Write use cases of the users context. Every change publishes its event through the outbox."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import events
from apps.institution import contracts as institution
from apps.users.events import StudentParentLinked, UserCreated, UserDeactivated, UserRoleChanged, UserUpdated
from apps.users.models import (
    E164_MESSAGE,
    DocumentType,
    GuardianLink,
    User,
    UserCodeCounter,
    UserType,
    document_errors,
    validate_e164,
)
from common.errors import Conflict, NotFound, ValidationFailed

CODE_PATTERN = re.compile(r"^USR-(\d{4})-(\d{6,})$")
_UNSET: Any = object()
UPDATABLE = ("first_name", "last_name", "email", "phone", "document_type", "document_number", "birth_date",
             "preferred_language", "institution_id", "user_type", "is_active")


# --- public codes ---------------------------------------------------------------------------------


def reserve_codes(count: int, *, year: int | None = None) -> list[str]:
    """Hand out `count` consecutive USR-<year>-<number> codes. Must run inside a transaction: the year's
    counter row stays locked until commit, so concurrent callers never get the same number. Numbers
    already taken by codes written another way (imports, fixtures) are skipped."""
    year = year or timezone.localdate().year
    UserCodeCounter.objects.get_or_create(year=year)
    counter = UserCodeCounter.objects.select_for_update().get(year=year)
    prefix = f"USR-{year}-"
    highest = (User.objects.filter(code__regex=rf"^{prefix}[0-9]{{6}}$").order_by("-code")
               .values_list("code", flat=True).first())
    taken = int(highest.removeprefix(prefix)) if highest else 0
    start = max(counter.last_value, taken) + 1
    counter.last_value = start + count - 1
    counter.save(update_fields=["last_value"])
    return [f"{prefix}{n:06d}" for n in range(start, start + count)]


# --- validation ---------------------------------------------------------------------------------


def _normalized(value: str | None) -> str:
    return (value or "").strip()


def identity_errors(*, document_type: str, document_number: str, phone: str, email: str, institution_id: int | None,
                    exclude_user_id: int | None = None) -> dict[str, list[str]]:
    """Field errors of a person's identity and contact data (format and per-institution uniqueness)."""
    fields: dict[str, list[str]] = {}
    if document_type not in DocumentType.values:
        fields["document_type"] = [str(_("Unknown document type."))]
    elif errors := document_errors(document_type, document_number):
        fields["document_number"] = errors
    elif document_number:
        clash = User.objects.filter(institution_id=institution_id, document_type=document_type,
                                    document_number=document_number)
        if exclude_user_id:
            clash = clash.exclude(pk=exclude_user_id)
        if clash.exists():
            fields["document_number"] = [str(_("Another person of this institution has this document."))]
    if phone and not validate_e164.regex.match(phone):
        fields["phone"] = [str(E164_MESSAGE)]
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            fields["email"] = [str(_("Enter a valid email address."))]
    return fields


def _check_institution(institution_id: int | None, fields: dict) -> None:
    if institution_id is not None and institution.get_institution(institution_id=institution_id) is None:
        fields["institution"] = [str(_("Unknown institution."))]


def _get_for_update(user_id: int) -> User:
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound(str(_("User not found.")), code="user_not_found")
    return user


# --- events ---------------------------------------------------------------------------------------


def _publish_created(user: User) -> None:
    events.publish("user.created", aggregate_id=user.pk, aggregate_type="User", payload=UserCreated(
        user_id=user.pk, user_code=user.code, user_type=user.user_type, institution_id=user.institution_id,
        first_name=user.first_name, last_name=user.last_name, email=user.email, phone=user.phone,
        document_type=user.document_type, birth_date=user.birth_date, preferred_language=user.preferred_language))


def publish_created_many(users: Iterable[User]) -> None:
    """user.created for users inserted in bulk (demo, import)."""
    for user in users:
        _publish_created(user)


def _publish_changes(user: User, changed: list[str], *, previous_type: str, reason: str | None = None) -> None:
    if not changed:
        return
    events.publish("user.updated", aggregate_id=user.pk, aggregate_type="User", payload=UserUpdated(
        user_id=user.pk, user_code=user.code or "", user_type=user.user_type, institution_id=user.institution_id,
        changed_fields=sorted(changed)))
    if "user_type" in changed and previous_type != user.user_type:
        events.publish("user.role.changed", aggregate_id=user.pk, aggregate_type="User", payload=UserRoleChanged(
            user_id=user.pk, user_code=user.code or "", institution_id=user.institution_id,
            previous_user_type=previous_type, new_user_type=user.user_type))
    if "is_active" in changed and not user.is_active:
        events.publish("user.deactivated", aggregate_id=user.pk, aggregate_type="User", payload=UserDeactivated(
            user_id=user.pk, user_code=user.code or "", user_type=user.user_type,
            institution_id=user.institution_id, reason=reason or None))


# --- users -----------------------------------------------------------------------------------------


@transaction.atomic
def user_create(*, user_type: str, first_name: str, last_name: str, institution_id: int | None = None,
                document_type: str = DocumentType.DNI, document_number: str = "", email: str = "", phone: str = "",
                birth_date: date | None = None, username: str | None = None, password: str | None = None,
                preferred_language: str = "es", is_staff: bool = False) -> User:
    """Register a person. The public code is assigned here (never by the client); the username defaults to it."""
    document_number = _normalized(document_number).upper()
    email, phone, username = _normalized(email).lower(), _normalized(phone), _normalized(username)
    fields = identity_errors(document_type=document_type, document_number=document_number, phone=phone,
                             email=email, institution_id=institution_id)
    if user_type not in UserType.values:
        fields["user_type"] = [str(_("Unknown user type."))]
    if not _normalized(first_name):
        fields["first_name"] = [str(_("This field is required."))]
    if not _normalized(last_name):
        fields["last_name"] = [str(_("This field is required."))]
    if username and User.objects.filter(username__iexact=username).exists():
        fields["username"] = [str(_("This username is taken."))]
    _check_institution(institution_id, fields)
    user = User(user_type=user_type, first_name=_normalized(first_name), last_name=_normalized(last_name),
                institution_id=institution_id, document_type=document_type, document_number=document_number,
                email=email, phone=phone, birth_date=birth_date, preferred_language=preferred_language,
                is_staff=is_staff, username=username or "pending")
    if password:
        try:
            validate_password(password, user)
        except DjangoValidationError as exc:
            fields["password"] = list(exc.messages)
    if fields:
        raise ValidationFailed(fields=fields)
    user.code = reserve_codes(1)[0]
    if not username:
        user.username = user.code.lower()
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    _publish_created(user)
    return user


@transaction.atomic
def user_update(*, user_id: int, reason: str | None = None, **changes: Any) -> User:
    """Change a person's data (any of UPDATABLE). Publishes user.updated, and user.role.changed /
    user.deactivated when the type changes or the person is deactivated."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationFailed(fields={name: [str(_("This field cannot be changed."))] for name in sorted(unknown)})
    user = _get_for_update(user_id)
    previous_type = user.user_type
    for key in ("first_name", "last_name", "phone", "document_number", "email"):
        if key in changes:
            changes[key] = _normalized(changes[key])
    if "document_number" in changes:
        changes["document_number"] = changes["document_number"].upper()
    if "email" in changes:
        changes["email"] = changes["email"].lower()
    merged = {k: changes.get(k, getattr(user, k)) for k in UPDATABLE}
    fields = identity_errors(document_type=merged["document_type"], document_number=merged["document_number"],
                             phone=merged["phone"], email=merged["email"], institution_id=merged["institution_id"],
                             exclude_user_id=user.pk)
    if merged["user_type"] not in UserType.values:
        fields["user_type"] = [str(_("Unknown user type."))]
    for key in ("first_name", "last_name"):
        if not merged[key]:
            fields[key] = [str(_("This field is required."))]
    if "institution_id" in changes:
        _check_institution(merged["institution_id"], fields)
    if "user_type" in changes and previous_type == UserType.STUDENT and merged["user_type"] != UserType.STUDENT \
            and user.guardian_links.exists():
        fields["user_type"] = [str(_("Unlink the student's guardians before changing the type."))]
    if fields:
        raise ValidationFailed(fields=fields)
    changed = [k for k, v in changes.items() if getattr(user, k) != v]
    for key in changed:
        setattr(user, key, changes[key])
    if "is_active" in changed:
        user.deactivated_at = None if user.is_active else timezone.now()
    if changed:
        user.save()
    _publish_changes(user, changed, previous_type=previous_type, reason=reason)
    return user


def user_deactivate(*, user_id: int, reason: str = "") -> User:
    """Soft deactivation: the person can no longer log in; nothing is deleted. Idempotent."""
    return user_update(user_id=user_id, is_active=False, reason=reason)


def user_saved_in_admin(*, user: User, created: bool, changed_fields: Iterable[str], previous_type: str) -> None:
    """Publish the events of a change made through the admin form (the form already validated it)."""
    if created:
        _publish_created(user)
        return
    changed = [f for f in changed_fields if f in UPDATABLE]
    if "is_active" in changed:
        User.objects.filter(pk=user.pk).update(deactivated_at=None if user.is_active else timezone.now())
    _publish_changes(user, changed, previous_type=previous_type)


@transaction.atomic
def user_set_password(*, user_id: int, password: str) -> None:
    user = _get_for_update(user_id)
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])


def verify_credentials(*, username: str, password: str) -> User | None:
    """The active user these credentials belong to, or None. The username may also be the public code."""
    username = _normalized(username)
    if not username or not password:
        return None
    if CODE_PATTERN.match(username.upper()):
        username = User.objects.filter(code=username.upper()).values_list("username", flat=True).first() or username
    user = authenticate(username=username, password=password)
    return user if user is not None and user.is_active else None


# --- guardian links -------------------------------------------------------------------------------


@transaction.atomic
def guardian_link_create(*, student_id: int, guardian_id: int, relationship: str, is_primary_contact: bool = False,
                         may_pick_up: bool = True, notify_email: bool = True, notify_sms: bool = True,
                         notify_inapp: bool = True) -> GuardianLink:
    """Link a guardian (PARENT) to a student. A new primary contact replaces the previous one."""
    student = User.objects.select_for_update().filter(pk=student_id).first()
    if student is None:
        raise NotFound(str(_("User not found.")), code="user_not_found")
    guardian = User.objects.filter(pk=guardian_id).first()
    fields: dict[str, list[str]] = {}
    if student.user_type != UserType.STUDENT:
        fields["student"] = [str(_("Only students have guardians."))]
    if guardian is None:
        fields["guardian_id"] = [str(_("Unknown user."))]
    elif guardian.user_type != UserType.PARENT:
        fields["guardian_id"] = [str(_("The guardian must be a user of type PARENT."))]
    elif not guardian.is_active:
        fields["guardian_id"] = [str(_("The guardian is deactivated."))]
    if relationship not in GuardianLink.Relationship.values:
        fields["relationship"] = [str(_("Unknown relationship."))]
    if fields:
        raise ValidationFailed(fields=fields)
    if GuardianLink.objects.filter(student=student, guardian=guardian).exists():
        raise Conflict(str(_("This guardian is already linked to the student.")), code="guardian_already_linked")
    if is_primary_contact:
        GuardianLink.objects.filter(student=student, is_primary_contact=True).update(is_primary_contact=False)
    link = GuardianLink.objects.create(student=student, guardian=guardian, relationship=relationship,
                                       is_primary_contact=is_primary_contact, may_pick_up=may_pick_up,
                                       notify_email=notify_email, notify_sms=notify_sms, notify_inapp=notify_inapp)
    publish_linked(link)
    return link


def publish_linked(link: GuardianLink) -> None:
    student, guardian = link.student, link.guardian
    events.publish("student.parent.linked", aggregate_id=student.pk, aggregate_type="User",
                   payload=StudentParentLinked(
                       student_id=student.pk, student_code=student.code or "", guardian_id=guardian.pk,
                       guardian_code=guardian.code or "", relationship=link.relationship,
                       is_primary_contact=link.is_primary_contact, may_pick_up=link.may_pick_up,
                       institution_id=student.institution_id))


@transaction.atomic
def guardian_link_delete(*, student_id: int, guardian_id: int) -> None:
    """Unlink a guardian. The catalogue has no "unlinked" event: the student's user.updated
    (changedFields ["guardians"]) tells consumers to refresh the family."""
    deleted, _detail = GuardianLink.objects.filter(student_id=student_id, guardian_id=guardian_id).delete()
    if not deleted:
        raise NotFound(str(_("This guardian is not linked to the student.")), code="guardian_link_not_found")
    student = User.objects.get(pk=student_id)
    _publish_changes(student, ["guardians"], previous_type=student.user_type)
