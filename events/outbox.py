"""Transactional outbox: `publish()` writes the envelope in the caller's transaction."""

from __future__ import annotations

from django.db import transaction

from events import bus, envelope, schema
from events.catalogue import spec
from events.models import OutboxEvent


def record(event_type: str, *, aggregate_id: object, aggregate_type: str, payload, version: str | None = None) -> dict:
    """Validate and store one event; schedule its in-process deliveries after commit.

    Raises catalogue.UnknownEventType / schema.InvalidEventPayload at the call site.
    """
    event_spec = spec(event_type)
    version, wire_payload = schema.validate(event_type, payload, version)
    env = envelope.build(event_type=event_type, version=version, aggregate_id=str(aggregate_id),
                         aggregate_type=aggregate_type, payload=wire_payload)
    with transaction.atomic():
        OutboxEvent.objects.create(
            event_id=env["eventId"], event_type=event_type, event_version=version, topic=event_spec.topic,
            aggregate_type=aggregate_type, aggregate_id=env["aggregateId"], correlation_id=env["correlationId"],
            envelope=env,
        )
        bus.dispatch_on_commit(env)
    return env
