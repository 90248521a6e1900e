"""The outbox relay: pending outbox rows -> Kafka, at least once, per-aggregate order kept.

One batch = one database transaction:
  1. claim up to N pending, due rows, oldest first, `FOR UPDATE SKIP LOCKED` (PostgreSQL), keeping
     only rows whose aggregate has no OLDER pending row outside this batch (an older row locked by
     another relay, or waiting for its retry backoff, holds back everything after it);
  2. produce them (idempotent producer, acks=all, key = aggregateId, headers eventType/eventVersion/
     correlationId) and wait for every delivery report;
  3. mark delivered rows published with one UPDATE by id list; failed rows get attempts+1, last_error
     and next_attempt_at (exponential backoff); commit.
A crash anywhere before the commit leaves every row of the batch pending: it is sent again (the
consumers' inbox makes the duplicate harmless). Nothing is marked published without a delivery report.

`Relay.run` is the long-running loop (`manage.py relay_outbox`). It heals itself: a database error
(terminated connection, PostgreSQL restart) closes the connection, backs off with jitter and retries; a
fatal producer error (raised from produce()/flush() or carried by a delivery report, e.g.
UNKNOWN_PRODUCER_ID after a broker restart) purges and recreates the producer, backs off and retries.
The failed batch's transaction rolls back, so its rows stay pending and are sent again in order. Each
recovery is logged and counted in `prs1_relay_recoveries_total{reason}`.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from confluent_kafka import KafkaError, KafkaException, Producer
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.utils import timezone

from common.resilience import backoff_delay
from events import kafka, metrics
from events.models import OutboxEvent

logger = logging.getLogger(__name__)

assert OutboxEvent._meta.db_table == "events_outboxevent"  # the table named in the claim SQL

# Oldest due pending rows, skipping rows other relays hold; then drop any row whose aggregate has an
# older pending row that is not in the claimed set (claimed elsewhere or backing off).
# PostgreSQL: one index probe per claimed aggregate (the first pending row of the aggregate outside the
# batch), so the cost follows the batch size, not the backlog.
_CLAIM_SQL_POSTGRES = """
WITH claimed AS (
    SELECT event_id, event_type, event_version, topic, aggregate_type, aggregate_id, correlation_id,
           envelope, created_at, attempts
    FROM events_outboxevent
    WHERE published_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
    ORDER BY created_at
    LIMIT %s
    FOR UPDATE SKIP LOCKED
),
blocked AS (
    SELECT g.aggregate_type, g.aggregate_id, first_outside.created_at AS since
    FROM (SELECT DISTINCT aggregate_type, aggregate_id FROM claimed) g
    CROSS JOIN LATERAL (
        SELECT o.created_at FROM events_outboxevent o
        WHERE o.published_at IS NULL AND o.aggregate_type = g.aggregate_type AND o.aggregate_id = g.aggregate_id
          AND o.event_id NOT IN (SELECT event_id FROM claimed)
        ORDER BY o.created_at
        LIMIT 1
    ) first_outside
)
SELECT c.event_id::text, c.event_type, c.event_version, c.topic, c.aggregate_id, c.correlation_id, c.envelope,
       c.attempts
FROM claimed c
LEFT JOIN blocked b ON b.aggregate_type = c.aggregate_type AND b.aggregate_id = c.aggregate_id
WHERE b.since IS NULL OR c.created_at < b.since
ORDER BY c.created_at
"""

# Other databases (SQLite has no LATERAL and no row locks): the same rule as a NOT EXISTS.
_CLAIM_SQL_PORTABLE = """
WITH claimed AS (
    SELECT event_id, event_type, event_version, topic, aggregate_type, aggregate_id, correlation_id,
           envelope, created_at, attempts
    FROM events_outboxevent
    WHERE published_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
    ORDER BY created_at
    LIMIT %s
)
SELECT c.event_id::text, c.event_type, c.event_version, c.topic, c.aggregate_id, c.correlation_id, c.envelope,
       c.attempts
