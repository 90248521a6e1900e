"""Two real database connections (one per thread) booking at the same moment.

Both threads are held at a barrier right after the Python pre-check, so both have seen a free slot:
only the database's exclusion constraint (or the workload row lock) can stop the second one.
"""

from __future__ import annotations

import threading
from datetime import time

import pytest
from django.db import connection

from apps.assignments import selectors, services
from apps.assignments.models import ScheduleBlock
from common.errors import Conflict
from common.tenancy import SYSTEM
from events.models import OutboxEvent
from tests.assignments import factories

pytestmark = pytest.mark.django_db(transaction=True)


def race(monkeypatch, bookings: list[dict]) -> list[object]:
    barrier = threading.Barrier(len(bookings), timeout=20)
    real = selectors.schedule_conflicts
    local = threading.local()

    def precheck_then_wait(*, scope, proposal, exclude_block_id=None):
        result = real(scope=scope, proposal=proposal, exclude_block_id=exclude_block_id)
        if not getattr(local, "prechecked", False):  # only the pre-check waits, not the re-query after a refusal
            local.prechecked = True
            barrier.wait()
        return result

    monkeypatch.setattr(selectors, "schedule_conflicts", precheck_then_wait)
    results: list[object] = [None] * len(bookings)

    def run(index: int, booking: dict) -> None:
        try:
            results[index] = services.schedule_block_create(scope=SYSTEM, **booking)
        except Exception as exc:  # the test inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(bookings)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_concurrent_bookings_of_the_same_teacher_at_the_same_time_exactly_one_succeeds(monkeypatch):
    first = factories.AssignmentFactory()
    second = factories.AssignmentFactory(teacher_id=first.teacher_id)  # same teacher, another section
    slot = {"day_of_week": 1, "start_time": time(8, 0), "end_time": time(9, 0)}

    results = race(monkeypatch, [{"assignment_id": first.pk, **slot}, {"assignment_id": second.pk, **slot}])

    winners = [r for r in results if isinstance(r, ScheduleBlock)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert ScheduleBlock.objects.count() == 1
    assert losers[0].code == "schedule_conflict"
    assert losers[0].details["conflicts"][0]["block_id"] == winners[0].pk
    assert losers[0].details["conflicts"][0]["kinds"] == ["teacher"]
    conflict_events = OutboxEvent.objects.filter(event_type="schedule.conflict.detected")
    assert [e.envelope["payload"]["detectedBy"] for e in conflict_events] == ["database"]


def test_two_concurrent_bookings_cannot_together_exceed_the_weekly_maximum(monkeypatch, settings):
    settings.ASSIGNMENTS_MAX_WEEKLY_HOURS = 2
    assignment = factories.AssignmentFactory()
    book = {"assignment_id": assignment.pk, "start_time": time(8, 0), "end_time": time(9, 30)}

    results = race(monkeypatch, [{**book, "day_of_week": 1}, {**book, "day_of_week": 2}])

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "ScheduleBlock"], results
    [refusal] = [r for r in results if isinstance(r, Conflict)]
    assert refusal.code == "workload_exceeded"
    assert ScheduleBlock.objects.count() == 1
