"""Exactly-once effect for at-least-once deliveries: the inbox row and the handler's writes
commit in one transaction, and the handler runs only if the row was newly inserted.

`apply` is one delivery per transaction; `apply_batch` (the Kafka consumer's fast path) is many
deliveries in one transaction, all or nothing."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field

import structlog
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from events import metrics
from events.bus import Handler
from events.envelope import Event
from events.models import InboxDelivery

logger = logging.getLogger(__name__)


def apply(handler: Handler, envelope: dict, *, force: bool = False) -> bool:
    """Run `handler` for `envelope` unless already applied. Returns True if it ran now.

    `force=True` (operator replay) runs the handler even if the inbox says it was applied.
    A failing handler rolls back its writes and the inbox row, and the exception propagates.
    """
    started = time.perf_counter()
    try:
        with structlog.contextvars.bound_contextvars(event_id=envelope["eventId"]), transaction.atomic():
            if force:
                InboxDelivery.objects.get_or_create(event_id=envelope["eventId"], handler=handler.name)
            else:
                try:
                    with transaction.atomic():  # savepoint: a duplicate must not poison the outer transaction
                        InboxDelivery.objects.create(event_id=envelope["eventId"], handler=handler.name)
                except IntegrityError:
                    logger.info("duplicate delivery skipped",
                                extra={"handler": handler.name, "event_id": envelope["eventId"]})
                    return False
            handler.fn(Event.from_envelope(envelope))
    except Exception:
        metrics.HANDLER_FAILURES.labels(handler.name).inc()
        raise
    metrics.HANDLER_LATENCY.labels(handler.name).observe(time.perf_counter() - started)
    return True


_INSERT_NEW_POSTGRES = """
INSERT INTO events_inboxdelivery (event_id, handler, processed_at)
SELECT t.event_id, t.handler, %s FROM unnest(%s::uuid[], %s::text[]) AS t(event_id, handler)
ON CONFLICT (event_id, handler) DO NOTHING
RETURNING event_id::text, handler
"""


def _insert_new(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Insert the inbox rows that do not exist yet; return the keys inserted now."""
    if connection.vendor == "postgresql":
        assert InboxDelivery._meta.db_table == "events_inboxdelivery"
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_NEW_POSTGRES, [timezone.now(), [k[0] for k in keys], [k[1] for k in keys]])
            return {(event_id, handler) for event_id, handler in cursor.fetchall()}
    new = set()
    for key in dict.fromkeys(keys):
        try:
            with transaction.atomic():
                InboxDelivery.objects.create(event_id=key[0], handler=key[1])
            new.add(key)
        except IntegrityError:
            pass
    return new


@dataclass
class BatchOutcome:
    applied: list[bool] = field(default_factory=list)  # per delivery before `failed_at`: ran now?
    failed_at: int | None = None  # the first delivery whose handler raised (it and the rest were not applied)
    error: Exception | None = None


def apply_batch(deliveries: list[tuple[Handler, dict]]) -> BatchOutcome:
    """Apply many deliveries, in order, in ONE transaction: the new inbox rows are inserted with one
    statement, then each newly inserted delivery's handler runs in a savepoint. `applied[i]` is True if
    delivery i ran now (False: already applied, or the same delivery earlier in the batch).

    If a handler raises, its savepoint rolls back, the inbox rows of it and of every later delivery are
    removed again, and what ran before it commits: the outcome names the failed delivery (`failed_at`,
    `error`) and the caller applies the rest one by one (`apply`, with retries and dead letters). Each
    handler thus runs once per batch attempt, like with `apply`. Database errors outside a handler
    (e.g. a lost connection) roll everything back and propagate.
    """
    keys = [(str(uuid.UUID(str(envelope["eventId"]))), handler.name) for handler, envelope in deliveries]
    outcome = BatchOutcome()
    with transaction.atomic():
        new = _insert_new(keys)
        for index, ((handler, envelope), key) in enumerate(zip(deliveries, keys, strict=True)):
            if key not in new:
                outcome.applied.append(False)
                continue
            started = time.perf_counter()
            savepoint = _LazySavepoint()
            try:
                with structlog.contextvars.bound_contextvars(event_id=key[0]), connection.execute_wrapper(savepoint):
                    handler.fn(Event.from_envelope(envelope))
            except Exception as exc:
                savepoint.rollback()
                metrics.HANDLER_FAILURES.labels(handler.name).inc()
                _delete(list(new))  # this delivery's row and those of the deliveries not run yet
                outcome.failed_at, outcome.error = index, exc
                return outcome
            savepoint.release()
            new.discard(key)
            metrics.HANDLER_LATENCY.labels(handler.name).observe(time.perf_counter() - started)
            outcome.applied.append(True)
    return outcome


class _LazySavepoint:
    """A savepoint taken just before a handler's first query, so a failing handler's writes roll back alone
    while a handler that does not touch the database costs no SAVEPOINT/RELEASE round trips."""

    def __init__(self) -> None:
        self.sid: str | None = None
        self._creating = False

    def __call__(self, execute, sql, params, many, context):
        if self.sid is None and not self._creating:
            self._creating = True
            try:
                self.sid = connection.savepoint()
            finally:
                self._creating = False
        return execute(sql, params, many, context)

    def rollback(self) -> None:
        if self.sid is not None:
            connection.savepoint_rollback(self.sid)
            connection.needs_rollback = False  # the failed handler's work is undone; the batch goes on

    def release(self) -> None:
        if self.sid is not None:
            connection.savepoint_commit(self.sid)


def _delete(keys: list[tuple[str, str]]) -> None:
    if not keys:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM events_inboxdelivery WHERE (event_id, handler) IN "
                           "(SELECT * FROM unnest(%s::uuid[], %s::text[]))", [[k[0] for k in keys], [k[1] for k in keys]])
        return
    for event_id, handler in keys:
        InboxDelivery.objects.filter(event_id=event_id, handler=handler).delete()
