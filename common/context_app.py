"""Base AppConfig of a bounded context: on ready, imports the context's event schemas
(`events.py`) and its event handlers (`handlers.py`) so they register with the bus, then
calls `on_ready()` for context-specific wiring."""

from importlib import import_module, util

from django.apps import AppConfig


class ContextAppConfig(AppConfig):
    default = False  # only the concrete context configs are picked up by Django
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        for role in ("events", "handlers"):
            module = f"{self.name}.{role}"
            if util.find_spec(module) is not None:
                import_module(module)
        self.on_ready()

    def on_ready(self) -> None:
        """Override to wire the context (contexts never register callables with each other: they call
        each other's contract interfaces)."""
