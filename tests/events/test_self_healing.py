"""Processes that heal themselves: the relay survives a terminated database connection and a fatal
producer error; the consumer survives a terminated database connection. Nothing is lost, per-aggregate
order is kept (a duplicate may appear: the consumers' inbox makes it harmless)."""

from __future__ import annotations

import time
import urllib.request
import uuid
from collections import defaultdict

import psycopg
import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from django.core.management import call_command
from django.db import connection, transaction
from prometheus_client import REGISTRY

from events import kafka, metrics, publish
from events.consumer import ContextConsumer
from events.models import InboxDelivery, OutboxEvent
from events.relay import Relay
from tests.events.conftest import (
    TEST_VERSION,
    ProbePayload,
    database_url,
    envelopes,
    free_port,
    read_topic,
    start_relay,
    stop_process,
)
from tests.events.test_kafka import write_many
from tests.events.test_relay import FakeProducer

pytestmark = pytest.mark.django_db(transaction=True)


def write(events: list[tuple[str, int]]) -> list[dict]:
    envs = []
    for aggregate_id, seq in events:
        with transaction.atomic():
            envs.append(publish("user.created", aggregate_id=aggregate_id, aggregate_type="User",
                                payload=ProbePayload(seq=seq), version=TEST_VERSION))
    return envs


def terminate_other_backends() -> int:
    """pg_terminate_backend every other session on the test database (the relay's, its LISTEN one),
    not this test's own."""
    connection.ensure_connection()
    mine = connection.connection.info.backend_pid
    with psycopg.connect(database_url(), autocommit=True) as admin:
        return admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
                             "current_database() AND pid NOT IN (pg_backend_pid(), %s)", [mine]).fetchone()[0]


def terminate(pid: int) -> None:
    with psycopg.connect(database_url(), autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]


def first_seen_order(envs: list[dict]) -> dict[str, list[int]]:
    """Per aggregate, the seqs in the order they first appear (what an inbox-deduplicating consumer applies)."""
    seen, order = set(), defaultdict(list)
    for env in envs:
        if env["eventId"] not in seen:
            seen.add(env["eventId"])
            order[env["aggregateId"]].append(env["payload"]["seq"])
    return dict(order)


def fatal(text: str = "UNKNOWN_PRODUCER_ID") -> KafkaException:
    return KafkaException(KafkaError(KafkaError._FATAL, text, fatal=True))


EVENTS = [("A", 1), ("B", 2), ("A", 3), ("C", 4), ("B", 5), ("A", 6), ("C", 7), ("A", 8)]
EXPECTED = {"A": [1, 3, 6, 8], "B": [2, 5], "C": [4, 7]}


@pytest.fixture
def pending(settings, probe_schema):
    settings.KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:1"  # rows stay pending; nothing connects
    settings.EVENTS_RELAY_DELIVERY_TIMEOUT_MS = 100
    settings.EVENTS_RECOVERY_BACKOFF_BASE = 0.01
    return write


def sent_order(producers: list[FakeProducer]) -> list[dict]:
    return [kafka.wire_envelope(m["value"].decode()) for p in producers for m in p.sent]


# --- the relay, with stand-in producers ----------------------------------------------------------

@pytest.mark.parametrize("where", ["produce", "flush"])
def test_relay_recreates_the_producer_after_a_fatal_error_from_produce_or_flush(pending, where):
    pending(EVENTS)
    broken = FakeProducer()
    raised = {"n": 0}
    original = getattr(broken, where)

    def fail_once(*args, **kwargs):
        if raised["n"] == 0 and (where == "flush" or len(broken.sent) == 3):
            raised["n"] += 1
            raise fatal()
        return original(*args, **kwargs)

    setattr(broken, where, fail_once)
    made: list[FakeProducer] = []

    def factory():
        made.append(FakeProducer())
        return made[-1]

    before = metrics.RELAY_RECOVERIES.labels("producer_fatal")._value.get()
    relay = Relay(batch_size=100, producer=broken, producer_factory=factory, sleep=lambda _s: None)

    relay.run(should_stop=lambda: False, once=True)

    assert raised["n"] == 1 and len(made) == 1  # one new producer, after the fatal error
    assert relay.recoveries["producer_fatal"] == 1
    assert metrics.RELAY_RECOVERIES.labels("producer_fatal")._value.get() == before + 1
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    assert first_seen_order(sent_order([made[0]])) == EXPECTED  # the new producer sent everything, in order
    assert first_seen_order(sent_order([broken, made[0]])) == EXPECTED


def test_relay_recovers_when_its_database_connection_is_terminated_mid_batch(pending):
    pending(EVENTS)
    killed = {"pid": None}

    class KillingProducer(FakeProducer):
        def flush(self, _timeout=None):
            if killed["pid"] is None:  # the batch is produced; the connection dies before the marks
                killed["pid"] = connection.connection.info.backend_pid
                terminate(killed["pid"])
            return super().flush()

    producer = KillingProducer()
    before = metrics.RELAY_RECOVERIES.labels("database")._value.get()
    relay = Relay(batch_size=100, producer=producer, sleep=lambda _s: None)

    relay.run(should_stop=lambda: False, once=True)

    assert killed["pid"] is not None and connection.connection.info.backend_pid != killed["pid"]
    assert relay.recoveries["database"] >= 1
    assert metrics.RELAY_RECOVERIES.labels("database")._value.get() >= before + 1
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    # the rolled-back batch was sent again: duplicates, no loss, order kept
    assert len(producer.sent) == 2 * len(EVENTS)
    assert first_seen_order(sent_order([producer])) == EXPECTED


