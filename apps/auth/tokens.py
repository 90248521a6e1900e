"""JWTs per the seed (settings.SIMPLE_JWT): HS256, issuer "sistema-educativo-prs1", audience
"microservices", sub = the user id, access 15 min, refresh 7 days, refresh tokens recorded as
outstanding so they can be revoked (blacklisted) on rotation and logout.

Besides the registered claims, both tokens carry `user_type`, `roles` and `institution_id`, so a
service can route a request without calling back; permissions are still decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from apps.auth.contracts import Principal


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
    return TokenPair(
        access=str(access),
        refresh=encoded_refresh,
        access_expires_at=datetime_from_epoch(access["exp"]),
        refresh_expires_at=datetime_from_epoch(refresh["exp"]),
    )
