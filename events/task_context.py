"""Carry the request context (correlation id, request id, who) into Celery tasks and back out."""

from __future__ import annotations

from celery import signals

from events import context

_HEADER = "prs1_context"
_tokens: dict[str, object] = {}


@signals.before_task_publish.connect
def _attach_context(headers=None, **_kwargs) -> None:
    if headers is not None and _HEADER not in headers:
        headers[_HEADER] = context.current().as_headers()


@signals.task_prerun.connect
def _bind_context(task_id=None, task=None, **_kwargs) -> None:
    if task is None:
        return
    # A worker merges message headers into the request; an eager `apply(headers=...)` keeps them apart.
    carried = getattr(task.request, _HEADER, None) or (getattr(task.request, "headers", None) or {}).get(_HEADER)
    ctx = context.from_headers(carried)
    if ctx is not None:
        manager = context.bind(ctx)
        manager.__enter__()
        _tokens[task_id] = manager


@signals.task_postrun.connect
def _unbind_context(task_id=None, **_kwargs) -> None:
    manager = _tokens.pop(task_id, None)
    if manager is not None:
        manager.__exit__(None, None, None)