FROM claimed c
WHERE NOT EXISTS (
    SELECT 1 FROM events_outboxevent o
    WHERE o.published_at IS NULL AND o.aggregate_type = c.aggregate_type AND o.aggregate_id = c.aggregate_id
      AND o.created_at < c.created_at AND o.event_id NOT IN (SELECT event_id FROM claimed)
)
ORDER BY c.created_at
"""

@dataclass
class BatchResult:
    claimed: int = 0
    published: int = 0
    failed: int = 0
    seconds: float = 0.0
    claim_seconds: float = 0.0  # the claim query
    publish_seconds: float = 0.0  # encode + produce + wait for every delivery report
    mark_seconds: float = 0.0  # the UPDATEs and the commit


@dataclass
class RelayStats:
    batches: list[float] = field(default_factory=list)
    published: int = 0
    failed: int = 0
    claim_seconds: float = 0.0
    publish_seconds: float = 0.0
    mark_seconds: float = 0.0

    def add(self, result: BatchResult) -> None:
        if result.claimed:
            self.batches.append(result.seconds)
            self.claim_seconds += result.claim_seconds
            self.publish_seconds += result.publish_seconds
            self.mark_seconds += result.mark_seconds
        self.published += result.published
        self.failed += result.failed

    def median(self) -> float:
        return statistics.median(self.batches) if self.batches else 0.0

    def p95(self) -> float:
        if not self.batches:
            return 0.0
        ordered = sorted(self.batches)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def backoff_seconds(attempts: int) -> float:
    """Delay before retry number `attempts`: common backoff (up to 1, 2, 4, ... capped at
    EVENTS_RELAY_MAX_BACKOFF, full jitter)."""
    return backoff_delay(attempts, base=1.0, cap=float(settings.EVENTS_RELAY_MAX_BACKOFF))


DATABASE_ERRORS = (OperationalError, InterfaceError)
ONCE_MAX_RECOVERIES = 5  # `--once` gives up (exit 1) after this many recoveries in a row; the service never does


class RelayGaveUp(RuntimeError):
    pass


def recovery_delay(failures: int) -> float:
    """Pause before trying again after the `failures`-th recovery in a row (jittered, capped)."""
    return backoff_delay(failures, base=float(getattr(settings, "EVENTS_RECOVERY_BACKOFF_BASE", 0.5)),
                         cap=float(getattr(settings, "EVENTS_RECOVERY_BACKOFF_CAP", 30.0)))


def close_database_connection() -> None:
    """Drop a broken connection (Django opens a new one on the next query)."""
    try:
        connection.close()
    except Exception:  # closing a dead connection may itself fail; it is gone either way
        logger.debug("closing the database connection failed", exc_info=True)


def interruptible_sleep(seconds: float, should_stop: Callable[[], bool], sleep=time.sleep) -> None:
    deadline = time.monotonic() + seconds
    while not should_stop():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        sleep(min(remaining, 0.25))


class Relay:
    def __init__(self, *, batch_size: int | None = None, producer: Producer | None = None,
                 producer_factory: Callable[[], Producer] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.batch_size = batch_size or settings.EVENTS_RELAY_BATCH_SIZE
        self._producer = producer
        self._producer_factory = producer_factory or (lambda: Producer(kafka.producer_config()))
        self.sleep = sleep
        self.stats = RelayStats()
        self.recoveries: Counter[str] = Counter()

    @property
    def producer(self) -> Producer:
        if self._producer is None:
            self._producer = self._producer_factory()
        return self._producer

    def _reset_producer(self) -> None:
        """Drop the producer: its queued messages are purged, so none of them goes out after the
        retried rows are produced again by the new one (per-aggregate order holds)."""
        old, self._producer = self._producer, None
        if old is None:
            return
        try:
            purge = getattr(old, "purge", None)
            if purge is not None:
                purge()
            old.flush(0)
        except Exception:  # a fatal producer may refuse even this; it is dropped anyway
            logger.debug("purging the old producer failed", exc_info=True)

    def _recovered(self, reason: str, exc: BaseException) -> None:
        self.recoveries[reason] += 1
        metrics.RELAY_RECOVERIES.labels(reason).inc()
        logger.warning("outbox relay: recovering from %s (%s: %s)", reason, exc.__class__.__name__, exc)

    def run_batch_healing(self) -> BatchResult | None:
        """One batch; a database error or a producer error is recovered from (connection closed,
        producer recreated if fatal) and answers None: the caller backs off and tries again."""
        try:
            close_old_connections()
            return self.run_batch()
        except DATABASE_ERRORS as exc:
            close_database_connection()
            self._recovered("database", exc)
        except KafkaException as exc:
            error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
            if error is not None and error.fatal():
                self._reset_producer()
                self._recovered("producer_fatal", exc)
            else:
                self._recovered("producer_error", exc)
        return None

    def run(self, *, should_stop: Callable[[], bool], once: bool = False, waiter: Waiter | None = None) -> RelayStats:
        """Publish until `should_stop()` (or, with `once`, until nothing is due), surviving database and
        producer failures. Between batches, `waiter` sleeps until a NOTIFY or its poll interval."""
        failures = 0
        while not should_stop():
            result = self.run_batch_healing()
            if result is None:
                failures += 1
                if once and failures >= ONCE_MAX_RECOVERIES:
                    raise RelayGaveUp(f"outbox relay: still failing after {failures} recoveries "
                                      f"({', '.join(sorted(self.recoveries))})")
                interruptible_sleep(recovery_delay(failures), should_stop, self.sleep)
                if waiter is not None:
                    waiter.reconnect()
                continue
            failures = 0
            if result.claimed and result.failed == 0 and result.claimed >= self.batch_size:
                continue  # more is waiting
            if once:
                if not result.claimed:
                    break
                continue
            if waiter is not None:
                waiter.wait(should_stop=should_stop)
        return self.stats

    def close(self, timeout: float = 10) -> None:
        if self._producer is not None:
            try:
                self._producer.flush(timeout)
            except KafkaException:
                logger.warning("outbox relay: the producer could not flush on close", exc_info=True)

    def claim_sql(self) -> str:
        return _CLAIM_SQL_POSTGRES if connection.vendor == "postgresql" else _CLAIM_SQL_PORTABLE

    def run_batch(self) -> BatchResult:
        started = time.perf_counter()
        result = BatchResult()
        with transaction.atomic():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # Losing the last marks in a database crash only re-sends those events (at least once);
                    # not waiting for the WAL flush at each batch commit roughly halves the marking cost.
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                cursor.execute(self.claim_sql(), [timezone.now(), self.batch_size])
                rows = cursor.fetchall()
            result.claimed = len(rows)
            claimed_at = time.perf_counter()
            result.claim_seconds = claimed_at - started
            if rows:
                delivered, failures = self._publish(rows)
                published_at = time.perf_counter()
                result.publish_seconds = published_at - claimed_at
                self._mark(rows, delivered, failures)
                result.published, result.failed = len(delivered), len(failures)
        result.seconds = time.perf_counter() - started
        if rows:
            result.mark_seconds = result.seconds - result.claim_seconds - result.publish_seconds
        self.stats.add(result)
        return result

    def _publish(self, rows: list[tuple]) -> tuple[list, dict]:
        producer = self.producer
        errors: dict[int, KafkaError | None] = {}

        def report(index: int):
            def on_delivery(err, _msg) -> None:
                errors[index] = err
            return on_delivery

        for index, (_event_id, event_type, version, topic, aggregate_id, correlation_id, env, _a) in enumerate(rows):
            kwargs = dict(topic=kafka.physical_topic(topic), key=aggregate_id.encode(), value=kafka.encode(env),
                          headers=kafka.headers_of(event_type, version, correlation_id), on_delivery=report(index))
            while True:
                try:
                    producer.produce(**kwargs)
                    break
                except BufferError:
                    producer.poll(0.05)
            if index % 1000 == 999:
                producer.poll(0)
        deadline = time.monotonic() + settings.EVENTS_RELAY_DELIVERY_TIMEOUT_MS / 1000 + 2
        while len(errors) < len(rows) and time.monotonic() < deadline:
            producer.flush(min(1.0, max(0.0, deadline - time.monotonic())))

        delivered, failures, fatal = [], {}, False
        for index, row in enumerate(rows):
            if index not in errors:
                failures[row[0]] = "no delivery report before the timeout"
            elif errors[index] is None:
                delivered.append(row)
            else:
                failures[row[0]] = errors[index].str()
                fatal = fatal or errors[index].fatal()
        if fatal:
            logger.error("Kafka producer hit a fatal error; recreating it")
            self._reset_producer()
            self.recoveries["producer_fatal"] += 1
            metrics.RELAY_RECOVERIES.labels("producer_fatal").inc()
        return delivered, failures

    def _mark(self, rows: list[tuple], delivered: list[tuple], failures: dict) -> None:
        now = timezone.now()
        if delivered:
            ids = [row[0] for row in delivered]
            if connection.vendor == "postgresql":  # one array parameter: no 5,000-placeholder statement
                with connection.cursor() as cursor:
                    cursor.execute("UPDATE events_outboxevent SET published_at = %s, last_error = '', "
                                   "next_attempt_at = NULL WHERE event_id = ANY(%s::uuid[])", [now, ids])
            else:
                OutboxEvent.objects.filter(event_id__in=ids).update(published_at=now, last_error="",
                                                                   next_attempt_at=None)
            for topic, count in Counter(row[3] for row in delivered).items():
                metrics.OUTBOX_PUBLISHED.labels(topic).inc(count)
        if failures:
            by_attempts: dict[tuple[int, str], list] = {}
            for row in rows:
                if row[0] in failures:
                    by_attempts.setdefault((row[7] + 1, failures[row[0]]), []).append(row[0])
                    metrics.OUTBOX_PUBLISH_FAILED.labels(row[3]).inc()
            for (attempts, error), ids in by_attempts.items():
                OutboxEvent.objects.filter(event_id__in=ids).update(
                    attempts=attempts, last_error=error[:2000],
                    next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts)))
            logger.warning("outbox relay: %d of %d events failed to publish (%s)", len(failures), len(rows),
                           next(iter(failures.values())))


def refresh_gauges() -> tuple[int, float | None]:
    """Update the pending-count and oldest-age gauges; returns them."""
    pending = OutboxEvent.objects.filter(published_at__isnull=True)
    count = pending.count()
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    age = (timezone.now() - oldest).total_seconds() if oldest else None
    metrics.OUTBOX_PENDING.set(count)
    metrics.OUTBOX_OLDEST_PENDING_AGE.set(age or 0.0)
    return count, age


class Waiter:
    """Sleeps until a NOTIFY from `events.outbox.record` arrives (PostgreSQL) or the poll interval ends."""

    RELISTEN_AFTER = 5.0  # seconds between attempts to LISTEN again after the connection was lost

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._conn = None
        self._lost_at: float | None = None
        self._listen()

    def _listen(self) -> None:
        if connection.vendor != "postgresql":
            return
        try:
            connection.ensure_connection()
            self._conn = connection.get_new_connection(connection.get_connection_params())
            self._conn.autocommit = True
            from events.outbox import NOTIFY_CHANNEL

            self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self._lost_at = None
        except Exception:
            logger.warning("LISTEN failed; the relay polls until it can LISTEN again", exc_info=True)
            self.close()
            self._lost_at = time.monotonic()

    def reconnect(self) -> None:
        """LISTEN again if the connection was lost (at most every RELISTEN_AFTER seconds)."""
        if self._lost_at is not None and time.monotonic() - self._lost_at >= self.RELISTEN_AFTER:
            self._listen()

    SLICE = 0.25  # a stop request (SIGTERM) is noticed within this many seconds

    def wait(self, timeout: float | None = None, should_stop=lambda: False) -> None:
        deadline = time.monotonic() + (self.interval if timeout is None else timeout)
        while not should_stop():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._wait_slice(min(remaining, self.SLICE)):
                return
            self.reconnect()

    def _wait_slice(self, timeout: float) -> bool:
        """True if a notification arrived."""
        if self._conn is None:
            time.sleep(timeout)
            return False
        try:
            woke = any(True for _ in self._conn.notifies(timeout=timeout, stop_after=1))
            if woke:
                for _ in self._conn.notifies(timeout=0):  # drain the rest of the burst
                    pass
            return woke
        except Exception:
            logger.warning("LISTEN connection lost; polling until it can LISTEN again", exc_info=True)
            self.close()
            self._lost_at = time.monotonic()
            time.sleep(timeout)
            return False

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
