"""Grades' integration endpoints: the enrollment saga's grade steps (docs/CONTRACTS.md) over HTTP,
for when the grades context runs as its own service. Same functions as `apps.grades.contracts`.
Authenticated with the service token (header X-Service-Token) or a bearer token of a caller holding
`enrollment.manage`.

The caller's scope applies (`apps.auth.contracts.request_scope`): a school's staff reach only their
own school's sections, enrollments and grade records (another school's id answers 404 like an
unknown one); the service token is network-wide unless it declares a school in `X-PRS1-Scope`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from apps.auth.contracts import MalformedScope, ServiceCaller, has_permission, integration_auth, request_scope
from apps.grades import contracts
from common.errors import PermissionDenied, ValidationFailed
from common.filters import MAX_BIGINT
from common.integration import ErrorOut
from common.tenancy import Scope

router = Router(tags=["grades"], auth=integration_auth())


class InitializeIn(Schema):
    enrollmentId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[17])
    studentId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[41])
    sectionId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[3])


class InitializeOut(Schema):
    created: int = Field(..., description="Rows created by this call (0 when they existed).", examples=[24])
    total: int = Field(..., description="Grade records of the enrollment now.", examples=[24])


class DeletedOut(Schema):
    deleted: int = Field(..., examples=[24])


class CountOut(Schema):
    count: int = Field(..., examples=[24])


def _authorize(request) -> Scope:
    """The role check, then the caller's scope (a malformed X-PRS1-Scope header is a 400)."""
    caller = request.auth
    if not isinstance(caller, ServiceCaller) and not has_permission(caller, "enrollment.manage"):
        raise PermissionDenied(_("You do not have permission to perform this action."))
    try:
        return request_scope(request)
    except MalformedScope:
        raise ValidationFailed(_("The X-PRS1-Scope header is malformed."), code="malformed_scope") from None


@router.post("/grades/integration/grade-records", response={200: InitializeOut, 400: ErrorOut, 401: ErrorOut,
                                                            403: ErrorOut, 404: ErrorOut},
             summary="Saga step InitializeGrades: one grade record per course and period (idempotent)")
def initialize_grade_records(request, payload: InitializeIn):
    scope = _authorize(request)
    created = contracts.initialize_grade_records(scope=scope, enrollment_id=payload.enrollmentId,
                                                 student_id=payload.studentId, section_id=payload.sectionId)
    return InitializeOut(created=created, total=contracts.grade_record_count(scope=scope,
                                                                             enrollment_id=payload.enrollmentId))


@router.delete("/grades/integration/grade-records/{enrollment_id}",
               response={200: DeletedOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
               summary="Compensation CompensateGradeInitialization: delete the enrollment's grade records")
def delete_grade_records(request, enrollment_id: int):
    scope = _authorize(request)
    return DeletedOut(deleted=contracts.delete_grade_records(scope=scope, enrollment_id=enrollment_id))


@router.get("/grades/integration/grade-records/{enrollment_id}/count",
            response={200: CountOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            summary="How many grade records the enrollment has")
def grade_record_count(request, enrollment_id: int):
    scope = _authorize(request)
    return CountOut(count=contracts.grade_record_count(scope=scope, enrollment_id=enrollment_id))
