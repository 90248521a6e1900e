"""Auth read queries: token validation, a user's roles and permissions, permission checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import jwt
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.utils import datetime_from_epoch

from apps.academic import contracts as academic
from apps.auth.contracts import (
    ALL_PERMISSIONS,
    can_act_on_section,
    can_read_student,
    has_permission,
    principal_from_summary,
)
from apps.auth.tokens import access_token_revoked, roles_of
from apps.users import contracts as users
from apps.users.contracts import UserSecurityDTO
from common.errors import NotFound, ValidationFailed
from common.tenancy import Scope

logger = logging.getLogger(__name__)

# Registered claims every PRS1 access token must carry (PyJWT raises MissingRequiredClaimError).
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud", "jti"]


@dataclass(frozen=True)
class TokenValidation:
    valid: bool
    user_id: int | None = None
    user_type: str | None = None
    expires_at: datetime | None = None
    reason: str | None = None  # why not valid: expired, invalid_signature, invalid_audience, ...


def _decode(token: str) -> dict:
    return jwt.decode(
        token,
        token_backend.get_verifying_key(token),
        algorithms=[token_backend.algorithm],
        audience=token_backend.audience,
        issuer=token_backend.issuer,
        leeway=token_backend.get_leeway(),
        options={"require": REQUIRED_CLAIMS},
    )


def validate_token(*, token: str) -> TokenValidation:
    """Is this an access token PRS1 issued, unexpired, for an active user? Never raises: the
    answer says why not (`reason`)."""
    try:
        payload = _decode(token)
    except jwt.ExpiredSignatureError:
        return TokenValidation(valid=False, reason="expired")
    except jwt.InvalidAudienceError:
        return TokenValidation(valid=False, reason="invalid_audience")
    except jwt.InvalidIssuerError:
        return TokenValidation(valid=False, reason="invalid_issuer")
    except jwt.InvalidSignatureError:
        return TokenValidation(valid=False, reason="invalid_signature")
    except jwt.ImmatureSignatureError:
        return TokenValidation(valid=False, reason="not_yet_valid")
    except jwt.InvalidAlgorithmError:
        return TokenValidation(valid=False, reason="invalid_algorithm")
    except jwt.MissingRequiredClaimError as exc:
        return TokenValidation(valid=False, reason=f"missing_claim:{exc.claim}")
    except jwt.InvalidTokenError:
        return TokenValidation(valid=False, reason="malformed")
    expires_at = datetime_from_epoch(payload["exp"])
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != "access":
        return TokenValidation(valid=False, expires_at=expires_at, reason="wrong_token_type")
    if access_token_revoked(payload):
        return TokenValidation(valid=False, expires_at=expires_at, reason="revoked")
    try:
        user_id = int(payload[api_settings.USER_ID_CLAIM])
    except (TypeError, ValueError):
        return TokenValidation(valid=False, expires_at=expires_at, reason="invalid_subject")
    summary = users.user_security_summary(user_id=user_id)
    if summary is None:
        return TokenValidation(valid=False, user_id=user_id, expires_at=expires_at, reason="user_not_found")
    if not summary.is_active:
        return TokenValidation(valid=False, user_id=user_id, expires_at=expires_at, reason="user_inactive")
    return TokenValidation(valid=True, user_id=user_id, user_type=summary.user_type, expires_at=expires_at)


@dataclass(frozen=True)
class UserPermissions:
    user_id: int
    user_type: str
    is_active: bool
    roles: list[str]
    permissions: list[str]


def _user_not_found() -> NotFound:
    return NotFound(_("User not found."), code="user_not_found")


def _reaches(scope: Scope, summary: UserSecurityDTO | None, caller_id: int | None) -> bool:
    """Does the scope reach this user? Their school must be the scope's (a person of no school: network-wide
    only); the asking person themself (`caller_id`) is always reached: oneself is no other school's row."""
    if summary is None:
        return False
    return scope.allows(summary.institution_id) or (caller_id is not None and summary.id == caller_id)


def user_permissions(*, scope: Scope, user_id: int, caller_id: int | None = None) -> UserPermissions:
    """A user's roles and permissions (none while deactivated). NotFound for an unknown user or one of a
    school the scope does not reach."""
    summary = users.user_security_summary(user_id=user_id)
    if not _reaches(scope, summary, caller_id):
        raise _user_not_found()
    principal = principal_from_summary(summary)
    active = summary.is_active
    return UserPermissions(user_id=user_id, user_type=principal.user_type, is_active=active,
                           roles=roles_of(principal), permissions=sorted(principal.permissions) if active else [])


@dataclass(frozen=True)
class PermissionCheck:
    allowed: bool
    reason: str  # granted | user_not_found | user_inactive | missing_permission | student_out_of_scope |
    #              section_out_of_scope | scope_unavailable (a lookup's context did not answer: fail closed)


def _require_objects_in_scope(scope: Scope, *, student_id: int | None, section_id: int | None) -> None:
    """A school-scoped caller asks only about its own school's student and section: another school's (or an
    unknown one) is a 404, never an answer that tells it exists."""
    if scope.is_network:
        return
    if student_id is not None:
        student = users.user_security_summary(user_id=student_id)
        scope.require(student.institution_id if student else None, code="student_not_found",
                      message=_("Student not found."))
    if section_id is not None:
        school = academic.section_institution_id(section_id=section_id)
        scope.require(school, code="section_not_found", message=_("Section not found."))


def check_permission(*, scope: Scope, user_id: int, permission: str, student_id: int | None = None,
                     section_id: int | None = None, course_id: int | None = None,
                     caller_id: int | None = None) -> PermissionCheck:
    """May this user use `permission` (on this student / section / course)? The role matrix and
    the object-scope rules of apps.auth.contracts, exactly as the DRF APIs apply them. The user, the
    student and the section must be reached by the caller's `scope` (else NotFound, like unknown ids)."""
    fields: dict[str, list[str]] = {}
    if permission not in ALL_PERMISSIONS:
        fields["permission"] = [str(_("Unknown permission."))]
    if course_id is not None and section_id is None:
        fields["courseId"] = [str(_("A course is checked within a section: give sectionId too."))]
    if fields:
        raise ValidationFailed(fields=fields)

    summary = users.user_security_summary(user_id=user_id)
    if not scope.is_network and not _reaches(scope, summary, caller_id):
        raise _user_not_found()
    _require_objects_in_scope(scope, student_id=student_id, section_id=section_id)
    if summary is None:
        return PermissionCheck(False, "user_not_found")
    if not summary.is_active:
        return PermissionCheck(False, "user_inactive")
    principal = principal_from_summary(summary)
    if not has_permission(principal, permission):
        return PermissionCheck(False, "missing_permission")
    try:
        if student_id is not None and not can_read_student(principal, student_id):
            return PermissionCheck(False, "student_out_of_scope")
        if section_id is not None and not can_act_on_section(principal, section_id, course_id):
            return PermissionCheck(False, "section_out_of_scope")
    except ConnectionError:  # common.contracts.RemoteUnavailable / BreakerOpen: the owning context is away
        logger.exception("auth.check_permission scope lookup unavailable (fail closed) user_id=%s", user_id)
        return PermissionCheck(False, "scope_unavailable")
    return PermissionCheck(True, "granted")
