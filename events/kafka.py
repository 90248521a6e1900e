"""Kafka plumbing shared by the relay, the consumer and `kafka_topics` (the only confluent_kafka user).

Physical topic names are the catalogue's names behind EVENTS_TOPIC_PREFIX (empty in production;
"staging." or a per-test prefix elsewhere).
"""

from __future__ import annotations

from typing import Any

import orjson
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic
from django.conf import settings

from events.catalogue import TOPICS

ENVELOPE_KEYS = ("eventId", "eventType", "eventVersion", "timestamp", "sourceService", "correlationId",
                 "aggregateId", "aggregateType", "payload", "metadata")
METADATA_KEYS = ("triggeredBy", "ipAddress", "userAgent", "requestId")


class BrokerUnavailable(RuntimeError):
    pass


def enabled() -> bool:
    return bool(settings.KAFKA_BOOTSTRAP_SERVERS)


def physical_topic(topic: str) -> str:
    return f"{settings.EVENTS_TOPIC_PREFIX}{topic}"


def base_config() -> dict[str, Any]:
    if not settings.KAFKA_BOOTSTRAP_SERVERS:
        raise BrokerUnavailable("KAFKA_BOOTSTRAP_SERVERS is not set")
    return {"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, "client.id": "prs1"}


def producer_config() -> dict[str, Any]:
    """Idempotent, acks=all: a retried send never duplicates or reorders within a partition."""
    return {
        **base_config(),
        "enable.idempotence": True,
        "acks": "all",
        "max.in.flight.requests.per.connection": 5,
        "linger.ms": settings.KAFKA_PRODUCER_LINGER_MS,
        "batch.size": 1_000_000,
        "queue.buffering.max.messages": 1_000_000,
        "queue.buffering.max.kbytes": 1_048_576,
        "message.timeout.ms": settings.EVENTS_RELAY_DELIVERY_TIMEOUT_MS,
    }


def consumer_config(group_id: str) -> dict[str, Any]:
    return {
        **base_config(),
        "group.id": group_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": settings.KAFKA_CONSUMER_SESSION_TIMEOUT_MS,
        "heartbeat.interval.ms": max(500, settings.KAFKA_CONSUMER_SESSION_TIMEOUT_MS // 5),
        # A consumer started before its topics exist (a fresh cluster, the relay not yet run) sees them
        # within this, not after librdkafka's default 5 minutes.
        "topic.metadata.refresh.interval.ms": getattr(settings, "KAFKA_CONSUMER_METADATA_REFRESH_MS", 5000),
    }


def wire_envelope(envelope: dict[str, Any] | str) -> dict[str, Any]:
    """The envelope in the seed's key order (jsonb storage does not keep key order)."""
    env = orjson.loads(envelope) if isinstance(envelope, str | bytes) else envelope
    ordered = {key: env[key] for key in ENVELOPE_KEYS if key in env}
    metadata = env.get("metadata") or {}
    ordered["metadata"] = {key: metadata.get(key) for key in METADATA_KEYS}
    return ordered


def encode(envelope: dict[str, Any] | str) -> bytes:
    """Compact UTF-8 JSON in the seed's key order (orjson: the relay's hot path)."""
    return orjson.dumps(wire_envelope(envelope))


def headers_of(event_type: str, event_version: str, correlation_id: str) -> list[tuple[str, bytes]]:
    return [("eventType", event_type.encode()), ("eventVersion", event_version.encode()),
            ("correlationId", correlation_id.encode())]


def admin() -> AdminClient:
    return AdminClient(base_config())


def ensure_topics(*, timeout: float = 10.0) -> dict[str, str]:
    """Create the catalogue's topics if missing. Returns {physical topic: "created" | "exists"}.

    Raises BrokerUnavailable with a one-line reason when the broker cannot be reached.
    """
    client = admin()
    try:
        client.list_topics(timeout=timeout)
    except KafkaException as exc:
        raise BrokerUnavailable(f"Kafka broker {settings.KAFKA_BOOTSTRAP_SERVERS} is unreachable ({exc.args[0]})") from None
    new = [NewTopic(physical_topic(topic), num_partitions=settings.KAFKA_TOPIC_PARTITIONS,
                    replication_factor=settings.KAFKA_TOPIC_REPLICATION) for topic in TOPICS]
    outcome: dict[str, str] = {}
    for name, future in client.create_topics(new, request_timeout=timeout).items():
        try:
            future.result(timeout=timeout)
            outcome[name] = "created"
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise BrokerUnavailable(f"could not create topic {name}: {exc.args[0].str()}") from None
            outcome[name] = "exists"
    return outcome


def describe_topics(*, timeout: float = 10.0) -> dict[str, int]:
    """{physical topic: partition count} for the catalogue's topics that exist on the broker."""
    try:
        metadata = admin().list_topics(timeout=timeout)
    except KafkaException as exc:
        raise BrokerUnavailable(f"Kafka broker {settings.KAFKA_BOOTSTRAP_SERVERS} is unreachable ({exc.args[0]})") from None
    wanted = {physical_topic(topic) for topic in TOPICS}
    return {name: len(meta.partitions) for name, meta in sorted(metadata.topics.items()) if name in wanted}
