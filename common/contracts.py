"""One way to cross a border: a context's contract interface, served locally or over HTTP.

A context publishes an interface in its `contracts.py`: a `Contract` subclass whose methods are
keyword-only and typed, returning frozen dataclass DTOs (never a model instance, never a dict
shaped by convention), and ends with `__getattr__ = expose(Interface)`. Callers never pick an
implementation: they call the module's functions (`grades.initialize_grade_records(...)`), and each
call is forwarded, at call time, to

- the local implementation (`Interface.implementation`, a dotted path to a class in the owning
  context), in-process, exactly as a function call; or
- a `RemoteContract`: an HTTP client of the context's RPC endpoints
  (`POST /api/v1/rpc/<context>/<method>`, generated from the interface by `rpc_router`),
  when settings name the context in `PRS1_REMOTE_CONTEXTS` (`grades=http://grades:8000,...`).

The choice is made per call from settings, so a test can move a context out and back.

Remote calls carry the seed's per-target timeout (`SERVICE_TIMEOUTS_MS[Interface.target]`), go
through a circuit breaker per target (`common.resilience.Breaker`), are retried with jittered
backoff only when the method is `@idempotent`, and forward the service token, the caller's scope
(`X-PRS1-Scope`) and correlation/request ids. The target's business errors come back as the same
`DomainError` (status and code kept); transport failures (timeout, refused, 5xx, breaker open) raise
`RemoteUnavailable` / `BreakerOpen`, both `ConnectionError`s, which a saga step treats as transient.

Modelled on Sentry's hybrid-cloud RPC services (an abstract service, a local and a remote
implementation, chosen by a delegation) and PostHog's product facades (no web framework here).
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
import time
import types
import typing
from abc import ABC
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, TypeVar

import httpx
import pydantic
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse
from django.utils.module_loading import import_string

from common import errors
from common.resilience import REMOTE_CALL_SECONDS, Breaker, BreakerOpen, backoff_delay
from common.tenancy import Scope

C = TypeVar("C", bound="Contract")

SERVICE_TOKEN_HEADER = "X-Service-Token"
SCOPE_HEADER = "X-PRS1-Scope"


class Contract(ABC):
    """Base of every context's contract interface."""

    #: the context's name, as in PRS1_REMOTE_CONTEXTS and the RPC path (e.g. "grades")
    context: ClassVar[str]
    #: the seed's service name, the key of SERVICE_TIMEOUTS_MS (e.g. "grades-evaluation")
    target: ClassVar[str]
    #: dotted path of the local implementation class (in the owning context)
    implementation: ClassVar[str]


def idempotent(method: Callable) -> Callable:
    """Mark a contract method safe to retry (reads, and writes keyed so a repeat changes nothing)."""
    method.__contract_idempotent__ = True
    return method


def system_lookup(method: Callable) -> Callable:
    """Mark a contract method that answers about any school without a scope argument (what auth's rules
    need: a teacher's sections, a section's school). Over RPC only a network-wide caller may use it: a
    service that declares one school's scope gets a 404, as for anything outside that school."""
    method.__contract_system_lookup__ = True
    return method


class RemoteUnavailable(ConnectionError):
    """The remote context did not answer usefully (timeout, refused connection, 5xx, bad credentials)."""


# --- the interface, read once --------------------------------------------------------------


@dataclass(frozen=True)
class MethodSpec:
    name: str
    idempotent: bool
    takes_scope: bool
    system_lookup: bool
    args_model: type[pydantic.BaseModel]
    result_adapter: pydantic.TypeAdapter
    result_annotation: Any
    doc: str


@cache
def methods_of(interface: type[Contract]) -> dict[str, MethodSpec]:
    """The contract methods of an interface (public callables declared on it or its bases)."""
    specs: dict[str, MethodSpec] = {}
    for name, fn in inspect.getmembers(interface, inspect.isfunction):
        if name.startswith("_"):
            continue
        hints = typing.get_type_hints(fn, include_extras=True)
        fields: dict[str, Any] = {}
        takes_scope = False
        for param in inspect.signature(fn).parameters.values():
            if param.name == "self":
                continue
            if param.kind is not inspect.Parameter.KEYWORD_ONLY:
                raise TypeError(f"{interface.__name__}.{name}: contract arguments are keyword-only ({param.name})")
            if param.name == "scope":
                takes_scope = True
                continue
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[param.name] = (_bounded(hints[param.name]), default)
        title = f"{interface.context.title()}{''.join(p.title() for p in name.split('_'))}"
        args_model = pydantic.create_model(f"{title}Args", __config__=pydantic.ConfigDict(extra="forbid"), **fields)
        result = hints.get("return", type(None))
        specs[name] = MethodSpec(
            name=name, idempotent=bool(getattr(fn, "__contract_idempotent__", False)), takes_scope=takes_scope,
            system_lookup=bool(getattr(fn, "__contract_system_lookup__", False)),
            args_model=args_model, result_adapter=pydantic.TypeAdapter(result), result_annotation=result,
            doc=inspect.getdoc(fn) or name.replace("_", " "),
        )
    return specs


