"""`manage.py outbox stats|list|show`: what the relay has left to do, and one event in full."""

from __future__ import annotations

import json
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Min, Q
from django.utils import timezone

from events.models import OutboxEvent


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CommandError(f"'{value}' is not an event id (a UUID)") from None


class Command(BaseCommand):
    help = "Outbox statistics, listing by event id / aggregate / correlation id, and one event in full."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("stats", help="Pending count, age of the oldest pending row, per topic.")
        listing = sub.add_parser("list", help="Events, newest first.")
        listing.add_argument("--event-id")
        listing.add_argument("--aggregate-type")
        listing.add_argument("--aggregate-id")
        listing.add_argument("--correlation-id")
        listing.add_argument("--event-type")
        listing.add_argument("--pending", action="store_true", help="Only rows not yet published.")
        listing.add_argument("--failing", action="store_true", help="Only rows with failed attempts.")
        listing.add_argument("--limit", type=int, default=50)
        show = sub.add_parser("show", help="One event: status and envelope.")
        show.add_argument("event_id")

    def handle(self, *args, action: str, **opts):
        return getattr(self, f"_{action}")(**opts)

    def _stats(self, **_):
        now = timezone.now()
        pending = OutboxEvent.objects.filter(published_at__isnull=True)
        oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
        self.stdout.write(f"pending: {pending.count()}")
        self.stdout.write(f"oldest pending age: {(now - oldest).total_seconds():.1f}s" if oldest
                          else "oldest pending age: -")
        self.stdout.write(f"failing (attempts > 0, pending): {pending.filter(attempts__gt=0).count()}")
        rows = (OutboxEvent.objects.values("topic")
                .annotate(total=Count("pk"), pending=Count("pk", filter=Q(published_at__isnull=True)),
                          oldest=Min("created_at", filter=Q(published_at__isnull=True)))
                .order_by("topic"))
        self.stdout.write(f"{'topic':<24}{'total':>10}{'pending':>10}  oldest pending")
        for row in rows:
            age = f"{(now - row['oldest']).total_seconds():.1f}s" if row["oldest"] else "-"
            self.stdout.write(f"{row['topic']:<24}{row['total']:>10}{row['pending']:>10}  {age}")

    def _list(self, *, event_id, aggregate_type, aggregate_id, correlation_id, event_type, pending, failing, limit,
              **_):
        events = OutboxEvent.objects.order_by("-created_at")
        if event_id:
            events = events.filter(event_id=_uuid(event_id))
        if aggregate_type:
            events = events.filter(aggregate_type=aggregate_type)
        if aggregate_id:
            events = events.filter(aggregate_id=aggregate_id)
        if correlation_id:
            events = events.filter(correlation_id=correlation_id)
        if event_type:
            events = events.filter(event_type=event_type)
        if pending:
            events = events.filter(published_at__isnull=True)
        if failing:
            events = events.filter(attempts__gt=0)
        rows = list(events.values_list("event_id", "created_at", "event_type", "aggregate_type", "aggregate_id",
                                       "correlation_id", "published_at", "attempts")[:limit])
        for eid, created, etype, atype, aid, corr, published, attempts in rows:
            state = f"published {published:%H:%M:%S}" if published else f"pending (attempts {attempts})"
            self.stdout.write(f"{eid} {created:%Y-%m-%d %H:%M:%S} {etype:<28} {atype}:{aid} corr={corr} {state}")
        self.stdout.write(f"{len(rows)} event(s)")

    def _show(self, *, event_id: str, **_):
        try:
            event = OutboxEvent.objects.get(event_id=_uuid(event_id))
        except OutboxEvent.DoesNotExist:
            raise CommandError(f"no outbox event {event_id}") from None
        self.stdout.write(json.dumps({
            "eventId": str(event.event_id), "topic": event.topic, "createdAt": event.created_at.isoformat(),
            "publishedAt": event.published_at.isoformat() if event.published_at else None,
            "attempts": event.attempts, "lastError": event.last_error or None,
            "nextAttemptAt": event.next_attempt_at.isoformat() if event.next_attempt_at else None,
            "envelope": event.envelope,
        }, indent=2, ensure_ascii=False))
