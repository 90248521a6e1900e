"""Tenancy: the one scoping rule every context applies (docs/auth.md, "Tenancy").

A `Scope` says which schools' rows a caller may reach. It is derived once from the caller
(`apps.auth.contracts.scope_of`) and then travels: views hand it to selectors and services,
contract calls carry it, the admin and the saga use it. There are exactly two kinds:

- `Scope.school(id)`: one school's rows, nothing else (school staff, teachers, families).
- `Scope.network(reason)`: every school, a *named* exception. The reasons are few and fixed
  (`NETWORK_REASONS`): a superuser, network staff (staff with no school of their own), the
  service token, and the system itself (saga steps, event handlers, operator commands).

A caller with no school and no network reason gets `Scope.nobody()`: no school-wide rows at all
(a parent's or student's own rows are reached through their family/own ids, not the scope).

Rows are filtered with `scope.filter(queryset)` (or a model's `TenantQuerySet.in_scope`); a single
object is checked with `scope.require(institution_id)`, which answers 404 (never 403: a foreign id
is indistinguishable from an unknown one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from common.errors import NotFound

if TYPE_CHECKING:
    from django.http import HttpRequest

NETWORK_REASONS = frozenset({"superuser", "network_staff", "service", "system"})


@dataclass(frozen=True)
class Scope:
    """Which schools a caller reaches. Build with `school()`, `network()` or `nobody()`."""

    institution_id: int | None = None
    network_reason: str | None = None

    def __post_init__(self) -> None:
        if self.network_reason is not None:
            if self.network_reason not in NETWORK_REASONS:
                raise ValueError(f"unknown network-wide scope reason {self.network_reason!r}")
            if self.institution_id is not None:
                raise ValueError("a network-wide scope names no school")

    # --- constructors ---------------------------------------------------------------------
    @classmethod
    def school(cls, institution_id: int) -> Scope:
        return cls(institution_id=int(institution_id))

    @classmethod
    def network(cls, reason: str) -> Scope:
        return cls(network_reason=reason)

    @classmethod
    def nobody(cls) -> Scope:
        return cls()

    # --- questions ------------------------------------------------------------------------
    @property
    def is_network(self) -> bool:
        return self.network_reason is not None

    def allows(self, institution_id: int | None) -> bool:
        """May this scope reach a row of `institution_id`? A row of no school only network-wide."""
        if self.is_network:
            return True
        return institution_id is not None and self.institution_id is not None and int(institution_id) == self.institution_id

    def require(self, institution_id: int | None, *, code: str = "not_found", message: str | None = None) -> None:
        """Raise NotFound (404) unless the scope reaches `institution_id`."""
        if not self.allows(institution_id):
            raise NotFound(message or _("Not found."), code=code)

    def filter(self, queryset: models.QuerySet, field: str = "institution_id") -> models.QuerySet:
        """`queryset` narrowed to the scope's school (`field` names the school column or path)."""
        if self.is_network:
            return queryset
        if self.institution_id is None:
            return queryset.none()
        return queryset.filter(**{field: self.institution_id})

    def target_institution(self, requested: int | None) -> int | None:
        """The school a create acts in: a school scope's own (a different one requested is a 404),
        or, network-wide, the one requested (None if the caller named none)."""
        if self.is_network:
            return requested
        if requested is not None:
            self.require(requested, code="institution_not_found")
        if self.institution_id is None:
            raise NotFound(_("Not found."), code="institution_not_found")
        return self.institution_id

    # --- on the wire (remote contract calls) ------------------------------------------------
    def as_header(self) -> str:
        if self.is_network:
            return f"network:{self.network_reason}"
        return "nobody" if self.institution_id is None else f"school:{self.institution_id}"

    @classmethod
    def from_header(cls, value: str) -> Scope:
        kind, _sep, arg = (value or "").partition(":")
        if kind == "network":
            return cls.network(arg)
        if kind == "school" and arg.isdigit():
            return cls.school(int(arg))
        if kind == "nobody" and not arg:
            return cls.nobody()
        raise ValueError(f"malformed scope {value!r}")


#: Saga steps, event handlers and operator commands act for the whole network.
SYSTEM = Scope.network("system")


class TenantQuerySet(models.QuerySet):
    """A queryset of school-owned rows; `in_scope(scope)` is the one way to read them for a caller."""

    tenant_field = "institution_id"

    def in_scope(self, scope: Scope) -> models.QuerySet:
        return scope.filter(self, self.tenant_field)


def request_scope(request: HttpRequest) -> Scope:
    """The scope of a request (the admin's and common/'s entry point), from the one rule that derives it:
    the `TENANCY_SCOPE_RESOLVER` setting names auth's `request_scope`. Cached on the request per user."""
    cached = getattr(request, "_tenant_scope", None)
    if cached is not None and getattr(request, "_tenant_scope_user", None) is getattr(request, "user", None):
        return cached
    scope = import_string(settings.TENANCY_SCOPE_RESOLVER)(request)
    request._tenant_scope = scope
    request._tenant_scope_user = getattr(request, "user", None)
    return scope
