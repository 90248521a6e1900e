"""Integration API (django-ninja): each context's `contracts.py` exposed over HTTP.

These are the seed's "APIs de Integración Síncrona" that other services call. Every context
that has an `integration.py` with a `router` is mounted here under /api/v1/.
Documented at /api/v1/integration/docs (schema: /api/v1/integration/openapi.json).
"""

from importlib import import_module, util

from django.conf import settings
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from common.api import error_body
from common.errors import DomainError
from common.http import MalformedJSON, loads_json


class JSONBodyParser(Parser):
    """The one body reader of both APIs (common.http.loads_json): deep nesting and broken JSON are
    MalformedJSON, a NUL character a ValidationFailed naming its field. ninja wraps whatever the parser
    raises in HttpError(400) "from" it; `_http_error` answers the original."""

    def parse_body(self, request):
        return loads_json(request.body)


api = NinjaAPI(
    title="PRS1 integration API",
    version="1.0.0",
    urls_namespace="integration",
    docs_url="/integration/docs",
    openapi_url="/integration/openapi.json",
    description="Service-to-service endpoints (contracts over HTTP). Authenticate with a JWT bearer "
    "token or the service token (header `X-Service-Token`).",
    parser=JSONBodyParser(),
)



# --- one error format on both APIs (common.api.error_body): {"error": {"code", "message", "details"}} ---
def _field_of(loc) -> str:
    # ninja locations: ("body", "<param>", "field", ...), ("path", "userId"), ("query", "x")
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts and parts[0] in {"path", "query", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    return ".".join(parts) or "non_field_errors"


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_of(error.get("loc", ())), []).append(str(error.get("msg", "Invalid value.")))
    return api.create_response(request, error_body("validation_error", "Invalid input.", {"fields": fields}), status=400)


@api.exception_handler(AuthenticationError)
def _authentication_error(request, exc: AuthenticationError):
    response = api.create_response(
        request, error_body("not_authenticated", "Authentication credentials were not provided or are invalid."), status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    cause = exc.__cause__
    if isinstance(cause, MalformedJSON):
        return api.create_response(request, error_body(MalformedJSON.code, str(cause)), status=400)
    if isinstance(cause, DomainError):
        return _domain_error(request, cause)
    codes = {403: "permission_denied", 404: "not_found", 429: "rate_limited"}
    return api.create_response(request, error_body(codes.get(exc.status_code, "error"), str(exc)), status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request, exc: Http404):
    return api.create_response(request, error_body("not_found", "Not found."), status=404)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(request, error_body(exc.code, exc.message, exc.details), status=exc.status_code)


for app_path in settings.CONTEXT_APPS:
    module_name = f"{app_path}.integration"
    if util.find_spec(module_name) is not None:
        module = import_module(module_name)
        api.add_router("/", module.router)

# Every context's contract interface over HTTP (the remote implementations' server side).
from prs1.rpc import router as rpc_router  # noqa: E402  (after the contexts' routers: same API, same errors)

api.add_router("/", rpc_router)
