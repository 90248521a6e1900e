"""Who and what caused the current unit of work: filled from the HTTP request (middleware)
or from the Celery task headers, read when an event envelope is built. Never passed by hand."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class RequestContext:
    correlation_id: str
    request_id: str | None = None
    triggered_by: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None

    def as_headers(self) -> dict[str, str | None]:
        return asdict(self)


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("prs1_request_context", default=None)
_request: contextvars.ContextVar[object | None] = contextvars.ContextVar("prs1_http_request", default=None)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def current() -> RequestContext:
    """The active context; outside any request or task, a fresh correlation id per call."""
    ctx = _current.get()
    if ctx is None:
        return RequestContext(correlation_id=new_id("corr"))
    request = _request.get()
    if request is not None and ctx.triggered_by is None:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            ctx = replace(ctx, triggered_by=getattr(user, "code", None) or str(user.pk))
    return ctx


@contextmanager
def bind(ctx: RequestContext, request: object | None = None) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    request_token = _request.set(request)
    try:
        yield ctx
    finally:
        _current.reset(token)
        _request.reset(request_token)


def from_headers(headers: dict | None) -> RequestContext | None:
    if not headers or not headers.get("correlation_id"):
        return None
    fields = RequestContext.__dataclass_fields__
    return RequestContext(**{k: v for k, v in headers.items() if k in fields})
