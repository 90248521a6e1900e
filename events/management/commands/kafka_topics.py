"""`manage.py kafka_topics`: create the six catalogue topics (idempotent) and list them."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from events import kafka


class Command(BaseCommand):
    help = "Create the catalogue's Kafka topics if missing (partitions/replication from settings) and list them."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0, help="Seconds to wait for the broker.")

    def handle(self, *args, timeout: float, **opts):
        if not kafka.enabled():
            raise CommandError("KAFKA_BOOTSTRAP_SERVERS is not set: there is no broker to create topics on")
        try:
            outcome = kafka.ensure_topics(timeout=timeout)
            partitions = kafka.describe_topics(timeout=timeout)
        except kafka.BrokerUnavailable as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"broker {settings.KAFKA_BOOTSTRAP_SERVERS}")
        for name in sorted(outcome):
            self.stdout.write(f"{name:<40} partitions={partitions.get(name, '?'):<4} {outcome[name]}")
