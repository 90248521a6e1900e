"""`manage.py dead_letters list|show ID|redrive (ID | --all)`: inspect and re-drive failed deliveries."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from events.dead_letters import redrive
from events.models import DeadLetter


class Command(BaseCommand):
    help = "List, show and re-drive dead-lettered handler deliveries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="Unresolved dead letters (newest first).")
        listing.add_argument("--resolved", action="store_true", help="Include resolved ones.")
        listing.add_argument("--handler")
        listing.add_argument("--limit", type=int, default=50)
        show = sub.add_parser("show", help="One dead letter with its envelope and error.")
        show.add_argument("id", type=int)
        redrive = sub.add_parser("redrive", help="Run the handler again (through the inbox) and mark resolved.")
        target = redrive.add_mutually_exclusive_group(required=True)
        target.add_argument("id", type=int, nargs="?")
        target.add_argument("--all", action="store_true", help="Every unresolved dead letter.")

    def handle(self, *args, action: str, **opts):
        return getattr(self, f"_{action}")(**opts)

    def _list(self, *, resolved: bool, handler: str | None, limit: int, **_):
        letters = DeadLetter.objects.all()
        if not resolved:
            letters = letters.filter(resolved_at__isnull=True)
        if handler:
            letters = letters.filter(handler=handler)
        rows = list(letters[:limit])
        for letter in rows:
            state = f"resolved {letter.resolved_at:%Y-%m-%d %H:%M}" if letter.resolved_at else "open"
            first_line = letter.error.splitlines()[0][:80] if letter.error else ""
            self.stdout.write(f"{letter.pk:>6} {letter.created_at:%Y-%m-%d %H:%M:%S} {letter.event_type:<28} "
                              f"{letter.handler} attempts={letter.attempts} {state}: {first_line}")
        self.stdout.write(f"{len(rows)} dead letter(s)")

    def _get(self, pk: int) -> DeadLetter:
        try:
            return DeadLetter.objects.get(pk=pk)
        except DeadLetter.DoesNotExist:
            raise CommandError(f"no dead letter with id {pk}") from None

    def _show(self, *, id: int, **_):
        letter = self._get(id)
        self.stdout.write(json.dumps({
            "id": letter.pk, "eventId": str(letter.event_id), "eventType": letter.event_type,
            "handler": letter.handler, "attempts": letter.attempts, "createdAt": letter.created_at.isoformat(),
            "resolvedAt": letter.resolved_at.isoformat() if letter.resolved_at else None, "error": letter.error,
            "envelope": letter.envelope,
        }, indent=2, ensure_ascii=False))

    def _redrive(self, *, id: int | None, all: bool, **_):
        if all:
            letters = list(DeadLetter.objects.filter(resolved_at__isnull=True).order_by("created_at"))
        else:
            letter = self._get(id)
            if letter.resolved_at:
                raise CommandError(f"dead letter {id} was resolved at {letter.resolved_at.isoformat()}")
            letters = [letter]
        failed = 0
        for letter in letters:
            outcome = redrive(letter)
            if not outcome.ok:
                failed += 1
                self.stderr.write(f"{letter.pk}: still failing: {outcome.error}")
                continue
            self.stdout.write(f"{letter.pk}: {'applied' if outcome.applied_now else 'already applied'}; resolved")
        if failed:
            raise CommandError(f"{failed} of {len(letters)} dead letter(s) still failing")
        self.stdout.write(f"{len(letters)} dead letter(s) re-driven")
