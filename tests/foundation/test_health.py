import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_liveness_answers_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_checks_database_cache_and_broker(client, settings):
    response = client.get("/health/ready")
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert body["failed"] == []


def test_readiness_is_503_naming_redis_cache_when_redis_is_unreachable(client):
    unreachable = {"default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }}
    with override_settings(CACHES=unreachable):
        response = client.get("/health/ready")
    body = response.json()
    assert response.status_code == 503
    assert body["failed"] == ["cache"]
    assert body["checks"]["database"] == "ok"
    assert "ConnectionInterrupted" in body["checks"]["cache"] or "Connection" in body["checks"]["cache"]


def test_readiness_is_503_naming_the_broker_when_it_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


def test_metrics_are_exposed_for_prometheus(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content or b"django_http" in response.content


def test_admin_login_page_renders_in_spanish_and_english(client):
    es = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="es")
    en = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert es.status_code == 200 and en.status_code == 200
    assert "Usuario" in es.content.decode() or "usuario" in es.content.decode()
    assert "Username" in en.content.decode()


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/v1/integration/openapi.json").status_code == 200


def test_database_is_postgresql():
    from django.db import connection

    assert connection.vendor == "postgresql"


def test_every_operation_documents_the_shared_error_body(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "Error" in schema["components"]["schemas"]
    enroll = schema["paths"]["/api/v1/academic/enrollments/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "422"} <= set(enroll)
    assert enroll["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                assert {"400", "401", "403", "404"} <= set(operation["responses"]), operation["operationId"]
