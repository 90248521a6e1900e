"""Running sagas: start, advance under a lease, compensate in reverse order, resume stale ones.

Every status change is its own short transaction; actions and compensations run outside any
engine transaction (each is atomic and idempotent by itself). If a worker dies after an action
committed but before its step was marked SUCCEEDED, the step runs again on resume: actions are
idempotent (keyed by saga and step), so nothing is duplicated.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from common.resilience import backoff_delay
from events import context
from events.saga.definition import SagaContext, SagaDefinition, TransientStepError, definition_named
from events.saga.models import SagaInstance, SagaStatus, SagaStep, StepStatus

logger = logging.getLogger(__name__)

BUILTIN_TRANSIENT = (TransientStepError, OperationalError, InterfaceError, TimeoutError, ConnectionError)
ACTIVE = (SagaStatus.RUNNING, SagaStatus.COMPENSATING)
TO_COMPENSATE = (StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.RUNNING, StepStatus.COMPENSATION_FAILED)


def lease_seconds() -> int:
    return getattr(settings, "SAGA_LEASE_SECONDS", 60)


def backoff_seconds(attempt: int) -> int:
    """Celery countdown before retry `attempt` of a step: common backoff (2, 4, 8 ... capped at 60 s,
    full jitter), rounded up to whole seconds."""
    return math.ceil(backoff_delay(attempt, base=2, cap=60))


@dataclass(frozen=True)
class RetryLater:
    countdown: int


class InjectedFault(Exception):
    """Raised by fault injection (chaos drills and tests); never in normal operation."""


def _inject_fault(saga: SagaInstance, step_name: str, phase: str) -> None:
    """Chaos drills: with settings.SAGA_FAULT_INJECTION on, a saga whose data has
    `"_faults": {"<step>": "<mode>"}` misbehaves there. Modes: `fail` (a business failure),
    `transient` (a retryable failure, every attempt), `sleep:<seconds>` (stall, e.g. to kill the
    worker mid-step), `fail_compensation` (the step's compensation fails). Off by default."""
    if not getattr(settings, "SAGA_FAULT_INJECTION", False):
        return
    mode = (saga.data.get("_faults") or {}).get(step_name)
    if not mode:
        return
    if phase == "action":
        if mode == "fail":
            raise InjectedFault(f"injected failure at {step_name}")
        if mode == "transient":
            raise TransientStepError(f"injected transient failure at {step_name}")
        if mode.startswith("sleep:"):
            time.sleep(float(mode.split(":", 1)[1]))
    elif phase == "compensation" and mode == "fail_compensation":
        raise InjectedFault(f"injected compensation failure at {step_name}")


# --- starting -------------------------------------------------------------------------------


def start(saga_type: str, *, data: dict, idempotency_key: str | None = None) -> tuple[SagaInstance, bool]:
    """Create a saga and schedule it after commit. The same idempotency key returns the first saga."""
    from events.saga.tasks import advance_saga

    definition = definition_named(saga_type)
    if idempotency_key:
        existing = SagaInstance.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    ctx = context.current()
    try:
        with transaction.atomic():
            saga = SagaInstance.objects.create(
                saga_type=saga_type, data=data, idempotency_key=idempotency_key,
                correlation_id=ctx.correlation_id, started_by=ctx.triggered_by or "",
            )
            SagaStep.objects.bulk_create(
                SagaStep(saga=saga, position=index, name=step.name) for index, step in enumerate(definition.steps)
            )
            transaction.on_commit(lambda: advance_saga.delay(str(saga.id)))
    except IntegrityError:
        if idempotency_key is None:
            raise
        return SagaInstance.objects.get(idempotency_key=idempotency_key), False
    return saga, True


# --- the lease ------------------------------------------------------------------------------


def _acquire(saga_id: str, owner: str) -> bool:
    now = timezone.now()
    return bool(
        SagaInstance.objects.filter(id=saga_id, status__in=ACTIVE)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now) | Q(lease_owner=owner))
        .update(lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds()))
    )


