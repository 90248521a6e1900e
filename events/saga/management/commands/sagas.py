"""Operate sagas: list stuck or failed ones, show one, retry or compensate it, resume stale ones.

    manage.py sagas list [--status FAILED] [--stuck] [--limit 50]
    manage.py sagas show SAGA_ID
    manage.py sagas retry SAGA_ID
    manage.py sagas compensate SAGA_ID --reason "..."
    manage.py sagas resume            # re-enqueue every saga whose worker died
"""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError

from events.saga import engine
from events.saga.models import SagaInstance, SagaStatus


def _saga_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise CommandError(f"'{value}' is not a saga id (a UUID)") from None


class Command(BaseCommand):
    help = "List, inspect, retry, compensate and resume sagas."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List sagas (default: active and failed).")
        listing.add_argument("--status", choices=SagaStatus.values)
        listing.add_argument("--stuck", action="store_true", help="Only active sagas nobody is driving.")
        listing.add_argument("--limit", type=int, default=50)
        sub.add_parser("show", help="Show a saga and its steps.").add_argument("saga_id")
        sub.add_parser("retry", help="Re-drive a stuck or failed saga.").add_argument("saga_id")
        compensate = sub.add_parser("compensate", help="Abandon a saga and undo its completed steps.")
        compensate.add_argument("saga_id")
        compensate.add_argument("--reason", required=True)
        sub.add_parser("resume", help="Re-enqueue every stale saga (what the periodic task does).")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _get(self, saga_id: str) -> SagaInstance:
        try:
            return SagaInstance.objects.get(id=_saga_id(saga_id))
        except SagaInstance.DoesNotExist:
            raise CommandError(f"no saga {saga_id}") from None

    def _list(self, *, status=None, stuck=False, limit=50, **_):
        sagas = SagaInstance.objects.all()
        if stuck:
            sagas = sagas.filter(id__in=engine.stale_saga_ids())
        elif status:
            sagas = sagas.filter(status=status)
        else:
            sagas = sagas.filter(status__in=[*engine.ACTIVE, SagaStatus.FAILED])
        rows = list(sagas.order_by("-created_at")[:limit])
        if not rows:
            self.stdout.write("no sagas")
        for saga in rows:
            self.stdout.write(f"{saga.id}  {saga.saga_type:<24} {saga.status:<13} {saga.created_at:%Y-%m-%d %H:%M:%S}  "
                              f"{saga.last_error[:80]}")

    def _show(self, *, saga_id, **_):
        saga = self._get(saga_id)
        self.stdout.write(f"{saga.id} {saga.saga_type} {saga.status} correlation={saga.correlation_id}")
        self.stdout.write(f"  data: {saga.data}")
        if saga.last_error:
            self.stdout.write(f"  last error: {saga.last_error}")
        for step in saga.steps.order_by("position"):
            self.stdout.write(f"  {step.position}. {step.name:<28} {step.status:<20} attempts={step.attempts} "
                              f"{step.last_error[:80]}")

    def _retry(self, *, saga_id, **_):
        saga = self._get(saga_id)
        if saga.status not in (*engine.ACTIVE, SagaStatus.FAILED):
            raise CommandError(f"saga {saga.id} is {saga.status}; nothing to retry")
        engine.retry(str(saga.id))
        self.stdout.write(self.style.SUCCESS(f"saga {saga.id} re-enqueued"))

    def _compensate(self, *, saga_id, reason, **_):
        saga = self._get(saga_id)
        try:
            engine.force_compensation(str(saga.id), reason=reason)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"saga {saga.id} is compensating"))

    def _resume(self, **_):
        from events.saga.tasks import resume_stale_sagas

        count = resume_stale_sagas()
        self.stdout.write(f"{count} stale saga(s) re-enqueued")
