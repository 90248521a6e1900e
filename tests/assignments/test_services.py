from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.assignments import selectors, services
from apps.assignments.models import ScheduleBlock, TeacherAssignment, TeacherWorkload, WorkloadLimit
from common.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from common.tenancy import SYSTEM
from events.models import OutboxEvent
from tests.assignments import factories
from tests.users.factories import StaffFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def payloads(event_type: str) -> list[dict]:
    return [row.envelope["payload"] for row in OutboxEvent.objects.filter(event_type=event_type).order_by("created_at")]


def book(assignment, day=1, start=(8, 0), end=(9, 0), room=""):
    return services.schedule_block_create(scope=SYSTEM, assignment_id=assignment.pk, day_of_week=day, start_time=time(*start),
                                          end_time=time(*end), room=room)


# --- assignment_create / assignment_remove ---------------------------------------------------------


def test_assignment_create_stores_the_assignment_for_the_sections_year_and_emits_the_event(school):
    section, course, teacher = school["section"], school["courses"][0], school["teachers"][0]

    assignment = services.assignment_create(scope=SYSTEM, teacher_id=teacher.pk, course_id=course.pk, section_id=section.pk)

    assert (assignment.teacher_id, assignment.academic_year_id, assignment.institution_id) == (
        teacher.pk, section.academic_year_id, 1)
    [payload] = payloads("teacher.assigned.to.course")
    assert payload["assignmentId"] == assignment.pk
    assert payload["teacherId"] == teacher.pk and payload["teacherCode"] == teacher.code
    assert payload["sectionCode"] == section.code and payload["courseCode"] == course.code
    assert payload["academicYearId"] == section.academic_year_id


@pytest.mark.parametrize("make_user", [
    lambda: StudentFactory(institution_id=1),
    lambda: StaffFactory(user_type="DIRECTOR", institution_id=1),
    lambda: TeacherFactory(institution_id=1, is_active=False),
])
def test_assignment_create_refuses_anyone_but_an_active_teacher(school, make_user):
    user = make_user()

    with pytest.raises(BusinessRuleViolation) as exc:
        services.assignment_create(scope=SYSTEM, teacher_id=user.pk, course_id=school["courses"][0].pk,
                                   section_id=school["section"].pk)

    assert exc.value.code == "not_an_active_teacher"
    assert not TeacherAssignment.objects.exists() and not payloads("teacher.assigned.to.course")


def test_assignment_create_names_every_unknown_reference_in_a_404(school):
    with pytest.raises(NotFound) as exc:
        services.assignment_create(scope=SYSTEM, teacher_id=999999, course_id=999999, section_id=999999)

    assert exc.value.code == "section_not_found"
    assert set(exc.value.details["fields"]) == {"teacher_id", "course_id", "section_id"}


def test_assignment_create_refuses_a_course_of_another_grade_level(school):
    other_grade_course = factories.course(number=3)

    with pytest.raises(BusinessRuleViolation) as exc:
        services.assignment_create(scope=SYSTEM, teacher_id=school["teachers"][0].pk, course_id=other_grade_course.pk,
                                   section_id=school["section"].pk)

    assert exc.value.code == "course_not_in_grade_level"
    assert not TeacherAssignment.objects.exists()


def test_assignment_create_refuses_a_teacher_of_another_institution(school):
    outsider = TeacherFactory(institution_id=2)

    with pytest.raises(BusinessRuleViolation) as exc:
        services.assignment_create(scope=SYSTEM, teacher_id=outsider.pk, course_id=school["courses"][0].pk,
                                   section_id=school["section"].pk)

    assert exc.value.code == "institution_mismatch"


def test_one_active_teacher_per_course_section_and_year(school):
    first = services.assignment_create(scope=SYSTEM, teacher_id=school["teachers"][0].pk, course_id=school["courses"][0].pk,
                                       section_id=school["section"].pk)

    with pytest.raises(Conflict) as exc:
        services.assignment_create(scope=SYSTEM, teacher_id=school["teachers"][1].pk, course_id=school["courses"][0].pk,
                                   section_id=school["section"].pk)

    assert exc.value.code == "course_already_assigned"
    assert exc.value.details["assignment_id"] == first.pk
    services.assignment_remove(scope=SYSTEM, assignment_id=first.pk)
    again = services.assignment_create(scope=SYSTEM, teacher_id=school["teachers"][1].pk, course_id=school["courses"][0].pk,
                                       section_id=school["section"].pk)
    assert again.is_active and TeacherAssignment.objects.count() == 2


def test_the_database_refuses_a_second_active_assignment_of_a_course():
    assignment = factories.AssignmentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.AssignmentFactory(course_id=assignment.course_id, section_id=assignment.section_id)


