"""Celery tasks of notifications. All idempotent: the message row is the unit of work."""

from __future__ import annotations

from celery import shared_task

from apps.notifications import services


@shared_task(name="notifications.send_message", acks_late=True, ignore_result=True)
def send_message(message_id: int) -> str:
    """Deliver one message if it is due and nobody else holds it (see services.message_deliver)."""
    return services.message_deliver(message_id=message_id)


@shared_task(name="notifications.dispatch_due", ignore_result=True)
def dispatch_due(limit: int = 500) -> int:
    """Periodic sweeper (beat): messages whose hold/backoff ended, and SENDING rows whose lease
    expired (a worker died), are handed to send_message again."""
    ids = services.due_message_ids(limit=limit)
    for message_id in ids:
        send_message.delay(message_id)
    return len(ids)


@shared_task(name="notifications.bulk_send_run", acks_late=True, ignore_result=True)
def bulk_send_run(bulk_id: int) -> int:
    return services.bulk_send_run(bulk_id=bulk_id)