def test_relay_once_gives_up_after_repeated_failures(pending):
    from events.relay import ONCE_MAX_RECOVERIES, RelayGaveUp

    pending(EVENTS[:1])

    class AlwaysFatal(FakeProducer):
        def produce(self, **kwargs):
            raise fatal()

    relay = Relay(batch_size=10, producer_factory=AlwaysFatal, sleep=lambda _s: None)
    with pytest.raises(RelayGaveUp):
        relay.run(should_stop=lambda: False, once=True)
    assert relay.recoveries["producer_fatal"] == ONCE_MAX_RECOVERIES
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 1


# --- against the broker -----------------------------------------------------------------------------

@pytest.fixture
def kafka_env(kafka_servers, topic_prefix, probe_schema, settings):
    settings.EVENTS_RECOVERY_BACKOFF_BASE = 0.05
    return kafka_servers, topic_prefix


def scrape(port: int) -> str:
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()


@pytest.mark.kafka
def test_relay_process_survives_its_database_connections_being_terminated_mid_backlog(kafka_env):
    """Its sessions are killed again and again while it drains a backlog in small batches: it keeps
    going (the old relay exited on the first error), publishes everything, keeps per-aggregate order."""
    servers, prefix = kafka_env
    envs = write_many(1500, aggregates=7)
    expected = first_seen_order(envs)
    port = free_port()
    relay = start_relay(servers, prefix, "--metrics-port", str(port), "--batch-size", "25")
    kills = 0
    try:
        deadline = time.monotonic() + 90
        while OutboxEvent.objects.filter(published_at__isnull=True).exists() and time.monotonic() < deadline:
            assert relay.poll() is None, relay.stderr.read()[-2000:]  # still running
            kills += terminate_other_backends()
            time.sleep(0.05)
        assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
        assert relay.poll() is None
        recovered = [line for line in scrape(port).splitlines()
                     if line.startswith('prs1_relay_recoveries_total{reason="database"}')]
    finally:
        stop_process(relay)
    assert relay.returncode == 0
    assert kills >= 1 and recovered and float(recovered[0].split()[-1]) >= 1
    messages = envelopes(read_topic(servers, f"{prefix}user-events", expected=len(envs), timeout=60))
    assert {e["eventId"] for e in messages} == {e["eventId"] for e in envs}
    assert first_seen_order(messages) == expected


@pytest.mark.kafka
def test_relay_recreates_a_real_producer_after_a_fatal_error_and_loses_nothing(kafka_env):
    servers, prefix = kafka_env
    write(EVENTS)

    class FatalOnce:
        """A real producer that raises a fatal error from produce() on the third message, once."""

        def __init__(self) -> None:
            self.inner, self.calls = Producer(kafka.producer_config()), 0

        def produce(self, **kwargs):
            self.calls += 1
            if self.calls == 3:
                raise fatal()
            return self.inner.produce(**kwargs)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    kafka.ensure_topics()
    relay = Relay(batch_size=100, producer=FatalOnce())
    relay.run(should_stop=lambda: False, once=True)
    relay.close()

    assert relay.recoveries["producer_fatal"] == 1
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    messages = envelopes(read_topic(servers, f"{prefix}user-events", expected=len(EVENTS)))
    assert first_seen_order(messages) == EXPECTED
    assert len({e["eventId"] for e in messages}) == len(EVENTS)


# --- the consumer -----------------------------------------------------------------------------------

@pytest.mark.kafka
def test_consumer_recovers_when_its_database_connection_is_terminated(kafka_env, handler_registry, settings):
    settings.EVENTS_KAFKA_CONTEXTS = ["evtest"]
    settings.KAFKA_CONSUMER_SESSION_TIMEOUT_MS = 6000
    applied: dict[str, list[int]] = defaultdict(list)
    killed = {"pid": None}

    def on_user_created(event):
        if event.payload["seq"] == 3 and killed["pid"] is None:
            killed["pid"] = connection.connection.info.backend_pid
            terminate(killed["pid"])
            InboxDelivery.objects.count()  # the handler's next query hits the dead connection
        applied[event.aggregate_id].append(event.payload["seq"])

    handler = handler_registry("user.created", on_user_created, context="evtest")
    envs = write(EVENTS)
    call_command("relay_outbox", "--once")
    before = metrics.CONSUMER_RECOVERIES.labels("evtest", "database")._value.get()
    # no handler retries: a lost connection is not the handler's failure, it must not be dead-lettered
    consumer = ContextConsumer("evtest", group=f"g-{uuid.uuid4().hex[:6]}", max_retries=0, sleep=lambda _s: None)

    stats = consumer.run(should_stop=lambda: False, max_messages=len(EVENTS), idle_timeout=20)

    assert killed["pid"] is not None
    assert metrics.CONSUMER_RECOVERIES.labels("evtest", "database")._value.get() == before + 1
    assert stats.messages == len(EVENTS) and stats.applied == len(EVENTS) and stats.dead_lettered == 0
    # the transaction that lost its connection rolled back (handlers that ran before seq 3 in it ran again,
    # as their writes were undone); each event's effect committed once (inbox), in aggregate order
    assert {k: list(dict.fromkeys(v)) for k, v in applied.items()} == EXPECTED
    assert applied["A"].count(3) == 1
    assert InboxDelivery.objects.filter(handler=handler.name,
                                        event_id__in=[e["eventId"] for e in envs]).count() == len(EVENTS)


def test_recovery_metric_names_are_exported():
    names = {metric.name for metric in REGISTRY.collect()}
    assert {"prs1_relay_recoveries", "prs1_consumer_recoveries", "prs1_event_deliveries_resent"} <= names
