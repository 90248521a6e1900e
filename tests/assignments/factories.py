"""Factories of the assignments context, plus the minimal academic rows it needs.

The academic rows (year, grade level, course in the year's curriculum, section, enrollments) are
created directly: tests/academic has no factories yet, and assignments' code reads them only
through apps.academic.contracts.
"""

from __future__ import annotations

import itertools
from datetime import date, time

import factory
from factory.django import DjangoModelFactory

from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section
from apps.assignments.models import ScheduleBlock, TeacherAssignment
from apps.assignments.selectors import week_minute
from tests.users.factories import TeacherFactory

_seq = itertools.count(1)


def academic_year(*, institution_id: int = 1, year: int = 2026) -> AcademicYear:
    row, _ = AcademicYear.objects.get_or_create(
        institution_id=institution_id, year=year,
        defaults={"start_date": date(year, 3, 2), "end_date": date(year, 12, 18)})
    return row


def grade_level(*, institution_id: int = 1, number: int = 5) -> GradeLevel:
    row, _ = GradeLevel.objects.get_or_create(
        institution_id=institution_id, level="PRIMARIA", number=number,
        defaults={"name": f"{number}.º de primaria", "order": number})
    return row


def section(*, institution_id: int = 1, year: int = 2026, number: int = 5, name: str | None = None) -> Section:
    name = name or f"{number}S{next(_seq)}"
    return Section.objects.create(
        institution_id=institution_id, academic_year=academic_year(institution_id=institution_id, year=year),
        grade_level=grade_level(institution_id=institution_id, number=number), code=f"SEC-{year}-{name}",
        name=name[:20], capacity=30)


def course(*, institution_id: int = 1, year: int = 2026, number: int = 5, name: str = "Matemática") -> Course:
    n = next(_seq)
    row = Course.objects.create(
        institution_id=institution_id, grade_level=grade_level(institution_id=institution_id, number=number),
        code=f"C{n:04d}", name=f"{name} {n}", area=name, hours_per_week=4)
    CurriculumEntry.objects.create(academic_year=academic_year(institution_id=institution_id, year=year), course=row)
    return row


def enroll(*, student_id: int, section_row: Section) -> Enrollment:
    return Enrollment.objects.create(
        institution_id=section_row.institution_id, student_id=student_id, academic_year=section_row.academic_year,
        year=section_row.academic_year.year, section=section_row, enrollment_date=date(2026, 3, 1), status="ACTIVE",
        start_date=date(2026, 3, 2))


class AssignmentFactory(DjangoModelFactory):
    """An active assignment written directly (use services.assignment_create to test the rules)."""

    class Meta:
        model = TeacherAssignment

    teacher_id = factory.LazyFunction(lambda: TeacherFactory(institution_id=1).pk)
    course_id = factory.LazyFunction(lambda: course().pk)
    section_id = factory.LazyFunction(lambda: section().pk)
    academic_year_id = factory.LazyAttribute(lambda o: Section.objects.get(pk=o.section_id).academic_year_id)
    institution_id = 1


class ScheduleBlockFactory(DjangoModelFactory):
    """A block written directly (bypasses the conflict check: use it for setup only)."""

    class Meta:
        model = ScheduleBlock

    assignment = factory.SubFactory(AssignmentFactory)
    teacher_id = factory.SelfAttribute("assignment.teacher_id")
    section_id = factory.SelfAttribute("assignment.section_id")
    course_id = factory.SelfAttribute("assignment.course_id")
    academic_year_id = factory.SelfAttribute("assignment.academic_year_id")
    institution_id = factory.SelfAttribute("assignment.institution_id")
    room = ""
    day_of_week = 1
    start_time = time(8, 0)
    end_time = time(9, 0)
    start_minute = factory.LazyAttribute(lambda o: week_minute(o.day_of_week, o.start_time))
    end_minute = factory.LazyAttribute(lambda o: week_minute(o.day_of_week, o.end_time))


def school_with_a_block(institution_id: int) -> dict:
    """One school's section, course and teacher, the teacher's assignment there and one booked block
    (Monday 8:00–9:30, Aula 1), made through the services: what the tenancy and contract tests compare."""
    from apps.assignments import services
    from common.tenancy import SYSTEM

    the_section = section(institution_id=institution_id)
    the_course = course(institution_id=institution_id)
    teacher = TeacherFactory(institution_id=institution_id)
    assignment = services.assignment_create(scope=SYSTEM, teacher_id=teacher.pk, course_id=the_course.pk,
                                            section_id=the_section.pk)
    block = services.schedule_block_create(scope=SYSTEM, assignment_id=assignment.pk, day_of_week=1,
                                           start_time=time(8), end_time=time(9, 30), room="Aula 1")
    return {"section": the_section, "course": the_course, "teacher": teacher, "assignment": assignment,
            "block": block}
