"""Prometheus metrics of the event infrastructure.

The outbox gauges are computed when scraped (one query on the partial "pending" index per gauge), so the
web process's /metrics shows the backlog even though the relay runs elsewhere. The relay and the
consumer are separate processes: `--metrics-port` serves their counters (published/failed, lag).
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily

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
RELAY_RECOVERY_REASONS = ("database", "producer_fatal", "producer_error")
CONSUMER_RECOVERY_REASONS = ("database", "consumer_fatal", "consumer_error", "commit")


def init_relay_series() -> None:
    """Known label values start at 0, so a scrape shows the series before the first recovery."""
    for reason in RELAY_RECOVERY_REASONS:
        RELAY_RECOVERIES.labels(reason)


class ConsumerStatsCollector:
    """prs1_consumer_{messages,applied,duplicates,dead_lettered,skipped}_total{context}: the running
    consumers' own counts (ContextConsumer.stats), read when scraped."""

    FIELDS = {"messages": "Kafka messages handled (applied, duplicate, dead-lettered or skipped)",
              "applied": "Handler deliveries applied (inbox row inserted)",
              "duplicates": "Handler deliveries already applied before (inbox hit: an exactly-once no-op)",
              "dead_lettered": "Handler deliveries sent to the dead-letter store",
              "skipped": "Messages no handler of the context subscribes to"}

    def __init__(self) -> None:
        self.consumers: dict[str, object] = {}  # context -> its ConsumerStats

    def describe(self):
        return [CounterMetricFamily(f"prs1_consumer_{name}", doc, labels=["context"]) for name, doc in self.FIELDS.items()]

    def collect(self):
        for name, documentation in self.FIELDS.items():
            family = CounterMetricFamily(f"prs1_consumer_{name}", documentation, labels=["context"])
            for context, stats in sorted(self.consumers.items()):
                family.add_metric([context], float(getattr(stats, name, 0)))
            yield family


_consumer_stats = ConsumerStatsCollector()
REGISTRY.register(_consumer_stats)


def watch_consumer(context: str, stats) -> None:
    """Export this consumer's counts (and its recovery series at 0) on this process's /metrics."""
    _consumer_stats.consumers[context] = stats
    for reason in CONSUMER_RECOVERY_REASONS:
        CONSUMER_RECOVERIES.labels(context, reason)


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


def serve(port: int | None, addr: str = "127.0.0.1", *, health: LoopHealth | None = None) -> None:
    """Expose this process's metrics (relay, consumer) on http://addr:port/metrics, with /health/live and
    /health/ready from `health` (always 200 without one)."""
    if port:
        serve_http(port, addr, health=health)


# --- what a scrape shows, in one process or many ------------------------------------------------------
# A process that forks workers (gunicorn, the Celery prefork pool) runs prometheus_client in multiprocess
# mode (PROMETHEUS_MULTIPROC_DIR): each process writes its samples to files there and a scrape merges them.
# Gauges computed when scraped (from the database, not from a process's memory) must not come from those
# files: they are computed by the process that answers the scrape.
SCRAPE_TIME_NAMES = frozenset({
    "prs1_outbox_pending_events", "prs1_outbox_oldest_pending_age_seconds",
    "prs1_notifications_delivery_rate", "prs1_notifications_delivery_rate_target",
    # a consumer's counts live in its memory (ConsumerStatsCollector), not in the files
    "prs1_consumer_messages", "prs1_consumer_applied", "prs1_consumer_duplicates", "prs1_consumer_dead_lettered",
    "prs1_consumer_skipped",
})


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir") or None


class _FromFiles:
    """Every process's samples (MultiProcessCollector), except the scrape-time gauges."""

    def __init__(self, path: str) -> None:
        self._collector = multiprocess.MultiProcessCollector(None, path=path)

    def collect(self):
        for family in self._collector.collect():
            if family.name not in SCRAPE_TIME_NAMES:
                yield family


class _ScrapeTime:
    def collect(self):
        yield from REGISTRY.restricted_registry(SCRAPE_TIME_NAMES).collect()


def scrape_registry():
    """The registry a scrape of this process reads: the default one, or in multiprocess mode the merged
    files of every process sharing the directory plus this process's scrape-time gauges."""
    path = multiprocess_dir()
    if not path:
        return REGISTRY
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_FromFiles(path))
    registry.register(_ScrapeTime())
    return registry


