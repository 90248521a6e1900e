"""Event infrastructure: envelope, catalogue, outbox, in-process bus, Kafka relay/consumer, sagas.

Public API for contexts:
    from events import publish, subscribe, Event, EventPayload, event_payload
"""

from events.bus import subscribe
from events.envelope import Event
from events.schema import EventPayload, event_payload


def publish(event_type: str, *, aggregate_id: object, aggregate_type: str, payload, version: str | None = None) -> dict:
    from events.outbox import record

    return record(event_type, aggregate_id=aggregate_id, aggregate_type=aggregate_type, payload=payload,
                  version=version)


__all__ = ["Event", "EventPayload", "event_payload", "publish", "subscribe"]
