"""Prometheus metrics of notifications (served by /metrics).

Counters per channel for sent/delivered/failed (this process), a breaker-state gauge, and the
seed's delivery-rate KPIs (email > 95 %, SMS > 98 %) as a gauge computed from the database at
scrape time over the last 24 hours, so every worker's deliveries count.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from prometheus_client import REGISTRY, Counter, Gauge
from prometheus_client.core import GaugeMetricFamily

from common.tenancy import SYSTEM

logger = logging.getLogger(__name__)

SENT = Counter("prs1_notifications_sent_total", "Messages accepted by the provider", ["channel"])
DELIVERED = Counter("prs1_notifications_delivered_total", "Messages confirmed delivered", ["channel"])
FAILED = Counter("prs1_notifications_failed_total", "Messages failed for good", ["channel"])
RETRIED = Counter("prs1_notifications_retried_total", "Transient failures scheduled for retry", ["channel"])
BREAKER_STATE = Gauge("prs1_notifications_breaker_state", "Circuit breaker state (0 closed, 1 half-open, 2 open)",
                      ["breaker"])

KPI_TARGETS = {"EMAIL": 0.95, "SMS": 0.98}


class DeliveryRateCollector:
    """prs1_notifications_delivery_rate{channel} = delivered / (delivered + failed), last 24 h."""

    def describe(self):
        # Lets the registry check names without running a database query at start-up.
        yield GaugeMetricFamily("prs1_notifications_delivery_rate", "", labels=["channel"])
        yield GaugeMetricFamily("prs1_notifications_delivery_rate_target", "", labels=["channel"])

    def collect(self):
        family = GaugeMetricFamily("prs1_notifications_delivery_rate",
                                   "Delivered / (delivered + failed) over the last 24 hours", labels=["channel"])
        target = GaugeMetricFamily("prs1_notifications_delivery_rate_target", "Seed KPI target", labels=["channel"])
        for channel, value in KPI_TARGETS.items():
            target.add_metric([channel], value)
        try:
            from django.utils import timezone

            from apps.notifications import selectors

            since = timezone.now() - timedelta(hours=24)
            for row in selectors.delivery_stats(scope=SYSTEM, since=since, until=None):
                if row["rate"] is not None:
                    family.add_metric([row["channel"]], row["rate"])
        except Exception:  # the database may be unavailable at scrape time; never break /metrics
            logger.debug("delivery rate not available", exc_info=True)
        yield family
        yield target


_registered = False


def register_collectors() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(DeliveryRateCollector())
        _registered = True
