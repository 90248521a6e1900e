"""`manage.py consume_events --context grades`: run one context's handlers from Kafka."""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from events import bus, kafka, metrics
from events.consumer import ContextConsumer


class Command(BaseCommand):
    help = ("Consume the topics of the event types a context handles (group prs1-<context>), apply each "
            "handler through the inbox, then commit the offset. SIGTERM/SIGINT stop after the current message.")

    def add_arguments(self, parser):
        parser.add_argument("--context", required=True, help="Context whose handlers to run, e.g. grades.")
        parser.add_argument("--group", help="Consumer group (default prs1-<context>).")
        parser.add_argument("--max-messages", type=int, help="Stop after this many messages.")
        parser.add_argument("--idle-timeout", type=float, help="Stop after this many seconds without a message.")
        parser.add_argument("--max-retries", type=int, help="Attempts before dead-lettering "
                                                            "(default EVENTS_HANDLER_MAX_RETRIES).")
        parser.add_argument("--metrics-port", type=int, default=settings.EVENTS_CONSUMER_METRICS_PORT,
                            help="Serve Prometheus metrics (/metrics) and probes (/health/live, /health/ready) "
                                 "on this port (EVENTS_CONSUMER_METRICS_PORT).")
        parser.add_argument("--metrics-addr", default=settings.METRICS_BIND_ADDRESS,
                            help="Address for --metrics-port (METRICS_BIND_ADDRESS).")
        parser.add_argument("--retry-backoff", type=float, help="First retry delay in seconds, doubling.")

    def handle(self, *args, context: str, group, max_messages, idle_timeout, max_retries, retry_backoff, **opts):
        if not kafka.enabled():
            raise CommandError("KAFKA_BOOTSTRAP_SERVERS is not set: there is no broker to consume from")
        contexts = sorted({h.context for h in bus.all_handlers()})
        if context not in contexts:
            raise CommandError(f"context '{context}' has no event handlers (contexts with handlers: "
                               f"{', '.join(contexts) or 'none'})")
        stopping = {"flag": False}

        def stop(signum, _frame):
            stopping["flag"] = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        consumer = ContextConsumer(context, group=group, max_retries=max_retries, retry_backoff=retry_backoff)
        health = metrics.LoopHealth(metrics.health_stale_after())
        metrics.watch_consumer(context, consumer.stats)
        metrics.serve(opts.get("metrics_port"), opts.get("metrics_addr", "127.0.0.1"), health=health)
        # every turn of the loop answers /health/live; recoveries and handled messages /health/ready
        should_stop = health.watch(lambda: stopping["flag"], failures=lambda: consumer.stats.recoveries,
                                   progress=lambda: consumer.stats.messages)
        self.stdout.write(f"consuming {', '.join(consumer.topics)} as {consumer.group}")
        try:
            stats = consumer.run(should_stop=should_stop, max_messages=max_messages,
                                 idle_timeout=idle_timeout)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"consume_events: messages {stats.messages}, applied {stats.applied}, "
                          f"duplicates {stats.duplicates}, dead-lettered {stats.dead_lettered}, "
                          f"skipped {stats.skipped}")
