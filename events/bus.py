"""The in-process event bus.

Contexts register handlers in their handlers.py:

    @subscribe("student.enrolled")
    def on_student_enrolled(event: Event) -> None: ...

When an event is published, each subscribed handler is delivered after commit as a Celery
task (`events.tasks.deliver_event`). Handlers of contexts listed in EVENTS_KAFKA_CONTEXTS
are not scheduled here: they run from `manage.py consume_events --context <name>`; nor are the
handlers of a context served by another process (PRS1_REMOTE_CONTEXTS), whose own consumer runs them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from events.catalogue import spec
from events.envelope import Event

HandlerFn = Callable[[Event], None]


@dataclass(frozen=True)
class Handler:
    name: str  # "apps.grades.handlers.on_student_enrolled"
    event_type: str
    context: str  # "grades"
    fn: HandlerFn


_handlers: dict[str, list[Handler]] = defaultdict(list)
_by_name: dict[str, Handler] = {}


def _context_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "apps" else parts[0]


def subscribe(event_type: str, *, context: str | None = None) -> Callable[[HandlerFn], HandlerFn]:
    """Register a handler; its context is taken from its module (`apps.<context>.handlers`) unless given."""
    spec(event_type)

    def register(fn: HandlerFn) -> HandlerFn:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if name not in _by_name:
            handler = Handler(name=name, event_type=event_type, context=context or _context_of(fn.__module__), fn=fn)
            _handlers[event_type].append(handler)
            _by_name[name] = handler
        return fn

    return register


def unsubscribe(name: str) -> None:
    """Remove a handler (tests register throw-away handlers and remove them afterwards)."""
    handler = _by_name.pop(name, None)
    if handler is not None:
        _handlers[handler.event_type] = [h for h in _handlers[handler.event_type] if h.name != name]


def handlers_for(event_type: str, *, context: str | None = None) -> list[Handler]:
    return [h for h in _handlers.get(event_type, []) if context is None or h.context == context]


def handler_named(name: str) -> Handler:
    return _by_name[name]


def all_handlers() -> list[Handler]:
    return list(_by_name.values())


def runs_in_process(handler: Handler) -> bool:
    """Deliver here, after commit? Not for a context fed by Kafka in this process
    (EVENTS_KAFKA_CONTEXTS), nor for a context that lives in another service
    (PRS1_REMOTE_CONTEXTS): that service's own consumer delivers it."""
    from common.contracts import remote_contexts

    return handler.context not in settings.EVENTS_KAFKA_CONTEXTS and handler.context not in remote_contexts()


def dispatch_on_commit(envelope: dict) -> None:
    """Schedule one delivery task per in-process handler once the transaction commits."""
    from events.sweeper import record_scheduled
    from events.tasks import deliver_event

    event_id, event_type = envelope["eventId"], envelope["eventType"]
    local = [handler.name for handler in handlers_for(event_type) if runs_in_process(handler)]
    record_scheduled(event_id, local)  # in this transaction: a lost delivery is re-sent by the sweeper
    for name in local:
        # robust: one handler's failed enqueue (broker hiccup) must not cancel the others' deliveries
        transaction.on_commit(lambda h=name: deliver_event.delay(event_id, h), robust=True)
