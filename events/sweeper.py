"""Lost in-process deliveries are sent again.

`bus.dispatch_on_commit` records a PendingDelivery row per (event, in-process handler) in the publishing
transaction; `deliver_event` deletes it when it finishes (applied, already applied, dead-lettered). A
worker killed mid-delivery leaves its task waiting for the Redis visibility timeout (1 h) — or loses it,
if the broker lost it. `sweep()` (Celery task `events.sweep_deliveries`, on beat every 30 s) re-sends
every delivery still pending EVENTS_DELIVERY_SWEEP_AFTER_S (default 120 s) after it was scheduled or last
re-sent. Exactly once in effect: the inbox skips a delivery that did run after all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events import metrics
from events.models import DeadLetter, InboxDelivery, PendingDelivery

logger = logging.getLogger(__name__)


def sweep_after_seconds() -> float:
    return float(getattr(settings, "EVENTS_DELIVERY_SWEEP_AFTER_S", 120))


def record_scheduled(event_id: str, handler_names: list[str]) -> None:
    """In the publishing transaction: these deliveries are scheduled and not finished."""
    if handler_names:
        PendingDelivery.objects.bulk_create([PendingDelivery(event_id=event_id, handler=name)
                                             for name in handler_names], ignore_conflicts=True)


def finished(event_id: str, handler_name: str) -> None:
    PendingDelivery.objects.filter(event_id=event_id, handler=handler_name).delete()


@dataclass
class SweepResult:
    resent: int = 0
    finished: int = 0  # pending rows whose delivery had completed after all (row left by a dead worker)


def sweep(*, limit: int = 1000) -> SweepResult:
    """Re-send the deliveries pending for longer than EVENTS_DELIVERY_SWEEP_AFTER_S."""
    from events.tasks import deliver_event

    result = SweepResult()
    cutoff = timezone.now() - timedelta(seconds=sweep_after_seconds())
    with transaction.atomic():
        stale = list(PendingDelivery.objects.select_for_update(skip_locked=True)
                     .filter(created_at__lte=cutoff).filter(Q(resent_at__isnull=True) | Q(resent_at__lte=cutoff))
                     .order_by("created_at")[:limit])
        if not stale:
            return result
        event_ids = {row.event_id for row in stale}
        done = set(InboxDelivery.objects.filter(event_id__in=event_ids).values_list("event_id", "handler"))
        done |= set(DeadLetter.objects.filter(event_id__in=event_ids).values_list("event_id", "handler"))
        completed = [row.pk for row in stale if (row.event_id, row.handler) in done]
        PendingDelivery.objects.filter(pk__in=completed).delete()
        result.finished = len(completed)
        now = timezone.now()
        for row in stale:
            if (row.event_id, row.handler) in done:
                continue
            row.resent_at, row.resends = now, row.resends + 1
            row.save(update_fields=["resent_at", "resends"])
            # after commit: the row's new resent_at is visible before the task can finish and delete it
            transaction.on_commit(lambda r=row: deliver_event.delay(str(r.event_id), r.handler), robust=True)
            metrics.DELIVERIES_RESENT.labels(row.handler).inc()
            result.resent += 1
    if result.resent:
        logger.warning("re-sent %d in-process deliveries pending for over %.0fs", result.resent,
                       sweep_after_seconds())
    return result
