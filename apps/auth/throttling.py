"""Login rate limits (the seed's gateway plugin: 5/minute and 20/hour), per client address AND
per username, kept in the Django cache (Redis in deployments, so every worker shares them).

Sliding windows (DRF's SimpleRateThrottle history), so the answer's Retry-After is the exact
time until the oldest counted attempt leaves the window. With django-redis the read-modify-write
of a history runs under a short Redis lock, so a concurrent burst cannot slip past the limit.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


def normalized_username(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().casefold()


class LoginRateThrottle(SimpleRateThrottle):
    """One limit ("5/m") on one key kind: "ip" (client address) or "username"."""

    def __init__(self, kind: str, rate: str):  # no super(): the rate comes from LOGIN_RATE_LIMITS, not a scope
        if kind not in {"ip", "username"}:
            raise ValueError(f"unknown login throttle kind '{kind}'")
        self.kind = kind
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)

    def get_cache_key(self, request, view) -> str | None:
        if self.kind == "ip":
            ident = self.get_ident(request) or "unknown"
        else:
            data = request.data if hasattr(request.data, "get") else {}
            username = normalized_username(data.get("username"))
            if username is None:
                return None  # bad input: the address limits still apply
            ident = hashlib.sha256(username.encode()).hexdigest()
        return f"auth:login:{self.kind}:{self.num_requests}-{self.duration}:{ident}"

    def get_ident(self, request) -> str:
        # DRF trusts the whole X-Forwarded-For when NUM_PROXIES is unset, which lets a client pick
        # its own address. Here an unset NUM_PROXIES means "no proxy": the socket address counts.
        from rest_framework.settings import api_settings

        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR", "")
        return super().get_ident(request)

    def allow_request(self, request, view) -> bool:
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        with _key_lock(self.cache, f"{key}:lock"):
            return super().allow_request(request, view)

    def wait(self) -> float:
        if not self.history:
            return float(self.duration)
        return max(1.0, self.duration - (self.now - self.history[-1]))


@contextmanager
def _key_lock(cache, name: str):
    """A short Redis lock (django-redis) around one key's read-modify-write; a no-op on caches
    without locks. A lock that cannot be had in time, or that vanished (cache flushed), does not
    block the login: the limit is then enforced without serialization."""
    make_lock = getattr(cache, "lock", None)
    if make_lock is None:
        yield
        return
    lock = make_lock(name, timeout=2, blocking_timeout=1)
    try:
        acquired = lock.acquire()
    except Exception:  # Redis unreachable: the history read below raises the real error
        acquired = False
    try:
        yield
    finally:
        if acquired:
            try:
                lock.release()
            except Exception:  # expired or flushed meanwhile
                logger.warning("auth.login.throttle lock %s was lost before release", name)


def login_throttles() -> list[LoginRateThrottle]:
    rates = list(getattr(settings, "LOGIN_RATE_LIMITS", ["5/m", "20/h"]))
    return [LoginRateThrottle(kind, rate) for kind in ("ip", "username") for rate in rates]
