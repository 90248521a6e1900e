"""The event envelope, exactly as the seed's example (camelCase keys)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from events import context
from events.catalogue import spec


@dataclass(frozen=True)
class Event:
    """An envelope as handlers receive it."""

    event_id: str
    event_type: str
    event_version: str
    timestamp: str
    source_service: str
    correlation_id: str
    aggregate_id: str
    aggregate_type: str
    payload: dict[str, Any]
    metadata: dict[str, Any]

    @classmethod
    def from_envelope(cls, envelope: dict[str, Any]) -> Event:
        return cls(
            event_id=envelope["eventId"],
            event_type=envelope["eventType"],
            event_version=envelope["eventVersion"],
            timestamp=envelope["timestamp"],
            source_service=envelope["sourceService"],
            correlation_id=envelope["correlationId"],
            aggregate_id=envelope["aggregateId"],
            aggregate_type=envelope["aggregateType"],
            payload=envelope["payload"],
            metadata=envelope["metadata"],
        )


def build(*, event_type: str, version: str, aggregate_id: str, aggregate_type: str, payload: dict) -> dict[str, Any]:
    ctx = context.current()
    return {
        "eventId": str(uuid.uuid4()),
        "eventType": event_type,
        "eventVersion": version,
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "sourceService": spec(event_type).source_service,
        "correlationId": ctx.correlation_id,
        "aggregateId": str(aggregate_id),
        "aggregateType": aggregate_type,
        "payload": payload,
        "metadata": {
            "triggeredBy": ctx.triggered_by,
            "ipAddress": ctx.ip_address,
            "userAgent": ctx.user_agent,
            "requestId": ctx.request_id,
        },
    }