def test_assignment_remove_is_soft_deletes_its_blocks_and_announces_it():
    assignment = factories.AssignmentFactory()
    first, second = book(assignment, day=1), book(assignment, day=2)

    removed = services.assignment_remove(scope=SYSTEM, assignment_id=assignment.pk, reason="Licencia")

    assert not removed.is_active and removed.removed_at is not None
    assert TeacherAssignment.objects.filter(pk=assignment.pk).exists()
    assert not ScheduleBlock.objects.exists()
    [payload] = payloads("teacher.assignment.removed")
    assert payload["removedBlockIds"] == [first.pk, second.pk] and payload["reason"] == "Licencia"
    assert payloads("workload.updated")[-1]["weeklyHours"] == "0.00"
    with pytest.raises(Conflict):
        services.assignment_remove(scope=SYSTEM, assignment_id=assignment.pk)
    with pytest.raises(NotFound):
        services.assignment_remove(scope=SYSTEM, assignment_id=987654)


# --- booking blocks ------------------------------------------------------------------------------------


def test_booking_a_free_block_stores_it_and_emits_schedule_created_and_workload_updated():
    assignment = factories.AssignmentFactory()

    block = book(assignment, day=3, start=(10, 0), end=(11, 30), room=" Aula 201 ")

    assert (block.room, block.start_minute, block.end_minute) == ("Aula 201", 2 * 1440 + 600, 2 * 1440 + 690)
    [created] = payloads("schedule.created")
    assert created == {"blockId": block.pk, "assignmentId": assignment.pk, "teacherId": assignment.teacher_id,
                       "courseId": assignment.course_id, "sectionId": assignment.section_id,
                       "academicYearId": assignment.academic_year_id, "room": "Aula 201", "dayOfWeek": 3,
                       "startTime": "10:00", "endTime": "11:30"}
    [workload] = payloads("workload.updated")
    assert workload == {"teacherId": assignment.teacher_id, "academicYearId": assignment.academic_year_id,
                        "weeklyHours": "1.50", "maxWeeklyHours": "30"}


@pytest.mark.parametrize("kind", ["teacher", "room", "section"])
def test_an_overlapping_block_is_refused_naming_the_block_and_the_conflict_is_recorded(kind):
    existing_assignment = factories.AssignmentFactory()
    existing = book(existing_assignment, day=2, start=(8, 0), end=(9, 30), room="Lab 1")
    same = {"teacher": {"teacher_id": existing_assignment.teacher_id},
            "section": {"section_id": existing_assignment.section_id}, "room": {}}[kind]
    other = factories.AssignmentFactory(**same)

    with pytest.raises(Conflict) as exc:
        book(other, day=2, start=(9, 0), end=(10, 0), room="Lab 1" if kind == "room" else "")

    assert exc.value.code == "schedule_conflict"
    [conflict] = exc.value.details["conflicts"]
    assert conflict["block_id"] == existing.pk and conflict["kinds"] == [kind]
    assert (conflict["teacher_id"], conflict["section_id"], conflict["room"], conflict["day_of_week"],
            conflict["start_time"], conflict["end_time"]) == (
        existing.teacher_id, existing.section_id, "Lab 1", 2, "08:00", "09:30")
    assert ScheduleBlock.objects.filter(assignment=other).count() == 0
    [event] = payloads("schedule.conflict.detected")
    assert event["assignmentId"] == other.pk and event["detectedBy"] == "precheck"
    assert event["conflicts"][0]["blockId"] == existing.pk and event["conflicts"][0]["kinds"] == [kind]


def test_adjacent_blocks_other_years_and_unbooked_rooms_do_not_conflict():
    assignment = factories.AssignmentFactory()
    book(assignment, day=1, start=(8, 0), end=(9, 0))

    book(assignment, day=1, start=(9, 0), end=(10, 0))  # touching, not overlapping
    book(assignment, day=2, start=(8, 0), end=(9, 0))  # another day
    other_year = factories.AssignmentFactory(teacher_id=assignment.teacher_id,
                                             section_id=factories.section(year=2027).pk)
    book(other_year, day=1, start=(8, 0), end=(9, 0))
    unrelated = factories.AssignmentFactory()
    book(unrelated, day=1, start=(8, 0), end=(9, 0))  # both rooms empty: no room clash

    assert ScheduleBlock.objects.count() == 5


def test_the_conflict_event_commits_although_the_booking_rolls_back(transactional_db):
    assignment = factories.AssignmentFactory()
    book(assignment, day=1, start=(8, 0), end=(9, 0))

    with pytest.raises(Conflict):
        book(assignment, day=1, start=(8, 30), end=(9, 30))

    # No test transaction wraps this one: what is in the table was committed.
    assert ScheduleBlock.objects.count() == 1
    assert len(payloads("schedule.conflict.detected")) == 1
    assert len(payloads("schedule.created")) == 1


