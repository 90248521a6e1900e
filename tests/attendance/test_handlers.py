"""The student.enrolled handler, and one marking against the real academic and institution contracts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.attendance import contracts, services
from apps.attendance.models import AttendanceRecord, StudentAttendanceProfile
from common.tenancy import SYSTEM
from events import publish
from events.tasks import deliver_event
from tests.academic.factories import AcademicYearFactory, EnrollmentFactory, SectionFactory
from tests.attendance.conftest import school_days_before
from tests.users.factories import StudentFactory

pytestmark = pytest.mark.django_db

HANDLER = "apps.attendance.handlers.on_student_enrolled"


def enrolled_event(enrollment_id: int, student_id: int, section_id: int) -> dict:
    return publish("student.enrolled", aggregate_id=enrollment_id, aggregate_type="StudentEnrollment", payload={
        "enrollmentId": enrollment_id, "enrollmentCode": f"ENR-2026-{enrollment_id:06d}",
        "studentUserId": student_id, "studentCode": None, "sectionId": section_id, "sectionCode": "SEC-2026-5A",
        "academicYearId": "2026", "enrollmentDate": "2026-03-02", "enrollmentType": "REGULAR",
        "previousInstitution": None, "institutionId": 1})


def test_student_enrolled_initializes_attendance_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # deliver to this handler only, below
        envelope = enrolled_event(41, 501, 7)

    assert deliver_event.apply(args=(envelope["eventId"], HANDLER)).get() is True
    deliver_event.apply(args=(envelope["eventId"], HANDLER))  # redelivery: the inbox makes it a no-op

    profile = StudentAttendanceProfile.objects.get()
    assert (profile.enrollment_id, profile.student_id, profile.section_id) == (41, 501, 7)


def test_handler_after_saga_step_changes_nothing(django_capture_on_commit_callbacks):
    assert contracts.initialize_attendance(scope=SYSTEM, enrollment_id=42, student_id=502, section_id=8) is True
    with django_capture_on_commit_callbacks(execute=False):
        envelope = enrolled_event(42, 502, 8)

    deliver_event.apply(args=(envelope["eventId"], HANDLER))

    assert StudentAttendanceProfile.objects.filter(enrollment_id=42).count() == 1


def test_marking_a_real_section_through_the_real_contracts():
    today = timezone.localdate()
    year = AcademicYearFactory(year=today.year, start_date=today - timedelta(days=60),
                               end_date=today + timedelta(days=30))
    section = SectionFactory(academic_year=year)
    kids = StudentFactory.create_batch(3)
    enrollments = [EnrollmentFactory(section=section, student_id=kid.pk) for kid in kids]
    for enrollment in enrollments:
        contracts.initialize_attendance(scope=SYSTEM, enrollment_id=enrollment.pk, student_id=enrollment.student_id,
                                        section_id=section.pk)
    day = school_days_before(today, 1)[0]

    result = services.attendance_mark_section(scope=SYSTEM, section_id=section.pk, day=day, marked_by_id=None, exceptions=[
        services.ExceptionRow(student_id=kids[0].pk, status="ABSENT")])

    assert (result.total, result.absent, result.present) == (3, 1, 2)
    assert dict(AttendanceRecord.objects.values_list("student_id", "enrollment_id")) == {
        e.student_id: e.pk for e in enrollments}
