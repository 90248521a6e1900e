"""Prometheus metrics of the event infrastructure.

The outbox gauges are computed when scraped (one query on the partial "pending" index per gauge), so the
web process's /metrics shows the backlog even though the relay runs elsewhere. The relay and the
consumer are separate processes: `--metrics-port` serves their counters (published/failed, lag).
"""

import logging
import math
import threading

from prometheus_client import Counter, Gauge, Histogram, start_http_server

logger = logging.getLogger(__name__)

OUTBOX_PENDING = Gauge("prs1_outbox_pending_events", "Outbox rows not yet published")
OUTBOX_OLDEST_PENDING_AGE = Gauge("prs1_outbox_oldest_pending_age_seconds", "Age of the oldest unpublished outbox row")
OUTBOX_PUBLISHED = Counter("prs1_outbox_published_total", "Events published to Kafka", ["topic"])
OUTBOX_PUBLISH_FAILED = Counter("prs1_outbox_publish_failed_total", "Failed publish attempts", ["topic"])
HANDLER_LATENCY = Histogram("prs1_event_handler_seconds", "Handler run time", ["handler"])
HANDLER_FAILURES = Counter("prs1_event_handler_failures_total", "Handler failures", ["handler"])
DEAD_LETTERS = Counter("prs1_event_dead_letters_total", "Deliveries sent to the dead-letter store", ["handler"])
RELAY_RECOVERIES = Counter("prs1_relay_recoveries_total", "Times the outbox relay recovered from a failure "
                           "(database, producer_fatal, producer_error)", ["reason"])
CONSUMER_RECOVERIES = Counter("prs1_consumer_recoveries_total", "Times a context consumer recovered from a failure "
                              "(database, consumer_fatal, consumer_error, commit)", ["context", "reason"])
DELIVERIES_RESENT = Counter("prs1_event_deliveries_resent_total", "In-process deliveries re-sent by the sweeper "
                            "(never applied within EVENTS_DELIVERY_SWEEP_AFTER_S)", ["handler"])
CONSUMER_LAG = Gauge("prs1_kafka_consumer_lag", "Kafka consumer lag", ["group", "topic", "partition"])


def _outbox_snapshot() -> tuple[float, float]:
    from django.db import connection
    from django.db.models import Count, Min
    from django.utils import timezone

    from events.models import OutboxEvent

    try:
        stats = OutboxEvent.objects.filter(published_at__isnull=True).aggregate(count=Count("pk"),
                                                                                oldest=Min("created_at"))
    except Exception:  # a scrape must not fail because the database is away
        logger.warning("could not compute the outbox gauges", exc_info=True)
        return math.nan, math.nan
    finally:
        # prometheus_client's own HTTP server (relay, consumer) scrapes in a fresh thread each time
        if threading.current_thread() is not threading.main_thread() and not connection.in_atomic_block:
            connection.close()
    oldest = stats["oldest"]
    return float(stats["count"]), (timezone.now() - oldest).total_seconds() if oldest else 0.0


def compute_outbox_gauges_on_scrape() -> None:
    OUTBOX_PENDING.set_function(lambda: _outbox_snapshot()[0])
    OUTBOX_OLDEST_PENDING_AGE.set_function(lambda: _outbox_snapshot()[1])


def serve(port: int | None, addr: str = "127.0.0.1") -> None:
    """Expose this process's metrics (relay, consumer) on http://addr:port/metrics."""
    if port:
        start_http_server(port, addr=addr)
