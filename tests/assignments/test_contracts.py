from __future__ import annotations

from datetime import time

import pytest

from apps.assignments import contracts, services
from apps.auth.contracts import Principal, can_act_on_section, visible_section_ids
from common.tenancy import SYSTEM
from tests.assignments import factories

pytestmark = pytest.mark.django_db


def test_teachers_of_section_and_is_teacher_of_follow_active_assignments():
    active = factories.AssignmentFactory()
    removed = factories.AssignmentFactory(section_id=active.section_id)
    services.assignment_remove(scope=SYSTEM, assignment_id=removed.pk)

    [dto] = contracts.teachers_of_section(scope=SYSTEM, section_id=active.section_id)

    assert (dto.id, dto.teacher_id, dto.course_id, dto.academic_year_id) == (
        active.pk, active.teacher_id, active.course_id, active.academic_year_id)
    assert contracts.is_teacher_of(scope=SYSTEM, teacher_id=active.teacher_id, section_id=active.section_id)
    assert contracts.is_teacher_of(scope=SYSTEM, teacher_id=active.teacher_id, section_id=active.section_id,
                                   course_id=active.course_id)
    assert not contracts.is_teacher_of(scope=SYSTEM, teacher_id=active.teacher_id, section_id=active.section_id,
                                       course_id=removed.course_id)
    assert not contracts.is_teacher_of(scope=SYSTEM, teacher_id=removed.teacher_id, section_id=removed.section_id)
    assert [a.id for a in contracts.assignments_of_teacher(scope=SYSTEM, teacher_id=active.teacher_id)] == [active.pk]


def test_auths_rules_read_a_teachers_active_assignments_through_the_contract():
    assignment = factories.AssignmentFactory()
    teacher = Principal(user_id=assignment.teacher_id, user_type="TEACHER", institution_id=1)

    assert contracts.teacher_section_ids(teacher_id=assignment.teacher_id) == frozenset({assignment.section_id})
    assert contracts.teacher_section_course_pairs(teacher_id=assignment.teacher_id) == frozenset(
        {(assignment.section_id, assignment.course_id)})
    assert visible_section_ids(teacher) == frozenset({assignment.section_id})
    assert can_act_on_section(teacher, assignment.section_id, course_id=assignment.course_id)
    assert not can_act_on_section(teacher, assignment.section_id, course_id=assignment.course_id + 1)

    services.assignment_remove(scope=SYSTEM, assignment_id=assignment.pk)

    assert visible_section_ids(teacher) == frozenset()


def test_check_availability_reports_the_workload_the_booking_would_reach(settings):
    settings.ASSIGNMENTS_MAX_WEEKLY_HOURS = 2
    assignment = factories.AssignmentFactory()
    services.schedule_block_create(scope=SYSTEM, assignment_id=assignment.pk, day_of_week=1, start_time=time(8),
                                   end_time=time(9, 30))

    answer = contracts.check_availability(scope=SYSTEM,
        teacher_id=assignment.teacher_id, section_id=assignment.section_id,
        academic_year_id=assignment.academic_year_id, day_of_week=2, start_time=time(8), end_time=time(9))

    assert answer.conflicts == () and answer.workload_exceeded and not answer.available
    assert (answer.weekly_hours_after, answer.max_weekly_hours) == ("2.50", "2")
