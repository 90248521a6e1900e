"""The in-process bus: after-commit delivery per (event, handler), inbox dedupe, retries with
backoff then dead letters, and the operator commands (dead_letters, replay_events, outbox)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from events import inbox, metrics, publish, relay, tasks
from events.models import DeadLetter, InboxDelivery, OutboxEvent
from events.saga import engine as saga_engine
from tests.events.conftest import TEST_VERSION, ProbePayload

pytestmark = pytest.mark.django_db(transaction=True)


def publish_probe(seq: int = 1, *, aggregate_id: object = 7, fail: bool = False) -> dict:
    with transaction.atomic():
        return publish("user.created", aggregate_id=aggregate_id, aggregate_type="User",
                       payload=ProbePayload(seq=seq, fail=fail), version=TEST_VERSION)


@pytest.fixture
def recorder(handler_registry, probe_schema, settings):
    """A handler of context 'evtest' that records (event id, seq) and fails when payload.fail is set."""
    settings.EVENTS_KAFKA_CONTEXTS = []
    state = {"calls": [], "fail": set()}

    def on_user_created(event):
        state["calls"].append((event.event_id, event.payload["seq"]))
        if event.payload["fail"] and event.payload["seq"] not in state.get("healed", set()):
            raise ValueError(f"cannot handle seq {event.payload['seq']}")

    state["handler"] = handler_registry("user.created", on_user_created)
    return state


def test_delivery_runs_after_commit_once(recorder):
    with transaction.atomic():
        env = publish("user.created", aggregate_id=1, aggregate_type="User", payload=ProbePayload(seq=1),
                      version=TEST_VERSION)
        assert recorder["calls"] == []  # nothing runs before the commit

    assert recorder["calls"] == [(env["eventId"], 1)]
    assert InboxDelivery.objects.filter(event_id=env["eventId"], handler=recorder["handler"].name).count() == 1


def test_the_same_event_delivered_twice_is_applied_once(recorder):
    env = publish_probe(5)

    again = tasks.deliver_event.apply(args=[env["eventId"], recorder["handler"].name]).get()

    assert again is False
    assert recorder["calls"] == [(env["eventId"], 5)]
    assert inbox.apply(recorder["handler"], env) is False
    assert InboxDelivery.objects.filter(event_id=env["eventId"]).count() == 1


def test_handlers_of_a_kafka_context_are_not_run_in_process(recorder, settings):
    settings.EVENTS_KAFKA_CONTEXTS = ["evtest"]

    publish_probe(1)

    assert recorder["calls"] == []
    assert OutboxEvent.objects.count() == 1


def test_a_failing_handler_is_retried_then_dead_lettered(recorder, settings):
    settings.EVENTS_HANDLER_MAX_RETRIES = 2
    failures_before = metrics.HANDLER_FAILURES.labels(recorder["handler"].name)._value.get()

    env = publish_probe(9, fail=True)

    assert len(recorder["calls"]) == 3  # first try + 2 retries
    letter = DeadLetter.objects.get(event_id=env["eventId"])
    assert letter.handler == recorder["handler"].name and letter.attempts == 3
    assert "cannot handle seq 9" in letter.error and letter.resolved_at is None
    assert not InboxDelivery.objects.filter(event_id=env["eventId"]).exists()  # rolled back with the handler
    assert metrics.HANDLER_FAILURES.labels(recorder["handler"].name)._value.get() == failures_before + 3


def test_a_handler_that_recovers_on_retry_applies_once_and_leaves_no_dead_letter(recorder, settings):
    settings.EVENTS_HANDLER_MAX_RETRIES = 5
    attempts = {"n": 0}
    original = recorder["handler"].fn

    def flaky(event):
        attempts["n"] += 1
        if attempts["n"] < 3:
            raise ConnectionError("database hiccup")
        original(event)

    from events import bus

    bus.unsubscribe(recorder["handler"].name)
    bus.subscribe("user.created", context="evtest")(flaky)
    try:
        env = publish_probe(4)
    finally:
        bus.unsubscribe(f"{flaky.__module__}.{flaky.__qualname__}")

    assert attempts["n"] == 3
    assert recorder["calls"] == [(env["eventId"], 4)]
    assert not DeadLetter.objects.exists()


def test_retry_backoff_is_exponential_jittered_and_capped(settings):
    """The common backoff: each delay lies in [0, min(cap, base * 2^(attempt-1))]; countdowns are whole seconds."""
    for _ in range(50):
        countdowns = [tasks.retry_countdown(n) for n in range(4)]
        assert all(isinstance(c, int) for c in countdowns)
        assert all(0 <= c <= ceiling for c, ceiling in zip(countdowns, [1, 2, 4, 8], strict=True))
        assert 0 <= tasks.retry_countdown(20) <= tasks.MAX_BACKOFF_SECONDS
        delays = [relay.backoff_seconds(n) for n in (1, 2, 3)]
        assert all(0 <= d <= ceiling for d, ceiling in zip(delays, [1.0, 2.0, 4.0], strict=True))
        assert 0 <= relay.backoff_seconds(40) <= settings.EVENTS_RELAY_MAX_BACKOFF
        steps = [saga_engine.backoff_seconds(n) for n in (1, 2, 3, 10)]
        assert all(0 <= s <= ceiling for s, ceiling in zip(steps, [2, 4, 8, 60], strict=True))
    # jittered: many draws are not all the same value
    assert len({relay.backoff_seconds(3) for _ in range(20)}) > 1


def test_dead_letters_list_show_and_redrive(recorder, settings, capsys):
    settings.EVENTS_HANDLER_MAX_RETRIES = 0
    env = publish_probe(11, fail=True)
    letter = DeadLetter.objects.get()

    call_command("dead_letters", "list")
    call_command("dead_letters", "show", str(letter.pk))
    out = capsys.readouterr().out
    assert recorder["handler"].name in out and env["eventId"] in out and "1 dead letter(s)" in out

    with pytest.raises(CommandError, match="still failing"):
        call_command("dead_letters", "redrive", str(letter.pk))
    letter.refresh_from_db()
    assert letter.resolved_at is None and letter.attempts == 2

    recorder["healed"] = {11}
    call_command("dead_letters", "redrive", str(letter.pk))

    letter.refresh_from_db()
    assert letter.resolved_at is not None
    assert InboxDelivery.objects.filter(event_id=env["eventId"], handler=recorder["handler"].name).exists()
    with pytest.raises(CommandError, match="was resolved"):
        call_command("dead_letters", "redrive", str(letter.pk))
    with pytest.raises(CommandError, match="no dead letter"):
        call_command("dead_letters", "show", "999999")


def test_dead_letters_redrive_all(recorder, settings):
    settings.EVENTS_HANDLER_MAX_RETRIES = 0
    publish_probe(1, fail=True)
    publish_probe(2, fail=True, aggregate_id=8)
    assert DeadLetter.objects.filter(resolved_at__isnull=True).count() == 2
    recorder["healed"] = {1, 2}

    call_command("dead_letters", "redrive", "--all")

    assert not DeadLetter.objects.filter(resolved_at__isnull=True).exists()
    assert InboxDelivery.objects.count() == 2


def test_replay_goes_through_the_inbox_unless_forced(recorder, capsys):
    first, second = publish_probe(1, aggregate_id=70), publish_probe(2, aggregate_id=70)
    publish_probe(3, aggregate_id=71)
    recorder["calls"].clear()
    name = recorder["handler"].name

    call_command("replay_events", "--aggregate-type", "User", "--aggregate-id", "70", "--handler", name)
    assert recorder["calls"] == []
    assert "applied 0, skipped (already applied) 2" in capsys.readouterr().out

    call_command("replay_events", "--aggregate-type", "User", "--aggregate-id", "70", "--handler", name, "--force")
    assert recorder["calls"] == [(first["eventId"], 1), (second["eventId"], 2)]  # in order

    InboxDelivery.objects.all().delete()
    recorder["calls"].clear()
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    call_command("replay_events", "--since", since, "--handler", name)
    assert sorted(seq for _, seq in recorder["calls"]) == [1, 2, 3]
    call_command("replay_events", "--since", timezone.now().isoformat(), "--handler", name)
    assert len(recorder["calls"]) == 3


@pytest.mark.parametrize("args, message", [
    (["--handler", "no.such.handler", "--since", "2026-01-01"], "no handler named"),
    (["--aggregate-type", "User"], "go together"),
    ([], "choose events"),
    (["--since", "yesterday"], "ISO-8601"),
    (["--since", "2026-01-01", "--event-type", "grade.recorded"], "handles 'user.created'"),
])
def test_replay_rejects_bad_input(recorder, args, message):
    if "--handler" not in args:
        args = [*args, "--handler", recorder["handler"].name]
    with pytest.raises(CommandError, match=message):
        call_command("replay_events", *args)


def test_outbox_command_stats_list_and_show(recorder, settings, capsys):
    settings.KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:1"  # rows stay pending
    env = publish_probe(1, aggregate_id=55)
    publish_probe(2, aggregate_id=56)

    call_command("outbox", "stats")
    out = capsys.readouterr().out
    assert "pending: 2" in out and "user-events" in out

    call_command("outbox", "list", "--aggregate-type", "User", "--aggregate-id", "55")
    out = capsys.readouterr().out
    assert env["eventId"] in out and "1 event(s)" in out
    call_command("outbox", "list", "--correlation-id", env["correlationId"])
    assert env["eventId"] in capsys.readouterr().out

    call_command("outbox", "show", env["eventId"])
    out = capsys.readouterr().out
    assert '"publishedAt": null' in out and '"seq": 1' in out
    with pytest.raises(CommandError, match="not an event id"):
        call_command("outbox", "show", "nope")
    with pytest.raises(CommandError, match="no outbox event"):
        call_command("outbox", "show", str(uuid.uuid4()))


def test_embedded_mode_marks_rows_published_and_the_relay_refuses_to_start(recorder, settings):
    settings.KAFKA_BOOTSTRAP_SERVERS = ""

    env = publish_probe(1)

    row = OutboxEvent.objects.get(event_id=env["eventId"])
    assert row.published_at is not None
    assert recorder["calls"] == [(env["eventId"], 1)]  # the in-process bus still delivers
    with pytest.raises(CommandError, match="KAFKA_BOOTSTRAP_SERVERS is not set"):
        call_command("relay_outbox", "--once")
    with pytest.raises(CommandError, match="KAFKA_BOOTSTRAP_SERVERS is not set"):
        call_command("kafka_topics")


def test_admin_action_redrives_dead_letters(recorder, settings, client):
    from django.urls import reverse

    from tests.users.factories import UserFactory

    settings.EVENTS_HANDLER_MAX_RETRIES = 0
    publish_probe(21, fail=True)
    letter = DeadLetter.objects.get()
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    url = reverse("admin:events_deadletter_changelist")

    client.post(url, {"action": "redrive_selected", "_selected_action": [letter.pk]})
    letter.refresh_from_db()
    assert letter.resolved_at is None and letter.attempts == 2  # still failing: kept open, attempt counted

    recorder["healed"] = {21}
    response = client.post(url, {"action": "redrive_selected", "_selected_action": [letter.pk]}, follow=True)

    assert response.status_code == 200
    letter.refresh_from_db()
    assert letter.resolved_at is not None
    assert InboxDelivery.objects.filter(event_id=letter.event_id).exists()
