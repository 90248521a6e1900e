"""Runs one context's handlers from Kafka (a context split out of the monolith).

Messages are read in batches (EVENTS_CONSUMER_BATCH_SIZE). Fast path: the whole batch is applied in
ONE transaction (`inbox.apply_batch`: the inbox rows and every handler's writes commit together). If any
handler raises, that transaction rolls back and the batch is applied message by message: every handler
of the context for the message's eventType goes through `inbox.apply` (handler writes + inbox row in one
transaction), retried with backoff; after the last failure the delivery is dead-lettered and the
consumer moves on. (A handler's side effects outside the database may thus run more than once, as with
any at-least-once delivery.) Only once applied is a message's offset *stored*;
stored offsets are committed asynchronously every EVENTS_CONSUMER_COMMIT_INTERVAL_MS (librdkafka's
auto-commit of stored offsets, also on rebalance and close) and synchronously when the run ends. A crash
re-delivers what was applied after the last commit (the inbox makes that a no-op) and nothing is skipped.

Lag is measured off the hot path: librdkafka's statistics callback (every
EVENTS_CONSUMER_STATS_INTERVAL_MS) carries each assigned partition's `consumer_lag` (log end offset -
committed offset); the loop never makes a blocking broker call for it. Only the end of a run measures
the lag once more, exactly, after its final commit.

`run` heals itself: a database error that leaves the connection unusable (terminated connection,
PostgreSQL restart) closes it, backs off and retries the same message (its offset is not stored); a
fatal consumer error (poll/commit, error callback) closes and recreates the consumer, which resumes from
the committed offsets. Recoveries are logged and counted in `prs1_consumer_recoveries_total`.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections

from common.resilience import backoff_delay
from events import bus, inbox, kafka, metrics
from events.catalogue import spec
from events.relay import close_database_connection, interruptible_sleep, recovery_delay
from events.tasks import dead_letter

logger = logging.getLogger(__name__)


@dataclass
class ConsumerStats:
    messages: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    skipped: int = 0
    recoveries: int = 0


class DatabaseLost(Exception):
    """The database connection broke under a delivery: not the handler's fault, the message is retried."""


# SQLSTATEs of a lost connection: class 08 (connection exception) and the server shutting the session down.
_CONNECTION_LOST_STATES = ("57P01", "57P02", "57P03")


