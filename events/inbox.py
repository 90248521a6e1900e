"""Exactly-once effect for at-least-once deliveries: the inbox row and the handler's writes
commit in one transaction, and the handler runs only if the row was newly inserted."""

from __future__ import annotations

import logging
import time

from django.db import IntegrityError, transaction

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
        with transaction.atomic():
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
