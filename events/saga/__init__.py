"""A small, generic orchestrated-saga engine run by Celery workers.

A saga definition is an ordered list of steps, each with an idempotent action and an optional
idempotent compensation. Saga instances and their steps are persisted; a Celery task advances an
instance while holding a lease, so a worker that dies mid-saga is replaced once the lease expires
(`resume_stale_sagas`, a periodic task). Definitions live in the context that owns the process
(e.g. apps/enrollment/sagas.py) and register themselves with `register()`.
"""

from events.saga.definition import SagaContext, SagaDefinition, Step, TransientStepError

__all__ = ["SagaContext", "SagaDefinition", "Step", "TransientStepError"]