_BIGINT = pydantic.Field(ge=-(2**63), le=2**63 - 1)


def _bounded(annotation: Any) -> Any:
    """An int argument lands in a BIGINT column: outside its range it is a 400 at the door, not a
    database error (a 500) deep inside the implementation. Applies inside Optional, unions and lists."""
    if annotation is int:
        return typing.Annotated[int, _BIGINT]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_bounded(arg) for arg in args)]  # noqa: UP007  (built from a tuple)
    if origin in (list, set, frozenset) and len(args) == 1:
        return origin[_bounded(args[0])]
    if origin is tuple and args:
        return tuple[tuple(arg if arg is Ellipsis else _bounded(arg) for arg in args)]
    return annotation


# --- choosing the implementation -------------------------------------------------------------


def remote_contexts() -> dict[str, str]:
    """The contexts this process does not serve, as {context: base_url}.

    - `PRS1_REMOTE_CONTEXTS`: a dict, or "grades=http://…,notifications=http://…" (the monolith
      with some contexts split out).
    - `PRS1_HOSTED_CONTEXTS` (a split-out service, e.g. ["grades"]): every other context is remote,
      at its `PRS1_REMOTE_CONTEXTS` address if given, else at `PRS1_DEFAULT_REMOTE_URL` (the monolith).
    """
    return _remote_contexts(_setting_key(getattr(settings, "PRS1_REMOTE_CONTEXTS", None)),
                            tuple(getattr(settings, "PRS1_HOSTED_CONTEXTS", None) or ()),
                            getattr(settings, "PRS1_DEFAULT_REMOTE_URL", "") or "",
                            tuple(getattr(settings, "CONTEXT_APPS", ())))


def _setting_key(value) -> str:
    if isinstance(value, dict):
        return ",".join(f"{name}={url}" for name, url in value.items())
    return value or ""


@cache
def _remote_contexts(explicit: str, hosted: tuple[str, ...], default_url: str,
                     context_apps: tuple[str, ...]) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in explicit.split(",") if item.strip()]
    remote = {name.strip(): url.strip().rstrip("/") for name, url in pairs}
    if hosted:
        for app_path in context_apps:
            name = app_path.rsplit(".", 1)[-1]
            if name not in hosted and name not in remote:
                if not default_url:
                    raise ImproperlyConfigured("PRS1_HOSTED_CONTEXTS is set: PRS1_DEFAULT_REMOTE_URL must say "
                                               "where the other contexts are served")
                remote[name] = default_url.rstrip("/")
        for name in hosted:
            remote.pop(name, None)
    return remote


_local: dict[type, Contract] = {}
_remote: dict[tuple[type, str], RemoteContract] = {}
_lock = threading.Lock()


def resolve(interface: type[C]) -> C:
    """The implementation of `interface` this process uses now: remote if settings say so, else local."""
    url = remote_contexts().get(interface.context)
    if url:
        key = (interface, url)
        if key not in _remote:
            with _lock:
                _remote.setdefault(key, RemoteContract(interface, url))
        return typing.cast(C, _remote[key])
    return local(interface)


def local(interface: type[C]) -> C:
    """The in-process implementation of `interface` (what its RPC endpoints call)."""
    if interface not in _local:
        with _lock:
            _local.setdefault(interface, import_string(interface.implementation)())
    return typing.cast(C, _local[interface])


def is_remote(interface: type[Contract]) -> bool:
    return interface.context in remote_contexts()


_forwarders: dict[tuple[type, str], Callable] = {}