@pytest.mark.parametrize("clash", ["teacher", "room", "section"])
def test_the_database_itself_refuses_overlapping_blocks(clash):
    first = factories.ScheduleBlockFactory(room="Aula 1", day_of_week=4, start_time=time(10), end_time=time(11))
    same = {"teacher": {"teacher_id": first.teacher_id}, "section": {"section_id": first.section_id}, "room": {}}[clash]
    other = factories.AssignmentFactory(**same)

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ScheduleBlockFactory(assignment=other, room="Aula 1" if clash == "room" else "", day_of_week=4,
                                       start_time=time(10, 59), end_time=time(12))


def test_a_constraint_violation_is_translated_to_the_same_conflict(monkeypatch):
    assignment = factories.AssignmentFactory()
    existing = book(assignment, day=5, start=(8, 0), end=(9, 0))
    real = selectors.schedule_conflicts
    calls = []

    def blind_first_time(*, scope, proposal, exclude_block_id=None):  # as if the other booking committed just after
        calls.append(proposal)
        return [] if len(calls) == 1 else real(scope=scope, proposal=proposal, exclude_block_id=exclude_block_id)

    monkeypatch.setattr(selectors, "schedule_conflicts", blind_first_time)

    with pytest.raises(Conflict) as exc:
        book(assignment, day=5, start=(8, 15), end=(8, 45))

    assert exc.value.code == "schedule_conflict"
    assert exc.value.details["conflicts"][0]["block_id"] == existing.pk
    assert payloads("schedule.conflict.detected")[0]["detectedBy"] == "database"
    assert ScheduleBlock.objects.count() == 1


@pytest.mark.parametrize("day, start, end, field", [
    (0, (8, 0), (9, 0), "day_of_week"), (8, (8, 0), (9, 0), "day_of_week"), (1, (9, 0), (9, 0), "end_time"),
    (1, (10, 0), (9, 0), "end_time"),
])
def test_bad_block_times_are_refused_before_anything_is_written(day, start, end, field):
    assignment = factories.AssignmentFactory()

    with pytest.raises(ValidationFailed) as exc:
        book(assignment, day=day, start=start, end=end)

    assert field in exc.value.details["fields"]
    assert not ScheduleBlock.objects.exists() and not OutboxEvent.objects.exists()


def test_blocks_only_for_an_active_assignment():
    assignment = factories.AssignmentFactory(is_active=False)

    with pytest.raises(BusinessRuleViolation):
        book(assignment)
    with pytest.raises(NotFound):
        services.schedule_block_create(scope=SYSTEM, assignment_id=424242, day_of_week=1, start_time=time(8),
                                       end_time=time(9))


# --- workload -----------------------------------------------------------------------------------------


def test_workload_over_the_maximum_is_refused_with_409(settings):
    settings.ASSIGNMENTS_MAX_WEEKLY_HOURS = 3
    assignment = factories.AssignmentFactory()
    book(assignment, day=1, start=(8, 0), end=(10, 0))

    with pytest.raises(Conflict) as exc:
        book(assignment, day=2, start=(8, 0), end=(9, 30))

    assert exc.value.code == "workload_exceeded"
    assert exc.value.details["weekly_hours"] == "3.50" and exc.value.details["max_weekly_hours"] == "3"
    assert ScheduleBlock.objects.count() == 1
    assert TeacherWorkload.objects.get(teacher_id=assignment.teacher_id).weekly_minutes == 120
    book(assignment, day=2, start=(8, 0), end=(9, 0))  # exactly the maximum is allowed


def test_an_institution_may_set_its_own_maximum():
    WorkloadLimit.objects.create(institution_id=1, max_weekly_hours=Decimal("1.5"))
    assignment = factories.AssignmentFactory()
    book(assignment, day=1, start=(8, 0), end=(9, 30))

    with pytest.raises(Conflict) as exc:
        book(assignment, day=2, start=(8, 0), end=(8, 15))

    assert exc.value.code == "workload_exceeded"
    assert payloads("workload.updated")[-1]["maxWeeklyHours"] == "1.50"


def test_deleting_a_block_updates_the_workload():
    assignment = factories.AssignmentFactory()
    block = book(assignment, day=1, start=(8, 0), end=(10, 0))
    book(assignment, day=2, start=(8, 0), end=(9, 0))

    services.schedule_block_delete(scope=SYSTEM, block_id=block.pk)

    assert [p["weeklyHours"] for p in payloads("workload.updated")] == ["2.00", "3.00", "1.00"]
    assert selectors.teacher_workloads(scope=SYSTEM, teacher_id=assignment.teacher_id)[0].weekly_hours == Decimal("1.00")
    with pytest.raises(NotFound):
        services.schedule_block_delete(scope=SYSTEM, block_id=block.pk)
