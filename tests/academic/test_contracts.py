"""The academic contract other contexts call (docs/CONTRACTS.md), and auth's lookups."""

from __future__ import annotations

import dataclasses
import datetime
import threading

import pytest
from django.db import connection

from apps.academic import contracts
from apps.academic.models import AcademicYear, Enrollment, GradeLevel, Section
from apps.auth import contracts as auth_contracts
from common.errors import Conflict
from common.tenancy import SYSTEM
from tests.academic.factories import CourseFactory, CurriculumEntryFactory, EnrollmentFactory, InstitutionFactory

D = datetime.date


@pytest.mark.django_db
def test_section_and_course_dtos_are_frozen(school):
    dto = contracts.get_section(scope=SYSTEM, section_id=school.s5a.pk)
    assert (dto.code, dto.year, dto.level, dto.grade_number, dto.capacity, dto.tutor_id) == (
        "SEC-2026-5A", 2026, "PRIMARIA", 5, 2, school.tutor.pk)
    with pytest.raises(dataclasses.FrozenInstanceError):
        dto.capacity = 3
    assert contracts.get_section(scope=SYSTEM, section_id=999999) is None
    assert set(contracts.get_sections(scope=SYSTEM, section_ids=[school.s5a.pk, school.s5b.pk])) == {school.s5a.pk, school.s5b.pk}
    course = CourseFactory(grade_level=school.levels[5], competencies=["A", "B"])
    CurriculumEntryFactory(course=course, academic_year=school.year)
    CourseFactory(grade_level=school.levels[4])  # another grade: not a course of 5A
    assert contracts.get_course(scope=SYSTEM, course_id=course.pk).competencies == ("A", "B")
    assert [c.id for c in contracts.courses_of_section(scope=SYSTEM, section_id=school.s5a.pk)] == [course.pk]


@pytest.mark.django_db
def test_saga_contract_round_trip_and_active_enrollment(school):
    student = school.students[0]
    opened = contracts.enrollment_open(scope=SYSTEM, student_id=student.pk, section_id=school.s5b.pk, enrollment_type="REGULAR",
                                       enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id="saga-42")
    assert opened.status == "PENDING" and opened.saga_id == "saga-42" and opened.code.startswith("ENR-2026-")
    assert contracts.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=opened.id).seat_assigned
    active = contracts.enrollment_activate(scope=SYSTEM, enrollment_id=opened.id)
    assert active.status == "ACTIVE"
    assert contracts.active_enrollment(scope=SYSTEM, student_id=student.pk) == active
    assert contracts.active_enrollment(scope=SYSTEM, student_id=student.pk, academic_year_id=school.year.pk).id == opened.id
    assert contracts.section_student_ids(scope=SYSTEM, section_id=school.s5b.pk) == [student.pk]
    assert contracts.student_section_on(scope=SYSTEM, student_id=student.pk, on=D(2026, 4, 1)) == school.s5b.pk
    # auth's lookup: a student's current sections
    assert contracts.active_section_ids_of_student(student_id=student.pk) == frozenset({school.s5b.pk})
    assert auth_contracts.visible_section_ids(auth_contracts.Principal(
        user_id=student.pk, user_type="STUDENT", institution_id=school.institution.pk)) == frozenset({school.s5b.pk})


@pytest.mark.django_db
def test_section_student_ids_on_a_date(school):
    EnrollmentFactory(section=school.s5a, student_id=1, status="TRANSFERRED", end_date=D(2026, 5, 1))
    EnrollmentFactory(section=school.s5a, student_id=2)
    assert sorted(contracts.section_student_ids(scope=SYSTEM, section_id=school.s5a.pk, on=D(2026, 4, 1))) == [1, 2]
    assert contracts.section_student_ids(scope=SYSTEM, section_id=school.s5a.pk, on=D(2026, 5, 1)) == [2]
    assert contracts.section_student_ids(scope=SYSTEM, section_id=school.s5a.pk) == [2]


def _small_school():
    institution = InstitutionFactory()
    year = AcademicYear.objects.create(institution_id=institution.pk, year=2026, status="ACTIVE",
                                       start_date=D(2026, 3, 2), end_date=D(2026, 12, 18))
    level = GradeLevel.objects.create(institution_id=institution.pk, level="PRIMARIA", number=1, name="1.º", order=1)
    return Section.objects.create(institution_id=institution.pk, academic_year=year, grade_level=level, name="1A",
                                  code="SEC-2026-1A", capacity=1)


def _race(fn, args_list):
    barrier, results = threading.Barrier(len(args_list)), []

    def run(args):
        try:
            barrier.wait()
            results.append(("ok", fn(*args)))
        except Exception as exc:
            results.append(("error", exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(args,)) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_assignments_to_the_last_seat_one_wins():
    section = _small_school()
    pending = [contracts.enrollment_open(scope=SYSTEM, student_id=sid, section_id=section.pk, enrollment_type="REGULAR",
                                         enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id=f"c-{sid}")
               for sid in (11, 12)]
    results = _race(lambda eid: contracts.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=eid),
                    [(p.id,) for p in pending])
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, Conflict) and error.code == "section_full"
    assert Enrollment.objects.filter(seat_assigned_at__isnull=False).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_enrollments_of_one_student_one_wins():
    section = _small_school()
    Section.objects.filter(pk=section.pk).update(capacity=10)
    results = _race(lambda saga: contracts.enrollment_open(
        scope=SYSTEM, student_id=99, section_id=section.pk, enrollment_type="REGULAR", enrollment_date=D(2026, 3, 2),
        previous_institution=None, saga_id=saga), [("s-1",), ("s-2",)])
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, Conflict) and error.code == "student_already_enrolled"
    assert Enrollment.objects.filter(student_id=99).count() == 1


@pytest.mark.django_db
def test_demo_seed_is_idempotent_and_publishes_enrollments():
    from apps.academic import demo
    from events.models import OutboxEvent
    from tests.users.factories import StudentFactory, TeacherFactory

    institution = InstitutionFactory()
    teachers = [TeacherFactory(institution_id=institution.pk).pk for _ in range(2)]
    students = [StudentFactory(institution_id=institution.pk).pk for _ in range(5)]
    data = {"institution_id": institution.pk, "year": 2026, "teacher_ids": teachers, "student_ids": students}
    demo.seed(data)
    first = dict(data)
    counts = (Enrollment.objects.count(), OutboxEvent.objects.count())
    demo.seed(data)
    assert data == first and (Enrollment.objects.count(), OutboxEvent.objects.count()) == counts
    assert AcademicYear.objects.get(pk=data["academic_year_id"]).status == "ACTIVE"
    assert len(data["course_ids"]) == 6 and len(data["enrollment_ids"]) == 5
    assert sorted(Section.objects.filter(pk__in=data["section_ids"]).values_list("code", flat=True)) == [
        "SEC-2026-5A", "SEC-2026-5B"]
    assert OutboxEvent.objects.filter(event_type="student.enrolled", aggregate_id__in=[
        str(i) for i in data["enrollment_ids"]]).count() == 5
    assert len(contracts.courses_of_section(scope=SYSTEM, section_id=data["section_ids"][0])) == 6
