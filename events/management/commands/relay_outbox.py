"""`manage.py relay_outbox [--once] [--batch-size N]`: publish the transactional outbox to Kafka."""

from __future__ import annotations

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from events import kafka
from events.relay import Relay, Waiter, refresh_gauges


class Command(BaseCommand):
    help = "Publish pending outbox rows to Kafka until stopped (SIGTERM/SIGINT finish the batch and exit 0)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain what is due now, then exit.")
        parser.add_argument("--batch-size", type=int, default=settings.EVENTS_RELAY_BATCH_SIZE)
        parser.add_argument("--poll-interval", type=float, default=settings.EVENTS_RELAY_POLL_INTERVAL,
                            help="Seconds between polls when no NOTIFY arrives.")
        parser.add_argument("--no-create-topics", action="store_true",
                            help="Do not create missing catalogue topics at start.")

    def handle(self, *args, once: bool, batch_size: int, poll_interval: float, no_create_topics: bool, **opts):
        if not kafka.enabled():
            raise CommandError("KAFKA_BOOTSTRAP_SERVERS is not set: events go to the in-process bus only "
                               "(outbox rows are stored already published), nothing to relay")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if not no_create_topics:
            try:
                kafka.ensure_topics()
            except kafka.BrokerUnavailable as exc:
                if once:
                    raise CommandError(str(exc)) from None
                self.stderr.write(f"{exc}; rows stay pending and are retried")

        stopping = {"flag": False}

        def stop(signum, _frame):
            stopping["flag"] = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        relay = Relay(batch_size=batch_size)
        waiter = None if once else Waiter(poll_interval)
        last_gauges = 0.0
        try:
            while not stopping["flag"]:
                close_old_connections()
                result = relay.run_batch()
                if time.monotonic() - last_gauges > 5 or (once and not result.claimed):
                    refresh_gauges()
                    last_gauges = time.monotonic()
                if result.claimed and result.failed == 0 and result.claimed >= batch_size:
                    continue  # more is waiting
                if once:
                    if not result.claimed:
                        break
                    continue
                waiter.wait(should_stop=lambda: stopping["flag"])
        finally:
            if relay._producer is not None:
                relay.producer.flush(10)
            if waiter is not None:
                waiter.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        stats = relay.stats
        self.stdout.write(f"relay_outbox: published {stats.published}, failed {stats.failed}, "
                          f"batches {len(stats.batches)}")
