"""Token verification (a protected endpoint and validate-token), refresh rotation and logout."""

from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from tests.auth.conftest import bearer, forge, service_client
from tests.users.factories import GuardianFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def claims(user, **overrides) -> dict:
    now = int(time.time())
    base = {"token_type": "access", "exp": now + 600, "iat": now, "jti": uuid.uuid4().hex, "sub": str(user.pk),
            "user_type": user.user_type, "roles": [user.user_type], "iss": "sistema-educativo-prs1",
            "aud": "microservices"}
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    return f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"


BAD_TOKENS = {
    # name: (build(user, good_access_token) -> token, validate-token reason)
    "expired": (lambda u, good: forge(claims(u, exp=int(time.time()) - 5, iat=int(time.time()) - 905)), "expired"),
    "tampered_signature": (lambda u, good: _tampered(good), "invalid_signature"),
    "signed_with_another_key": (lambda u, good: forge(claims(u), key="another-secret-of-32-bytes-or-more!!"),
                                "invalid_signature"),
    "wrong_audience": (lambda u, good: forge(claims(u, aud="some-other-api")), "invalid_audience"),
    "wrong_issuer": (lambda u, good: forge(claims(u, iss="someone-else")), "invalid_issuer"),
    "no_issuer": (lambda u, good: forge(claims(u, iss=None)), "missing_claim:iss"),
    "no_audience": (lambda u, good: forge(claims(u, aud=None)), "missing_claim:aud"),
    "no_subject": (lambda u, good: forge(claims(u, sub=None)), "missing_claim:sub"),
    "no_expiry": (lambda u, good: forge(claims(u, exp=None)), "missing_claim:exp"),
    "issued_in_the_future": (lambda u, good: forge(claims(u, iat=int(time.time()) + 3600)), "not_yet_valid"),
    "alg_none": (lambda u, good: forge(claims(u), key="", algorithm="none"), "invalid_algorithm"),
    "refresh_as_access": (lambda u, good: forge(claims(u, token_type="refresh")), "wrong_token_type"),
    "garbage": (lambda u, good: "not-a-jwt", "malformed"),
}


@pytest.fixture
def teacher_tokens(tokens_for):
    teacher = TeacherFactory()
    return teacher, tokens_for(teacher)


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_tokens_are_rejected_on_a_protected_endpoint(teacher_tokens, case):
    teacher, tokens = teacher_tokens
    token = BAD_TOKENS[case][0](teacher, tokens["access"])

    response = bearer(token).get("/api/v1/auth/me")

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "token_not_valid"
    assert "ErrorDetail" not in error["message"]  # a readable message, not a repr


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_tokens_are_reported_invalid_by_validate_token(teacher_tokens, case):
    teacher, tokens = teacher_tokens
    build, reason = BAD_TOKENS[case]

    response = service_client().post("/api/v1/auth/validate-token", {"token": build(teacher, tokens["access"])},
                                     format="json")

    assert response.status_code == 200
    assert response.json()["valid"] is False
    assert response.json()["reason"] == reason
    assert response.json()["userId"] is None


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_tokens_do_not_authenticate_integration_calls(teacher_tokens, case):
    teacher, tokens = teacher_tokens
    token = BAD_TOKENS[case][0](teacher, tokens["access"])

    response = bearer(token).get(f"/api/v1/auth/user-permissions/{teacher.pk}")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_well_formed_token_of_our_own_is_accepted_on_both(teacher_tokens):
    teacher, tokens = teacher_tokens
    forged_by_us = forge(claims(teacher))  # same key, issuer and audience: as good as an issued one

    assert bearer(forged_by_us).get("/api/v1/auth/me").status_code == 200
    body = service_client().post("/api/v1/auth/validate-token", {"token": tokens["access"]}, format="json").json()
    assert body["valid"] is True and body["userId"] == teacher.pk and body["userType"] == "TEACHER"
    assert body["reason"] is None and body["expiresAt"]


def test_the_token_of_a_deactivated_user_is_rejected(teacher_tokens):
    teacher, tokens = teacher_tokens
    teacher.is_active = False
    teacher.save(update_fields=["is_active"])

    assert bearer(tokens["access"]).get("/api/v1/auth/me").status_code == 401
    body = service_client().post("/api/v1/auth/validate-token", {"token": tokens["access"]}, format="json").json()
    assert body == {"valid": False, "userId": teacher.pk, "userType": None, "expiresAt": body["expiresAt"],
                    "reason": "user_inactive"}


def test_the_token_of_an_unknown_user_is_rejected(teacher_tokens):
    teacher, _tokens = teacher_tokens
    ghost = forge(claims(teacher, sub="999999"))

    assert bearer(ghost).get("/api/v1/auth/me").status_code == 401
    body = service_client().post("/api/v1/auth/validate-token", {"token": ghost}, format="json").json()
    assert body["valid"] is False and body["reason"] == "user_not_found"


# --- refresh -------------------------------------------------------------------------------------


def refresh(api_client, token):
    return api_client.post("/api/v1/auth/refresh", {"refresh": token}, format="json")


def test_refresh_rotates_and_the_old_refresh_token_no_longer_works(api_client, teacher_tokens):
    teacher, tokens = teacher_tokens

    first = refresh(api_client, tokens["refresh"])
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh"] != tokens["refresh"] and rotated["access"] != tokens["access"]
    assert bearer(rotated["access"]).get("/api/v1/auth/me").json()["id"] == teacher.pk

    again = refresh(api_client, tokens["refresh"])
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "token_not_valid"
    assert refresh(api_client, rotated["refresh"]).status_code == 200  # the new one works (once)


