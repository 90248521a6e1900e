"""Service-to-service authentication: header X-Service-Token equal to settings.SERVICE_TOKEN
(the check itself is auth's: apps.auth.contracts.is_service_request)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from apps.auth.contracts import is_service_request


class HasServiceToken(BasePermission):
    message = "A valid service token (X-Service-Token) is required."

    def has_permission(self, request, view) -> bool:
        return is_service_request(request)
