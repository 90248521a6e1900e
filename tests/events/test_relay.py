"""The relay's claim/mark logic against the database, with a stand-in producer whose delivery
reports the test controls (the real broker is exercised in test_kafka.py)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from events import kafka, metrics, publish
from events.models import OutboxEvent
from events.relay import Relay, refresh_gauges
from tests.events.conftest import TEST_VERSION, ProbePayload

pytestmark = pytest.mark.django_db(transaction=True)


class FakeError:
    def __init__(self, text: str, fatal: bool = False) -> None:
        self.text, self._fatal = text, fatal

    def str(self) -> str:
        return self.text

    def fatal(self) -> bool:
        return self._fatal


class FakeProducer:
    """Records produce() calls; `fail_keys` get a failed delivery report, `silent_keys` none at all."""

    def __init__(self, fail_keys=(), silent_keys=()) -> None:
        self.sent: list[dict] = []
        self.fail_keys, self.silent_keys = set(fail_keys), set(silent_keys)
        self._pending: list = []

    def produce(self, *, topic, key, value, headers, on_delivery):
        self.sent.append({"topic": topic, "key": key.decode(), "value": value, "headers": dict(headers)})
        if key.decode() not in self.silent_keys:
            err = FakeError("Broker: not enough replicas") if key.decode() in self.fail_keys else None
            self._pending.append((on_delivery, err))

    def poll(self, _timeout=0):
        pending, self._pending = self._pending, []
        for callback, err in pending:
            callback(err, None)
        return len(pending)

    def flush(self, _timeout=None):
        self.poll()
        return 0


@pytest.fixture
def pending(settings, probe_schema):
    settings.KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:1"  # rows stay pending; nothing connects
    settings.EVENTS_RELAY_DELIVERY_TIMEOUT_MS = 100

    def write(seq: int, aggregate_id: object) -> dict:
        with transaction.atomic():
            return publish("user.created", aggregate_id=aggregate_id, aggregate_type="User",
                           payload=ProbePayload(seq=seq), version=TEST_VERSION)

    return write


def test_a_batch_publishes_oldest_first_with_key_headers_and_marks_rows(pending):
    envs = [pending(seq, aggregate_id=seq % 2) for seq in range(4)]
    producer = FakeProducer()
    published_before = metrics.OUTBOX_PUBLISHED.labels("user-events")._value.get()

    result = Relay(batch_size=10, producer=producer).run_batch()

    assert (result.claimed, result.published, result.failed) == (4, 4, 0)
    assert [m["key"] for m in producer.sent] == ["0", "1", "0", "1"]
    assert [kafka.wire_envelope(m["value"].decode())["eventId"] for m in producer.sent] == [e["eventId"] for e in envs]
    assert producer.sent[0]["topic"] == "user-events"
    assert producer.sent[0]["headers"] == {"eventType": b"user.created", "eventVersion": TEST_VERSION.encode(),
                                           "correlationId": envs[0]["correlationId"].encode()}
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    assert metrics.OUTBOX_PUBLISHED.labels("user-events")._value.get() == published_before + 4
    assert refresh_gauges() == (0, None)
    assert metrics.OUTBOX_PENDING._value.get() == 0


def test_batch_size_limits_a_claim(pending):
    for seq in range(5):
        pending(seq, aggregate_id=seq)
    relay = Relay(batch_size=2, producer=FakeProducer())

    assert [relay.run_batch().published for _ in range(4)] == [2, 2, 1, 0]


def test_failed_delivery_keeps_the_row_pending_with_backoff(pending):
    bad = pending(1, aggregate_id="bad")
    good = pending(2, aggregate_id="good")

    result = Relay(batch_size=10, producer=FakeProducer(fail_keys={"bad"})).run_batch()

    assert (result.published, result.failed) == (1, 1)
    row = OutboxEvent.objects.get(event_id=bad["eventId"])
    assert row.published_at is None and row.attempts == 1
    assert "not enough replicas" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert OutboxEvent.objects.get(event_id=good["eventId"]).published_at is not None
    count, age = refresh_gauges()
    assert count == 1 and age >= 0
    assert metrics.OUTBOX_PENDING._value.get() == 1


def test_no_delivery_report_is_not_a_success(pending):
    env = pending(1, aggregate_id="lost")

    result = Relay(batch_size=10, producer=FakeProducer(silent_keys={"lost"})).run_batch()

    assert result.published == 0
    row = OutboxEvent.objects.get(event_id=env["eventId"])
    assert row.published_at is None and row.attempts == 1 and "no delivery report" in row.last_error


def test_a_row_in_backoff_holds_back_later_events_of_its_aggregate_only(pending):
    first = pending(1, aggregate_id="A")
    pending(2, aggregate_id="A")
    other = pending(3, aggregate_id="B")
    Relay(batch_size=1, producer=FakeProducer(fail_keys={"A"})).run_batch()  # A#1 fails -> backoff

    producer = FakeProducer()
    result = Relay(batch_size=10, producer=producer).run_batch()

    assert [kafka.wire_envelope(m["value"].decode())["eventId"] for m in producer.sent] == [other["eventId"]]
    assert result.published == 1
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 2

    OutboxEvent.objects.filter(event_id=first["eventId"]).update(next_attempt_at=timezone.now())
    producer = FakeProducer()
    Relay(batch_size=10, producer=producer).run_batch()
    assert [kafka.wire_envelope(m["value"].decode())["payload"]["seq"] for m in producer.sent] == [1, 2]
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()


def test_rows_locked_by_another_relay_are_skipped_and_hold_back_their_aggregate(pending):
    """While relay 1 holds A#1 (mid-batch, its transaction open), relay 2 skips it and A#2 too."""
    import threading

    pending(1, aggregate_id="A")
    pending(2, aggregate_id="A")
    pending(3, aggregate_id="B")
    holding, release = threading.Event(), threading.Event()

    class SlowProducer(FakeProducer):
        def flush(self, _timeout=None):
            holding.set()
            release.wait(10)
            return super().flush()

    def first_relay():
        from django.db import connection

        try:
            Relay(batch_size=1, producer=SlowProducer()).run_batch()
        finally:
            connection.close()

    thread = threading.Thread(target=first_relay)
    thread.start()
    try:
        assert holding.wait(10)
        producer = FakeProducer()
        Relay(batch_size=10, producer=producer).run_batch()
    finally:
        release.set()
        thread.join(10)

    assert [kafka.wire_envelope(m["value"].decode())["payload"]["seq"] for m in producer.sent] == [3]
    producer = FakeProducer()
    Relay(batch_size=10, producer=producer).run_batch()
    assert [kafka.wire_envelope(m["value"].decode())["payload"]["seq"] for m in producer.sent] == [2]


def test_outbox_gauges_are_computed_when_scraped(pending):
    from prometheus_client import REGISTRY

    pending(1, aggregate_id="x")
    pending(2, aggregate_id="y")

    assert REGISTRY.get_sample_value("prs1_outbox_pending_events") == 2
    assert REGISTRY.get_sample_value("prs1_outbox_oldest_pending_age_seconds") >= 0
    Relay(batch_size=10, producer=FakeProducer()).run_batch()
    assert REGISTRY.get_sample_value("prs1_outbox_pending_events") == 0
    assert REGISTRY.get_sample_value("prs1_outbox_oldest_pending_age_seconds") == 0


@pytest.mark.kafka
def test_relay_serves_its_metrics_when_asked(kafka_servers, topic_prefix, probe_schema):
    import urllib.request

    from tests.events.conftest import free_port, start_relay, stop_process

    port = free_port()
    relay = start_relay(kafka_servers, topic_prefix, "--metrics-port", str(port))
    try:
        body = ""
        for _ in range(100):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
                break
            except OSError:
                import time

                time.sleep(0.1)
    finally:
        stop_process(relay)
    assert "prs1_outbox_pending_events 0.0" in body
    assert relay.returncode == 0