def _renew(saga_id: str, owner: str) -> bool:
    return bool(SagaInstance.objects.filter(id=saga_id, lease_owner=owner).update(
        lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds())))


def _release(saga_id: str, owner: str) -> None:
    SagaInstance.objects.filter(id=saga_id, lease_owner=owner).update(lease_owner="", lease_expires_at=None)


# --- advancing ------------------------------------------------------------------------------


def advance(saga_id: str, *, owner: str) -> SagaStatus | RetryLater | None:
    """Drive the saga as far as it goes. Returns its status, RetryLater, or None if another worker
    holds the lease (or the saga is no longer active)."""
    if not _acquire(saga_id, owner):
        return None
    try:
        saga = SagaInstance.objects.get(id=saga_id)
        definition = definition_named(saga.saga_type)
        request_ctx = context.RequestContext(correlation_id=saga.correlation_id, triggered_by=saga.started_by or None)
        with context.bind(request_ctx):
            while True:
                if saga.status == SagaStatus.RUNNING:
                    outcome = _run_next_step(saga, definition)
                elif saga.status == SagaStatus.COMPENSATING:
                    outcome = _compensate_next_step(saga, definition)
                else:
                    return SagaStatus(saga.status)
                if isinstance(outcome, RetryLater):
                    return outcome
                if not _renew(saga_id, owner):
                    logger.warning("saga lease lost", extra={"saga_id": saga_id})
                    return None
                saga.refresh_from_db()  # an operator may have changed it between steps
    finally:
        _release(saga_id, owner)


def _ctx(saga: SagaInstance, step_name: str) -> SagaContext:
    return SagaContext(saga_id=str(saga.id), saga_type=saga.saga_type, step_name=step_name, data=dict(saga.data),
                       correlation_id=saga.correlation_id)


def _finish(saga: SagaInstance, status: SagaStatus, error: str = "") -> None:
    saga.status = status
    saga.finished_at = timezone.now()
    if error:
        saga.last_error = error
    saga.save(update_fields=["status", "finished_at", "last_error", "updated_at"])


def _run_next_step(saga: SagaInstance, definition: SagaDefinition) -> RetryLater | None:
    row = saga.steps.filter(status__in=(StepStatus.PENDING, StepStatus.RUNNING)).order_by("position").first()
    if row is None:
        _finish(saga, SagaStatus.COMPLETED)
        return None
    step = definition.step_named(row.name)
    row.status, row.attempts, row.started_at = StepStatus.RUNNING, row.attempts + 1, timezone.now()
    row.save(update_fields=["status", "attempts", "started_at"])
    try:
        _inject_fault(saga, row.name, "action")
        output = step.action(_ctx(saga, row.name)) or {}
    except (*BUILTIN_TRANSIENT, *definition.transient_errors) as exc:
        if row.attempts < definition.max_attempts:
            row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            row.save(update_fields=["last_error"])
            logger.info("saga step will be retried", extra={"saga_id": str(saga.id), "step": row.name})
            return RetryLater(backoff_seconds(row.attempts))
        _fail_step(saga, row, step.critical, exc)
        return None
    except Exception as exc:  # a business refusal fails the step at once
        _fail_step(saga, row, step.critical, exc)
        return None
    with transaction.atomic():
        row.status, row.output, row.finished_at, row.last_error = StepStatus.SUCCEEDED, output, timezone.now(), ""
        row.save(update_fields=["status", "output", "finished_at", "last_error"])
        if output:
            saga.data = {**saga.data, **output}
            saga.save(update_fields=["data", "updated_at"])
    return None


