"""Database routing per context: a process reaches only the tables of the contexts it serves.

A context served by another process (`common.contracts.remote_contexts()`) has no tables here:
`migrate` does not create them (so a split-out service's database holds its own context's tables,
beside its own outbox and inbox, and the monolith's database no longer holds them), and any query
of such a model fails loudly instead of reading stale or empty rows. Contexts share no foreign
keys, so nothing else needs to change when a context moves out.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from common.contracts import remote_contexts


class TablesOfARemoteContext(ImproperlyConfigured):
    pass


def context_of_app(app_label: str) -> str | None:
    """The bounded context ("grades") of an app label, or None for infrastructure apps."""
    try:
        name = apps.get_app_config(app_label).name
    except LookupError:
        return None
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "apps" else None


class ContextRouter:
    def _guard(self, model) -> None:
        context = context_of_app(model._meta.app_label)
        if context is not None and context in remote_contexts():
            raise TablesOfARemoteContext(
                f"{model._meta.label} belongs to the '{context}' context, served by another process: "
                f"call its contract instead")

    def db_for_read(self, model, **hints):
        self._guard(model)
        return None

    def db_for_write(self, model, **hints):
        self._guard(model)
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        context = context_of_app(app_label)
        if context is not None and context in remote_contexts():
            return False
        return None
