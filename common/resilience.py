"""Resilience for calls that leave the process: one backoff rule and one circuit breaker.

- `backoff_delay(attempt)`: exponential backoff with full jitter (the delay is drawn uniformly
  between 0 and min(cap, base · 2^(attempt-1))), so many clients retrying together spread out.
- `Breaker`: pybreaker's circuit breaker (the seed's numbers: 5 failures open it, 30 s until it
  half-opens, 3 successful trials close it) plus what pybreaker leaves out: at most
  `half_open_max_calls` trial calls *at the same time* while half-open; the others fail fast.
  State changes are logged and exported as `prs1_breaker_state{target}` (0 closed, 1 half-open, 2 open).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import pybreaker
from django.conf import settings
from prometheus_client import Counter, Gauge, Histogram

logger = logging.getLogger(__name__)
T = TypeVar("T")

BREAKER_STATE = Gauge("prs1_breaker_state", "Circuit breaker state per target (0 closed, 1 half-open, 2 open)",
                      ["target"])
BREAKER_REJECTED = Counter("prs1_breaker_rejected_total", "Calls refused without trying (breaker open or "
                           "half-open trials exhausted)", ["target"])
REMOTE_CALL_SECONDS = Histogram("prs1_remote_call_seconds", "Latency of remote contract calls per target and outcome",
                                ["target", "outcome"],
                                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

_STATE_VALUE = {"closed": 0, "half-open": 1, "open": 2}


def backoff_delay(attempt: int, *, base: float = 1.0, cap: float = 60.0, jitter: bool = True) -> float:
    """Seconds to wait before retry number `attempt` (1-based): exponential, capped, with full jitter.
    `jitter=False` gives the ceiling itself (for callers that must be deterministic, e.g. a schedule)."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return random.uniform(0, ceiling) if jitter else ceiling  # noqa: S311 (not cryptographic)


class BreakerOpen(ConnectionError):
    """The target's breaker refused the call without trying it (fail fast). A ConnectionError, so a
    saga step treats it as transient and retries later."""

    def __init__(self, target: str) -> None:
        super().__init__(f"circuit breaker for {target} is open")
        self.target = target


class _StateListener(pybreaker.CircuitBreakerListener):
    def state_change(self, cb, old_state, new_state) -> None:
        logger.warning("circuit breaker %s: %s -> %s", cb.name, getattr(old_state, "name", old_state), new_state.name)
        BREAKER_STATE.labels(cb.name).set(_STATE_VALUE[new_state.name])


class Breaker:
    """A circuit breaker for one target. `call(fn, *args)` runs fn through it; exceptions listed in
    `exclude` (business answers, e.g. a 404 from the target) do not count as failures."""

    def __init__(self, target: str, *, fail_max: int | None = None, reset_timeout: float | None = None,
                 half_open_max_calls: int | None = None, exclude: tuple[type[BaseException], ...] = ()) -> None:
        conf = getattr(settings, "CIRCUIT_BREAKER", {})
        self.target = target
        self.half_open_max_calls = half_open_max_calls or conf.get("half_open_max_calls", 3)
        self._breaker = pybreaker.CircuitBreaker(
            fail_max=fail_max or conf.get("failure_threshold", 5),
            reset_timeout=reset_timeout if reset_timeout is not None else conf.get("recovery_timeout_s", 30),
            success_threshold=self.half_open_max_calls,
            exclude=list(exclude), listeners=[_StateListener()], name=target, throw_new_error_on_trip=False,
        )
        self._trials = threading.BoundedSemaphore(self.half_open_max_calls)
        BREAKER_STATE.labels(target).set(0)

    @property
    def state(self) -> str:
        """closed, open or half-open (an open breaker whose timeout has passed reads half-open)."""
        name = self._breaker.current_state
        opened_at = self._breaker._state_storage.opened_at
        if name == "open" and opened_at is not None:
            if (datetime.now(UTC) - opened_at).total_seconds() >= self._breaker.reset_timeout:
                return "half-open"
        return name

    def call(self, fn: Callable[..., T], *args, **kwargs) -> T:
        state = self.state
        if state == "open":
            BREAKER_REJECTED.labels(self.target).inc()
            raise BreakerOpen(self.target)
        if state != "half-open":
            return self._through(fn, *args, **kwargs)
        if not self._trials.acquire(blocking=False):  # the trial slots are taken: fail fast
            BREAKER_REJECTED.labels(self.target).inc()
            raise BreakerOpen(self.target)
        try:
            return self._through(fn, *args, **kwargs)
        finally:
            self._trials.release()

    def _through(self, fn: Callable[..., T], *args, **kwargs) -> T:
        try:
            return self._breaker.call(fn, *args, **kwargs)
        except pybreaker.CircuitBreakerError:
            BREAKER_REJECTED.labels(self.target).inc()
            raise BreakerOpen(self.target) from None

    def reset(self) -> None:
        self._breaker.close()
