"""Public face of the assignments context: who teaches what, and whether a block is free.

Plain keyword-only functions returning frozen dataclass DTOs; no model instance crosses.
Every function takes the caller's `scope` (keyword-only, required): a view passes the request's
(`apps.auth.contracts.request_scope`), saga steps, event handlers and commands pass
`common.tenancy.SYSTEM`. Rows of a school the scope does not reach are never returned; a foreign
teacher or section named in `check_availability` is a 404 like an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.utils.translation import gettext as _

from apps.assignments import selectors
from apps.assignments.models import TeacherAssignment
from common.errors import NotFound
from common.tenancy import Scope


@dataclass(frozen=True)
class AssignmentDTO:
    id: int
    teacher_id: int
    course_id: int
    section_id: int
    academic_year_id: int
    institution_id: int


@dataclass(frozen=True)
class AvailabilityDTO:
    available: bool
    conflicts: tuple[dict, ...]
    weekly_hours_after: str
    max_weekly_hours: str
    workload_exceeded: bool


def _dto(a: TeacherAssignment) -> AssignmentDTO:
    return AssignmentDTO(id=a.pk, teacher_id=a.teacher_id, course_id=a.course_id, section_id=a.section_id,
                         academic_year_id=a.academic_year_id, institution_id=a.institution_id)


def teachers_of_section(*, scope: Scope, section_id: int) -> list[AssignmentDTO]:
    """Active assignments of a section (one per course), ordered by course."""
    return [_dto(a) for a in TeacherAssignment.objects.in_scope(scope).filter(section_id=section_id, is_active=True)
            .order_by("course_id", "id")]


def assignments_of_teacher(*, scope: Scope, teacher_id: int,
                           academic_year_id: int | None = None) -> list[AssignmentDTO]:
    qs = TeacherAssignment.objects.in_scope(scope).filter(teacher_id=teacher_id, is_active=True)
    if academic_year_id is not None:
        qs = qs.filter(academic_year_id=academic_year_id)
    return [_dto(a) for a in qs.order_by("-academic_year_id", "section_id", "course_id")]


def is_teacher_of(*, scope: Scope, teacher_id: int, section_id: int, course_id: int | None = None) -> bool:
    qs = TeacherAssignment.objects.in_scope(scope).filter(teacher_id=teacher_id, section_id=section_id, is_active=True)
    if course_id is not None:
        qs = qs.filter(course_id=course_id)
    return qs.exists()


def check_availability(*, scope: Scope, teacher_id: int, section_id: int, academic_year_id: int,
                       day_of_week: int, start_time: time, end_time: time, room: str = "",
                       institution_id: int | None = None, exclude_block_id: int | None = None) -> AvailabilityDTO:
    """Would booking this block succeed? Same conflict rule and workload limit as the booking
    service (`services.schedule_block_create`), within the section's school. Raises
    common.errors.ValidationFailed on bad times, NotFound (404) for a section, teacher, institution
    or excluded block the scope does not reach (exactly as for unknown ids)."""
    from apps.assignments import services

    services.validate_block_times(day_of_week=day_of_week, start_time=start_time, end_time=end_time)
    section = selectors.section_in_scope(scope=scope, section_id=section_id)
    selectors.teacher_in_scope(scope=scope, teacher_id=teacher_id)
    if institution_id is not None:  # whose workload limit to apply (default: the section's school's, as when booking)
        scope.require(institution_id, code="institution_not_found")
    school = Scope.school(section.institution_id)  # a block only ever clashes within its own school
    if exclude_block_id is not None and not selectors.block_list(scope=school).filter(pk=exclude_block_id).exists():
        raise NotFound(_("Schedule block not found."), code="schedule_block_not_found")
    proposal = selectors.ProposedBlock(academic_year_id=academic_year_id, teacher_id=teacher_id,
                                       section_id=section_id, room=(room or "").strip(), day_of_week=int(day_of_week),
                                       start_time=start_time, end_time=end_time)
    conflicts = selectors.schedule_conflicts(scope=school, proposal=proposal, exclude_block_id=exclude_block_id)
    workload = services.workload_after(proposal=proposal, institution_id=section.institution_id)
    limit = workload.max_weekly_hours if institution_id in (None, section.institution_id) else \
        selectors.max_weekly_hours(institution_id=institution_id)
    weekly_hours = selectors.hours(workload.weekly_minutes)
    exceeded = weekly_hours > limit
    return AvailabilityDTO(available=not conflicts and not exceeded, conflicts=tuple(c.as_dict() for c in conflicts),
                           weekly_hours_after=str(weekly_hours), max_weekly_hours=str(limit),
                           workload_exceeded=exceeded)
