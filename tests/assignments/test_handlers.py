from __future__ import annotations

import uuid

import pytest

from apps.assignments.models import SectionHeadcount
from events import Event, bus, envelope, inbox
from tests.assignments import factories
from tests.users.factories import StudentFactory

pytestmark = pytest.mark.django_db

HANDLER = "apps.assignments.handlers.on_student_enrolled"


def student_enrolled(section, student_id: int) -> dict:
    env = envelope.build(event_type="student.enrolled", version="1.0", aggregate_id="1", aggregate_type="Enrollment",
                         payload={"enrollmentId": 1, "enrollmentCode": "ENR-2026-000001", "studentUserId": student_id,
                                  "studentCode": "USR-2026-000001", "sectionId": section.pk,
                                  "sectionCode": section.code, "academicYearId": "2026",
                                  "enrollmentDate": "2026-03-01", "enrollmentType": "REGULAR",
                                  "previousInstitution": None, "institutionId": 1})
    env["eventId"] = str(uuid.uuid4())
    return env


def test_the_handler_is_subscribed_to_student_enrolled():
    assert HANDLER in [h.name for h in bus.handlers_for("student.enrolled", context="assignments")]


def test_student_enrolled_keeps_the_section_headcount_and_a_redelivery_changes_nothing():
    section = factories.section()
    handler = bus.handler_named(HANDLER)
    first, second = StudentFactory(), StudentFactory()
    factories.enroll(student_id=first.pk, section_row=section)
    event = student_enrolled(section, first.pk)

    assert inbox.apply(handler, event) is True
    assert SectionHeadcount.objects.get(section_id=section.pk).active_students == 1
    assert inbox.apply(handler, event) is False  # the inbox drops the duplicate

    factories.enroll(student_id=second.pk, section_row=section)
    later = student_enrolled(section, second.pk)
    inbox.apply(handler, later)
    handler.fn(Event.from_envelope(later))  # even a duplicate that slipped past the inbox: a recount, not +1

    row = SectionHeadcount.objects.get(section_id=section.pk)
    assert row.active_students == 2 and row.last_event_id == later["eventId"]


def test_student_transferred_recounts_both_sections():
    origin, target = factories.section(), factories.section()
    student = StudentFactory()
    factories.enroll(student_id=student.pk, section_row=target)  # the roster after the transfer
    SectionHeadcount.objects.create(section_id=origin.pk, active_students=1)
    env = envelope.build(event_type="student.transferred", version="1.0", aggregate_id="2",
                         aggregate_type="Enrollment", payload={
                             "enrollmentId": 2, "enrollmentCode": "ENR-2026-000002", "previousEnrollmentId": 1,
                             "previousEnrollmentCode": "ENR-2026-000001", "studentUserId": student.pk,
                             "fromSectionId": origin.pk, "fromSectionCode": origin.code, "toSectionId": target.pk,
                             "toSectionCode": target.code, "academicYearId": "2026", "effectiveDate": "2026-05-04",
                             "reason": "Cambio de turno", "institutionId": 1})

    inbox.apply(bus.handler_named("apps.assignments.handlers.on_student_transferred"), env)

    assert SectionHeadcount.objects.get(section_id=origin.pk).active_students == 0
    assert SectionHeadcount.objects.get(section_id=target.pk).active_students == 1
