"""Shared fixtures. Factories live per context in tests/<context>/factories.py."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


def _clear_cache() -> None:
    # Only this run's keys (KEY_PREFIX is per run): a FLUSHDB would hit parallel runs too.
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _isolated_cache():
    # Set up first so it is torn down last, after any settings override is undone.
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 stays the production hasher (tested in tests/auth); fixtures hash fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.Argon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # The product defaults to Spanish; tests read messages in English unless they ask for Spanish
    # (Accept-Language, or translation.override("es")).
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for():
    """client_for(user) -> an APIClient authenticated as `user` (no JWT round trip)."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def fake_contract(monkeypatch):
    """fake_contract(Interface, "method", fn): the local implementation of a contract method answers with
    `fn` (called with the method's keyword arguments) for this test; undone afterwards.

        fake_contract(AssignmentsContract, "teacher_section_ids", lambda *, teacher_id: frozenset({1}))

    Patches the local implementation class (`Interface.implementation`), so every caller, through the
    module functions (`expose`), gets the fake, exactly as it would get the real answer."""
    from django.utils.module_loading import import_string

    from common import contracts

    def fake(interface, method: str, fn) -> None:
        if method not in contracts.methods_of(interface):
            raise AttributeError(f"{interface.__name__} has no contract method {method!r}")
        monkeypatch.setattr(import_string(interface.implementation), method, staticmethod(fn))
        contracts.reset()

    return fake
