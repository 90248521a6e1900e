"""Celery tasks of the in-process bus: one delivery per (event, handler), scheduled on commit.

A failing delivery is retried with exponential backoff with jitter (up to 1 s, 2 s, 4 s ... capped at 5 min) up to
EVENTS_HANDLER_MAX_RETRIES times, then stored as a DeadLetter (admin, `manage.py dead_letters`).
The task is idempotent: the inbox makes a redelivery (acks_late, visibility timeout) a no-op.
"""

from __future__ import annotations

import logging
import math

import structlog
from celery import shared_task
from django.conf import settings
from django.db import transaction

from common.resilience import backoff_delay
from events import bus, inbox, metrics, sweeper
from events.models import DeadLetter, OutboxEvent

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300


def retry_countdown(retries: int) -> int:
    """Countdown before the retry after `retries` earlier retries: common backoff (1, 2, 4 ... capped at
    5 min, full jitter), rounded up to whole seconds."""
    return math.ceil(backoff_delay(retries + 1, base=1, cap=MAX_BACKOFF_SECONDS))


def dead_letter(handler_name: str, envelope: dict, error: str, attempts: int) -> DeadLetter:
    with transaction.atomic():
        letter, _ = DeadLetter.objects.update_or_create(
            event_id=envelope["eventId"],
            handler=handler_name,
            defaults={"event_type": envelope["eventType"], "envelope": envelope, "error": error[:5000],
                      "attempts": attempts, "resolved_at": None},
        )
    metrics.DEAD_LETTERS.labels(handler_name).inc()
    return letter


@shared_task(bind=True, name="events.deliver_event", acks_late=True, max_retries=None)
def deliver_event(self, event_id: str, handler_name: str) -> bool:
    with structlog.contextvars.bound_contextvars(event_id=event_id):  # every log line of the delivery names it
        return _deliver(self, event_id, handler_name)


def _deliver(self, event_id: str, handler_name: str) -> bool:
    envelope = OutboxEvent.objects.values_list("envelope", flat=True).get(event_id=event_id)
    try:
        handler = bus.handler_named(handler_name)
    except KeyError:
        logger.error("no handler named %s (renamed or removed?); dead-lettered", handler_name)
        dead_letter(handler_name, envelope, f"no handler named {handler_name}", 0)
        sweeper.finished(event_id, handler_name)
        return False
    try:
        applied = inbox.apply(handler, envelope)
    except Exception as exc:
        attempts = self.request.retries + 1
        if attempts > settings.EVENTS_HANDLER_MAX_RETRIES:
            logger.exception("handler %s failed %d times for %s; dead-lettered", handler_name, attempts, event_id)
            dead_letter(handler_name, envelope, f"{exc.__class__.__name__}: {exc}", attempts)
            sweeper.finished(event_id, handler_name)
            return False
        logger.warning("handler %s failed for %s (attempt %d); retrying", handler_name, event_id, attempts)
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
    sweeper.finished(event_id, handler_name)  # a worker dying before this only makes the sweeper re-send a no-op
    return applied


@shared_task(name="events.sweep_deliveries")
def sweep_deliveries() -> int:
    """Beat, every 30 s: re-send in-process deliveries lost by a dead worker (events.sweeper)."""
    return sweeper.sweep().resent
