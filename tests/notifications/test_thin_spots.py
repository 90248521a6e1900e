"""Thin spots of issue 14: a repeated notify is a no-op (no second outbox row, no second task), and an
absence during quiet hours holds the SMS until they end while the email goes out now (real SMTP)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from apps.attendance.events import AbsenceRecorded
from apps.notifications import directory, services, tasks
from apps.notifications.models import Message, MessageStatus
from common.tenancy import SYSTEM
from events import publish
from events.models import OutboxEvent
from tests.notifications.factories import PreferenceFactory
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StudentFactory

pytestmark = pytest.mark.django_db
LIMA = ZoneInfo("America/Lima")


def _requested_rows() -> int:
    return OutboxEvent.objects.filter(event_type="notification.requested").count()


def test_notify_twice_with_the_same_key_returns_the_first_messages_and_records_and_queues_nothing_new(
        monkeypatch, django_capture_on_commit_callbacks):
    student = StudentFactory()
    GuardianLinkFactory(student=student, guardian=GuardianFactory(phone="+51987000051"))
    recipients = services.recipients_for_guardians(directory.guardians_of(student.pk, scope=SYSTEM))
    queued: list[tuple] = []
    monkeypatch.setattr(tasks.send_message, "apply_async", lambda args, **kw: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(recipients=recipients, template_key="bulk", context={"subject": "a", "body": "b"},
                                key_prefix="repeat:1")
    rows_after_first, queued_after_first = _requested_rows(), list(queued)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = services.notify(recipients=recipients, template_key="bulk", context={"subject": "c", "body": "d"},
                                 key_prefix="repeat:1")

    assert [m.pk for m in second] == [m.pk for m in first] and len(first) == 3  # email, SMS, in-app
    assert [m.subject for m in second] == [m.subject for m in first]  # the first request's content
    assert rows_after_first == 3 and _requested_rows() == 3
    assert sorted(queued_after_first) == sorted((m.pk,) for m in first)
    assert queued == queued_after_first
    assert callbacks == []
    assert Message.objects.count() == 3


def test_absence_during_quiet_hours_sends_the_email_now_and_holds_the_sms_until_they_end(
        smtp_server, sms_provider, monkeypatch, django_capture_on_commit_callbacks):
    now = timezone.now().astimezone(LIMA)
    quiet_end = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    student = StudentFactory(first_name="Rosa", last_name="Huamán")
    guardian = GuardianFactory(phone="+51987000061", email="tutor@example.pe", preferred_language="en")
    GuardianLinkFactory(student=student, guardian=guardian, notify_email=True, notify_sms=True)
    PreferenceFactory(user_id=guardian.pk, quiet_hours_start=(now - timedelta(hours=1)).time(),
                      quiet_hours_end=quiet_end, timezone="America/Lima")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish("absence.recorded", aggregate_id=4401, aggregate_type="Attendance",
                payload=AbsenceRecorded(attendance_id=4401, student_id=student.pk, section_id=5,
                                        date=date(2026, 4, 10), session_number=None))

    assert [m["to"] for m in smtp_server.messages] == [["tutor@example.pe"]]
    assert "Rosa Huamán" in smtp_server.messages[0]["subject"]
    assert Message.objects.get(channel="EMAIL").status == MessageStatus.DELIVERED
    assert sms_provider.sent == []
    sms = Message.objects.get(channel="SMS")
    assert sms.status == MessageStatus.REQUESTED and sms.attempts == 0
    assert sms.next_attempt_at.astimezone(LIMA).time() == quiet_end
    assert sms.next_attempt_at > timezone.now()
    assert tasks.dispatch_due() == 0  # still quiet: the sweeper leaves it alone
    assert sms_provider.sent == []

    after_quiet_hours = sms.next_attempt_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: after_quiet_hours)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch_due() == 1

    assert [m["To"] for m in sms_provider.sent] == ["+51987000061"]
    assert "Rosa Huamán" in sms_provider.sent[0]["Body"]
    assert Message.objects.get(channel="SMS").status == MessageStatus.SENT
    assert len(smtp_server.messages) == 1  # the email is not sent again