def exposition() -> tuple[bytes, str]:
    """(body, content type) of a scrape of this process."""
    return generate_latest(scrape_registry()), CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """A forked child exited: drop its live gauges (gunicorn child_exit, Celery pool process shutdown)."""
    path = multiprocess_dir()
    if path:
        multiprocess.mark_process_dead(pid, path)


# --- liveness and readiness of a long-running loop (relay, consumer) -------------------------------------
class LoopHealth:
    """What `/health/live` and `/health/ready` answer for a loop that calls `tick()` on every turn.

    Live: the loop turned within `stale_after` seconds (a wedged loop — a blocking call that never returns,
    a deadlock — is restarted by the orchestrator). Before the first turn the process is starting: live.
    Ready: live, turned at least once, and not failing: no recovery (database lost, broker error) in the last
    `stale_after` seconds unless work succeeded since."""

    def __init__(self, stale_after: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.stale_after = stale_after
        self.clock = clock
        self.started = clock()
        self.last_turn: float | None = None
        self.last_failure: float | None = None
        self.last_success: float | None = None

    def tick(self) -> None:
        self.last_turn = self.clock()

    def failed(self) -> None:
        self.last_failure = self.clock()

    def succeeded(self) -> None:
        self.last_success = self.clock()

    def live(self) -> bool:
        now = self.clock()
        last = self.last_turn if self.last_turn is not None else self.started
        return now - last <= self.stale_after

    def ready(self) -> bool:
        if self.last_turn is None or not self.live():
            return False
        if self.last_failure is None:
            return True
        recent = self.clock() - self.last_failure <= self.stale_after
        return not recent or (self.last_success is not None and self.last_success > self.last_failure)

    def report(self) -> dict:
        now = self.clock()
        return {"live": self.live(), "ready": self.ready(),
                "seconds_since_turn": None if self.last_turn is None else round(now - self.last_turn, 3),
                "seconds_since_failure": None if self.last_failure is None else round(now - self.last_failure, 3)}

    def watch(self, should_stop: Callable[[], bool], *, failures: Callable[[], int],
              progress: Callable[[], int]) -> Callable[[], bool]:
        """Wrap a loop's `should_stop` (called on every turn and while it waits): each call is a turn; a
        change of `failures()` (the loop's recovery count) marks a failure, of `progress()` a success."""
        seen = {"failures": failures(), "progress": progress()}

        def should_stop_and_tick() -> bool:
            self.tick()
            now_failures, now_progress = failures(), progress()
            if now_failures != seen["failures"]:
                seen["failures"] = now_failures
                self.failed()
            if now_progress != seen["progress"]:
                seen["progress"] = now_progress
                self.succeeded()
            return should_stop()

        return should_stop_and_tick


def health_stale_after() -> float:
    from django.conf import settings

    return float(getattr(settings, "EVENTS_HEALTH_STALE_AFTER", 60.0))


# --- the HTTP endpoint of a process that is not the web (relay, consumer, worker, beat) ------------------
class _Handler(BaseHTTPRequestHandler):
    health: LoopHealth | None = None

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        if path == "/metrics":
            try:
                body, content_type = exposition()
                status = 200
            except Exception as exc:
                logger.exception("metrics exposition failed")
                body, content_type, status = f"{exc.__class__.__name__}\n".encode(), "text/plain", 500
        elif path in ("/health", "/health/live", "/health/ready"):
            health = self.health
            if health is None:
                ok, report = True, {"live": True, "ready": True}
            else:
                report = health.report()
                ok = report["ready"] if path == "/health/ready" else report["live"]
            report["status"] = "ok" if ok else "unavailable"
            body, content_type, status = json.dumps(report).encode(), "application/json", 200 if ok else 503
        else:
            body, content_type, status = b"Not found\n", "text/plain", 404
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        logger.debug("metrics endpoint: " + format, *args)


def serve_http(port: int, addr: str = "127.0.0.1", *, health: LoopHealth | None = None) -> ThreadingHTTPServer:
    """Serve /metrics, /health (= /health/live) and /health/ready on addr:port from a daemon thread."""
    handler = type("MetricsHandler", (_Handler,), {"health": health})
    server = ThreadingHTTPServer((addr, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=f"metrics-{port}", daemon=True).start()
    logger.info("metrics and health on http://%s:%s/metrics", addr, port)
    return server
