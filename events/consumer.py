"""Runs one context's handlers from Kafka (a context split out of the monolith).

For each message: every handler of the context for its eventType goes through `inbox.apply`
(handler writes + inbox row in one transaction), retried with backoff; after the last failure the
delivery is dead-lettered and the consumer moves on. Only then is the offset committed, so a crash
re-delivers (the inbox makes that a no-op) and nothing is skipped.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, TopicPartition
from django.conf import settings
from django.db import close_old_connections

from events import bus, inbox, kafka, metrics
from events.catalogue import spec
from events.tasks import dead_letter

logger = logging.getLogger(__name__)


@dataclass
class ConsumerStats:
    messages: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    skipped: int = 0


def group_id(context: str) -> str:
    return f"prs1-{context}"


def topics_for(context: str) -> list[str]:
    types = {h.event_type for h in bus.all_handlers() if h.context == context}
    return sorted({kafka.physical_topic(spec(t).topic) for t in types})


class ContextConsumer:
    def __init__(self, context: str, *, group: str | None = None, max_retries: int | None = None,
                 retry_backoff: float | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.context = context
        self.group = group or group_id(context)
        self.topics = topics_for(context)
        self.max_retries = settings.EVENTS_HANDLER_MAX_RETRIES if max_retries is None else max_retries
        self.retry_backoff = settings.EVENTS_CONSUMER_RETRY_BACKOFF if retry_backoff is None else retry_backoff
        self.sleep = sleep
        self.stats = ConsumerStats()
        self._consumer: Consumer | None = None
        self._last_lag = 0.0

    def run(self, *, should_stop: Callable[[], bool], max_messages: int | None = None,
            idle_timeout: float | None = None) -> ConsumerStats:
        if not self.topics:
            raise ValueError(f"context '{self.context}' has no event handlers")
        self._consumer = Consumer(kafka.consumer_config(self.group))
        self._consumer.subscribe(self.topics)
        last_message = time.monotonic()
        try:
            while not should_stop():
                if max_messages is not None and self.stats.messages >= max_messages:
                    break
                msg = self._consumer.poll(0.5)
                if msg is None:
                    if idle_timeout is not None and time.monotonic() - last_message > idle_timeout:
                        break
                    self._update_lag()
                    continue
                if msg.error():
                    if msg.error().code() != KafkaError._PARTITION_EOF:
                        logger.warning("consumer error: %s", msg.error().str())
                    continue
                last_message = time.monotonic()
                close_old_connections()
                self.handle(msg.value())
                # Offsets only after the handlers' transactions committed (or the delivery was dead-lettered).
                self._consumer.commit(message=msg, asynchronous=False)
                self.stats.messages += 1
                if time.monotonic() - self._last_lag > 5:
                    self._update_lag()
            self._update_lag(force=True)
        finally:
            self._consumer.close()  # leaves the group at once: partitions are reassigned without waiting
        return self.stats

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
                if attempt > self.max_retries:
                    logger.exception("handler %s failed %d times for %s; dead-lettered", handler.name, attempt,
                                     envelope["eventId"])
                    dead_letter(handler.name, envelope, f"{exc.__class__.__name__}: {exc}", attempt)
                    self.stats.dead_lettered += 1
                    return
                delay = min(self.retry_backoff * 2 ** (attempt - 1), 60.0)
                logger.warning("handler %s failed for %s (attempt %d), retrying in %.1fs", handler.name,
                               envelope["eventId"], attempt, delay)
                self.sleep(delay)

    def _update_lag(self, force: bool = False) -> None:
        if self._consumer is None or (not force and time.monotonic() - self._last_lag < 5):
            return
        self._last_lag = time.monotonic()
        try:
            assignment = self._consumer.assignment()
            if not assignment:
                return
            # lag = log end offset - committed offset (what a restart would have to re-read)
            for tp in self._consumer.committed(assignment, timeout=5.0):
                low, high = self._consumer.get_watermark_offsets(TopicPartition(tp.topic, tp.partition),
                                                                 timeout=5.0)
                position = tp.offset if tp.offset >= 0 else low
                metrics.CONSUMER_LAG.labels(self.group, tp.topic, str(tp.partition)).set(max(0, high - position))
        except Exception:
            logger.debug("could not compute consumer lag", exc_info=True)
