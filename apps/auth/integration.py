"""Auth's integration endpoints (the seed's "APIs de Integración Síncrona" of MS-VG-0003), for
other services: validate a token, read a user's permissions, check a permission on an object.

Authenticated with a bearer access token or the service token (X-Service-Token); otherwise 401.
A person may ask only about themself unless they are staff; anyone else's id answers 404.
Tenancy: the caller's scope (`request_scope`: a person's token reaches their own school; the service token
is network-wide unless it declares a school in `X-PRS1-Scope`) bounds the users, students and sections it
may ask about: another school's id answers 404 like an unknown one. A malformed X-PRS1-Scope is a 400.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from apps.auth import selectors
from apps.auth.contracts import Principal, integration_auth, may_read_user_security, request_scope
from common.errors import NotFound
from common.filters import MAX_BIGINT
from common.integration import ErrorOut

router = Router(tags=["auth"], auth=integration_auth())


class ValidateTokenIn(Schema):
    token: str = Field(..., min_length=1, max_length=4096, description="An access token (JWT).",
                       examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.signature"])


class ValidateTokenOut(Schema):
    valid: bool = Field(..., examples=[True])
    userId: int | None = Field(None, examples=[42])
    userType: str | None = Field(None, examples=["TEACHER"])
    expiresAt: datetime | None = Field(None, examples=["2026-03-02T13:15:00Z"])
    reason: str | None = Field(None, description="Why the token is not valid: expired, not_yet_valid, invalid_signature, "
                               "invalid_audience, invalid_issuer, invalid_algorithm, missing_claim:<claim>, malformed, "
                               "wrong_token_type, revoked (logged out), invalid_subject, user_not_found, "
                               "user_inactive.", examples=[None])


class UserPermissionsOut(Schema):
    userId: int = Field(..., examples=[42])
    userType: str = Field(..., examples=["TEACHER"])
    isActive: bool = Field(..., examples=[True])
    roles: list[str] = Field(..., examples=[["TEACHER"]])
    permissions: list[str] = Field(..., examples=[["academic.read", "attendance.mark", "grades.record"]])


class CheckPermissionIn(Schema):
    userId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[42])
    permission: str = Field(..., min_length=1, max_length=100, examples=["grades.record"])
    studentId: int | None = Field(None, ge=1, le=MAX_BIGINT, description="Check the user's scope over this student.",
                                  examples=[None])
    sectionId: int | None = Field(None, ge=1, le=MAX_BIGINT, description="Check the user may act on this section.", examples=[7])
    courseId: int | None = Field(None, ge=1, le=MAX_BIGINT, description="Within sectionId: this course.", examples=[3])


class CheckPermissionOut(Schema):
    allowed: bool = Field(..., examples=[True])
    reason: str = Field(..., description="granted, user_not_found, user_inactive, missing_permission, "
                        "student_out_of_scope, section_out_of_scope, scope_unavailable.", examples=["granted"])


def _may_read(request, user_id: int) -> None:
    if not may_read_user_security(request.auth, user_id):
        raise NotFound(_("User not found."), code="user_not_found")


def _caller_id(request) -> int | None:
    return request.auth.user_id if isinstance(request.auth, Principal) else None


@router.post("/auth/validate-token", response={200: ValidateTokenOut, 400: ErrorOut, 401: ErrorOut},
             summary="Validate an access token (signature, exp, iss, aud, sub, active user)")
def validate_token(request, payload: ValidateTokenIn):
    result = selectors.validate_token(token=payload.token)
    return ValidateTokenOut(valid=result.valid, userId=result.user_id, userType=result.user_type,
                            expiresAt=result.expires_at, reason=result.reason)


@router.get("/auth/user-permissions/{userId}", response={200: UserPermissionsOut, 400: ErrorOut, 401: ErrorOut,
                                                         404: ErrorOut},
            summary="A user's roles and permissions (staff, the user themself, or the service token)")
def user_permissions(request, userId: int):  # the seed's path parameter name
    _may_read(request, userId)
    result = selectors.user_permissions(scope=request_scope(request), user_id=userId, caller_id=_caller_id(request))
    return UserPermissionsOut(userId=result.user_id, userType=result.user_type, isActive=result.is_active,
                              roles=result.roles, permissions=result.permissions)


@router.post("/auth/check-permission", response={200: CheckPermissionOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
             summary="May this user use a permission, on a student / section / course?")
def check_permission(request, payload: CheckPermissionIn):
    _may_read(request, payload.userId)
    result = selectors.check_permission(scope=request_scope(request), caller_id=_caller_id(request),
                                        user_id=payload.userId, permission=payload.permission,
                                        student_id=payload.studentId, section_id=payload.sectionId,
                                        course_id=payload.courseId)
    return CheckPermissionOut(allowed=result.allowed, reason=result.reason)
