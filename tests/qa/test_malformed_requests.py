"""Hostile or broken requests answer the shared JSON error body (`{"error": {"code", "message",
"details"}}`) on both APIs — the DRF resource API and the django-ninja integration API — never a
500 and never an HTML page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 100_000


def _error(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), (response.status_code, response.content[:200])
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


@pytest.fixture
def service(settings):
    return {"X-Service-Token": settings.SERVICE_TOKEN}


@pytest.fixture
def superuser_client(client_for):
    return client_for(StaffFactory(is_superuser=True))


# --- 1. JSON nested thousands deep -------------------------------------------------------------------
def test_deeply_nested_json_on_the_resource_api_is_a_400_malformed_json(superuser_client):
    response = superuser_client.post("/api/v1/institution/", DEEP_JSON, content_type="application/json")

    assert response.status_code == 400
    assert _error(response)["code"] == "malformed_json"


def test_deeply_nested_json_on_the_integration_api_is_a_400_malformed_json(client, service):
    response = client.post("/api/v1/auth/check-permission", DEEP_JSON, content_type="application/json", headers=service)

    assert response.status_code == 400
    assert _error(response)["code"] == "malformed_json"


@pytest.mark.parametrize("path", ["/api/v1/institution/", "/api/v1/auth/check-permission"])
def test_plainly_broken_json_is_malformed_json_on_both_apis(superuser_client, service, path):
    response = superuser_client.post(path, "{not json", content_type="application/json", headers=service)

    assert response.status_code == 400
    assert _error(response)["code"] == "malformed_json"


# --- 2. a body over DATA_UPLOAD_MAX_MEMORY_SIZE ---------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/v1/institution/", "/api/v1/auth/check-permission"])
def test_a_20_mb_body_is_a_413_request_too_large(superuser_client, service, settings, path):
    body = '{"name": "' + "x" * (20 * 1024 * 1024) + '"}'

    response = superuser_client.post(path, body, content_type="application/json", headers=service)

    assert response.status_code == 413
    error = _error(response)
    assert error["code"] == "request_too_large"
    assert error["details"]["max_bytes"] == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_body_under_the_limit_is_still_read(client, service):
    response = client.post("/api/v1/auth/check-permission", {"userId": 10**9, "permission": "grades.read"},
                           content_type="application/json", headers=service)

    assert response.status_code == 200  # read and answered, not refused
    assert response.json() == {"allowed": False, "reason": "user_not_found"}


# --- 3. NUL bytes --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "name", "value"), [
    ("/api/v1/academic/sections", "search", "\x00"),
    ("/api/v1/academic/courses", "search", "a\x00b"),
    ("/api/v1/users/", "search", "\x00"),
    ("/api/v1/users/", "name", "a\x00b"),
    ("/api/v1/academic/sections", "ordering", "name\x00"),
])
def test_a_nul_byte_in_the_query_string_is_a_400_naming_the_parameter(superuser_client, path, name, value):
    response = superuser_client.get(path, {name: value})

    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "validation_error"
    assert list(error["details"]["fields"]) == [name]


def test_a_nul_byte_in_an_integration_query_string_is_a_400(client, service):
    response = client.get("/api/v1/auth/user-permissions/1", {"x": "\x00"}, headers=service)

    assert response.status_code == 400
    assert _error(response)["details"]["fields"] == {"x": ["Null characters are not allowed."]}


def test_a_nul_byte_in_a_json_body_is_a_400_naming_the_field_on_the_integration_api(client, service):
    response = client.post("/api/v1/notifications/notify-guardians",
                           {"studentId": 1, "templateKey": "absence\u0000alert", "idempotencyKey": "k-1"},
                           content_type="application/json", headers=service)

    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "validation_error"
    assert list(error["details"]["fields"]) == ["templateKey"]


def test_a_nul_byte_deep_in_a_json_body_names_its_path(superuser_client):
    response = superuser_client.post("/api/v1/academic/courses",
                                     {"grade_level_id": 1, "code": "C", "name": "x", "area": "y", "hours_per_week": 2,
                                      "competencies": ["a", "b\u0000"]}, format="json")

    assert response.status_code == 400
    assert list(_error(response)["details"]["fields"]) == ["competencies.1"]


def test_a_query_string_without_nul_is_untouched(superuser_client):
    response = superuser_client.get("/api/v1/academic/sections", {"search": "5A"})

    assert response.status_code == 200


# --- 4. unknown paths, wrong methods, crashes -------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/v1/nowhere", "/api/v1/academic/nowhere/", "/api/nothing", "/api/v2/users/"])
def test_an_unknown_path_under_api_is_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_an_unknown_path_outside_api_is_still_an_html_404(client):
    response = client.get("/nowhere")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_wrong_method_on_the_integration_api_is_a_json_405(client, service):
    response = client.put("/api/v1/auth/check-permission", "{}", content_type="application/json", headers=service)

    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]


def test_a_wrong_method_on_the_resource_api_is_a_json_405(superuser_client):
    response = superuser_client.delete("/api/v1/academic/sections")

    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"


@pytest.fixture
def crashing_view(monkeypatch):
    from apps.academic import views

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.SectionListCreateView, "get", boom)


def test_a_crash_under_api_is_a_json_500(crashing_view):
    client = Client(raise_request_exception=False)
    client.force_login(StaffFactory(is_superuser=True))

    response = client.get("/api/v1/academic/sections")

    assert response.status_code == 500
    error = _error(response)
    assert error["code"] == "server_error"
    assert "boom" not in response.content.decode()  # no internals leak


def test_a_crash_outside_api_is_an_html_500():
    from django.test import RequestFactory
    from django.urls import get_callable

    from prs1.urls import handler500

    response = get_callable(handler500)(RequestFactory().get("/admin/"))

    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")
