"""Domain errors raised by services and mapped to HTTP by `common.api.exception_handler`.

Every error carries a machine-readable `code` (snake_case), a human `message`
(translatable) and optional `details` (e.g. field errors or the conflicting object).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class DomainError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.details = details or {}


class ValidationFailed(DomainError):
    """Bad input: 400 with field errors in details["fields"]."""

    status_code = 400
    default_code = "validation_error"

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None,
                 code: str | None = None, details: dict[str, Any] | None = None):
        message = message if message is not None else _("Invalid input.")
        merged = dict(details or {})
        if fields:
            merged["fields"] = fields
        super().__init__(message, code=code, details=merged)


class NotFound(DomainError):
    status_code = 404
    default_code = "not_found"


class Conflict(DomainError):
    """The request is valid but clashes with current state (capacity full, schedule conflict...)."""

    status_code = 409
    default_code = "conflict"


class BusinessRuleViolation(DomainError):
    """Well-formed input that the domain refuses (422)."""

    status_code = 422
    default_code = "business_rule_violation"


class PermissionDenied(DomainError):
    status_code = 403
    default_code = "permission_denied"
