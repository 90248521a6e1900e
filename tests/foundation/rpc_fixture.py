"""A small contract used to test the delegation mechanism itself (common.contracts), served by a
URLconf of its own so the mechanism is exercised over real HTTP without any context."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.urls import path
from ninja import NinjaAPI

from apps.auth.contracts import ServiceTokenAuth, request_scope
from common.api import error_body
from common.contracts import Contract, expose, idempotent, rpc_router
from common.errors import DomainError, NotFound
from common.tenancy import Scope


@dataclass(frozen=True)
class ItemDTO:
    id: int
    name: str
    due: date
    price: Decimal
    tags: tuple[str, ...] = ()


class EchoContract(Contract):
    context = "echo"
    target = "grades-evaluation"
    implementation = "tests.foundation.rpc_fixture.LocalEcho"

    @idempotent
    def get_item(self, *, item_id: int, scope: Scope) -> ItemDTO | None:
        """One item, or None."""
        raise NotImplementedError

    @idempotent
    def get_items(self, *, item_ids: list[int], scope: Scope) -> dict[int, ItemDTO]:
        raise NotImplementedError

    def record(self, *, name: str, on: date) -> int:
        """Not idempotent: counts calls."""
        raise NotImplementedError

    @idempotent
    def whoami(self, *, scope: Scope) -> str:
        raise NotImplementedError

    @idempotent
    def flaky(self, *, fail_times: int) -> int:
        raise NotImplementedError


class LocalEcho(EchoContract):
    calls: dict[str, int] = {}
    lock = threading.Lock()

    def _count(self, name: str) -> int:
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1
            return self.calls[name]

    def get_item(self, *, item_id: int, scope: Scope) -> ItemDTO | None:
        if item_id == 404:
            raise NotFound("No such item.", code="item_not_found")
        if item_id == 0:
            return None
        return ItemDTO(id=item_id, name=f"item {item_id}", due=date(2026, 3, item_id % 28 + 1),
                       price=Decimal("12.50"), tags=("a", "b"))

    def get_items(self, *, item_ids: list[int], scope: Scope) -> dict[int, ItemDTO]:
        return {i: self.get_item(item_id=i, scope=scope) for i in item_ids}

    def record(self, *, name: str, on: date) -> int:
        return self._count("record")

    def whoami(self, *, scope: Scope) -> str:
        return scope.as_header()

    def flaky(self, *, fail_times: int) -> int:
        attempt = self._count("flaky")
        if attempt <= fail_times:
            raise RuntimeError("boom")  # a 500 on the wire
        return attempt


__getattr__ = expose(EchoContract)  # this module is the contract's face, as a context's contracts.py is

api = NinjaAPI(urls_namespace="rpc-fixture", docs_url=None)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):  # as prs1.integration does for the real API
    return api.create_response(request, error_body(exc.code, exc.message, exc.details), status=exc.status_code)


api.add_router("/", rpc_router([EchoContract], auth=[ServiceTokenAuth()], scope_of_request=request_scope))
urlpatterns = [path("api/v1/", api.urls)]
