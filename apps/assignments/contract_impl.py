"""The assignments context's contract, implemented in-process (apps.assignments.contracts is the
interface; this is what its module functions and RPC endpoints call here)."""

from __future__ import annotations

from datetime import time

from django.utils.translation import gettext as _

from apps.assignments import selectors, services
from apps.assignments.contracts import AssignmentDTO, AssignmentsContract, AvailabilityDTO
from apps.assignments.models import TeacherAssignment
from common.errors import NotFound
from common.tenancy import Scope


def assignment_dto(a: TeacherAssignment) -> AssignmentDTO:
    return AssignmentDTO(id=a.pk, teacher_id=a.teacher_id, course_id=a.course_id, section_id=a.section_id,
                         academic_year_id=a.academic_year_id, institution_id=a.institution_id)


class LocalAssignments(AssignmentsContract):
    def teachers_of_section(self, *, scope: Scope, section_id: int) -> list[AssignmentDTO]:
        return [assignment_dto(a) for a in TeacherAssignment.objects.in_scope(scope)
                .filter(section_id=section_id, is_active=True).order_by("course_id", "id")]

    def assignments_of_teacher(self, *, scope: Scope, teacher_id: int,
                               academic_year_id: int | None = None) -> list[AssignmentDTO]:
        qs = TeacherAssignment.objects.in_scope(scope).filter(teacher_id=teacher_id, is_active=True)
        if academic_year_id is not None:
            qs = qs.filter(academic_year_id=academic_year_id)
        return [assignment_dto(a) for a in qs.order_by("-academic_year_id", "section_id", "course_id")]

    def is_teacher_of(self, *, scope: Scope, teacher_id: int, section_id: int, course_id: int | None = None) -> bool:
        qs = TeacherAssignment.objects.in_scope(scope).filter(teacher_id=teacher_id, section_id=section_id,
                                                              is_active=True)
        if course_id is not None:
            qs = qs.filter(course_id=course_id)
        return qs.exists()

    def check_availability(self, *, scope: Scope, teacher_id: int, section_id: int, academic_year_id: int,
                           day_of_week: int, start_time: time, end_time: time, room: str = "",
                           institution_id: int | None = None, exclude_block_id: int | None = None) -> AvailabilityDTO:
        services.validate_block_times(day_of_week=day_of_week, start_time=start_time, end_time=end_time)
        section = selectors.section_in_scope(scope=scope, section_id=section_id)
        selectors.teacher_in_scope(scope=scope, teacher_id=teacher_id)
        if institution_id is not None:  # whose workload limit to apply (default: the section's school's, as when booking)
            scope.require(institution_id, code="institution_not_found")
        school = Scope.school(section.institution_id)  # a block only ever clashes within its own school
        if exclude_block_id is not None and not selectors.block_list(scope=school).filter(pk=exclude_block_id).exists():
            raise NotFound(_("Schedule block not found."), code="schedule_block_not_found")
        proposal = selectors.ProposedBlock(academic_year_id=academic_year_id, teacher_id=teacher_id,
                                           section_id=section_id, room=(room or "").strip(),
                                           day_of_week=int(day_of_week), start_time=start_time, end_time=end_time)
        conflicts = selectors.schedule_conflicts(scope=school, proposal=proposal, exclude_block_id=exclude_block_id)
        workload = services.workload_after(proposal=proposal, institution_id=section.institution_id)
        limit = workload.max_weekly_hours if institution_id in (None, section.institution_id) else \
            selectors.max_weekly_hours(institution_id=institution_id)
        weekly_hours = selectors.hours(workload.weekly_minutes)
        exceeded = weekly_hours > limit
        return AvailabilityDTO(available=not conflicts and not exceeded,
                               conflicts=tuple(conflicts),
                               weekly_hours_after=str(weekly_hours), max_weekly_hours=str(limit),
                               workload_exceeded=exceeded)

    def teacher_section_ids(self, *, teacher_id: int) -> frozenset[int]:
        return selectors.teacher_section_ids(teacher_id)

    def teacher_section_course_pairs(self, *, teacher_id: int) -> frozenset[tuple[int, int]]:
        return selectors.teacher_section_course_pairs(teacher_id)
