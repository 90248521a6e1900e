"""POST /api/v1/auth/login: credentials through the users context, JWTs and the profile."""

from __future__ import annotations

import jwt
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from prometheus_client import REGISTRY

from apps.auth.contracts import ROLE_PERMISSIONS
from tests.auth.conftest import PASSWORD, login
from tests.users.factories import StaffFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def _decode(token: str) -> dict:
    return jwt.decode(token, settings.SIMPLE_JWT["SIGNING_KEY"], algorithms=["HS256"],
                      audience="microservices", issuer="sistema-educativo-prs1")


def _failures(reason: str) -> float:
    return REGISTRY.get_sample_value("prs1_auth_login_failures_total", {"reason": reason}) or 0.0


def test_login_returns_tokens_and_profile_with_roles_and_permissions(api_client):
    teacher = TeacherFactory(institution_id=3, first_name="María", last_name="Rojas")

    response = login(api_client, teacher.username)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["user"] == {
        "id": teacher.pk, "code": teacher.code, "first_name": "María", "last_name": "Rojas",
        "full_name": "María Rojas", "email": teacher.email, "user_type": "TEACHER", "institution_id": 3,
        "roles": ["TEACHER"], "permissions": sorted(ROLE_PERMISSIONS["TEACHER"]),
    }


def test_issued_tokens_follow_the_seed_jwt_configuration(api_client):
    teacher = TeacherFactory()

    body = login(api_client, teacher.username).json()

    access, refresh = _decode(body["access"]), _decode(body["refresh"])
    assert jwt.get_unverified_header(body["access"])["alg"] == "HS256"
    assert access["sub"] == str(teacher.pk)
    assert access["iss"] == "sistema-educativo-prs1" and access["aud"] == "microservices"
    assert access["token_type"] == "access" and refresh["token_type"] == "refresh"
    assert access["user_type"] == "TEACHER" and access["roles"] == ["TEACHER"]
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600


def test_the_access_token_authenticates_requests(api_client):
    teacher = TeacherFactory()
    access = login(api_client, teacher.username).json()["access"]

    response = api_client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}")

    assert response.status_code == 200
    assert response.json()["id"] == teacher.pk


def test_login_records_the_refresh_token_as_outstanding_and_updates_last_login(api_client):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    student = StudentFactory()
    assert student.last_login is None

    body = login(api_client, student.username).json()

    outstanding = OutstandingToken.objects.get(jti=_decode(body["refresh"])["jti"])
    assert outstanding.user_id == student.pk
    student.refresh_from_db()
    assert student.last_login is not None


def test_superuser_gets_admin_role_and_permissions(api_client):
    boss = StaffFactory(user_type="DIRECTOR", is_superuser=True)

    user = login(api_client, boss.username).json()["user"]

    assert user["roles"] == ["ADMIN", "DIRECTOR"]
    assert "events.operate" in user["permissions"]


def test_wrong_password_unknown_user_and_deactivated_account_get_the_same_401(api_client):
    teacher = TeacherFactory()
    retired = TeacherFactory(is_active=False)
    before = _failures("invalid_credentials")

    wrong = login(api_client, teacher.username, "not-the-password", ip="10.0.0.2")
    unknown = login(api_client, "nobody-here", ip="10.0.0.3")
    inactive = login(api_client, retired.username, ip="10.0.0.4")

    assert wrong.status_code == unknown.status_code == inactive.status_code == 401
    assert wrong.json() == unknown.json() == inactive.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert "access" not in wrong.json()
    assert _failures("invalid_credentials") == before + 3


def test_failed_login_is_logged(api_client, caplog):
    with caplog.at_level("WARNING", logger="apps.auth.services"):
        login(api_client, "nobody-here")

    assert any("auth.login.failed" in record.getMessage() and "nobody-here" in record.getMessage()
               for record in caplog.records)


def test_failed_login_issues_no_token(api_client):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    teacher = TeacherFactory()
    login(api_client, teacher.username, "wrong")

    assert not OutstandingToken.objects.exists()


@pytest.mark.parametrize(("payload", "fields"), [
    ({}, {"username", "password"}),
    ({"username": "someone"}, {"password"}),
    ({"password": PASSWORD}, {"username"}),
    ({"username": "", "password": ""}, {"username", "password"}),
    ({"username": "x" * 151, "password": PASSWORD}, {"username"}),
    ({"username": ["a"], "password": {"b": 1}}, {"username", "password"}),
])
def test_bad_login_input_is_400_with_field_errors(api_client, payload, fields):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    response = api_client.post("/api/v1/auth/login", payload, format="json")

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert set(body["details"]["fields"]) == fields
    assert not OutstandingToken.objects.exists()


def test_login_does_not_need_csrf_or_a_session(api_client):
    teacher = TeacherFactory()
    api_client.enforce_csrf_checks = True

    assert login(api_client, teacher.username).status_code == 200


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = get_user_model().objects.create_user(username="argon", password="Cl4ve-Segura-2026")

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("Cl4ve-Segura-2026")


def test_login_with_an_argon2_hash_succeeds(settings, api_client):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = TeacherFactory(password="Cl4ve-Segura-2026")
    assert get_user_model().objects.get(pk=user.pk).password.startswith("argon2")

    assert login(api_client, user.username, "Cl4ve-Segura-2026").status_code == 200
