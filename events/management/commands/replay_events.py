"""`manage.py replay_events (--aggregate-type X --aggregate-id Y | --since ISO [--until ISO]) --handler NAME`.

Re-delivers stored events to one handler in their original order. Through the inbox by default
(already-applied events are skipped); `--force` runs the handler again even for applied events.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from events import bus, inbox
from events.models import OutboxEvent


def _instant(value: str, flag: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"{flag} must be an ISO-8601 date/time, got '{value}'") from None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Replay stored events of an aggregate or a time range to one handler."

    def add_arguments(self, parser):
        parser.add_argument("--handler", required=True, help="Handler name, e.g. apps.grades.handlers.on_x.")
        parser.add_argument("--aggregate-type")
        parser.add_argument("--aggregate-id")
        parser.add_argument("--since", help="ISO-8601 start (inclusive).")
        parser.add_argument("--until", help="ISO-8601 end (exclusive).")
        parser.add_argument("--event-type", help="Only this event type.")
        parser.add_argument("--force", action="store_true", help="Bypass the inbox: re-run applied events too.")
        parser.add_argument("--dry-run", action="store_true", help="List what would be replayed.")

    def handle(self, *args, handler: str, aggregate_type, aggregate_id, since, until, event_type, force, dry_run,
               **opts):
        try:
            target = bus.handler_named(handler)
        except KeyError:
            raise CommandError(f"no handler named '{handler}'") from None
        if bool(aggregate_type) != bool(aggregate_id):
            raise CommandError("--aggregate-type and --aggregate-id go together")
        if not aggregate_id and not since:
            raise CommandError("choose events with --aggregate-type/--aggregate-id or --since [--until]")
        events = OutboxEvent.objects.filter(event_type__in=[event_type] if event_type else [target.event_type])
        if event_type and event_type != target.event_type:
            raise CommandError(f"handler {handler} handles '{target.event_type}', not '{event_type}'")
        if aggregate_id:
            events = events.filter(aggregate_type=aggregate_type, aggregate_id=aggregate_id)
        if since:
            events = events.filter(created_at__gte=_instant(since, "--since"))
        if until:
            events = events.filter(created_at__lt=_instant(until, "--until"))
        applied = skipped = 0
        for event_id, envelope in events.order_by("created_at").values_list("event_id", "envelope").iterator():
            if dry_run:
                self.stdout.write(f"would replay {event_id}")
                continue
            if inbox.apply(target, envelope, force=force):
                applied += 1
            else:
                skipped += 1
        self.stdout.write(f"replay_events: applied {applied}, skipped (already applied) {skipped}")