def expose(interface: type[Contract]) -> Callable[[str], Callable]:
    """A module `__getattr__` that serves the interface's methods as module functions, so callers
    write `from apps.grades import contracts as grades; grades.initialize_grade_records(...)`.
    Each call is forwarded to `resolve(interface)` at call time (local or remote, per settings)."""

    def module_getattr(name: str) -> Callable:
        key = (interface, name)
        if key not in _forwarders:
            if name not in methods_of(interface):
                raise AttributeError(f"{interface.__module__} has no contract function {name!r}")

            def forward(**kwargs):
                return getattr(resolve(interface), name)(**kwargs)

            forward.__name__ = forward.__qualname__ = name
            forward.__doc__ = methods_of(interface)[name].doc
            _forwarders[key] = forward
        return _forwarders[key]

    return module_getattr


def reset() -> None:
    """Forget cached implementations and remote clients (tests; after changing settings)."""
    with _lock:
        for client in _remote.values():
            client.close()
        _remote.clear()
        _local.clear()
    _breakers.clear()


# --- the remote implementation ------------------------------------------------------------

_breakers: dict[str, Breaker] = {}

_ERRORS_BY_STATUS: dict[int, type[errors.DomainError]] = {
    400: errors.ValidationFailed, 403: errors.PermissionDenied, 404: errors.NotFound, 409: errors.Conflict,
    422: errors.BusinessRuleViolation,
}


def breaker_for(target: str) -> Breaker:
    if target not in _breakers:
        with _lock:
            _breakers.setdefault(target, Breaker(target, exclude=(errors.DomainError,)))
    return _breakers[target]


def _domain_error(response: httpx.Response) -> errors.DomainError:
    try:
        body = response.json()["error"]
        code, message, details = body["code"], body["message"], body.get("details") or {}
    except (ValueError, KeyError, TypeError):
        code, message, details = None, response.text[:200], {}
    error = _ERRORS_BY_STATUS.get(response.status_code, errors.DomainError)(message, code=code)
    error.details = details
    error.status_code = response.status_code
    return error


class RemoteContract:
    """An HTTP client of one context's RPC endpoints, shaped like its interface."""

    def __init__(self, interface: type[Contract], base_url: str) -> None:
        self.interface = interface
        self.base_url = base_url
        self.target = interface.target
        timeout = settings.SERVICE_TIMEOUTS_MS.get(interface.target, 5000) / 1000
        self._client = httpx.Client(base_url=base_url, timeout=timeout)
        self._specs = methods_of(interface)

    def close(self) -> None:
        self._client.close()

    def __getattr__(self, name: str):
        try:
            spec = self._specs[name]
        except KeyError:
            raise AttributeError(f"{self.interface.__name__} has no contract method {name!r}") from None

        def call(**kwargs):
            return self.call(spec, kwargs)

        call.__name__ = name
        return call

    def call(self, spec: MethodSpec, kwargs: dict[str, Any]) -> Any:
        scope = kwargs.pop("scope", None)
        if spec.takes_scope and not isinstance(scope, Scope):
            raise TypeError(f"{self.interface.__name__}.{spec.name} needs scope=<Scope>")
        body = spec.args_model(**kwargs).model_dump(mode="json")
        headers = self._headers(scope)
        path = f"/api/v1/rpc/{self.interface.context}/{spec.name}"
        attempts = getattr(settings, "REMOTE_CALL_RETRIES", 3) if spec.idempotent else 1
        for attempt in range(1, attempts + 1):
            try:
                payload = breaker_for(self.target).call(self._post, path, body, headers)
            except BreakerOpen:
                raise
            except RemoteUnavailable:
                if attempt == attempts:
                    raise
                time.sleep(backoff_delay(attempt, base=getattr(settings, "REMOTE_RETRY_BASE_S", 0.05),
                                         cap=getattr(settings, "REMOTE_RETRY_CAP_S", 1.0)))
                continue
            return spec.result_adapter.validate_python(payload["result"])
        raise AssertionError("unreachable")  # pragma: no cover

    def _headers(self, scope: Scope | None) -> dict[str, str]:
        from events import context  # events/ is infrastructure beside common/

        ctx = context.current()
        headers = {SERVICE_TOKEN_HEADER: settings.SERVICE_TOKEN, "X-Correlation-ID": ctx.correlation_id}
        if ctx.request_id:
            headers["X-Request-ID"] = ctx.request_id
        if scope is not None:
            headers[SCOPE_HEADER] = scope.as_header()
        return headers

    def _post(self, path: str, body: dict, headers: dict[str, str]) -> dict:
        started = time.perf_counter()
        outcome = "error"
        try:
            try:
                response = self._client.post(path, json=body, headers=headers)
            except httpx.TimeoutException as exc:
                outcome = "timeout"
                raise RemoteUnavailable(f"{self.target}: timed out ({exc.__class__.__name__})") from exc
            except httpx.TransportError as exc:
                outcome = "unreachable"
                raise RemoteUnavailable(f"{self.target}: {exc.__class__.__name__}: {exc}") from exc
            if response.status_code >= 500 or response.status_code in (401, 429):
                outcome = f"http_{response.status_code}"
                raise RemoteUnavailable(f"{self.target}: HTTP {response.status_code}")
            if response.status_code >= 400:
                outcome = "business_error"
                raise _domain_error(response)
            outcome = "ok"
            return response.json()
        finally:
            REMOTE_CALL_SECONDS.labels(self.target, outcome).observe(time.perf_counter() - started)


