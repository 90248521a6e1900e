"""Login rate limits: 5/minute and 20/hour, per client address and per username (Redis cache)."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client import REGISTRY
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from apps.auth.throttling import LoginRateThrottle
from tests.auth.conftest import login
from tests.users.factories import TeacherFactory

pytestmark = pytest.mark.django_db


class Clock:
    """The throttles' clock, moved by hand: no sleeping."""

    def __init__(self, now: float = 1_900_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def throttle_cache(monkeypatch, settings):
    """The throttles' own Redis keyspace for this test. Parallel test runs share the test Redis
    database and flush it between tests (cache.clear()), which would wipe counters mid-test."""
    if not settings.REDIS_URL:
        yield None
        return
    from django_redis.cache import RedisCache

    location = settings.REDIS_URL.rsplit("/", 1)[0] + "/14"
    cache = RedisCache(location, {"KEY_PREFIX": f"auth-throttle-{uuid.uuid4().hex}"})
    monkeypatch.setattr(LoginRateThrottle, "cache", cache)
    yield cache
    cache.delete_pattern("*")


@pytest.fixture
def clock(monkeypatch, throttle_cache) -> Clock:
    clock = Clock()
    monkeypatch.setattr(LoginRateThrottle, "timer", staticmethod(clock))
    return clock


def _rate_limited() -> float:
    return REGISTRY.get_sample_value("prs1_auth_login_failures_total", {"reason": "rate_limited"}) or 0.0


def test_the_sixth_login_in_a_minute_gets_429_with_retry_after(api_client, clock):
    teacher = TeacherFactory()
    before = _rate_limited()

    statuses = [login(api_client, teacher.username, "wrong").status_code for _ in range(5)]
    sixth = login(api_client, teacher.username)  # even with the right password

    assert statuses == [401] * 5
    assert sixth.status_code == 429
    assert sixth["Retry-After"] == "60"
    assert sixth.json()["error"]["code"] == "rate_limited"
    assert _rate_limited() == before + 1
    assert not OutstandingToken.objects.exists()  # the throttled attempt never reached the credential check


def test_retry_after_counts_down_and_the_limit_lifts_after_the_window(api_client, clock):
    teacher = TeacherFactory()
    for _ in range(5):
        login(api_client, teacher.username)

    clock.advance(45)
    assert login(api_client, teacher.username)["Retry-After"] == "15"
    clock.advance(16)
    assert login(api_client, teacher.username).status_code == 200


def test_successful_logins_count_too(api_client, clock):
    teacher = TeacherFactory()

    assert [login(api_client, teacher.username).status_code for _ in range(6)] == [200] * 5 + [429]


def test_the_username_is_limited_across_client_addresses(api_client, clock):
    teacher = TeacherFactory()
    for n in range(5):
        login(api_client, teacher.username, "wrong", ip=f"10.0.1.{n}")

    assert login(api_client, teacher.username, ip="10.0.2.1").status_code == 429
    assert login(api_client, f"  {teacher.username.upper()} ", ip="10.0.2.2").status_code == 429  # same name, normalized
    assert login(api_client, TeacherFactory().username, ip="10.0.2.3").status_code == 200  # someone else is fine


def test_the_client_address_is_limited_across_usernames(api_client, clock):
    for n in range(5):
        login(api_client, f"guess{n}", ip="10.0.3.1")

    assert login(api_client, TeacherFactory().username, ip="10.0.3.1").status_code == 429
    assert login(api_client, TeacherFactory().username, ip="10.0.3.2").status_code == 200


def test_a_spoofed_forwarded_for_header_does_not_reset_the_address_limit(api_client, clock):
    for n in range(5):
        api_client.post("/api/v1/auth/login", {"username": f"guess{n}", "password": "x"}, format="json",
                        REMOTE_ADDR="10.0.4.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    response = api_client.post("/api/v1/auth/login", {"username": "guess9", "password": "x"}, format="json",
                               REMOTE_ADDR="10.0.4.1", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429


def test_bad_input_counts_against_the_address(api_client, clock):
    for _ in range(5):
        assert api_client.post("/api/v1/auth/login", {}, format="json", REMOTE_ADDR="10.0.5.1").status_code == 400

    assert login(api_client, TeacherFactory().username, ip="10.0.5.1").status_code == 429


def test_the_twenty_first_login_in_an_hour_gets_429(api_client, clock):
    teacher = TeacherFactory()
    for _ in range(4):  # 4 minutes × 5 attempts, each minute within the minute limit
        assert [login(api_client, teacher.username).status_code for _ in range(5)] == [200] * 5
        clock.advance(61)

    twenty_first = login(api_client, teacher.username)

    assert twenty_first.status_code == 429
    assert twenty_first.json()["error"]["code"] == "rate_limited"
    assert int(twenty_first["Retry-After"]) == 3600 - 4 * 61  # until the first attempt leaves the hour
    clock.advance(3600 - 4 * 61)
    assert login(api_client, teacher.username).status_code == 200


def test_the_limits_come_from_settings(api_client, clock, settings):
    settings.LOGIN_RATE_LIMITS = ["2/m"]
    teacher = TeacherFactory()

    assert [login(api_client, teacher.username).status_code for _ in range(3)] == [200, 200, 429]


def test_the_counters_and_their_lock_live_in_redis(api_client, clock, throttle_cache):
    if throttle_cache is None:
        pytest.skip("no Redis configured")
    for _ in range(5):
        login(api_client, "someone")

    keys = throttle_cache.keys("auth:login:*")
    assert len(keys) == 4  # address and username × minute and hour
    assert not [key for key in keys if key.endswith(":lock")]  # locks are released


def test_refresh_is_not_login_limited(api_client, clock, tokens_for):
    teacher = TeacherFactory()
    tokens = tokens_for(teacher, ip="10.0.6.1")
    for _ in range(5):
        login(api_client, "someone", ip="10.0.6.1")

    response = api_client.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json",
                               REMOTE_ADDR="10.0.6.1")
    assert response.status_code == 200
