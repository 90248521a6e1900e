"""The outbox row is written in the caller's transaction: it commits and rolls back with the business row."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from apps.attendance.events import AbsenceRecorded
from apps.notifications.models import NotificationPreference
from events import publish
from events.models import OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def _change_and_event(user_id: int) -> None:
    NotificationPreference.objects.create(user_id=user_id, sms_enabled=False)
    publish("absence.recorded", aggregate_id=user_id, aggregate_type="Attendance",
            payload=AbsenceRecorded(attendance_id=user_id, student_id=user_id, section_id=1, date=date(2026, 4, 10)))


def test_a_rolled_back_change_leaves_neither_its_row_nor_its_outbox_row(monkeypatch):
    from events import bus
    monkeypatch.setattr(bus, "handlers_for", lambda *a, **kw: [])  # only the rows matter here

    with pytest.raises(Boom), transaction.atomic():
        _change_and_event(9101)
        assert NotificationPreference.objects.filter(user_id=9101).exists()
        assert OutboxEvent.objects.filter(aggregate_id="9101").exists()  # both written, not yet committed
        raise Boom

    assert not NotificationPreference.objects.filter(user_id=9101).exists()
    assert not OutboxEvent.objects.filter(aggregate_id="9101").exists()


def test_a_committed_change_keeps_both_rows(monkeypatch):
    from events import bus
    monkeypatch.setattr(bus, "handlers_for", lambda *a, **kw: [])

    with transaction.atomic():
        _change_and_event(9102)

    assert NotificationPreference.objects.filter(user_id=9102).exists()
    row = OutboxEvent.objects.get(aggregate_id="9102")
    assert row.event_type == "absence.recorded"
    assert row.envelope["payload"]["attendanceId"] == 9102
