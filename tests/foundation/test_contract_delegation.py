"""The one way to cross a border (common.contracts): local by default, remote over real HTTP when
settings say so, with the same DTOs, errors and scope either way; breaker, retries and timeouts."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest

from common import contracts
from common.errors import NotFound
from common.resilience import Breaker, BreakerOpen, backoff_delay
from common.tenancy import Scope
from tests.foundation import rpc_fixture as echo
from tests.foundation.rpc_fixture import EchoContract, ItemDTO, LocalEcho

SCHOOL = Scope.school(7)


@pytest.fixture(autouse=True)
def _fresh_delegation():
    contracts.reset()
    LocalEcho.calls.clear()
    yield
    contracts.reset()


@pytest.fixture
def remote(settings, live_server):
    settings.ROOT_URLCONF = "tests.foundation.rpc_fixture"
    settings.PRS1_REMOTE_CONTEXTS = f"echo={live_server.url}"
    settings.REMOTE_RETRY_BASE_S = 0.001
    contracts.reset()
    return live_server


def test_without_settings_the_call_is_local_and_returns_the_dto_itself():
    assert not contracts.is_remote(EchoContract)
    assert isinstance(contracts.resolve(EchoContract), LocalEcho)
    item = echo.get_item(item_id=3, scope=SCHOOL)
    assert item == ItemDTO(id=3, name="item 3", due=date(2026, 3, 4), price=Decimal("12.50"), tags=("a", "b"))


@pytest.mark.django_db
def test_a_remote_call_returns_the_same_typed_dtos(remote):
    item = echo.get_item(item_id=3, scope=SCHOOL)
    items = echo.get_items(item_ids=[1, 2], scope=SCHOOL)

    assert item == ItemDTO(id=3, name="item 3", due=date(2026, 3, 4), price=Decimal("12.50"), tags=("a", "b"))
    assert isinstance(item.due, date) and isinstance(item.price, Decimal)
    assert items == {1: echo.get_item(item_id=1, scope=SCHOOL), 2: echo.get_item(item_id=2, scope=SCHOOL)}
    assert echo.get_item(item_id=0, scope=SCHOOL) is None


@pytest.mark.django_db
def test_the_scope_travels_with_the_call(remote):
    assert echo.whoami(scope=Scope.school(42)) == "school:42"
    assert echo.whoami(scope=Scope.network("system")) == "network:system"


@pytest.mark.django_db
def test_a_business_error_comes_back_as_the_same_domain_error(remote):
    with pytest.raises(NotFound) as raised:
        echo.get_item(item_id=404, scope=SCHOOL)
    assert raised.value.code == "item_not_found" and raised.value.status_code == 404
    # business answers never trip the breaker
    for _ in range(10):
        with pytest.raises(NotFound):
            echo.get_item(item_id=404, scope=SCHOOL)
    assert contracts.breaker_for("grades-evaluation").state == "closed"


@pytest.mark.django_db
def test_an_idempotent_call_is_retried_after_a_server_error(remote):
    assert echo.flaky(fail_times=2) == 3  # two 500s, then success on the third attempt
    assert LocalEcho.calls["flaky"] == 3


@pytest.mark.django_db
def test_a_call_that_is_not_idempotent_is_never_retried(remote, monkeypatch):
    def explode(self, *, name, on):
        LocalEcho.calls["record"] = LocalEcho.calls.get("record", 0) + 1
        raise RuntimeError("boom")

    monkeypatch.setattr(LocalEcho, "record", explode)
    with pytest.raises(contracts.RemoteUnavailable):
        echo.record(name="x", on=date(2026, 3, 1))
    assert LocalEcho.calls["record"] == 1


def test_a_remote_call_without_a_scope_is_refused_before_leaving(settings):
    settings.PRS1_REMOTE_CONTEXTS = "echo=http://127.0.0.1:9"
    with pytest.raises(TypeError):
        echo.whoami()


def test_an_unreachable_target_opens_the_breaker_after_five_failures_then_fails_fast(settings):
    settings.PRS1_REMOTE_CONTEXTS = "echo=http://127.0.0.1:9"  # discard port: refused at once
    settings.REMOTE_CALL_RETRIES = 1
    for _ in range(5):
        with pytest.raises(contracts.RemoteUnavailable):
            echo.whoami(scope=SCHOOL)
    assert contracts.breaker_for("grades-evaluation").state == "open"
    started = time.perf_counter()
    with pytest.raises(BreakerOpen):
        echo.whoami(scope=SCHOOL)
    assert time.perf_counter() - started < 0.05


def test_half_open_admits_at_most_three_concurrent_trials():
    breaker = Breaker("trial-target", fail_max=1, reset_timeout=0.05, half_open_max_calls=3)
    with pytest.raises(ZeroDivisionError):
        breaker.call(lambda: 1 / 0)
    assert breaker.state == "open"
    time.sleep(0.06)
    assert breaker.state == "half-open"

    gate, entered, results = threading.Event(), [], []

    def trial():
        try:
            results.append(breaker.call(lambda: (entered.append(1), gate.wait(2), "ok")[-1]))
        except BreakerOpen:
            results.append("refused")

    threads = [threading.Thread(target=trial) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.time() + 2
    while len(entered) < 3 and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    gate.set()
    for thread in threads:
        thread.join()
    assert len(entered) == 3
    assert results.count("ok") == 3 and results.count("refused") == 5
    assert breaker.state == "closed"  # three successful trials close it


def test_backoff_is_exponential_capped_and_jittered():
    assert [backoff_delay(n, base=1, cap=10, jitter=False) for n in range(1, 6)] == [1, 2, 4, 8, 10]
    draws = {backoff_delay(3, base=1, cap=10) for _ in range(50)}
    assert all(0 <= d <= 4 for d in draws) and len(draws) > 10


@pytest.mark.django_db
def test_a_service_bound_to_one_school_gets_nothing_of_another_through_rpc(client, settings):
    from apps.institution import contracts as institution
    from apps.institution.models import Institution

    a = Institution.objects.create(code="A-RPC", name="School A", timezone="America/Lima")
    b = Institution.objects.create(code="B-RPC", name="School B", timezone="America/Lima")
    headers = {"HTTP_X_SERVICE_TOKEN": settings.SERVICE_TOKEN, "HTTP_X_PRS1_SCOPE": f"school:{a.pk}"}

    def rpc(method, **body):
        return client.post(f"/api/v1/rpc/institution/{method}", body, content_type="application/json", **headers)

    assert rpc("get_institution", institution_id=a.pk).json()["result"]["name"] == "School A"
    assert rpc("get_institution", institution_id=b.pk).status_code == 404
    listed = [i["name"] for i in rpc("list_institutions").json()["result"]]
    assert "School A" in listed and "School B" not in listed
    # network-wide (no declared scope): both, as the in-process call sees them
    del headers["HTTP_X_PRS1_SCOPE"]
    assert {i["name"] for i in rpc("list_institutions").json()["result"]} >= {"School A", "School B"}
    assert {i.name for i in institution.list_institutions()} >= {"School A", "School B"}


@pytest.mark.django_db
def test_a_system_lookup_answers_only_network_wide_callers_over_rpc(client, settings):
    """Auth's lookups (a teacher's sections, a person's security summary) have no scope argument: a
    service that declares one school's scope may not use them to learn about another school."""
    headers = {"HTTP_X_SERVICE_TOKEN": settings.SERVICE_TOKEN}
    for path, body in (("assignments/teacher_section_ids", {"teacher_id": 1}),
                       ("users/user_security_summary", {"user_id": 1}),
                       ("academic/section_institution_id", {"section_id": 1})):
        bound = client.post(f"/api/v1/rpc/{path}", body, content_type="application/json",
                            HTTP_X_PRS1_SCOPE="school:7", **headers)
        network = client.post(f"/api/v1/rpc/{path}", body, content_type="application/json", **headers)
        assert bound.status_code == 404, path
        assert network.status_code == 200, (path, network.content)
