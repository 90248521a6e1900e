"""The harness of the tests that call a contract locally and then remotely (tests/*/test_contract_remote.py).

Each of those tests keeps a table of cases, (method, kwargs built from a world), that names every method of
the contract's interface, and asks each case twice: in-process, then through the context's RPC endpoint on
a live server (service token, scope in X-PRS1-Scope). The two answers, the result or the business error's
class, code, status, message and details, must agree in value and in type. A contract whose methods write
or send gives each side its own copy of the world (same shape, fresh ids): `ask` runs on one, `ask_remote`
on the other.

One process plays both sides: the live server's thread serves the RPC endpoints from the test's database,
so `fresh_delegation` (an autouse fixture: import it into the test module) keeps the router that keeps a
split-out process off a remote context's tables out of the way, and forgets the resolved delegation before
and after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest

from common import contracts
from common.errors import DomainError


class Refusal(NamedTuple):
    """A business error as the caller sees it: equal on both paths when they refuse the same way."""

    error_class: type[DomainError]
    code: str
    status: int
    message: str
    details: Any


@pytest.fixture(autouse=True)
def fresh_delegation(settings) -> Iterator[None]:
    settings.DATABASE_ROUTERS = []
    contracts.reset()
    yield
    contracts.reset()


def each_case(cases: list[tuple[str, Callable]]):
    """Parametrizes a test with (method, make_kwargs) over the table, one id per row ("method-index")."""
    return pytest.mark.parametrize(("method", "make_kwargs"), cases,
                                   ids=[f"{method}-{i}" for i, (method, _) in enumerate(cases)])


def assert_table_covers(interface: type[contracts.Contract], cases: list[tuple[str, Callable]], *,
                        idempotent: bool = True) -> None:
    """The table calls every method of the interface (and, unless told otherwise, every method is idempotent,
    so that the remote call may repeat the local one on the same rows)."""
    specs = contracts.methods_of(interface)
    assert {method for method, _ in cases} == set(specs)
    if idempotent:
        assert all(spec.idempotent for spec in specs.values())


def answer(module, method: str, kwargs: dict) -> Any:
    """The result of `module.method(**kwargs)`, or the business error it raised as a Refusal."""
    try:
        return getattr(module, method)(**dict(kwargs))
    except DomainError as exc:
        return Refusal(type(exc), exc.code, exc.status_code, exc.message, exc.details)


def go_remote(settings, live_server, interface: type[contracts.Contract]) -> None:
    """From now on the interface's context is served by the live server, over HTTP."""
    settings.PRS1_REMOTE_CONTEXTS = f"{interface.context}={live_server.url}"
    contracts.reset()
    assert contracts.is_remote(interface)


def assert_local_and_remote_agree(settings, live_server, interface: type[contracts.Contract], local_class: type,
                                  ask: Callable[[], Any], ask_remote: Callable[[], Any] | None = None) -> None:
    """`ask()` is called while the contract resolves to its in-process implementation (`local_class`), then the
    context goes remote and `ask_remote()` (by default `ask()` again) is called: both answers are equal and of
    the same type."""
    assert isinstance(contracts.resolve(interface), local_class)
    local = ask()
    go_remote(settings, live_server, interface)
    remote = (ask_remote or ask)()

    assert remote == local
    assert type(remote) is type(local)