# --- the server side: RPC endpoints generated from the interfaces -------------------------------


def rpc_router(interfaces: list[type[Contract]], *, auth: list, scope_of_request: Callable[[Any], Scope]):
    """A django-ninja Router with `POST /rpc/<context>/<method>` for every method of every interface,
    calling the local implementation. `auth` admits service callers; the scope comes from the request."""
    from ninja import Router

    from common.integration import ErrorOut

    router = Router(auth=auth, tags=["rpc"])
    for interface in interfaces:
        for spec in methods_of(interface).values():
            _add_rpc_operation(router, interface, spec, scope_of_request, ErrorOut)
    return router


def _add_rpc_operation(router, interface: type[Contract], spec: MethodSpec, scope_of_request, error_out) -> None:
    title = spec.args_model.__name__.removesuffix("Args")
    result_model = pydantic.create_model(f"{title}Result", result=(spec.result_annotation, ...))

    def endpoint(request, args):
        kwargs = {name: getattr(args, name) for name in type(args).model_fields}  # typed values (DTOs, dates)
        scope = scope_of_request(request)
        if spec.system_lookup and not scope.is_network:
            raise errors.NotFound("Not found.", code="not_found")
        if spec.takes_scope:
            kwargs["scope"] = scope
        elif not scope.is_network and kwargs.get("institution_id") is not None:
            scope.require(kwargs["institution_id"])  # a caller bound to one school names only that school
        try:
            result = getattr(local(interface), spec.name)(**kwargs)
        except ValueError as exc:  # an implementation refusing an argument (an unknown level...): the caller's error
            if isinstance(exc, pydantic.ValidationError):
                raise
            raise errors.ValidationFailed(str(exc), code="invalid_argument") from exc
        if not spec.takes_scope and not scope.is_network:
            result = _within_scope(scope, result, nullable=_accepts_none(spec.result_annotation))
        # already JSON-shaped by the result's own type: answered as is (the declared model documents it)
        return JsonResponse({"result": spec.result_adapter.dump_python(result, mode="json")})

    endpoint.__annotations__ = {"args": spec.args_model}
    router.add_api_operation(
        f"/rpc/{interface.context}/{spec.name}", ["POST"], endpoint,
        # the statuses the error handlers of the integration API (prs1/integration.py) answer
        response={200: result_model, **{status: error_out for status in (400, 401, 403, 404, 409, 422)}},
        summary=f"{interface.context}: {spec.name}", description=spec.doc,
        operation_id=f"rpc_{interface.context}_{spec.name}",
    )


def _accepts_none(annotation) -> bool:
    return annotation is None or type(None) in typing.get_args(annotation)


def _within_scope(scope: Scope, value: Any, *, nullable: bool) -> Any:
    """A method without a scope argument, called by a caller bound to one school (a service declaring
    `X-PRS1-Scope: school:N`): drop what belongs to another school from its result (DTOs carry their
    school in `institution_id`, or in the field their class names as `tenant_field`); a single foreign DTO
    reads as unknown (None, or 404 where None is not an answer)."""
    if isinstance(value, list | tuple):
        return type(value)(v for v in value if _belongs(scope, v))
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if _belongs(scope, v)}
    if not _belongs(scope, value):
        if nullable:
            return None
        raise errors.NotFound("Not found.", code="not_found")
    return value


def _belongs(scope: Scope, value: Any) -> bool:
    if not dataclasses.is_dataclass(value):
        return True
    institution_id = getattr(value, getattr(type(value), "tenant_field", "institution_id"), None)
    return institution_id is None or scope.allows(institution_id)
