"""The DRF auth endpoints: who may call them (each role), /me, and the OpenAPI documentation."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.auth.contracts import ROLE_PERMISSIONS
from tests.auth.conftest import bearer
from tests.auth.test_integration import ROLES, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_log_in_read_me_refresh_and_log_out(tokens_for, role):
    user = make_user(role)
    tokens = tokens_for(user)
    client = bearer(tokens["access"])

    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["id"] == user.pk and me.json()["permissions"] == sorted(ROLE_PERMISSIONS[role])

    rotated = APIClient().post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert rotated.status_code == 200

    assert bearer(rotated.json()["access"]).post("/api/v1/auth/logout", {"refresh": rotated.json()["refresh"]},
                                                 format="json").status_code == 204
    assert APIClient().post("/api/v1/auth/refresh", {"refresh": rotated.json()["refresh"]},
                            format="json").status_code == 401


@pytest.mark.parametrize(("method", "url"), [("get", "/api/v1/auth/me"), ("post", "/api/v1/auth/logout")])
def test_me_and_logout_refuse_anonymous_callers(method, url):
    response = getattr(APIClient(), method)(url, {"refresh": "x"}, format="json")

    assert response.status_code == 401
    assert "error" in response.json()


def test_me_works_with_a_session_too(client_for):
    user = make_user("SECRETARY")

    assert client_for(user).get("/api/v1/auth/me").json()["user_type"] == "SECRETARY"


def test_the_auth_endpoints_are_documented_with_examples_and_error_bodies():
    schema = APIClient().get("/api/schema/?format=json").json()

    login = schema["paths"]["/api/v1/auth/login"]["post"]
    assert {"200", "400", "401", "429"} <= set(login["responses"])
    assert login["requestBody"]["content"]["application/json"]["examples"]
    assert login["responses"]["429"]["content"]["application/json"]["examples"]
    for path in ("/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/auth/me"):
        operation = next(iter(schema["paths"][path].values()))
        assert "401" in operation["responses"], path
    assert "403" in schema["paths"]["/api/v1/auth/logout"]["post"]["responses"]


def test_failed_logins_are_exposed_as_a_metric(api_client):
    api_client.post("/api/v1/auth/login", {"username": "nobody", "password": "x"}, format="json")

    metrics = APIClient().get("/metrics").content.decode()

    assert 'prs1_auth_login_failures_total{reason="invalid_credentials"}' in metrics
