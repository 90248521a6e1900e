"""Auth resource API: login, refresh, logout, me. Thin: parse, call the service, serialize."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.auth import metrics, services
from apps.auth.contracts import principal_of
from apps.auth.serializers import (
    ErrorSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    LogoutSerializer,
    ProfileSerializer,
    RefreshSerializer,
    TokenPairSerializer,
)
from apps.auth.throttling import login_throttles
from apps.users import contracts as users
from common.api import error_body
from common.errors import NotFound

_EXAMPLE_ACCESS = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwic3ViIjoiNDIifQ.signature"
_EXAMPLE_REFRESH = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsInN1YiI6IjQyIn0.signature"
_EXAMPLE_PROFILE = {
    "id": 42, "code": "USR-2026-000042", "first_name": "María", "last_name": "Rojas",
    "full_name": "María Rojas", "email": "mrojas@colegio.edu.pe", "user_type": "TEACHER", "institution_id": 1,
    "roles": ["TEACHER"],
    "permissions": ["academic.read", "assignments.read", "attendance.mark", "attendance.read", "grades.read",
                    "grades.record", "institution.read"],
}
_EXAMPLE_PAIR = {
    "access": _EXAMPLE_ACCESS, "refresh": _EXAMPLE_REFRESH, "token_type": "Bearer",
    "access_expires_at": "2026-03-02T13:15:00Z", "refresh_expires_at": "2026-03-09T13:00:00Z",
}


_BAD_INPUT = OpenApiResponse(ErrorSerializer, description=_("Bad input: field errors in error.details.fields."), examples=[
    OpenApiExample("Field errors", value=error_body("validation_error", "Invalid input.",
                                                {"fields": {"password": ["This field is required."]}}),
                   response_only=True, status_codes=["400"]),
])
_TOKEN_REFUSED = OpenApiResponse(ErrorSerializer, description=_("The refresh token is invalid, expired or revoked."),
                                 examples=[OpenApiExample("Revoked", value=error_body(
                                     "token_not_valid", "The refresh token is invalid, expired or revoked."),
                                     response_only=True, status_codes=["401"])])
_NOT_AUTHENTICATED = OpenApiResponse(ErrorSerializer, description=_("No valid access token."), examples=[
    OpenApiExample("No token", value=error_body("not_authenticated", "Authentication credentials were not provided."),
                   response_only=True, status_codes=["401"]),
])


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class LoginView(APIView):
    authentication_classes: list = []  # credentials in the body; no session, so no CSRF
    permission_classes = [AllowAny]

    def get_throttles(self):
        return login_throttles()

    def throttled(self, request, wait):
        metrics.LOGIN_FAILURES.labels(reason="rate_limited").inc()
        services.logger.warning("auth.login.rate_limited client_ip=%s retry_after=%s", client_ip(request), wait)
        raise Throttled(wait=wait, detail=gettext("Too many login attempts. Try again later."), code="rate_limited")

    @extend_schema(
        operation_id="auth_login",
        summary=_("Log in: username and password → access and refresh tokens and the user's profile"),
        description=_("Rate limited to 5 attempts per minute and 20 per hour, per client address and per username "
                      "(429 with Retry-After). An unknown user and a wrong password get the same 401."),
        request=LoginSerializer,
        responses={
            200: LoginResponseSerializer,
            400: _BAD_INPUT,
            401: OpenApiResponse(ErrorSerializer, description=_("Unknown user, wrong password or deactivated account."),
                                 examples=[OpenApiExample("Refused", value=error_body(
                                     "invalid_credentials", "Invalid username or password."),
                                     response_only=True, status_codes=["401"])]),
            429: OpenApiResponse(ErrorSerializer, description=_("Too many attempts; see the Retry-After header."),
                                 examples=[OpenApiExample("Rate limited", value=error_body(
                                     "rate_limited", "Too many login attempts. Try again later."),
                                     response_only=True, status_codes=["429"])]),
        },
        examples=[
            OpenApiExample("Login", value={"username": "mrojas", "password": "S3gura-2026"}, request_only=True),
            OpenApiExample("Logged in", value={**_EXAMPLE_PAIR, "user": _EXAMPLE_PROFILE}, response_only=True,
                           status_codes=["200"]),
        ],
        tags=["auth"],
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.login(**serializer.validated_data, client_ip=client_ip(request))
        body = {**TokenPairSerializer(result.tokens).data, "user": ProfileSerializer(result.user).data}
        return Response(body)


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_refresh",
        summary=_("Rotate a refresh token: a new access and refresh token; the old refresh token is revoked"),
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 400: _BAD_INPUT, 401: _TOKEN_REFUSED},
        examples=[
            OpenApiExample("Refresh", value={"refresh": _EXAMPLE_REFRESH}, request_only=True),
            OpenApiExample("Rotated", value=_EXAMPLE_PAIR, response_only=True, status_codes=["200"]),
        ],
        tags=["auth"],
    )
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens = services.refresh_tokens(refresh_token=serializer.validated_data["refresh"])
        return Response(TokenPairSerializer(tokens).data)


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout",
        summary=_("Log out: revoke the caller's refresh and access tokens, or all their sessions"),
        description=_("The access token used for this call is refused from now on (401 token_not_valid). With "
                      "all_sessions, every refresh token of the caller and every access token issued to them "
                      "until now are refused too."),
        request=LogoutSerializer,
        responses={
            204: OpenApiResponse(description=_("Revoked (also when it already was).")),
            400: _BAD_INPUT,
            401: _NOT_AUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description=_("The refresh token belongs to another user."),
                                 examples=[OpenApiExample("Not yours", value=error_body(
                                     "token_not_owned", "This refresh token belongs to another user."),
                                     response_only=True, status_codes=["403"])]),
        },
        examples=[OpenApiExample("Logout", value={"refresh": _EXAMPLE_REFRESH}, request_only=True),
                  OpenApiExample("Log out everywhere", value={"refresh": _EXAMPLE_REFRESH, "all_sessions": True},
                                 request_only=True)],
        tags=["auth"],
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = getattr(request.auth, "payload", None)  # the bearer access token (None with a session login)
        services.logout(principal=principal_of(request.user), refresh_token=serializer.validated_data["refresh"],
                        all_sessions=serializer.validated_data["all_sessions"], access_claims=access)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_me",
        summary=_("The caller's profile with roles and permissions (as returned at login)"),
        responses={200: ProfileSerializer, 401: _NOT_AUTHENTICATED},
        examples=[OpenApiExample("Me", value=_EXAMPLE_PROFILE, response_only=True, status_codes=["200"])],
        tags=["auth"],
    )
    def get(self, request):
        principal = principal_of(request.user)
        summary = users.user_security_summary(user_id=principal.user_id)
        if summary is None:
            raise NotFound(_("User not found."), code="user_not_found")
        return Response(ProfileSerializer(services.profile_of(principal, summary)).data)

