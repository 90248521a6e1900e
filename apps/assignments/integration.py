"""Assignments' integration endpoint (seed MS-VG-0005: POST /api/v1/assignments/validate-availability).

A proposed weekly block → available, or the conflicting blocks. It runs the very rule the booking
service applies (`contracts.check_availability` → `selectors.schedule_conflicts` + the workload
limit), so "available" means booking it now would succeed.
Authenticated with a bearer access token (a caller with `assignments.read`) or the service token.
Tenancy: the caller's scope (`apps.auth.contracts.request_scope`: a person's school, or the scope a
service token declares in X-PRS1-Scope) travels to the contract; a teacher, section, institution or
block of another school is a 404 exactly like an unknown id, and conflicts are only ever the
section's school's blocks.
"""

from __future__ import annotations

from datetime import time

from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from apps.assignments import contracts
from apps.auth.contracts import MalformedScope, ServiceCaller, has_permission, integration_auth, request_scope
from common.errors import PermissionDenied, ValidationFailed
from common.filters import MAX_BIGINT
from common.integration import ErrorOut

router = Router(tags=["assignments"], auth=integration_auth())


class ProposedBlockIn(Schema):
    teacherId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[31])
    sectionId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[4])
    academicYearId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[2])
    institutionId: int | None = Field(None, ge=1, le=MAX_BIGINT, description="Whose workload limit applies (default: "
                                      "the section's school's; a school the caller does not reach is a 404).",
                                      examples=[1])
    dayOfWeek: int = Field(..., ge=1, le=7, description="1 = Monday … 7 = Sunday.", examples=[1])
    startTime: time = Field(..., examples=["08:00"])
    endTime: time = Field(..., examples=["09:30"])
    room: str = Field("", max_length=40, examples=["Aula 201"])
    excludeBlockId: int | None = Field(None, ge=1, le=MAX_BIGINT, description="Ignore this block (when moving it).",
                                       examples=[None])


class ConflictOut(Schema):
    blockId: int = Field(..., examples=[55])
    kinds: list[str] = Field(..., description="What clashes: teacher, room and/or section.",
                             examples=[["teacher", "room"]])
    assignmentId: int = Field(..., examples=[7])
    teacherId: int = Field(..., examples=[31])
    sectionId: int = Field(..., examples=[4])
    courseId: int = Field(..., examples=[12])
    room: str = Field(..., examples=["Aula 201"])
    dayOfWeek: int = Field(..., examples=[1])
    startTime: str = Field(..., examples=["08:00"])
    endTime: str = Field(..., examples=["09:30"])


class AvailabilityOut(Schema):
    available: bool = Field(..., examples=[False])
    conflicts: list[ConflictOut]
    workloadExceeded: bool = Field(..., examples=[False])
    weeklyHoursAfter: str = Field(..., description="The teacher's weekly hours if the block were booked.",
                                  examples=["25.50"])
    maxWeeklyHours: str = Field(..., examples=["30"])


@router.post("/assignments/validate-availability",
             response={200: AvailabilityOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="Would this weekly block be free for the teacher, the room and the section?")
def validate_availability(request, payload: ProposedBlockIn):
    caller = request.auth
    if not isinstance(caller, ServiceCaller) and not has_permission(caller, "assignments.read"):
        raise PermissionDenied(_("You do not have permission to perform this action."))
    try:
        scope = request_scope(request)
    except MalformedScope:
        raise ValidationFailed(_("The X-PRS1-Scope header is malformed."), code="malformed_scope") from None
    result = contracts.check_availability(
        scope=scope,
        teacher_id=payload.teacherId, section_id=payload.sectionId, academic_year_id=payload.academicYearId,
        institution_id=payload.institutionId, day_of_week=payload.dayOfWeek, start_time=payload.startTime,
        end_time=payload.endTime, room=payload.room, exclude_block_id=payload.excludeBlockId,
    )
    return AvailabilityOut(
        available=result.available,
        conflicts=[ConflictOut(blockId=c.block_id, kinds=list(c.kinds), assignmentId=c.assignment_id,
                               teacherId=c.teacher_id, sectionId=c.section_id, courseId=c.course_id, room=c.room,
                               dayOfWeek=c.day_of_week, startTime=c.start_time.strftime("%H:%M"),
                               endTime=c.end_time.strftime("%H:%M")) for c in result.conflicts],
        workloadExceeded=result.workload_exceeded, weeklyHoursAfter=result.weekly_hours_after,
        maxWeeklyHours=result.max_weekly_hours,
    )
