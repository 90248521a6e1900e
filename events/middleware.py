"""Binds correlation/request ids and the caller's metadata for the length of an HTTP request."""

from __future__ import annotations

import re

import structlog

from events import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def _header_id(request, name: str) -> str | None:
    value = request.headers.get(name)
    return value if value and _SAFE_ID.match(value) else None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _header_id(request, "X-Request-ID") or context.new_id("req")
        correlation_id = _header_id(request, "X-Correlation-ID") or request_id
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        ctx = context.RequestContext(
            correlation_id=correlation_id,
            request_id=request_id,
            ip_address=(forwarded.split(",")[0].strip() or None) if forwarded else request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:500] or None,
        )
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id, request_id=request_id)
        try:
            with context.bind(ctx, request):
                response = self.get_response(request)
        finally:
            structlog.contextvars.unbind_contextvars("correlation_id", "request_id")
        response["X-Request-ID"] = request_id
        response["X-Correlation-ID"] = correlation_id
        return response
