"""Hostile or broken HTTP requests, answered in the shared error body on both APIs.

Everything under /api/ — the DRF resource API and the django-ninja integration API — answers
`{"error": {"code", "message", "details"}}` (common.api.error_body), never an HTML page:

- `loads_json` is the one JSON body reader of both APIs (common.parsers.JSONParser for DRF, the ninja
  API's parser): a body nested thousands deep (RecursionError) or not JSON at all is
  `MalformedJSON` (400 `malformed_json`); a NUL character anywhere in it is a 400 naming the field
  (PostgreSQL refuses NUL in text and in jsonb, which was a 500).
- `ApiGuardMiddleware` refuses, before any view reads them, a body over
  DATA_UPLOAD_MAX_MEMORY_SIZE (413 `request_too_large`; DRF reads JSON bodies as a stream and never
  checked the limit) and a NUL character in the query string (400 naming the parameter), and turns
  any error response under /api/ that is not JSON (ninja's 405, Django's CSRF page...) into the
  error body.
- `not_found`, `bad_request`, `permission_denied` and `server_error` are the project's handler404 /
  handler400 / handler403 / handler500 (prs1/urls.py): JSON under /api/, Django's pages elsewhere.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from common.errors import ValidationFailed

API_PREFIX = "/api/"
NUL = "\x00"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(status: int, code: str, message: str, details: dict | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": str(message), "details": details or {}}}, status=status)


# --- JSON bodies ---------------------------------------------------------------------------------------
class MalformedJSON(ValueError):
    """The body is not JSON (or is nested deeper than the parser can follow)."""

    code = "malformed_json"


def _strict_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _nul_path(data: Any) -> str | None:
    """The dotted path of the first string (value or key) holding a NUL character, else None."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:  # iterative: a body nested as deep as the parser allows must not recurse here
        value, path = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return path or "non_field_errors"
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if NUL in key:
                    return child.replace(NUL, "\\u0000")
                stack.append((item, child))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{index}" if path else str(index)) for index, item in enumerate(value))
    return None


def loads_json(raw: bytes | str) -> Any:
    """Parse a request body as strict JSON (no NaN/Infinity); NUL characters are refused by field."""
    try:
        data = json.loads(raw, parse_constant=_strict_constant)
    except RecursionError:
        raise MalformedJSON(_("The JSON body is nested too deeply.")) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN
        raise MalformedJSON(_("The body is not valid JSON.")) from exc
    path = _nul_path(data)
    if path is not None:
        raise ValidationFailed(fields={path: [_("Null characters are not allowed.")]})
    return data


# --- the middleware ------------------------------------------------------------------------------------
def too_large() -> JsonResponse:
    return error_response(413, "request_too_large", _("The request body is too large."),
                          {"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _nul_in_query(request: HttpRequest) -> JsonResponse | None:
    if NUL not in request.META.get("QUERY_STRING", "") and "%00" not in request.META.get("QUERY_STRING", ""):
        return None
    fields = {key.replace(NUL, "\\u0000"): [_("Null characters are not allowed.")]
              for key, values in request.GET.lists() if NUL in key or any(NUL in value for value in values)}
    if not fields:
        return None
    return error_response(400, "validation_error", _("Invalid input."), {"fields": fields})


STATUS_CODES = {
    400: ("bad_request", lambda request: _("Bad request.")),
    401: ("not_authenticated", lambda request: _("Authentication credentials were not provided.")),
    403: ("permission_denied", lambda request: _("You do not have permission to perform this action.")),
    404: ("not_found", lambda request: _("Not found.")),
    405: ("method_not_allowed", lambda request: _('Method "{method}" not allowed.').format(method=request.method)),
    413: ("request_too_large", lambda request: _("The request body is too large.")),
    500: ("server_error", lambda request: _("A server error occurred.")),
}


def _as_error_body(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    code, message = STATUS_CODES.get(response.status_code, ("error", lambda request: response.reason_phrase))
    replaced = error_response(response.status_code, code, message(request))
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            replaced[header] = response[header]
    return replaced


class ApiGuardMiddleware:
    """Under /api/: refuse oversized bodies and NUL in the query string up front, answer errors in JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        content_type = request.META.get("CONTENT_TYPE", "")
        # Multipart uploads: Django applies the limit to their non-file fields itself (RequestDataTooBig).
        if (_content_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                and not content_type.startswith("multipart/form-data")):
            return too_large()
        refused = _nul_in_query(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response) and not hasattr(response, "accepted_renderer"):
            return _as_error_body(request, response)  # a DRF browsable-API page (asked for) stays as it is
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return too_large()
        if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
            return error_response(400, "too_many_fields", _("The request has too many fields."))
        return None


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith(("application/json", "application/problem+json"))


# --- handler400 / handler403 / handler404 / handler500 ---------------------------------------------------
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return error_response(400, "bad_request", _("Bad request."))
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return error_response(403, "permission_denied", _("You do not have permission to perform this action."))
    return defaults.permission_denied(request, exception)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return error_response(404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return error_response(500, "server_error", _("A server error occurred."))
    return defaults.server_error(request)
