"""Auth tests: the users context's providers (credentials, user_summary, guardian_student_ids).

The real providers are used when the users context has registered them; until then (or for a
provider it does not register) a stand-in with the same contract reads the user model. The
registry is copied per test, so tests that register fakes leave no trace.
"""

from __future__ import annotations

import jwt
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient


def _credentials(username, password):
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.is_active or not user.check_password(password):
        return None
    return user.pk


def _user_summary(user_id):
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return None
    return {"id": user.pk, "user_type": user.user_type, "institution_id": user.institution_id,
            "is_active": user.is_active, "is_superuser": user.is_superuser, "code": user.code,
            "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email}


def _guardian_student_ids(user_id):
    from apps.users.models import GuardianLink

    return list(GuardianLink.objects.filter(guardian_id=user_id).values_list("student_id", flat=True))


USERS_STAND_INS = {"credentials": _credentials, "user_summary": _user_summary,
                   "guardian_student_ids": _guardian_student_ids}


@pytest.fixture(autouse=True)
def providers(monkeypatch):
    """The provider registry for this test (a copy): real providers, stand-ins where missing."""
    from apps.auth import contracts

    registry = dict(contracts._providers)
    for name, fn in USERS_STAND_INS.items():
        registry.setdefault(name, fn)
    monkeypatch.setattr(contracts, "_providers", registry)
    return registry


PASSWORD = "secret-pass-123"  # tests/users/factories.py


def login(client: APIClient, username: str, password: str = PASSWORD, ip: str = "10.0.0.1"):
    return client.post("/api/v1/auth/login", {"username": username, "password": password}, format="json",
                       REMOTE_ADDR=ip)


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def service_client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN)
    return client


def forge(claims: dict, *, key: str | None = None, algorithm: str = "HS256") -> str:
    """A JWT with exactly these claims, signed with the real key unless told otherwise."""
    if algorithm == "none":
        return jwt.encode(claims, None, algorithm="none")
    return jwt.encode(claims, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=algorithm)


@pytest.fixture
def tokens_for(api_client):
    """tokens_for(user) -> the login response body (access, refresh, user)."""

    def make(user, ip: str = "10.9.9.9"):
        response = login(api_client, user.username, ip=ip)
        assert response.status_code == 200, response.content
        return response.json()

    return make

