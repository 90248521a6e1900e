"""Against the real Kafka-wire broker (tansu, started by scripts/test.sh): the relay, crash safety,
two relays at once, topic provisioning."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from events import publish
from events.models import OutboxEvent
from tests.events.conftest import (
    TEST_VERSION,
    ProbePayload,
    envelopes,
    free_port,
    read_topic,
    start_relay,
    start_tansu,
    stop_process,
)
from tests.events.test_envelope import ISO_UTC, SEED_EXAMPLE

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(transaction=True)]


def write(seq: int, aggregate_id: object, *, per_transaction: int = 1) -> list[dict]:
    with transaction.atomic():
        return [publish("user.created", aggregate_id=aggregate_id, aggregate_type="User",
                        payload=ProbePayload(seq=seq + i), version=TEST_VERSION) for i in range(per_transaction)]


def write_many(n: int, aggregates: int) -> list[dict]:
    envs: list[dict] = []
    with transaction.atomic():
        for seq in range(n):
            envs.append(publish("user.created", aggregate_id=f"agg-{seq % aggregates}", aggregate_type="User",
                                payload=ProbePayload(seq=seq), version=TEST_VERSION))
    return envs


def wait_until(predicate, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def pending_count() -> int:
    return OutboxEvent.objects.filter(published_at__isnull=True).count()


@pytest.fixture
def kafka_env(kafka_servers, topic_prefix, probe_schema):
    return kafka_servers, topic_prefix


def test_committed_event_arrives_with_the_seed_envelope_and_rolled_back_never(kafka_env):
    servers, prefix = kafka_env
    committed = write(1, 501)[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = publish("user.created", aggregate_id=502, aggregate_type="User",
                              payload=ProbePayload(seq=2), version=TEST_VERSION)
        raise RuntimeError("rolled back")

    call_command("relay_outbox", "--once")

    messages = read_topic(servers, f"{prefix}user-events", expected=1, timeout=15)
    assert len(messages) == 1
    message = messages[0]
    env = envelopes(messages)[0]
    assert list(env) == list(SEED_EXAMPLE) and list(env["metadata"]) == list(SEED_EXAMPLE["metadata"])
    assert env == committed
    assert ISO_UTC.match(env["timestamp"])
    assert message.key() == b"501"
    assert dict(message.headers()) == {"eventType": b"user.created", "eventVersion": TEST_VERSION.encode(),
                                       "correlationId": committed["correlationId"].encode()}
    assert rolled_back["eventId"] not in {e["eventId"] for e in envelopes(messages)}
    assert OutboxEvent.objects.get().published_at is not None


def test_kafka_topics_creates_every_catalogue_topic_idempotently(kafka_env, capsys, settings):
    _, prefix = kafka_env
    settings.KAFKA_TOPIC_PARTITIONS = 3
    topics = ("user-events", "academic-events", "assignment-events", "grades-events", "attendance-events",
              "notification-events", "inventory-events")  # the seed's six, then the contexts added since

    call_command("kafka_topics")
    first = capsys.readouterr().out
    call_command("kafka_topics")
    second = capsys.readouterr().out

    for topic in topics:
        assert f"{prefix}{topic}" in first and f"{prefix}{topic}" in second
    assert first.count("created") == len(topics) and second.count("exists") == len(topics)
    assert first.count("partitions=3") == len(topics)


def test_kafka_topics_fails_with_a_reason_when_the_broker_is_unreachable(settings):
    settings.KAFKA_BOOTSTRAP_SERVERS = f"127.0.0.1:{free_port()}"

    with pytest.raises(CommandError, match="unreachable"):
        call_command("kafka_topics", "--timeout", "2")


def test_relay_killed_mid_batch_and_restarted_loses_nothing(kafka_env):
    servers, prefix = kafka_env
    envs = write_many(3000, aggregates=50)

    relay = start_relay(servers, prefix, "--batch-size", "200")
    try:
        assert wait_until(lambda: pending_count() < 3000, timeout=30, interval=0.02)
    finally:
        stop_process(relay, kill=True)  # SIGKILL: no cleanup, the open batch's transaction is lost
    assert relay.returncode == -9
    left = pending_count()
    assert 0 < left < 3000

    restarted = start_relay(servers, prefix, "--once", "--batch-size", "500")
    _out, err = restarted.communicate(timeout=60)
    assert restarted.returncode == 0, err

    assert pending_count() == 0
    messages = read_topic(servers, f"{prefix}user-events", expected=3000, timeout=30)
    assert {e["eventId"] for e in envelopes(messages)} == {e["eventId"] for e in envs}


def test_two_relays_at_once_publish_each_event_once_in_aggregate_order(kafka_env):
    servers, prefix = kafka_env
    envs = write_many(3000, aggregates=300)

    relays = [start_relay(servers, prefix, "--batch-size", "25") for _ in range(2)]
    try:
        assert wait_until(lambda: pending_count() == 0, timeout=60)
    finally:
        for relay in relays:
            stop_process(relay)  # SIGTERM: finish the batch, exit 0
    outputs = [relay.communicate(timeout=20) for relay in relays]
    assert [relay.returncode for relay in relays] == [0, 0], outputs
    published = [int(out.split("published ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(published) == 3000 and min(published) > 0  # both relays did work, no double claim

    messages = read_topic(servers, f"{prefix}user-events", expected=3000, timeout=30)
    received = envelopes(messages)
    assert len(received) == 3000
    assert {e["eventId"] for e in received} == {e["eventId"] for e in envs}
    by_aggregate: dict[str, list[int]] = defaultdict(list)
    for env in received:  # read_topic returns each partition in offset order
        by_aggregate[env["aggregateId"]].append(env["payload"]["seq"])
    assert len(by_aggregate) == 300
    assert all(seqs == sorted(seqs) for seqs in by_aggregate.values())


def test_broker_down_while_1000_events_are_written_all_arrive_once_it_is_back(kafka_env, settings):
    _, prefix = kafka_env
    port = free_port()
    servers = f"127.0.0.1:{port}"
    settings.KAFKA_BOOTSTRAP_SERVERS = servers
    broker = start_tansu(port)
    call_command("kafka_topics")
    stop_process(broker)

    relay = start_relay(servers, prefix, "--batch-size", "200", EVENTS_RELAY_DELIVERY_TIMEOUT_MS="1500",
                        EVENTS_RELAY_MAX_BACKOFF="2")
    broker = None
    try:
        envs = [write(seq, f"agg-{seq % 20}")[0] for seq in range(1000)]
        assert wait_until(lambda: OutboxEvent.objects.filter(attempts__gt=0).exists(), timeout=20)
        assert pending_count() == 1000  # nothing is marked published while the broker is down
        failing = OutboxEvent.objects.filter(attempts__gt=0).first()
        assert failing.last_error and failing.next_attempt_at is not None

        broker = start_tansu(port)  # a fresh, empty broker on the same address
        assert wait_until(lambda: pending_count() == 0, timeout=60)
        messages = read_topic(servers, f"{prefix}user-events", expected=1000, timeout=30)
    finally:
        stop_process(relay)
        if broker is not None:
            stop_process(broker)
    assert relay.returncode == 0
    assert {e["eventId"] for e in envelopes(messages)} == {e["eventId"] for e in envs}


def test_relay_wakes_on_notify_without_waiting_for_the_poll_interval(kafka_env):
    servers, prefix = kafka_env
    write(1, "wake")
    relay = start_relay(servers, prefix, EVENTS_RELAY_POLL_INTERVAL="60")
    try:
        assert wait_until(lambda: pending_count() == 0, timeout=30)  # first batch done; now it waits
        time.sleep(0.5)
        started = time.monotonic()
        write(2, "wake")
        assert wait_until(lambda: pending_count() == 0, timeout=10, interval=0.05)
        woke_after = time.monotonic() - started
    finally:
        stop_process(relay)
    assert woke_after < 5  # the poll interval is 60 s: only the NOTIFY on commit can explain this
    assert relay.returncode == 0
    assert len(read_topic(servers, f"{prefix}user-events", expected=2, timeout=15)) == 2