def _fail_step(saga: SagaInstance, row: SagaStep, critical: bool, exc: BaseException) -> None:
    error = f"{exc.__class__.__name__}: {exc}"[:2000]
    with transaction.atomic():
        row.last_error, row.finished_at = error, timezone.now()
        if not critical:
            row.status = StepStatus.SKIPPED
            row.save(update_fields=["status", "last_error", "finished_at"])
            logger.warning("non-critical saga step failed; continuing", extra={"saga_id": str(saga.id), "step": row.name,
                                                                               "error": error})
            return
        row.status = StepStatus.FAILED
        row.save(update_fields=["status", "last_error", "finished_at"])
        saga.status, saga.last_error = SagaStatus.COMPENSATING, f"{row.name}: {error}"
        saga.save(update_fields=["status", "last_error", "updated_at"])
    logger.info("saga step failed; compensating", extra={"saga_id": str(saga.id), "step": row.name, "error": error})


def _compensate_next_step(saga: SagaInstance, definition: SagaDefinition) -> RetryLater | None:
    for row in saga.steps.filter(status__in=TO_COMPENSATE).order_by("-position"):
        step = definition.step_named(row.name)
        if step.compensation is None or not step.critical:
            continue
        row.compensation_attempts += 1
        row.save(update_fields=["compensation_attempts"])
        try:
            _inject_fault(saga, row.name, "compensation")
            step.compensation(_ctx(saga, row.name))
        except Exception as exc:  # compensations retry on any failure, then need an operator
            error = f"compensation {exc.__class__.__name__}: {exc}"[:2000]
            if row.compensation_attempts < definition.max_attempts:
                row.last_error = error
                row.save(update_fields=["last_error"])
                return RetryLater(backoff_seconds(row.compensation_attempts))
            row.status, row.last_error = StepStatus.COMPENSATION_FAILED, error
            row.save(update_fields=["status", "last_error"])
            _finish(saga, SagaStatus.FAILED, f"{row.name}: {error}")
            logger.error("saga compensation failed; operator needed", extra={"saga_id": str(saga.id), "step": row.name})
            return None
        row.status, row.compensated_at = StepStatus.COMPENSATED, timezone.now()
        row.save(update_fields=["status", "compensated_at"])
        return None
    _finish(saga, SagaStatus.COMPENSATED)
    return None


# --- operators and recovery ---------------------------------------------------------------------


def stale_saga_ids(*, older_than_seconds: int | None = None) -> list[str]:
    """Active sagas nobody is driving: lease expired, or never leased and idle for a lease period."""
    now = timezone.now()
    idle = now - timedelta(seconds=older_than_seconds if older_than_seconds is not None else lease_seconds())
    return [str(pk) for pk in SagaInstance.objects.filter(status__in=ACTIVE).filter(
        Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True, updated_at__lt=idle)
    ).values_list("id", flat=True)]


def retry(saga_id: str) -> SagaInstance:
    """Operator: re-drive a stuck or failed saga. A FAILED saga retries its compensation."""
    from events.saga.tasks import advance_saga

    with transaction.atomic():
        saga = SagaInstance.objects.select_for_update().get(id=saga_id)
        if saga.status == SagaStatus.FAILED:
            saga.steps.filter(status=StepStatus.COMPENSATION_FAILED).update(compensation_attempts=0)
            saga.status, saga.finished_at = SagaStatus.COMPENSATING, None
        saga.lease_owner, saga.lease_expires_at = "", None
        saga.save()
        transaction.on_commit(lambda: advance_saga.delay(saga_id))
    return saga


def force_compensation(saga_id: str, *, reason: str) -> SagaInstance:
    """Operator: abandon a RUNNING saga and undo what it did."""
    from events.saga.tasks import advance_saga

    with transaction.atomic():
        saga = SagaInstance.objects.select_for_update().get(id=saga_id)
        if saga.status not in (SagaStatus.RUNNING, SagaStatus.FAILED):
            raise ValueError(f"saga {saga_id} is {saga.status}; only RUNNING or FAILED sagas can be compensated")
        saga.status, saga.last_error, saga.finished_at = SagaStatus.COMPENSATING, f"operator: {reason}", None
        saga.lease_owner, saga.lease_expires_at = "", None
        saga.save()
        transaction.on_commit(lambda: advance_saga.delay(saga_id))
    return saga