def database_lost(exc: BaseException) -> bool:
    """Did `exc` come from losing the database connection (terminated session, server restart), rather
    than from what the handler asked (a constraint, a deadlock, a statement timeout)? Django reconnects on
    its own once the failed transaction is left, so the error itself must tell."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate is None:  # no answer from the server at all: the connection broke
        return True
    return sqlstate.startswith("08") or sqlstate in _CONNECTION_LOST_STATES


def group_id(context: str) -> str:
    return f"prs1-{context}"


def topics_for(context: str) -> list[str]:
    types = {h.event_type for h in bus.all_handlers() if h.context == context}
    return sorted({kafka.physical_topic(spec(t).topic) for t in types})


class ContextConsumer:
    def __init__(self, context: str, *, group: str | None = None, max_retries: int | None = None,
                 retry_backoff: float | None = None, sleep: Callable[[float], None] = time.sleep,
                 batch_size: int | None = None, consumer_factory: Callable[[dict], Consumer] | None = None) -> None:
        self.context = context
        self.group = group or group_id(context)
        self.topics = topics_for(context)
        self.max_retries = settings.EVENTS_HANDLER_MAX_RETRIES if max_retries is None else max_retries
        self.retry_backoff = settings.EVENTS_CONSUMER_RETRY_BACKOFF if retry_backoff is None else retry_backoff
        self.batch_size = batch_size or getattr(settings, "EVENTS_CONSUMER_BATCH_SIZE", 500)
        self.sleep = sleep
        self.stats = ConsumerStats()
        self._consumer_factory = consumer_factory or Consumer
        self._consumer: Consumer | None = None
        self._fatal: KafkaError | None = None
        self._stored: dict[tuple[str, int], int] = {}  # next offset to read, per partition, once applied

    # --- the consumer's lifecycle ---------------------------------------------------------------------

    def config(self) -> dict:
        return {
            **kafka.consumer_config(self.group),
            # offsets are stored by hand once a message is applied; librdkafka commits the stored ones
            "enable.auto.offset.store": False,
            "enable.auto.commit": True,
            "auto.commit.interval.ms": int(getattr(settings, "EVENTS_CONSUMER_COMMIT_INTERVAL_MS", 1000)),
            "statistics.interval.ms": int(getattr(settings, "EVENTS_CONSUMER_STATS_INTERVAL_MS", 5000)),
            "stats_cb": self._on_stats,
            "error_cb": self._on_error,
        }

    def _open(self) -> None:
        self._fatal = None
        self._consumer = self._consumer_factory(self.config())
        self._consumer.subscribe(self.topics)

    def _close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is None:
            return
        try:
            self._commit_stored(consumer)
        finally:
            try:
                consumer.close()  # leaves the group at once: partitions are reassigned without waiting
            except Exception:
                logger.warning("closing the Kafka consumer failed", exc_info=True)

    def _commit_stored(self, consumer: Consumer) -> None:
        if not self._stored:
            return
        offsets = [TopicPartition(topic, partition, offset) for (topic, partition), offset in self._stored.items()]
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:  # not fatal for at-least-once: the uncommitted tail is re-delivered
            logger.warning("final offset commit failed (%s); those messages will be re-delivered", exc)

    def _recovered(self, reason: str, exc: object) -> None:
        self.stats.recoveries += 1
        metrics.CONSUMER_RECOVERIES.labels(self.context, reason).inc()
        logger.warning("consumer %s: recovering from %s (%s)", self.group, reason, exc)

    def _reopen(self, reason: str, exc: object) -> None:
        self._recovered(reason, exc)
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except Exception:  # a fatal consumer may refuse to close cleanly; it is dropped anyway
                logger.debug("closing the failed consumer failed", exc_info=True)
        self._open()

    def _on_error(self, err: KafkaError) -> None:
        if err.fatal():
            self._fatal = err
        else:
            logger.info("consumer %s: %s", self.group, err.str())

    def _on_stats(self, payload: str) -> None:
        """librdkafka statistics (JSON), from inside poll/consume: per assigned partition `consumer_lag`."""
        try:
            for topic, data in json.loads(payload).get("topics", {}).items():
                for partition, p in data.get("partitions", {}).items():
                    if partition == "-1" or not p.get("desired") or p.get("consumer_lag", -1) < 0:
                        continue
                    metrics.CONSUMER_LAG.labels(self.group, topic, partition).set(p["consumer_lag"])
        except (ValueError, TypeError, AttributeError):
            logger.debug("unreadable consumer statistics", exc_info=True)

    # --- the loop ---------------------------------------------------------------------------------------

    def run(self, *, should_stop: Callable[[], bool], max_messages: int | None = None,
            idle_timeout: float | None = None) -> ConsumerStats:
        if not self.topics:
            raise ValueError(f"context '{self.context}' has no event handlers")
        self._open()
        batch: deque = deque()
        last_message = time.monotonic()
        failures = 0
        try:
            while not should_stop():
                if max_messages is not None and self.stats.messages >= max_messages:
                    break
                if self._fatal is not None:
                    batch.clear()  # not applied: read again from the committed offsets
                    self._reopen("consumer_fatal", self._fatal.str())
                    continue
                if not batch:
                    wanted = self.batch_size if max_messages is None else min(self.batch_size,
                                                                              max_messages - self.stats.messages)
                    try:
                        batch.extend(self._consumer.consume(num_messages=wanted, timeout=0.5))
                    except KafkaException as exc:
                        if exc.args and isinstance(exc.args[0], KafkaError) and exc.args[0].fatal():
                            self._fatal = exc.args[0]
                        else:
                            self._recovered("consumer_error", exc)
                        continue
                    if not batch:
                        if idle_timeout is not None and time.monotonic() - last_message > idle_timeout:
                            break
                        continue
                    close_old_connections()  # once per batch: drop a connection past its age or broken
                    try:
                        self._apply_fast(batch)
                        failures = 0
                        last_message = time.monotonic()
                    except DatabaseLost as exc:
                        failures += 1
                        close_database_connection()
                        self._recovered("database", exc.__cause__ or exc)
                        interruptible_sleep(recovery_delay(failures), should_stop, self.sleep)
                        # the batch is still in hand: applied one by one (a lost connection again is retried)
                    if not batch:
                        continue
                msg = batch[0]
                if msg.error():
                    batch.popleft()
                    error = msg.error()
                    if error.fatal():
                        self._fatal = error
                    elif error.code() != KafkaError._PARTITION_EOF:
                        logger.warning("consumer error: %s", error.str())
                    continue
                last_message = time.monotonic()
                try:
                    self.handle(msg.value())
                except DatabaseLost as exc:
                    failures += 1
                    close_database_connection()
                    self._recovered("database", exc.__cause__ or exc)
                    interruptible_sleep(recovery_delay(failures), should_stop, self.sleep)
                    continue  # the same message again; its offset was not stored
                failures = 0
                batch.popleft()
                self._store(msg)
                self.stats.messages += 1
            if self._consumer is not None:
                self._commit_stored(self._consumer)
                self._measure_lag()
        finally:
            self._close()
        return self.stats

    def _apply_fast(self, batch: deque) -> None:
        """Apply the batch in one transaction (`inbox.apply_batch`): one commit for hundreds of deliveries.
        The messages applied are taken off `batch` and their offsets stored; what is left (from the first
        error message, non-envelope or failing handler on) goes the message-by-message way (retries, dead
        letters). Raises DatabaseLost if the connection broke (nothing is applied then)."""
        messages, deliveries, owner = [], [], []  # owner[i]: index in `messages` of delivery i
        for msg in batch:
            if msg.error():
                break
            try:
                envelope = orjson.loads(msg.value())
                event_type = envelope["eventType"]
                envelope["eventId"]
            except (orjson.JSONDecodeError, TypeError, KeyError):
                break
            for handler in bus.handlers_for(event_type, context=self.context):
                deliveries.append((handler, envelope))
                owner.append(len(messages))
            messages.append(msg)
        if not messages:
            return
        try:
            outcome = inbox.apply_batch(deliveries)
        except Exception as exc:
            if database_lost(exc):
                raise DatabaseLost(str(exc)) from exc
            logger.warning("consumer %s: a batch of %d messages failed (%s: %s); applying them one by one",
                           self.group, len(messages), exc.__class__.__name__, exc)
            return
        done = len(messages) if outcome.failed_at is None else owner[outcome.failed_at]
        if outcome.failed_at is not None:
            logger.info("consumer %s: a handler failed at message %d of the batch (%s); applying the rest one "
                        "by one", self.group, done + 1, outcome.error)
        counted = [applied for applied, o in zip(outcome.applied, owner, strict=False) if o < done]
        self.stats.applied += sum(counted)
        self.stats.duplicates += len(counted) - sum(counted)
        with_handlers = set(owner)
        self.stats.skipped += sum(1 for i in range(done) if i not in with_handlers)
        self.stats.messages += done
        applied_messages = [batch.popleft() for _ in range(done)]
        self._store_all(applied_messages)

    def _store_all(self, messages) -> None:
        last: dict[tuple[str, int], int] = {}
        for msg in messages:
            last[(msg.topic(), msg.partition())] = msg.offset() + 1
        self._stored.update(last)
        try:
            self._consumer.store_offsets(offsets=[TopicPartition(t, p, o) for (t, p), o in last.items()])
        except KafkaException as exc:  # e.g. a partition was revoked meanwhile: it will be re-delivered
            logger.info("could not store offsets %s: %s", last, exc)

    def _store(self, msg) -> None:
        """The message is applied (or dead-lettered): its offset may be committed."""
        self._stored[(msg.topic(), msg.partition())] = msg.offset() + 1
        try:
            self._consumer.store_offsets(message=msg)
        except KafkaException as exc:  # e.g. the partition was revoked meanwhile: it will be re-delivered
            logger.info("could not store the offset of %s[%d]@%d: %s", msg.topic(), msg.partition(), msg.offset(),
                        exc)

    def handle(self, value: bytes) -> None:
        try:
            envelope = json.loads(value)
            event_type = envelope["eventType"]
            envelope["eventId"]
        except (ValueError, TypeError, KeyError):
            logger.error("skipping a message that is not an event envelope: %r", value[:200])
            self.stats.skipped += 1
            return
        handlers = bus.handlers_for(event_type, context=self.context)
        if not handlers:
            self.stats.skipped += 1
        with structlog.contextvars.bound_contextvars(event_id=envelope["eventId"]):  # retries, dead letters too
            for handler in handlers:
                self._deliver(handler, envelope)

    def _deliver(self, handler: bus.Handler, envelope: dict) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                if inbox.apply(handler, envelope):
                    self.stats.applied += 1
                else:
                    self.stats.duplicates += 1
                return
            except Exception as exc:
                if database_lost(exc):
                    raise DatabaseLost(str(exc)) from exc
                if attempt > self.max_retries:
                    logger.exception("handler %s failed %d times for %s; dead-lettered", handler.name, attempt,
                                     envelope["eventId"])
                    dead_letter(handler.name, envelope, f"{exc.__class__.__name__}: {exc}", attempt)
                    self.stats.dead_lettered += 1
                    return
                delay = backoff_delay(attempt, base=self.retry_backoff, cap=60.0)
                logger.warning("handler %s failed for %s (attempt %d), retrying in %.1fs", handler.name,
                               envelope["eventId"], attempt, delay)
                self.sleep(delay)

    def _measure_lag(self) -> None:
        """At the end of a run, after the final commit: lag = log end offset - committed offset per assigned
        partition (the log end from the last fetch when known, else asked for). Never on the hot path."""
        try:
            assignment = self._consumer.assignment()
            if not assignment:
                return
            for tp in self._consumer.committed(assignment, timeout=5.0):
                part = TopicPartition(tp.topic, tp.partition)
                low, high = self._consumer.get_watermark_offsets(part, timeout=5.0, cached=True)
                if high < 0:
                    low, high = self._consumer.get_watermark_offsets(part, timeout=5.0)
                position = tp.offset if tp.offset >= 0 else low
                metrics.CONSUMER_LAG.labels(self.group, tp.topic, str(tp.partition)).set(max(0, high - position))
        except Exception:
            logger.debug("could not compute consumer lag", exc_info=True)
