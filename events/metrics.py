"""Prometheus metrics of the event infrastructure."""

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_PENDING = Gauge("prs1_outbox_pending_events", "Outbox rows not yet published")
OUTBOX_OLDEST_PENDING_AGE = Gauge("prs1_outbox_oldest_pending_age_seconds", "Age of the oldest unpublished outbox row")
OUTBOX_PUBLISHED = Counter("prs1_outbox_published_total", "Events published to Kafka", ["topic"])
OUTBOX_PUBLISH_FAILED = Counter("prs1_outbox_publish_failed_total", "Failed publish attempts", ["topic"])
HANDLER_LATENCY = Histogram("prs1_event_handler_seconds", "Handler run time", ["handler"])
HANDLER_FAILURES = Counter("prs1_event_handler_failures_total", "Handler failures", ["handler"])
DEAD_LETTERS = Counter("prs1_event_dead_letters_total", "Deliveries sent to the dead-letter store", ["handler"])
CONSUMER_LAG = Gauge("prs1_kafka_consumer_lag", "Kafka consumer lag", ["group", "topic", "partition"])
