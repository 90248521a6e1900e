"""`inbox.apply_batch`, the consumer's fast path: many deliveries in one transaction, each applied once;
a failing handler's writes roll back alone, what ran before it commits, the rest is left to the caller."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import envelope, inbox
from events.bus import Handler
from events.models import DeadLetter, InboxDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def env(seq: int) -> dict:
    return envelope.build(event_type="user.created", version="1.0", aggregate_id=str(seq), aggregate_type="User",
                          payload={"seq": seq})


def writing_handler(name: str, ran: list, fail_seq: int | None = None) -> Handler:
    """Writes one row per event (a DeadLetter row is a convenient table), fails on `fail_seq` after writing."""

    def fn(event) -> None:
        ran.append(event.payload["seq"])
        DeadLetter.objects.create(event_id=event.event_id, event_type=event.event_type, handler=name,
                                  envelope={}, error=str(event.payload["seq"]))
        if event.payload["seq"] == fail_seq:
            raise ValueError("boom")

    return Handler(name=name, event_type="user.created", context="evtest", fn=fn)


def test_a_batch_applies_each_delivery_once_and_skips_those_already_applied():
    ran: list[int] = []
    handler = writing_handler("h.batch", ran)
    envs = [env(seq) for seq in range(5)]
    assert inbox.apply(handler, envs[1])

    outcome = inbox.apply_batch([(handler, e) for e in envs] + [(handler, envs[0])])

    assert outcome.failed_at is None
    assert outcome.applied == [True, False, True, True, True, False]
    assert ran == [1, 0, 2, 3, 4]
    assert InboxDelivery.objects.filter(handler="h.batch").count() == 5
    assert DeadLetter.objects.filter(handler="h.batch").count() == 5


def test_a_failing_handler_rolls_back_alone_and_leaves_the_rest_to_the_caller():
    ran: list[int] = []
    handler = writing_handler("h.fail", ran, fail_seq=2)
    envs = [env(seq) for seq in range(5)]

    outcome = inbox.apply_batch([(handler, e) for e in envs])

    assert outcome.failed_at == 2 and isinstance(outcome.error, ValueError)
    assert outcome.applied == [True, True]
    assert ran == [0, 1, 2]  # nothing after the failure ran
    assert sorted(DeadLetter.objects.filter(handler="h.fail").values_list("error", flat=True)) == ["0", "1"]
    applied = {str(e) for e in InboxDelivery.objects.filter(handler="h.fail").values_list("event_id", flat=True)}
    assert applied == {envs[0]["eventId"], envs[1]["eventId"]}
    # the rest applies normally afterwards
    assert inbox.apply(writing_handler("h.fail", ran), envs[2])


def test_a_handler_without_queries_costs_no_savepoint():
    handler = Handler(name="h.cheap", event_type="user.created", context="evtest", fn=lambda event: None)
    envs = [env(seq) for seq in range(20)]

    with CaptureQueriesContext(connection) as queries:
        outcome = inbox.apply_batch([(handler, e) for e in envs])

    assert outcome.applied == [True] * 20
    assert not [q for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]
    assert len(queries.captured_queries) <= 3  # the one INSERT (and the transaction's own statements)
    assert InboxDelivery.objects.filter(handler="h.cheap").count() == 20
