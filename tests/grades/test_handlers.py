"""student.enrolled → grade records, and the grades flow against the real academic and institution contracts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.grades import contracts, selectors, services
from apps.grades.handlers import on_student_enrolled
from apps.grades.models import GradeRecord
from common.tenancy import SYSTEM
from events import publish
from events.envelope import Event
from events.tasks import deliver_event
from tests.academic.factories import CourseFactory, CurriculumEntryFactory
from tests.grades.conftest import component_ids, make_plan
from tests.users.factories import StudentFactory

pytestmark = pytest.mark.django_db

HANDLER = "apps.grades.handlers.on_student_enrolled"


def _enrolled(enrollment_id: int, student_id: int, section) -> dict:
    return publish("student.enrolled", aggregate_id=enrollment_id, aggregate_type="StudentEnrollment", payload={
        "enrollmentId": enrollment_id, "enrollmentCode": f"ENR-2026-{enrollment_id:06d}",
        "studentUserId": student_id, "studentCode": None, "sectionId": section.pk, "sectionCode": section.code,
        "academicYearId": "2026", "enrollmentDate": "2026-03-02", "enrollmentType": "REGULAR",
        "previousInstitution": None, "institutionId": section.institution_id})


def test_student_enrolled_creates_grade_records_once(real_section, django_capture_on_commit_callbacks):
    student = StudentFactory()
    expected = len(real_section["courses"]) * len(real_section["periods"])
    with django_capture_on_commit_callbacks(execute=False):
        envelope = _enrolled(31, student.pk, real_section["section"])
    assert deliver_event.apply(args=(envelope["eventId"], HANDLER)).get() is True
    deliver_event.apply(args=(envelope["eventId"], HANDLER))  # redelivery: no-op
    assert GradeRecord.objects.filter(enrollment_id=31).count() == expected
    # the saga step after the handler (or before it) creates nothing more
    assert contracts.initialize_grade_records(scope=SYSTEM, enrollment_id=31, student_id=student.pk,
                                              section_id=real_section["section"].pk) == 0
    assert contracts.grade_record_count(scope=SYSTEM, enrollment_id=31) == expected


def test_saga_step_then_handler_never_duplicates(real_section):
    student = StudentFactory()
    section = real_section["section"]
    created = contracts.initialize_grade_records(scope=SYSTEM, enrollment_id=32, student_id=student.pk, section_id=section.pk)
    assert created == len(real_section["courses"]) * len(real_section["periods"])
    envelope = _enrolled(32, student.pk, section)
    on_student_enrolled(Event.from_envelope(envelope))
    assert contracts.grade_record_count(scope=SYSTEM, enrollment_id=32) == created


def test_literal_primary_average_and_report_with_real_contracts(real_section):
    """Primary uses the institution's default scale for its level; the average follows it."""
    student = StudentFactory()
    section, (math, language) = real_section["section"], real_section["courses"]
    period = real_section["periods"][0]
    contracts.initialize_grade_records(scope=SYSTEM, enrollment_id=33, student_id=student.pk, section_id=section.pk)
    scale = services.scale_for_section(services._section(section.pk))
    plan = make_plan(math.pk, period.id, [("Trabajo", "ASSIGNMENT", 50), ("Prueba", "EXAM", 50)])
    first, second = component_ids(plan)
    if scale.is_literal:
        values, expected = ("AD", "A"), "AD"  # (4 + 3) / 2 = 3.5 → AD
    else:
        values, expected = ("10", "11"), "11"  # 10.5 → 11 (half-up)
    services.grade_record(scope=SYSTEM, actor=None, student_id=student.pk, component_id=first, value=values[0])
    services.grade_record(scope=SYSTEM, actor=None, student_id=student.pk, component_id=second, value=values[1])
    outcome = services.period_average_calculate(scope=SYSTEM, actor=None, student_id=student.pk, course_id=math.pk,
                                                period_id=period.id)
    assert outcome.result.average == expected
    report = selectors.student_period_report(scope=SYSTEM, student_id=student.pk, period_id=period.id)
    assert {c.course_name for c in report.courses} == {"Matemática", "Comunicación"}
    (math_line,) = [c for c in report.courses if c.course_id == math.pk]
    assert math_line.average.average == expected
    assert [line.value for line in math_line.components] == list(values)
    (language_line,) = [c for c in report.courses if c.course_id == language.pk]
    assert language_line.average is None and language_line.plan_id is None


def _graded_student(real_section, courses: int, components: int, enrollment_id: int):
    section, period = real_section["section"], real_section["periods"][0]
    existing = len(real_section["courses"])
    for c in range(existing, courses):
        course = CourseFactory(institution_id=section.institution_id, grade_level=section.grade_level,
                               code=f"X-{c}", name=f"Curso {c}")
        CurriculumEntryFactory(course=course, academic_year=section.academic_year)
        real_section["courses"].append(course)
    student = StudentFactory()
    contracts.initialize_grade_records(scope=SYSTEM, enrollment_id=enrollment_id, student_id=student.pk, section_id=section.pk)
    scale = services.scale_for_section(services._section(section.pk))
    for course in real_section["courses"]:
        plan = (services.EvaluationPlan.objects.filter(course_id=course.pk, period_id=period.id).first()
                or make_plan(course.pk, period.id, [(f"C{i}", "EXAM", Decimal(100) / components)
                                                    for i in range(components)]))
        for component in component_ids(plan):
            services.grade_record(scope=SYSTEM, actor=None, student_id=student.pk, component_id=component,
                                  value="A" if scale.is_literal else "14")
    return student, period.id


def test_report_query_count_is_constant_with_real_contracts(real_section, django_assert_num_queries):
    small, period = _graded_student(real_section, courses=2, components=2, enrollment_id=41)
    with CaptureQueriesContext(connection) as baseline:
        report = selectors.student_period_report(scope=SYSTEM, student_id=small.pk, period_id=period)
    assert len(report.courses) == 2
    # a second student in a section with three times the courses
    big, _ = _graded_student(real_section, courses=6, components=2, enrollment_id=42)
    with django_assert_num_queries(len(baseline.captured_queries)):
        report = selectors.student_period_report(scope=SYSTEM, student_id=big.pk, period_id=period)
    assert len(report.courses) == 6
    assert all(course.average is not None for course in report.courses)