def test_refresh_picks_up_a_changed_user_type(api_client, tokens_for):
    from tests.auth.test_login import _decode

    user = TeacherFactory()
    tokens = tokens_for(user)
    user.user_type = "DIRECTOR"
    user.save(update_fields=["user_type"])

    rotated = refresh(api_client, tokens["refresh"]).json()

    assert _decode(rotated["access"])["user_type"] == "DIRECTOR"


def test_refresh_is_refused_for_a_deactivated_user_and_revokes_nothing(api_client, teacher_tokens):
    teacher, tokens = teacher_tokens
    teacher.is_active = False
    teacher.save(update_fields=["is_active"])

    response = refresh(api_client, tokens["refresh"])

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "user_inactive"
    assert not BlacklistedToken.objects.exists()


@pytest.mark.parametrize("case", ["access_token", "expired", "wrong_audience", "wrong_issuer", "tampered", "garbage"])
def test_refresh_refuses_anything_but_a_valid_refresh_token(api_client, teacher_tokens, case):
    teacher, tokens = teacher_tokens
    now = int(time.time())
    refresh_claims = claims(teacher, token_type="refresh")
    token = {
        "access_token": tokens["access"],
        "expired": forge({**refresh_claims, "exp": now - 1}),
        "wrong_audience": forge({**refresh_claims, "aud": "other"}),
        "wrong_issuer": forge({**refresh_claims, "iss": "other"}),
        "tampered": _tampered(tokens["refresh"]),
        "garbage": "garbage",
    }[case]

    response = refresh(api_client, token)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


@pytest.mark.parametrize(("payload", "field"), [({}, "refresh"), ({"refresh": ""}, "refresh"),
                                                 ({"refresh": "x" * 5000}, "refresh"), ({"refresh": ["a"]}, "refresh")])
def test_bad_refresh_input_is_400_with_field_errors(api_client, payload, field):
    response = api_client.post("/api/v1/auth/refresh", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]["fields"]
    assert not BlacklistedToken.objects.exists()


# --- logout --------------------------------------------------------------------------------------


def logout(access, refresh_token):
    return bearer(access).post("/api/v1/auth/logout", {"refresh": refresh_token}, format="json")


def test_logout_revokes_the_refresh_token(api_client, teacher_tokens, tokens_for):
    teacher, tokens = teacher_tokens
    other_session = tokens_for(teacher, ip="10.7.0.9")

    assert logout(tokens["access"], tokens["refresh"]).status_code == 204

    assert refresh(api_client, tokens["refresh"]).status_code == 401
    # idempotent (from another session: the logged-out access token itself is refused now, tests/auth/test_logout.py)
    assert logout(other_session["access"], tokens["refresh"]).status_code == 204


def test_logout_everywhere_revokes_every_session_of_the_caller_only(api_client, tokens_for):
    teacher, other = TeacherFactory(), TeacherFactory()
    phone, laptop = tokens_for(teacher, ip="10.7.0.1"), tokens_for(teacher, ip="10.7.0.2")
    someone_else = tokens_for(other, ip="10.7.0.3")

    response = bearer(laptop["access"]).post("/api/v1/auth/logout", {"refresh": laptop["refresh"], "all_sessions": True},
                                             format="json")

    assert response.status_code == 204
    assert refresh(api_client, phone["refresh"]).status_code == 401
    assert refresh(api_client, laptop["refresh"]).status_code == 401
    assert refresh(api_client, someone_else["refresh"]).status_code == 200


def test_logout_needs_authentication(api_client, teacher_tokens):
    _teacher, tokens = teacher_tokens

    response = api_client.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 401
    assert not BlacklistedToken.objects.exists()


def test_logout_refuses_someone_elses_refresh_token(api_client, tokens_for):
    mine, theirs = tokens_for(GuardianFactory()), tokens_for(StudentFactory(), ip="10.1.1.1")

    response = logout(mine["access"], theirs["refresh"])

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "token_not_owned"
    assert refresh(api_client, theirs["refresh"]).status_code == 200


@pytest.mark.parametrize("payload", [{}, {"refresh": ""}, {"refresh": "garbage"}, {"refresh": "ACCESS"},
                                     {"refresh": "ACCESS", "all_sessions": "perhaps"}])
def test_bad_logout_input_is_400_with_field_errors(teacher_tokens, payload):
    _teacher, tokens = teacher_tokens
    if payload.get("refresh") == "ACCESS":
        payload = {**payload, "refresh": tokens["access"]}  # an access token is not a refresh token

    response = bearer(tokens["access"]).post("/api/v1/auth/logout", payload, format="json")

    assert response.status_code == 400
    fields = response.json()["error"]["details"]["fields"]
    assert set(fields) == ({"all_sessions"} if "all_sessions" in payload else {"refresh"})
    assert not BlacklistedToken.objects.exists()


def test_the_jwt_secret_is_at_least_256_bits():
    assert len(settings.SIMPLE_JWT["SIGNING_KEY"].encode()) >= 32


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_with_one_token_rotate_exactly_once(tokens_for):
    import threading

    from django.db import connection

    from apps.auth import services
    from apps.auth.errors import AuthenticationFailed

    tokens = tokens_for(TeacherFactory())
    barrier, outcomes = threading.Barrier(2), []

    def use_it():
        try:
            barrier.wait(timeout=5)
            outcomes.append(services.refresh_tokens(refresh_token=tokens["refresh"]))
        except AuthenticationFailed as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=use_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(outcomes) == 2
    assert sorted(isinstance(outcome, str) for outcome in outcomes) == [False, True]
    assert "token_not_valid" in outcomes
