"""`consume_events`: a context's handlers run from Kafka give the same end state as the in-process
bus; offsets are committed after the handler; poison messages are dead-lettered; lag is measured."""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from prometheus_client import REGISTRY

from events import publish
from events.models import DeadLetter, InboxDelivery
from tests.events.conftest import TEST_VERSION, ProbePayload

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(transaction=True)]

EVENTS = [("A", 1), ("B", 2), ("A", 3), ("C", 4), ("B", 5), ("A", 6)]


@pytest.fixture
def totals(kafka_servers, topic_prefix, probe_schema, handler_registry, settings):
    """An 'evtest' handler that appends each event's seq to its aggregate's list (the end state)."""
    settings.KAFKA_CONSUMER_SESSION_TIMEOUT_MS = 6000
    state: dict[str, list[int]] = defaultdict(list)

    def on_user_created(event):
        if event.payload["fail"]:
            raise ValueError("poison message")
        state[event.aggregate_id].append(event.payload["seq"])

    handler_registry("user.created", on_user_created, context="evtest")
    return state


def publish_all(events, *, fail_seq: int | None = None) -> list[dict]:
    envs = []
    for aggregate_id, seq in events:
        with transaction.atomic():
            envs.append(publish("user.created", aggregate_id=aggregate_id, aggregate_type="User",
                                payload=ProbePayload(seq=seq, fail=seq == fail_seq), version=TEST_VERSION))
    return envs


def consume(group: str, capsys, **options) -> str:
    args = ["consume_events", "--context", "evtest", "--group", group]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    call_command(*args)
    return capsys.readouterr().out


def lag_of(group: str) -> float:
    samples = [s for metric in REGISTRY.collect() if metric.name == "prs1_kafka_consumer_lag"
               for s in metric.samples if s.labels.get("group") == group]
    assert samples, "no lag was measured"
    return sum(s.value for s in samples)


def test_consumer_run_gives_the_same_end_state_as_the_in_process_run(totals, settings, capsys):
    settings.EVENTS_KAFKA_CONTEXTS = []
    in_process = publish_all(EVENTS)
    expected = {k: list(v) for k, v in totals.items()}
    assert expected == {"A": [1, 3, 6], "B": [2, 5], "C": [4]}

    totals.clear()
    settings.EVENTS_KAFKA_CONTEXTS = ["evtest"]
    from_kafka = publish_all(EVENTS)
    assert totals == {}  # split out: nothing runs in-process any more

    call_command("relay_outbox", "--once")
    group = f"prs1-evtest-{uuid.uuid4().hex[:6]}"
    out = consume(group, capsys, max_messages=12, idle_timeout=20)

    assert {k: list(v) for k, v in totals.items()} == expected
    # the in-process run's events reached Kafka too; the inbox makes them no-ops for the consumer
    assert "messages 12, applied 6, duplicates 6" in out
    assert InboxDelivery.objects.filter(event_id__in=[e["eventId"] for e in from_kafka]).count() == 6
    assert InboxDelivery.objects.filter(event_id__in=[e["eventId"] for e in in_process]).count() == 6
    assert lag_of(group) == 0

    out = consume(group, capsys, idle_timeout=5)  # offsets were committed: nothing is consumed again
    assert "messages 0" in out
    assert {k: list(v) for k, v in totals.items()} == expected


def test_poison_message_is_dead_lettered_and_the_consumer_moves_on(totals, settings, capsys):
    settings.EVENTS_KAFKA_CONTEXTS = ["evtest"]
    envs = publish_all([("A", 1), ("A", 2), ("A", 3)], fail_seq=2)
    call_command("relay_outbox", "--once")

    out = consume(f"g-{uuid.uuid4().hex[:6]}", capsys, max_messages=3, idle_timeout=20, max_retries=2,
                  retry_backoff=0.01)

    assert "messages 3, applied 2, duplicates 0, dead-lettered 1" in out
    assert totals == {"A": [1, 3]}
    letter = DeadLetter.objects.get()
    assert str(letter.event_id) == envs[1]["eventId"] and letter.attempts == 3 and "poison" in letter.error


def test_consumer_lag_counts_what_is_left(totals, settings, capsys):
    settings.EVENTS_KAFKA_CONTEXTS = ["evtest"]
    publish_all([("A", 1), ("B", 2), ("C", 3), ("D", 4), ("E", 5)])
    # one record per produce request: tansu 0.6 reports a multi-record batch's high watermark short
    call_command("relay_outbox", "--once", "--batch-size", "1")
    group = f"g-{uuid.uuid4().hex[:6]}"

    consume(group, capsys, max_messages=1, idle_timeout=20)

    assert sum(len(v) for v in totals.values()) == 1
    assert lag_of(group) == 4


def test_consume_events_rejects_a_context_without_handlers(kafka_servers):
    with pytest.raises(CommandError, match="has no event handlers"):
        call_command("consume_events", "--context", "nosuchcontext")


def test_consume_events_stops_cleanly_on_sigterm(kafka_servers, topic_prefix):
    import subprocess
    import sys

    from tests.events.conftest import ROOT, relay_env, stop_process

    env = relay_env(kafka_servers, topic_prefix, KAFKA_CONSUMER_SESSION_TIMEOUT_MS="6000")
    listing = subprocess.run([sys.executable, "manage.py", "consume_events", "--context", "nosuchcontext"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert listing.returncode == 1 and "has no event handlers" in listing.stderr
    contexts = listing.stderr.split("contexts with handlers: ")[1].split(")")[0].split(", ")
    if contexts == ["none"]:
        pytest.skip("no context subscribes to any event yet")

    consumer = subprocess.Popen([sys.executable, "manage.py", "consume_events", "--context", contexts[0]],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert consumer.stdout.readline().startswith("consuming ")  # signal handlers are installed by now
    finally:
        stop_process(consumer)
    out, err = consumer.communicate(timeout=10)
    assert consumer.returncode == 0, err
    assert "consume_events: messages 0" in out
