"""Transactional outbox: `publish()` writes the envelope in the caller's transaction.

With Kafka configured (KAFKA_BOOTSTRAP_SERVERS), rows stay pending until `manage.py relay_outbox`
has a delivery report for them. Embedded default (no Kafka): the in-process bus is the only
destination, so rows are stored already published (`published_at` = write time) and the relay
refuses to start; the outbox is then an audit log that `replay_events` can still re-deliver.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from events import bus, envelope, schema
from events.catalogue import spec
from events.models import OutboxEvent

NOTIFY_CHANNEL = "prs1_outbox"


def record(event_type: str, *, aggregate_id: object, aggregate_type: str, payload, version: str | None = None) -> dict:
    """Validate and store one event; schedule its in-process deliveries after commit.

    Raises catalogue.UnknownEventType / schema.InvalidEventPayload at the call site.
    """
    from events import kafka

    event_spec = spec(event_type)
    version, wire_payload = schema.validate(event_type, payload, version)
    env = envelope.build(event_type=event_type, version=version, aggregate_id=str(aggregate_id),
                         aggregate_type=aggregate_type, payload=wire_payload)
    to_kafka = kafka.enabled()
    with transaction.atomic():
        OutboxEvent.objects.create(
            event_id=env["eventId"], event_type=event_type, event_version=version, topic=event_spec.topic,
            aggregate_type=aggregate_type, aggregate_id=env["aggregateId"], correlation_id=env["correlationId"],
            envelope=env, published_at=None if to_kafka else timezone.now(),
        )
        if to_kafka and connection.vendor == "postgresql":
            # Delivered to LISTENing relays when (and only if) the transaction commits.
            with connection.cursor() as cursor:
                cursor.execute(f"NOTIFY {NOTIFY_CHANNEL}")
        bus.dispatch_on_commit(env)
    return env
