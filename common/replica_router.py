"""Read replica: read-only queries go to the `replica` alias when one is configured (DATABASE_REPLICA_URL),
and a request or a Celery task that wrote stays on the primary from then on (it must read its own writes;
the replica lags behind).

- `db_for_write` always answers the primary and pins the current request/task to it.
- `db_for_read` answers the primary when pinned or inside a transaction on the primary (a read in a
  service's `transaction.atomic` belongs to that transaction: it pins as well, so what the transaction
  wrote, even through raw SQL, is read back from the primary afterwards), otherwise the replica.
- The pin is a context variable, reset at the start of every request (`PrimaryAfterWriteMiddleware`)
  and every Celery task (prs1/celery.py, `task_prerun`). Operator commands and other processes stay pinned
  once they wrote.
- Without a `replica` alias nothing changes: every query goes to the primary (`default`).

Runs after `common.db_router.ContextRouter` (which answers None for reads and writes of local contexts).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_pinned: ContextVar[bool] = ContextVar("prs1_db_pinned_to_primary", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def pin_to_primary() -> None:
    _pinned.set(True)


def pinned_to_primary() -> bool:
    return _pinned.get()


def reset() -> None:
    """A new unit of work (request, task): reads may go to the replica again until it writes."""
    _pinned.set(False)


@contextmanager
def unit_of_work():
    """The pin lives as long as this block (a request, a task); it is undone when the block ends."""
    token = _pinned.set(False)
    try:
        yield
    finally:
        _pinned.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        if _pinned.get():
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            _pinned.set(True)
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        if not replica_configured():
            return None
        _pinned.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True  # the same data: a row read from the replica may point at one of the primary
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None  # the replica follows the primary; never migrated


class PrimaryAfterWriteMiddleware:
    """Each request starts unpinned (reads may use the replica) and is pinned by its first write."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        with unit_of_work():
            return self.get_response(request)
