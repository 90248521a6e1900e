"""Celery tasks that drive sagas."""

from __future__ import annotations

import socket

from celery import shared_task

from events.saga import engine


@shared_task(bind=True, name="sagas.advance", acks_late=True, max_retries=None)
def advance_saga(self, saga_id: str) -> str | None:
    owner = f"{socket.gethostname()}:{self.request.id or 'local'}"
    outcome = engine.advance(saga_id, owner=owner)
    if isinstance(outcome, engine.RetryLater):
        raise self.retry(countdown=outcome.countdown)
    return str(outcome) if outcome is not None else None


@shared_task(name="sagas.resume_stale")
def resume_stale_sagas() -> int:
    """Periodic: re-enqueue sagas whose worker died (lease expired)."""
    stale = engine.stale_saga_ids()
    for saga_id in stale:
        advance_saga.delay(saga_id)
    return len(stale)
