"""JWTs per the seed (settings.SIMPLE_JWT): HS256, issuer "sistema-educativo-prs1", audience
"microservices", sub = the user id, access 15 min, refresh 7 days, refresh tokens recorded as
outstanding so they can be revoked (blacklisted) on rotation and logout.

Besides the registered claims, both tokens carry `user_type`, `roles` and `institution_id`, so a
service can route a request without calling back; permissions are still decided here.

Access tokens are stateless, except for the denylist held in the Django cache (Redis when REDIS_URL
is set, so every worker shares it): logout puts the access token's `jti` there until the token's own
`exp`, and "log out everywhere" records a per-user cut-off ("no access token issued before this
microsecond") for one access lifetime. `AccessToken` (SIMPLE_JWT["AUTH_TOKEN_CLASSES"]) checks both,
so the DRF authentication and the integration API's bearer authentication refuse such a token with
401 `token_not_valid`. The cut-off compares the `iat_us` claim (issue time in microseconds; `iat`
has whole seconds only, which cannot tell a session from a new login in the same second).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken as SimpleAccessToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from apps.auth.contracts import Principal

logger = logging.getLogger(__name__)

ISSUED_AT_US_CLAIM = "iat_us"
DENIED_ACCESS_KEY = "auth:access-denied:{jti}"
USER_CUTOFF_KEY = "auth:access-not-before:{user_id}"


def roles_of(principal: Principal) -> list[str]:
    roles = {principal.user_type}
    if principal.is_superuser:
        roles.add("ADMIN")
    return sorted(roles)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_expires_at: datetime
    refresh_expires_at: datetime


def issue_pair(principal: Principal) -> TokenPair:
    """A new refresh token (recorded as outstanding) and its access token for this principal."""
    refresh = RefreshToken()
    refresh[api_settings.USER_ID_CLAIM] = str(principal.user_id)
    refresh["user_type"] = principal.user_type
    refresh["roles"] = roles_of(principal)
    refresh["institution_id"] = principal.institution_id
    encoded_refresh = str(refresh)
    OutstandingToken.objects.create(
        user_id=principal.user_id,
        jti=refresh[api_settings.JTI_CLAIM],
        token=encoded_refresh,
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    access = refresh.access_token
    access[ISSUED_AT_US_CLAIM] = time.time_ns() // 1000
    return TokenPair(
        access=str(access),
        refresh=encoded_refresh,
        access_expires_at=datetime_from_epoch(access["exp"]),
        refresh_expires_at=datetime_from_epoch(refresh["exp"]),
    )


# --- the access-token denylist ---------------------------------------------------------------


def _leeway_seconds() -> float:
    leeway = api_settings.LEEWAY
    return leeway.total_seconds() if hasattr(leeway, "total_seconds") else float(leeway or 0)


def deny_access_token(claims: Mapping) -> int | None:
    """Refuse this access token from now until its own expiry. Returns the denylist entry's
    lifetime in seconds (None when the token has already expired: nothing to remember)."""
    jti, exp = claims.get(api_settings.JTI_CLAIM), claims.get("exp")
    if not jti or exp is None:
        return None
    ttl = math.ceil(float(exp) + _leeway_seconds() - time.time())
    if ttl <= 0:
        return None
    cache.set(DENIED_ACCESS_KEY.format(jti=jti), 1, timeout=ttl)
    return ttl


def deny_user_access_tokens(user_id: int) -> int:
    """Refuse every access token of this user issued before now ("log out everywhere"), for as
    long as such a token can live. Returns the cut-off's lifetime in seconds."""
    ttl = math.ceil(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds() + _leeway_seconds()) + 1
    cache.set(USER_CUTOFF_KEY.format(user_id=user_id), time.time_ns() // 1000, timeout=ttl)
    return ttl


def access_token_revoked(claims: Mapping) -> bool:
    """Was this access token revoked (its jti denylisted, or issued before its user's cut-off)?
    One cache round trip. If the cache is unreachable the answer is "not revoked" (logged): access
    tokens live 15 minutes, and failing closed would log every user out while Redis is down."""
    jti_key = DENIED_ACCESS_KEY.format(jti=claims.get(api_settings.JTI_CLAIM))
    cutoff_key = USER_CUTOFF_KEY.format(user_id=claims.get(api_settings.USER_ID_CLAIM))
    try:
        found = cache.get_many([jti_key, cutoff_key])
    except Exception:
        logger.exception("auth.denylist.unavailable jti=%s", claims.get(api_settings.JTI_CLAIM))
        return False
    if jti_key in found:
        return True
    cutoff = found.get(cutoff_key)
    if cutoff is None:
        return False
    issued_us = claims.get(ISSUED_AT_US_CLAIM)
    if not isinstance(issued_us, int):
        issued_us = int(claims.get("iat") or 0) * 1_000_000  # whole seconds: a same-second token counts as earlier
    return issued_us < int(cutoff)


class AccessToken(SimpleAccessToken):
    """simplejwt's access token that also refuses a revoked (logged-out) token."""

    def verify(self) -> None:
        super().verify()
        if access_token_revoked(self.payload):
            raise TokenError(_("Token is revoked"))
