"""Celery tasks of the in-process bus: one delivery per (event, handler)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from events import bus, inbox, metrics
from events.models import DeadLetter, OutboxEvent

logger = logging.getLogger(__name__)


def dead_letter(handler_name: str, envelope: dict, error: str, attempts: int) -> None:
    DeadLetter.objects.update_or_create(
        event_id=envelope["eventId"],
        handler=handler_name,
        defaults={"event_type": envelope["eventType"], "envelope": envelope, "error": error[:5000],
                  "attempts": attempts, "resolved_at": None},
    )
    metrics.DEAD_LETTERS.labels(handler_name).inc()


@shared_task(bind=True, name="events.deliver_event", acks_late=True, max_retries=None)
def deliver_event(self, event_id: str, handler_name: str) -> bool:
    envelope = OutboxEvent.objects.values_list("envelope", flat=True).get(event_id=event_id)
    handler = bus.handler_named(handler_name)
    try:
        return inbox.apply(handler, envelope)
    except Exception as exc:
        metrics.HANDLER_FAILURES.labels(handler_name).inc()
        attempts = self.request.retries + 1
        if attempts > settings.EVENTS_HANDLER_MAX_RETRIES:
            logger.exception("handler failed for good; dead-lettered", extra={"handler": handler_name})
            dead_letter(handler_name, envelope, repr(exc), attempts)
            return False
        raise self.retry(exc=exc, countdown=min(2 ** self.request.retries, 300)) from exc
