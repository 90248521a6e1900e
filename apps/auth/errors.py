"""Auth's refusals (DomainError subclasses, rendered by common.api as {"error": {...}})."""

from common.errors import DomainError


class AuthenticationFailed(DomainError):
    """401: the credentials or the token do not identify an active user."""

    status_code = 401
    default_code = "authentication_failed"
