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
        remote = remote_contexts()
        context = context_of_app(app_label)
        if context is not None:
            return False if context in remote else None
        # an infrastructure app's table that points at a remote context's table (the admin's log entries
        # and the JWT outstanding tokens reference the user) cannot exist here: its foreign key would
        # have nothing to point at
        if not remote:
            return None
        model = hints.get("model")
        if model is None and model_name:
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                return None
        if model is not None:
            return False if _refers_to(model, remote) else None
        # a data migration of the app (RunPython, RunSQL): only where all of the app's tables are here
        try:
            models = apps.get_app_config(app_label).get_models()
        except LookupError:
            return None
        return False if any(_refers_to(m, remote) for m in models) else None


def _refers_to(model, contexts, seen: frozenset = frozenset()) -> bool:
    """Does the model hold a foreign key or many-to-many to a model of one of these contexts, directly
    or through another infrastructure model that does (the JWT blacklist → outstanding token → user)?"""
    seen = seen | {model._meta.label_lower}
    for field in model._meta.get_fields():
        related = getattr(field, "related_model", None)
        if field.auto_created or not field.is_relation or related is None or isinstance(related, str):
            continue
        context = context_of_app(related._meta.app_label)
        if context in contexts:
            return True
        if context is None and related._meta.label_lower not in seen and _refers_to(related, contexts, seen):
            return True
    return False
