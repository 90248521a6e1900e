"""`manage.py relay_outbox [--once] [--batch-size N]`: publish the transactional outbox to Kafka."""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from events import kafka, metrics
from events.relay import Relay, RelayGaveUp, Waiter


class Command(BaseCommand):
    help = ("Publish pending outbox rows to Kafka until stopped (SIGTERM/SIGINT finish the batch and exit 0); "
            "database and producer failures are recovered from with backoff.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain what is due now, then exit.")
        parser.add_argument("--batch-size", type=int, default=settings.EVENTS_RELAY_BATCH_SIZE)
        parser.add_argument("--poll-interval", type=float, default=settings.EVENTS_RELAY_POLL_INTERVAL,
                            help="Seconds between polls when no NOTIFY arrives.")
        parser.add_argument("--metrics-port", type=int, default=settings.EVENTS_RELAY_METRICS_PORT,
                            help="Serve Prometheus metrics (/metrics) and probes (/health/live, /health/ready) "
                                 "on this port (EVENTS_RELAY_METRICS_PORT).")
        parser.add_argument("--metrics-addr", default=settings.METRICS_BIND_ADDRESS,
                            help="Address for --metrics-port (METRICS_BIND_ADDRESS).")
        parser.add_argument("--no-create-topics", action="store_true",
                            help="Do not create missing catalogue topics at start.")

    def handle(self, *args, once: bool, batch_size: int, poll_interval: float, no_create_topics: bool, **opts):
        if not kafka.enabled():
            raise CommandError("KAFKA_BOOTSTRAP_SERVERS is not set: events go to the in-process bus only "
                               "(outbox rows are stored already published), nothing to relay")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        stopping = {"flag": False}

        def stop(signum, _frame):
            stopping["flag"] = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self._run(once=once, batch_size=batch_size, poll_interval=poll_interval,
                      no_create_topics=no_create_topics, stopping=stopping, **opts)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _run(self, *, once, batch_size, poll_interval, no_create_topics, stopping, **opts):
        health = metrics.LoopHealth(metrics.health_stale_after())
        metrics.init_relay_series()
        metrics.serve(opts.get("metrics_port"), opts.get("metrics_addr", "127.0.0.1"), health=health)
        if not no_create_topics:
            try:
                kafka.ensure_topics()
            except kafka.BrokerUnavailable as exc:
                if once:
                    raise CommandError(str(exc)) from None
                self.stderr.write(f"{exc}; rows stay pending and are retried")

        relay = Relay(batch_size=batch_size)
        waiter = None if once else Waiter(poll_interval)
        try:
            # survives database and producer failures (logged, counted in prs1_relay_recoveries_total)
            # every turn of the loop (and of its waits) answers /health/live; recoveries and batches /health/ready
            should_stop = health.watch(lambda: stopping["flag"], failures=lambda: sum(relay.recoveries.values()),
                                       progress=lambda: relay.stats.published + len(relay.stats.batches))
            relay.run(should_stop=should_stop, once=once, waiter=waiter)
        except RelayGaveUp as exc:
            raise CommandError(str(exc)) from None
        finally:
            relay.close(10)
            if waiter is not None:
                waiter.close()
        stats = relay.stats
        recoveries = ", ".join(f"{reason} {count}" for reason, count in sorted(relay.recoveries.items()))
        self.stdout.write(f"relay_outbox: published {stats.published}, failed {stats.failed}, "
                          f"batches {len(stats.batches)}" + (f", recoveries: {recoveries}" if recoveries else ""))
