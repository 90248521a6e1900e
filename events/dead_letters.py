"""Re-driving dead letters (used by `manage.py dead_letters redrive` and the admin action)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from events import bus, inbox
from events.models import DeadLetter


@dataclass(frozen=True)
class RedriveOutcome:
    letter_id: int
    ok: bool
    applied_now: bool = False
    error: str = ""


def redrive(letter: DeadLetter) -> RedriveOutcome:
    """Run the letter's handler again through the inbox; mark it resolved when it succeeds."""
    try:
        handler = bus.handler_named(letter.handler)
    except KeyError:
        return RedriveOutcome(letter.pk, ok=False, error=f"no handler named {letter.handler}")
    try:
        ran = inbox.apply(handler, letter.envelope)
    except Exception as exc:
        error = f"{exc.__class__.__name__}: {exc}"
        DeadLetter.objects.filter(pk=letter.pk).update(attempts=F("attempts") + 1, error=error[:5000])
        return RedriveOutcome(letter.pk, ok=False, error=error)
    DeadLetter.objects.filter(pk=letter.pk).update(resolved_at=timezone.now())
    return RedriveOutcome(letter.pk, ok=True, applied_now=ran)
