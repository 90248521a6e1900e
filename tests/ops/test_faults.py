"""Faults with real processes (issue 14): the broker restarted under a running relay and consumer, a Celery
worker SIGKILLed mid-delivery. Each process recovers by itself, nothing is lost, each event is applied once,
per-aggregate order is kept, and the stuck delivery is re-sent within the configured bound. Each drill
prints its recovery time (bench/recovery_benchmark.py repeats them for median and p95).

The terminated database connections of the relay and the consumer are in tests/events/test_self_healing.py.
And every log line of an event's delivery carries its event id."""

from __future__ import annotations

import io
import json
import logging
from collections import defaultdict

import orjson
import pytest
import structlog
from django.conf import settings as django_settings
from django.db import transaction

from events import bus, inbox, schema, tasks
from events.consumer import ContextConsumer
from tests.events.conftest import ProbePayload, kafka_required
from tests.ops import fault_drills, fault_handlers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def drill_handler(monkeypatch):
    """Only the drill handler on the bus (the contexts' real handlers stay out), and the probe schema."""
    monkeypatch.setattr(bus, "_handlers", defaultdict(list))
    monkeypatch.setattr(bus, "_by_name", {})
    with schema.registered("user.created", ProbePayload, version=fault_drills.TEST_VERSION):
        yield fault_handlers.install()


@pytest.fixture
def queued():
    """Tasks go through Redis to the worker instead of running in this process."""
    from prs1.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


@pytest.mark.slow
@pytest.mark.kafka
def test_relay_and_consumer_recover_by_themselves_from_a_broker_restart(drill_handler, settings, tmp_path):
    kafka_required()
    settings.EVENTS_KAFKA_CONTEXTS = [fault_handlers.CONTEXT]  # the consumer process applies them, not this one

    result = fault_drills.broker_restart(tmp_path)

    print(f"\nbroker restart: down {result.downtime_s:.1f}s; back -> first publish "  # noqa: T201 (the figures)
          f"{result.publish_recovery_s:.2f}s, first apply {result.apply_recovery_s:.2f}s")
    assert result.relay_alive and result.consumer_alive  # neither was restarted
    assert result.failed_sends > 0  # the relay did try the dead broker
    assert result.pending == 0
    # everything written while the broker was down or after it came back reached the new broker, in order
    later = {env["eventId"] for env in result.after_restart}
    assert {env["eventId"] for env in result.on_topic} == later
    assert fault_drills.first_seen([(e["aggregateId"], e["payload"]["seq"], e["eventId"]) for e in result.on_topic]) \
        == fault_drills.per_aggregate(result.after_restart)
    # every event applied once (one inbox row each), per aggregate in the order written
    assert result.inbox_rows == len(result.written) == 300  # 180 before the kill, 60 while down, 60 after
    assert {event_id for _a, _s, event_id in result.applied} == {env["eventId"] for env in result.written}
    assert fault_drills.first_seen(result.applied) == fault_drills.per_aggregate(result.written)
    assert result.publish_recovery_s is not None and result.apply_recovery_s is not None


@pytest.mark.slow
@pytest.mark.worker
def test_a_delivery_stuck_on_a_killed_worker_is_resent_within_the_bound_and_applied_once(drill_handler, queued,
                                                                                         tmp_path):
    result = fault_drills.worker_killed(tmp_path, bound=3)

    print(f"\nworker killed mid-delivery: new worker ready after {result.new_worker_ready_s:.1f}s; stuck delivery "  # noqa: T201
          f"applied {result.recovery_s:.2f}s after the kill, {result.resent_after_s:.2f}s after it was scheduled "
          f"(bound {result.bound_s:.0f}s)")
    # the kill rolled the delivery back: no inbox row, still pending
    assert not result.applied_in_flight and result.pending_after_kill
    # re-sent by the sweeper, not before the bound; not later than one bound past the new worker being ready
    assert result.resent_after_s >= result.bound_s
    assert result.recovery_s <= result.new_worker_ready_s + 2 * result.bound_s + 10
    # nothing lost: the stuck one and those queued behind it, each applied once, nothing left pending
    assert set(result.inbox_rows.values()) == {1} and len(result.inbox_rows) == 4
    assert result.handler_runs == {event_id: 1 for event_id in result.inbox_rows}
    assert result.pending_left == 0


# --- event_id in the log context --------------------------------------------------------------------------

@pytest.fixture
def json_log():
    """The drill handler's log lines, formatted as in production (the settings' structured pre-chain,
    JSON) at the moment they are emitted."""
    formatter = structlog.stdlib.ProcessorFormatter(
        processor=structlog.processors.JSONRenderer(),
        foreign_pre_chain=django_settings.LOGGING["formatters"]["structured"]["foreign_pre_chain"])
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    logger = logging.getLogger(fault_handlers.__name__)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


def probe(seq: int) -> dict:
    return fault_drills.write_events([(f"agg{seq}", seq)])[0]


def handled(lines: list[dict]) -> list:
    return [line["event_id"] for line in lines if line["event"] == "fault drill handled"]


def test_a_handler_log_line_carries_the_event_id_in_a_celery_delivery(drill_handler, json_log, settings):
    settings.EVENTS_KAFKA_CONTEXTS = [fault_handlers.CONTEXT]  # delivered below by hand, not on commit
    env = probe(1)

    assert tasks.deliver_event.apply(args=[env["eventId"], drill_handler.name]).get() is True
    logging.getLogger(fault_handlers.__name__).info("fault drill handled")  # after the delivery: unbound

    assert handled(json_log()) == [env["eventId"], None]
    assert "event_id" not in structlog.contextvars.get_contextvars()


def test_a_handler_log_line_carries_the_event_id_when_consumed_from_kafka(drill_handler, json_log, settings):
    settings.EVENTS_KAFKA_CONTEXTS = [fault_handlers.CONTEXT]
    one, two, three = probe(1), probe(2), probe(3)
    consumer = ContextConsumer(fault_handlers.CONTEXT, group="unused")

    consumer.handle(orjson.dumps(one))  # message by message
    outcome = inbox.apply_batch([(drill_handler, two), (drill_handler, three)])  # the batch fast path

    assert outcome.failed_at is None and outcome.applied == [True, True]
    assert handled(json_log()) == [one["eventId"], two["eventId"], three["eventId"]]
    assert "event_id" not in structlog.contextvars.get_contextvars()


def test_an_event_id_bound_around_a_delivery_is_restored_afterwards(drill_handler, json_log, settings):
    settings.EVENTS_KAFKA_CONTEXTS = [fault_handlers.CONTEXT]
    env = probe(4)

    with structlog.contextvars.bound_contextvars(event_id="outer"), transaction.atomic():
        inbox.apply(drill_handler, env)
        logging.getLogger(fault_handlers.__name__).info("fault drill handled")

    assert handled(json_log()) == [env["eventId"], "outer"]
