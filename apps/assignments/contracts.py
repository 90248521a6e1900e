"""Public face of the assignments context: who teaches what, and whether a block is free.

Plain keyword-only functions returning frozen dataclass DTOs; no model instance crosses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from apps.academic import contracts as academic
from apps.assignments import selectors
from apps.assignments.models import TeacherAssignment


@dataclass(frozen=True)
class AssignmentDTO:
    id: int
    teacher_id: int
    course_id: int
    section_id: int
    academic_year_id: int
    institution_id: int | None


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


def teachers_of_section(*, section_id: int) -> list[AssignmentDTO]:
    """Active assignments of a section (one per course), ordered by course."""
    return [_dto(a) for a in TeacherAssignment.objects.filter(section_id=section_id, is_active=True)
            .order_by("course_id", "id")]


def assignments_of_teacher(*, teacher_id: int, academic_year_id: int | None = None) -> list[AssignmentDTO]:
    qs = TeacherAssignment.objects.filter(teacher_id=teacher_id, is_active=True)
    if academic_year_id is not None:
        qs = qs.filter(academic_year_id=academic_year_id)
    return [_dto(a) for a in qs.order_by("-academic_year_id", "section_id", "course_id")]


def is_teacher_of(*, teacher_id: int, section_id: int, course_id: int | None = None) -> bool:
    qs = TeacherAssignment.objects.filter(teacher_id=teacher_id, section_id=section_id, is_active=True)
    if course_id is not None:
        qs = qs.filter(course_id=course_id)
    return qs.exists()


def check_availability(*, teacher_id: int, section_id: int, academic_year_id: int, day_of_week: int,
                       start_time: time, end_time: time, room: str = "", institution_id: int | None = None,
                       exclude_block_id: int | None = None) -> AvailabilityDTO:
    """Would booking this block succeed? Same conflict rule and workload limit as the booking
    service (`services.schedule_block_create`). Raises common.errors.ValidationFailed on bad times."""
    from apps.assignments import services

    services.validate_block_times(day_of_week=day_of_week, start_time=start_time, end_time=end_time)
    proposal = selectors.ProposedBlock(academic_year_id=academic_year_id, teacher_id=teacher_id,
                                       section_id=section_id, room=(room or "").strip(), day_of_week=int(day_of_week),
                                       start_time=start_time, end_time=end_time)
    conflicts = selectors.schedule_conflicts(proposal=proposal, exclude_block_id=exclude_block_id)
    if institution_id is None:  # the limit that applies is the section's institution's, as when booking
        section = academic.get_section(section_id=section_id)
        institution_id = section.institution_id if section else None
    workload = services.workload_after(proposal=proposal, institution_id=institution_id)
    weekly_hours = selectors.hours(workload.weekly_minutes)
    exceeded = weekly_hours > workload.max_weekly_hours
    return AvailabilityDTO(available=not conflicts and not exceeded, conflicts=tuple(c.as_dict() for c in conflicts),
                           weekly_hours_after=str(weekly_hours), max_weekly_hours=str(workload.max_weekly_hours),
                           workload_exceeded=exceeded)
