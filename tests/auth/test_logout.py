"""Logout revokes the access token too: its jti is denylisted in the cache until it expires, and
"log out everywhere" refuses every access token the user was issued before (apps/auth/tokens.py)."""

from __future__ import annotations

import time

import jwt
import pytest
from django.conf import settings
from django.core.cache import cache

from apps.auth.tokens import DENIED_ACCESS_KEY, USER_CUTOFF_KEY
from tests.auth.conftest import bearer, service_client
from tests.users.factories import TeacherFactory

pytestmark = pytest.mark.django_db


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def ttl_of(key: str) -> float | None:
    """Seconds until a cache entry expires (django-redis in the test stack; locmem otherwise)."""
    if hasattr(cache, "ttl"):
        return cache.ttl(key)
    expires_at = cache._expire_info.get(cache.make_key(key))
    return None if expires_at is None else expires_at - time.time()


def logout(tokens: dict, **extra):
    return bearer(tokens["access"]).post("/api/v1/auth/logout", {"refresh": tokens["refresh"], **extra}, format="json")


def me(tokens: dict):
    return bearer(tokens["access"]).get("/api/v1/auth/me")


def my_permissions(user, tokens: dict):  # an integration (django-ninja) endpoint
    return bearer(tokens["access"]).get(f"/api/v1/auth/user-permissions/{user.pk}")


def test_a_logged_out_access_token_is_refused_by_the_drf_api(tokens_for):
    teacher = TeacherFactory()
    tokens = tokens_for(teacher)
    assert me(tokens).status_code == 200

    assert logout(tokens).status_code == 204

    response = me(tokens)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_a_logged_out_access_token_is_refused_by_the_integration_api(tokens_for):
    teacher = TeacherFactory()
    tokens = tokens_for(teacher)
    assert my_permissions(teacher, tokens).status_code == 200

    assert logout(tokens).status_code == 204

    response = my_permissions(teacher, tokens)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_validate_token_says_a_logged_out_access_token_is_revoked(tokens_for):
    tokens = tokens_for(TeacherFactory())

    logout(tokens)

    body = service_client().post("/api/v1/auth/validate-token", {"token": tokens["access"]}, format="json").json()
    assert body["valid"] is False and body["reason"] == "revoked"


def test_other_sessions_of_the_user_keep_working_after_a_plain_logout(tokens_for):
    teacher = TeacherFactory()
    phone, laptop = tokens_for(teacher, ip="10.7.0.1"), tokens_for(teacher, ip="10.7.0.2")

    assert logout(laptop).status_code == 204

    assert me(laptop).status_code == 401
    assert me(phone).status_code == 200
    assert my_permissions(teacher, phone).status_code == 200
    assert logout(phone).status_code == 204  # the other session can still log itself out


def test_logout_everywhere_refuses_every_access_token_issued_before_it(tokens_for):
    teacher, other = TeacherFactory(), TeacherFactory()
    phone, laptop = tokens_for(teacher, ip="10.7.0.1"), tokens_for(teacher, ip="10.7.0.2")
    someone_else = tokens_for(other, ip="10.7.0.3")

    assert logout(laptop, all_sessions=True).status_code == 204

    assert me(laptop).status_code == 401
    assert me(phone).status_code == 401
    assert my_permissions(teacher, phone).status_code == 401
    assert me(someone_else).status_code == 200
    fresh = tokens_for(teacher, ip="10.7.0.4")  # logging in again afterwards works
    assert me(fresh).status_code == 200 and my_permissions(teacher, fresh).status_code == 200


def test_the_denylist_entry_lives_exactly_as_long_as_the_access_token(tokens_for):
    tokens = tokens_for(TeacherFactory())
    access = claims_of(tokens["access"])

    logout(tokens)

    ttl = ttl_of(DENIED_ACCESS_KEY.format(jti=access["jti"]))
    remaining = access["exp"] - time.time()
    assert ttl is not None and remaining - 5 <= ttl <= remaining + 1


def test_the_logout_everywhere_cutoff_lives_one_access_lifetime(tokens_for):
    teacher = TeacherFactory()
    tokens = tokens_for(teacher)

    logout(tokens, all_sessions=True)

    ttl = ttl_of(USER_CUTOFF_KEY.format(user_id=teacher.pk))
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    assert ttl is not None and lifetime - 5 <= ttl <= lifetime + 2


def test_a_refused_logout_revokes_no_access_token(tokens_for):
    mine, theirs = tokens_for(TeacherFactory()), tokens_for(TeacherFactory(), ip="10.1.1.1")

    response = bearer(mine["access"]).post("/api/v1/auth/logout", {"refresh": theirs["refresh"],
                                                                    "all_sessions": True}, format="json")

    assert response.status_code == 403
    assert me(mine).status_code == 200 and me(theirs).status_code == 200
