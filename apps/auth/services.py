"""Auth use cases: log in, rotate a refresh token, log out.

The seed's login flow: auth asks the users context to check the credentials (users' contract,
`check_credentials`), then issues the JWTs and the profile with roles and permissions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from apps.auth import metrics
from apps.auth.contracts import Principal, principal_for_user_id, principal_from_summary
from apps.auth.errors import AuthenticationFailed
from apps.auth.tokens import TokenPair, deny_access_token, deny_user_access_tokens, issue_pair, roles_of
from apps.users import contracts as users
from apps.users.contracts import UserSecurityDTO
from common.errors import PermissionDenied, ValidationFailed

logger = logging.getLogger(__name__)

INVALID_CREDENTIALS = _("Invalid username or password.")


@dataclass(frozen=True)
class Profile:
    id: int
    code: str | None
    first_name: str
    last_name: str
    full_name: str
    email: str
    user_type: str
    institution_id: int | None
    roles: list[str]
    permissions: list[str]


@dataclass(frozen=True)
class LoginResult:
    tokens: TokenPair
    user: Profile


def profile_of(principal: Principal, summary: UserSecurityDTO) -> Profile:
    first, last = summary.first_name or "", summary.last_name or ""
    return Profile(
        id=principal.user_id,
        code=summary.code,
        first_name=first,
        last_name=last,
        full_name=f"{first} {last}".strip(),
        email=summary.email or "",
        user_type=principal.user_type,
        institution_id=principal.institution_id,
        roles=roles_of(principal),
        permissions=sorted(principal.permissions),
    )


def _principal_and_summary(user_id: int) -> tuple[Principal, UserSecurityDTO] | None:
    summary = users.user_security_summary(user_id=user_id)
    if summary is None or not summary.is_active:
        return None
    return principal_from_summary(summary), summary


def login(*, username: str, password: str, client_ip: str | None = None) -> LoginResult:
    """Check the credentials through the users context and issue a token pair.
    An unknown user, a wrong password and a deactivated account get the same answer."""
    user_id = users.check_credentials(username=username, password=password)
    found = _principal_and_summary(user_id) if user_id is not None else None
    if found is None:
        metrics.LOGIN_FAILURES.labels(reason="invalid_credentials").inc()
        logger.warning("auth.login.failed reason=invalid_credentials username=%r client_ip=%s", username[:150], client_ip)
        raise AuthenticationFailed(INVALID_CREDENTIALS, code="invalid_credentials")
    principal, summary = found
    with transaction.atomic():
        tokens = issue_pair(principal)
        if api_settings.UPDATE_LAST_LOGIN:
            get_user_model().objects.filter(pk=principal.user_id).update(last_login=timezone.now())
    metrics.LOGINS.inc()
    logger.info("auth.login.succeeded user_id=%s client_ip=%s", principal.user_id, client_ip)
    return LoginResult(tokens=tokens, user=profile_of(principal, summary))


def _refuse_refresh(message, code: str = "token_not_valid"):
    metrics.TOKEN_REFRESHES.labels(outcome="refused").inc()
    return AuthenticationFailed(message, code=code)


def refresh_tokens(*, refresh_token: str) -> TokenPair:
    """Rotate: the given refresh token is revoked and a new pair is issued (with the user's
    current type and roles). A revoked, expired or forged token is refused; of two concurrent
    uses of one token, exactly one succeeds."""
    try:
        old = RefreshToken(refresh_token)  # signature, exp, iss, aud, token type, jti, not blacklisted
    except TokenError as exc:
        raise _refuse_refresh(_("The refresh token is invalid, expired or revoked.")) from exc
    try:
        user_id = int(old[api_settings.USER_ID_CLAIM])
    except (KeyError, TypeError, ValueError) as exc:
        raise _refuse_refresh(_("The refresh token is invalid, expired or revoked.")) from exc
    principal = principal_for_user_id(user_id)
    if principal is None:
        raise _refuse_refresh(_("No active account found for the given token."), code="user_inactive")
    with transaction.atomic():
        outstanding, _created = OutstandingToken.objects.get_or_create(
            jti=old[api_settings.JTI_CLAIM],
            defaults={"user_id": user_id, "token": refresh_token, "created_at": old.current_time,
                      "expires_at": datetime_from_epoch(old["exp"])},
        )
        _blacklisted, revoked_now = BlacklistedToken.objects.get_or_create(token=outstanding)
        if not revoked_now:  # a concurrent refresh with the same token won
            raise _refuse_refresh(_("The refresh token is invalid, expired or revoked."))
        tokens = issue_pair(principal)
    metrics.TOKEN_REFRESHES.labels(outcome="rotated").inc()
    return tokens


def logout(*, principal: Principal, refresh_token: str, all_sessions: bool = False,
           access_claims: Mapping | None = None) -> int:
    """Revoke the caller's refresh token (with `all_sessions`, every unexpired refresh token of
    theirs: "log out everywhere") and the access token they called with (`access_claims`, its
    payload: denylisted until it expires). With `all_sessions`, every access token of theirs issued
    until now is refused too. Logging out with an already revoked token is a no-op; a token that is
    not the caller's is refused (and nothing is revoked). Returns how many refresh tokens were
    revoked now."""
    invalid = {"refresh": [str(_("The refresh token is invalid or expired."))]}
    try:
        payload = token_backend.decode(refresh_token)  # signature, exp, iss, aud
    except Exception as exc:  # TokenBackendError / TokenBackendExpiredToken
        raise ValidationFailed(fields=invalid, code="token_not_valid") from exc
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh" or api_settings.JTI_CLAIM not in payload:
        raise ValidationFailed(fields=invalid, code="token_not_valid")
    if str(payload.get(api_settings.USER_ID_CLAIM)) != str(principal.user_id):
        raise PermissionDenied(_("This refresh token belongs to another user."), code="token_not_owned")
    with transaction.atomic():
        outstanding, _created = OutstandingToken.objects.get_or_create(
            jti=payload[api_settings.JTI_CLAIM],
            defaults={"user_id": principal.user_id, "token": refresh_token, "created_at": timezone.now(),
                      "expires_at": datetime_from_epoch(payload["exp"])},
        )
        _blacklisted, revoked_now = BlacklistedToken.objects.get_or_create(token=outstanding)
        revoked = int(revoked_now)
        if all_sessions:
            others = (OutstandingToken.objects.filter(user_id=principal.user_id, expires_at__gt=timezone.now(),
                                                      blacklistedtoken__isnull=True)
                      .exclude(pk=outstanding.pk).values_list("pk", flat=True))
            created = BlacklistedToken.objects.bulk_create([BlacklistedToken(token_id=pk) for pk in others],
                                                           ignore_conflicts=True)
            revoked += len(created)
    if access_claims is not None and str(access_claims.get(api_settings.USER_ID_CLAIM)) == str(principal.user_id):
        deny_access_token(access_claims)
    if all_sessions:
        deny_user_access_tokens(principal.user_id)
    logger.info("auth.logout user_id=%s jti=%s all_sessions=%s revoked=%s", principal.user_id,
                payload[api_settings.JTI_CLAIM], all_sessions, revoked)
    return revoked
