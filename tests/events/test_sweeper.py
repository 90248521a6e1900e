"""Deliveries lost by a dead worker: every in-process delivery is recorded as pending in the publishing
transaction and cleared when it finishes; the sweeper re-sends those pending for longer than
EVENTS_DELIVERY_SWEEP_AFTER_S, and the inbox makes the handler apply once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from events import metrics, sweeper, tasks
from events.models import DeadLetter, InboxDelivery, PendingDelivery
from tests.events.test_bus import publish_probe, recorder  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lost_tasks(monkeypatch):
    """The enqueue 'succeeds' but the task never runs (the worker holding it was killed)."""
    lost: list[tuple] = []
    healthy = {"flag": False}
    real_delay = tasks.deliver_event.delay

    def delay(*args):
        return real_delay(*args) if healthy["flag"] else lost.append(args)

    monkeypatch.setattr(tasks.deliver_event, "delay", delay)
    lost_tasks_heal[id(lost)] = healthy
    return lost


lost_tasks_heal: dict[int, dict] = {}


def heal(lost: list) -> None:
    """The workers are healthy again: enqueued tasks run."""
    lost_tasks_heal[id(lost)]["flag"] = True


def age(seconds: float) -> None:
    PendingDelivery.objects.update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_a_finished_delivery_leaves_nothing_pending(recorder):  # noqa: F811
    env = publish_probe(1)

    assert recorder["calls"] == [(env["eventId"], 1)]
    assert not PendingDelivery.objects.exists()


def test_a_delivery_whose_task_never_ran_is_resent_after_the_bound_and_applied_once(recorder, lost_tasks,  # noqa: F811
                                                                                     settings):
    settings.EVENTS_DELIVERY_SWEEP_AFTER_S = 120
    env = publish_probe(7)
    assert lost_tasks == [(env["eventId"], recorder["handler"].name)] and recorder["calls"] == []
    pending = PendingDelivery.objects.get()
    assert (str(pending.event_id), pending.handler) == (env["eventId"], recorder["handler"].name)

    age(60)
    assert sweeper.sweep().resent == 0  # not overdue yet

    age(121)
    heal(lost_tasks)
    before = metrics.DELIVERIES_RESENT.labels(recorder["handler"].name)._value.get()
    result = sweeper.sweep()

    assert result.resent == 1
    assert recorder["calls"] == [(env["eventId"], 7)]
    assert InboxDelivery.objects.filter(event_id=env["eventId"]).count() == 1
    assert not PendingDelivery.objects.exists()
    assert metrics.DELIVERIES_RESENT.labels(recorder["handler"].name)._value.get() == before + 1
    assert sweeper.sweep().resent == 0  # nothing left to re-send
    # the lost task turns up after all (Redis visibility timeout): a no-op
    assert tasks.deliver_event.apply(args=[env["eventId"], recorder["handler"].name]).get() is False
    assert recorder["calls"] == [(env["eventId"], 7)]


def test_a_resent_delivery_is_not_resent_again_before_the_bound(recorder, lost_tasks, settings):  # noqa: F811
    settings.EVENTS_DELIVERY_SWEEP_AFTER_S = 120
    publish_probe(3)
    age(200)

    assert sweeper.sweep().resent == 1  # lost again: the worker is still dying
    assert sweeper.sweep().resent == 0
    PendingDelivery.objects.update(resent_at=timezone.now() - timedelta(seconds=121))
    assert sweeper.sweep().resent == 1
    assert PendingDelivery.objects.get().resends == 2
    assert len(lost_tasks) == 3 and recorder["calls"] == []


def test_a_delivery_that_ran_but_left_its_row_is_cleared_without_resending(recorder, lost_tasks, settings):  # noqa: F811
    settings.EVENTS_DELIVERY_SWEEP_AFTER_S = 120
    env = publish_probe(4)
    from events import inbox

    assert inbox.apply(recorder["handler"], env)  # the worker applied it and died before clearing the row
    settings.EVENTS_HANDLER_MAX_RETRIES = 0
    failing = publish_probe(5, aggregate_id=8, fail=True)
    tasks.dead_letter(recorder["handler"].name, failing, "boom", 1)  # dead-lettered, row left behind
    age(200)

    result = sweeper.sweep()

    assert (result.resent, result.finished) == (0, 2)
    assert not PendingDelivery.objects.exists()
    assert len(lost_tasks) == 2 and DeadLetter.objects.count() == 1


def test_sweep_deliveries_task_reports_how_many_it_resent(recorder, lost_tasks, settings):  # noqa: F811
    settings.EVENTS_DELIVERY_SWEEP_AFTER_S = 5
    publish_probe(9)
    age(10)

    assert tasks.sweep_deliveries.apply().get() == 1
