"""Service-to-service authentication: header X-Service-Token equal to settings.SERVICE_TOKEN."""

from __future__ import annotations

import hmac

from django.conf import settings
from rest_framework.permissions import BasePermission

HEADER = "X-Service-Token"


def has_service_token(request) -> bool:
    expected = getattr(settings, "SERVICE_TOKEN", "") or ""
    given = request.headers.get(HEADER, "")
    return bool(expected) and bool(given) and hmac.compare_digest(given.encode(), expected.encode())


class HasServiceToken(BasePermission):
    message = "A valid service token (X-Service-Token) is required."

    def has_permission(self, request, view) -> bool:
        return has_service_token(request)
