"""Exactly-once effect for at-least-once deliveries: the inbox row and the handler's writes
commit in one transaction, and the handler runs only if the row was newly inserted."""

from __future__ import annotations

import logging
import time

from django.db import IntegrityError, transaction

from events.bus import Handler
from events.envelope import Event
from events.models import InboxDelivery

logger = logging.getLogger(__name__)


def apply(handler: Handler, envelope: dict) -> bool:
    """Run `handler` for `envelope` unless already applied. Returns True if it ran now."""
    started = time.perf_counter()
    with transaction.atomic():
        try:
            with transaction.atomic():  # savepoint: a duplicate must not poison the outer transaction
                InboxDelivery.objects.create(event_id=envelope["eventId"], handler=handler.name)
        except IntegrityError:
            logger.info("duplicate delivery skipped", extra={"handler": handler.name, "event_id": envelope["eventId"]})
            return False
        handler.fn(Event.from_envelope(envelope))
    from events import metrics

    metrics.HANDLER_LATENCY.labels(handler.name).observe(time.perf_counter() - started)
    return True
