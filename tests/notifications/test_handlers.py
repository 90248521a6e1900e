"""Handlers driven by real outbox events; the demo seed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import transaction

from apps.notifications import contracts, demo, directory
from apps.notifications.models import Message, MessageStatus
from common.tenancy import SYSTEM
from events import publish
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StaffFactory, StudentFactory

pytestmark = pytest.mark.django_db


def _enrolled(student, enrollment_id=17):
    return {"enrollmentId": enrollment_id, "enrollmentCode": f"ENR-2026-{enrollment_id:06d}",
            "studentUserId": student.pk, "studentCode": student.code, "sectionId": 3, "sectionCode": "SEC-2026-5A",
            "academicYearId": "2026", "enrollmentDate": "2026-03-01", "enrollmentType": "REGULAR",
            "previousInstitution": None, "institutionId": 1}


def test_student_enrolled_handler_and_saga_step_send_one_welcome(monkeypatch, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    # academic/institution rows are not needed for the welcome text; stand-ins keep the test about notifications.
    monkeypatch.setattr(directory, "get_section", lambda section_id, scope: SimpleNamespace(
        id=section_id, name="5.º A", code="SEC-2026-5A", institution_id=None, tutor_id=None))
    monkeypatch.setattr(directory, "institution_channels", lambda institution_id: frozenset({"EMAIL", "SMS", "INAPP"}))
    student = StudentFactory(first_name="Ana", last_name="Rojas", institution_id=None)
    guardian = GuardianFactory(email="mama@example.pe", phone="", preferred_language="es")
    GuardianLinkFactory(student=student, guardian=guardian)

    with django_capture_on_commit_callbacks(execute=True):
        saga_ids = contracts.send_welcome(scope=SYSTEM, enrollment_id=17, student_id=student.pk, section_id=3,
                                          idempotency_key="saga-1:welcome")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish("student.enrolled", aggregate_id=17, aggregate_type="StudentEnrollment", payload=_enrolled(student))

    assert Message.objects.count() == len(saga_ids) == 2  # email + in-app
    assert len(mailoutbox) == 1
    assert "matriculado(a) en la sección 5.º A" in mailoutbox[0].body


def test_school_channels_limit_what_is_sent(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(directory, "institution_channels", lambda institution_id: frozenset({"INAPP"}))
    student = StudentFactory(institution_id=5)
    GuardianLinkFactory(student=student, guardian=GuardianFactory(phone="+51987000051"))
    with django_capture_on_commit_callbacks(execute=True):
        ids = contracts.notify_guardians(scope=SYSTEM, student_id=student.pk, template_key="absence_recorded",
                                         context={"date": "2026-04-10"}, idempotency_key="absence:55")
    assert list(Message.objects.filter(pk__in=ids).values_list("channel", "status")) == [
        ("INAPP", MessageStatus.DELIVERED)]


def test_demo_seed_is_idempotent_and_leaves_sent_messages_and_an_unread_notice(settings):
    settings.SMS_BACKEND = "console"
    students = [StudentFactory() for _ in range(3)]
    for s in students:
        GuardianLinkFactory(student=s, guardian=GuardianFactory(phone="+51987000061"))
    director = StaffFactory(user_type="DIRECTOR")
    school = {"student_ids": [s.pk for s in students], "enrollment_ids": [101, 102, 103], "director_id": director.pk}

    demo.seed(school)
    count = Message.objects.count()
    demo.seed(school)

    assert Message.objects.count() == count > 0
    assert not Message.objects.filter(status__in=["REQUESTED", "SENDING", "RETRYING", "FAILED"]).exists()
    assert Message.objects.filter(template_key="welcome", channel="SMS").count() == 3
    assert Message.objects.filter(template_key="absence_recorded").exists()
    notice = Message.objects.get(recipient_user_id=director.pk, channel="INAPP")
    assert notice.status == MessageStatus.DELIVERED and notice.read_at is None


def test_integration_notify_guardians_needs_the_service_token_or_permission(client, settings,
                                                                             django_capture_on_commit_callbacks):
    student = StudentFactory()
    guardian = GuardianFactory(phone="")
    GuardianLinkFactory(student=student, guardian=guardian)
    body = {"studentId": student.pk, "templateKey": "absence_recorded", "context": {"date": "2026-04-10"},
            "idempotencyKey": "absence:77"}
    url = "/api/v1/notifications/notify-guardians"
    assert client.post(url, body, content_type="application/json").status_code == 401
    from rest_framework_simplejwt.tokens import AccessToken

    parent_token = str(AccessToken.for_user(GuardianFactory()))
    assert client.post(url, body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {parent_token}").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, body, content_type="application/json", HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN)
    assert response.status_code == 200
    ids = response.json()["messageIds"]
    assert sorted(Message.objects.filter(recipient_user_id=guardian.pk).values_list("id", flat=True)) == sorted(ids)
    missing = client.post(url, {**body, "templateKey": "nope", "idempotencyKey": "k2"},
                          content_type="application/json", HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN)
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "template_missing"


def test_integration_welcome_by_service(client, settings, django_capture_on_commit_callbacks):
    student = StudentFactory()
    GuardianLinkFactory(student=student, guardian=GuardianFactory(phone=""))
    body = {"enrollmentId": 5, "studentId": student.pk, "sectionId": 99999, "idempotencyKey": "saga:5"}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/notifications/welcome", body, content_type="application/json",
                            HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN).json()
        again = client.post("/api/v1/notifications/welcome", body, content_type="application/json",
                            HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN).json()
    assert first == again and len(first["messageIds"]) == 2
