"""API plumbing shared by every context's DRF views: error format and pagination.

Error body (always the same shape, machine-readable):
    {"error": {"code": "section_full", "message": "...", "details": {...}}}
Field errors from serializers land in details["fields"] = {"field": ["message", ...]}.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {key: [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(error_body("validation_error", str(_("Invalid input.")), {"fields": fields}), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("validation_error", str(_("Invalid input.")), {"fields": _flatten(exc.detail)})
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        extra = {}
        if isinstance(detail, dict) and "detail" in detail:  # e.g. simplejwt's InvalidToken
            extra = {key: value for key, value in detail.items() if key not in {"detail", "code"}}
            detail = detail["detail"]
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail), extra)
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
