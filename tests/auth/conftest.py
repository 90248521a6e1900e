"""Auth tests. The rules read the users, academic and assignments contracts (their real local
implementations); a test stands one in with the shared `fake_contract` fixture (tests/conftest.py),
undone after the test."""

from __future__ import annotations

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient

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

