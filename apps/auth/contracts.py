"""Auth's public face: roles → permissions and object scope, the one place these rules live.

Every context's API asks here whether the caller may act. The data the rules need (a guardian's
children, a teacher's sections, a student's sections, a section's school, a person's type and school)
comes from the users, academic and assignments contracts, called like any other contract
(`users.user_security_summary(user_id=…)`): in-process in the monolith, over their RPC endpoints when
those contexts are served by another process (common.contracts). Those lookups are system lookups
without a scope: the rules here apply the caller's scope on top.

Auth calls those interfaces and they call auth's rules for their own APIs: a cycle between contexts
only through interfaces, which import no implementation (import-linter: "Contract interfaces import
no implementation"), so neither side's internals reach the other.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyHeader, HttpBearer
from rest_framework.permissions import BasePermission

from apps.academic import contracts as academic
from apps.assignments import contracts as assignments
from apps.users import contracts as users
from common.errors import ValidationFailed
from common.tenancy import Scope

# --- roles and permissions -------------------------------------------------------------

STAFF_ROLES = frozenset({"ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY"})
ACADEMIC_STAFF_ROLES = frozenset({"ADMIN", "DIRECTOR", "SECRETARY"})

_READ_ALL = {
    "institution.read", "users.read", "academic.read", "assignments.read", "grades.read", "attendance.read",
    "notifications.read",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "ADMIN": frozenset(_READ_ALL | {
        "institution.manage", "users.manage", "academic.manage", "assignments.manage", "enrollment.manage",
        "grades.manage", "grades.record", "grades.period.reopen", "attendance.manage", "attendance.mark",
        "attendance.justify.review", "notifications.send", "notifications.manage", "events.operate",
        "inventory.read", "inventory.manage", "inventory.borrow", "inventory.book",
    }),
    "DIRECTOR": frozenset(_READ_ALL | {
        "institution.manage", "users.manage", "academic.manage", "assignments.manage", "enrollment.manage",
        "grades.manage", "grades.record", "grades.period.reopen", "attendance.manage", "attendance.mark",
        "attendance.justify.review", "notifications.send", "notifications.manage",
        "inventory.read", "inventory.manage", "inventory.borrow", "inventory.book",
    }),
    "SECRETARY": frozenset(_READ_ALL | {
        "users.manage", "academic.manage", "enrollment.manage", "attendance.justify.review", "notifications.send",
        "inventory.read", "inventory.book",
    }),
    "AUXILIARY": frozenset({
        "institution.read", "users.read", "academic.read", "assignments.read", "attendance.read", "attendance.mark",
        "attendance.justify.review", "inventory.read",
    }),
    # Inventory and resources (issue 17): rooms, assets, loans, bookings of the manager's school.
    "INVENTORY_MANAGER": frozenset({
        "institution.read", "inventory.read", "inventory.manage", "inventory.borrow", "inventory.book",
    }),
    # Scoped roles: the permission says what they may do; the scope rules below say on what.
    "TEACHER": frozenset({
        "institution.read", "academic.read", "assignments.read", "grades.read", "grades.record", "attendance.read",
        "attendance.mark", "inventory.read", "inventory.borrow", "inventory.book",
    }),
    "PSYCHOLOGIST": frozenset({"institution.read", "users.read", "academic.read", "welfare.read", "welfare.manage"}),
    "PARENT": frozenset({"institution.read", "grades.read", "attendance.read", "attendance.justify.submit",
                         "notifications.read"}),
    "STUDENT": frozenset({"institution.read", "grades.read", "attendance.read", "notifications.read"}),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling, as every context sees them. No model instance crosses the boundary."""

    user_id: int
    user_type: str
    institution_id: int | None
    is_superuser: bool = False

    @property
    def permissions(self) -> frozenset[str]:
        perms = ROLE_PERMISSIONS.get(self.user_type, frozenset())
        if self.is_superuser:
            perms = perms | ROLE_PERMISSIONS["ADMIN"]
        return perms

    @property
    def is_staff_role(self) -> bool:
        return self.is_superuser or self.user_type in STAFF_ROLES


def principal_of(user) -> Principal | None:
    """The Principal of an authenticated request user (request.user), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Principal(user_id=user.pk, user_type=user.user_type, institution_id=user.institution_id,
                     is_superuser=user.is_superuser)


def permissions_for_role(user_type: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(user_type, frozenset())


ALL_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())


def has_permission(principal: Principal | None, permission: str) -> bool:
    return principal is not None and permission in principal.permissions


# --- who a user is: the users contract's security summary --------------------------------------


def principal_from_summary(summary: users.UserSecurityDTO) -> Principal:
    """The Principal described by the users contract's `UserSecurityDTO` (whether or not the user is active)."""
    return Principal(user_id=summary.id, user_type=summary.user_type, institution_id=summary.institution_id,
                     is_superuser=summary.is_superuser)


def principal_for_user_id(user_id: int) -> Principal | None:
    """The Principal of a user known only by id (integration calls, tokens), through the users
    contract's `user_security_summary`. None for an unknown or deactivated user."""
    summary = users.user_security_summary(user_id=user_id)
    if summary is None or not summary.is_active:
        return None
    return principal_from_summary(summary)


# --- object scope ------------------------------------------------------------------------


def sees_every_institution(principal: Principal) -> bool:
    """Superusers and network staff (staff with no institution of their own) see every school of
    the network; everyone else only their own."""
    return principal.is_superuser or (principal.is_staff_role and principal.institution_id is None)


def _same_institution(principal: Principal, institution_of: Callable[[], int | None]) -> bool:
    """Staff act within their own school. Superusers and network staff (no institution of their
    own) act across the network without a lookup; an object whose institution is unknown is not
    restricted here (its endpoint answers 404 for a missing object)."""
    if principal.is_superuser or principal.institution_id is None:
        return True
    institution_id = institution_of()
    return institution_id is None or principal.institution_id == institution_id


# The lookups, through the owning contexts' contracts (system lookups: the rules apply the scope).


def _student_institution(student_id: int) -> int | None:
    summary = users.user_security_summary(user_id=student_id)
    return summary.institution_id if summary else None


def _section_institution(section_id: int) -> int | None:
    return academic.section_institution_id(section_id=section_id)


def _guardian_students(guardian_id: int) -> frozenset[int]:
    return frozenset(users.guardian_student_ids(guardian_id=guardian_id))


def _teacher_sections(teacher_id: int) -> frozenset[int]:
    return frozenset(assignments.teacher_section_ids(teacher_id=teacher_id))


def _student_sections(student_id: int) -> frozenset[int]:
    return frozenset(academic.active_section_ids_of_student(student_id=student_id))


def can_read_student(principal: Principal | None, student_id: int) -> bool:
    """Staff and the psychologist: any student of their own school. A student: themself. A guardian: their own
    children. A teacher: students of the sections they teach."""
    if principal is None:
        return False
    if principal.is_staff_role or principal.user_type == "PSYCHOLOGIST":
        return _same_institution(principal, lambda: _student_institution(student_id))
    if principal.user_type == "STUDENT":
        return principal.user_id == student_id
    if principal.user_type == "PARENT":
        return student_id in _guardian_students(principal.user_id)
    if principal.user_type == "TEACHER":
        return bool(_teacher_sections(principal.user_id) & _student_sections(student_id))
    return False


def can_act_on_section(principal: Principal | None, section_id: int, course_id: int | None = None) -> bool:
    """May the caller act (mark attendance, record grades) on this section (and course)?
    Academic staff: any section of their own school. A teacher: only sections (and courses) assigned to them."""
    if principal is None:
        return False
    if principal.is_superuser or principal.user_type in ACADEMIC_STAFF_ROLES:
        return _same_institution(principal, lambda: _section_institution(section_id))
    if principal.user_type == "AUXILIARY":  # auxiliaries take daily attendance, never grades
        return course_id is None and _same_institution(principal, lambda: _section_institution(section_id))
    if principal.user_type == "TEACHER":
        if course_id is None:
            return section_id in _teacher_sections(principal.user_id)
        return (section_id, course_id) in frozenset(
            assignments.teacher_section_course_pairs(teacher_id=principal.user_id))
    return False


def can_read_section(principal: Principal | None, section_id: int) -> bool:
    """May the caller read a whole section's records (a day's attendance sheet, the roster's
    grades)? They list every classmate, so: staff and the psychologist, for the sections of their
    school; a teacher, for the sections they teach. Parents and students read only their own rows."""
    if principal is None:
        return False
    if principal.is_staff_role or principal.user_type == "PSYCHOLOGIST":
        return _same_institution(principal, lambda: _section_institution(section_id))
    if principal.user_type == "TEACHER":
        return section_id in _teacher_sections(principal.user_id)
    return False


def visible_student_ids(principal: Principal | None) -> frozenset[int] | None:
    """Students whose records the caller may list: None means all (staff), else the set.
    A teacher lists students through their sections (`visible_section_ids`, then the roster), so
    the direct set is empty for them, as for any other role without student scope."""
    if principal is None:
        return frozenset()
    if principal.is_staff_role or principal.user_type == "PSYCHOLOGIST":
        return None
    if principal.user_type == "STUDENT":
        return frozenset({principal.user_id})
    if principal.user_type == "PARENT":
        return _guardian_students(principal.user_id)
    return frozenset()


def visible_section_ids(principal: Principal | None) -> frozenset[int] | None:
    """Sections the caller may list: None means all (superusers and network staff), else the set:
    the sections of their school for school staff, a teacher's own, a family's children's."""
    if principal is None:
        return frozenset()
    if principal.is_staff_role or principal.user_type == "PSYCHOLOGIST":
        if principal.is_superuser or principal.institution_id is None:
            return None
        return frozenset(academic.institution_section_ids(institution_id=principal.institution_id))
    if principal.user_type == "TEACHER":
        return _teacher_sections(principal.user_id)
    if principal.user_type == "STUDENT":
        return _student_sections(principal.user_id)
    if principal.user_type == "PARENT":
        sections: set[int] = set()
        for student_id in _guardian_students(principal.user_id):
            sections |= _student_sections(student_id)
        return frozenset(sections)
    return frozenset()


# --- tenancy: the caller's scope (common.tenancy.Scope) -----------------------------------------


def scope_of(caller: Principal | ServiceCaller | None) -> Scope:
    """The one scoping rule (docs/auth.md, "Tenancy"). Network-wide only by a named exception:
    a superuser, network staff (staff with no school of their own), the service token. Everyone
    else reaches their own school's rows; a caller with no school reaches none."""
    if isinstance(caller, ServiceCaller):
        return Scope.network("service")
    if caller is None:
        return Scope.nobody()
    if caller.is_superuser:
        return Scope.network("superuser")
    if caller.is_staff_role and caller.institution_id is None:
        return Scope.network("network_staff")
    if caller.institution_id is None:
        return Scope.nobody()
    return Scope.school(caller.institution_id)


SCOPE_HEADER = "X-PRS1-Scope"


class MalformedScope(ValidationFailed, ValueError):
    """A service-token call declared an `X-PRS1-Scope` that is not a scope: a 400 `malformed_scope` on both
    APIs (a DomainError, so DRF's and ninja's error handlers answer it wherever it is raised)."""

    default_code = "malformed_scope"

    def __init__(self, detail: str = ""):
        super().__init__(str(_("The X-PRS1-Scope header is malformed.")), code="malformed_scope",
                         details={"header": SCOPE_HEADER})
        self.detail = detail


def request_scope(request) -> Scope:
    """The scope of a DRF request (its user) or a ninja request (`request.auth`: Principal or service).

    A service-token call acts for the scope it declares in `X-PRS1-Scope` (`school:12`,
    `network:system`…: a remote contract call forwards its caller's scope there); without the
    header it is network-wide by the named exception `service`. A person's scope always comes
    from their own token: the header cannot widen it."""
    caller = getattr(request, "auth", None)
    if not isinstance(caller, Principal | ServiceCaller):
        caller = principal_of(getattr(request, "user", None))
        if caller is None and is_service_request(request):
            caller = SERVICE_CALLER
    if isinstance(caller, ServiceCaller):
        declared = request.headers.get(SCOPE_HEADER)
        if declared:
            try:
                return Scope.from_header(declared)
            except ValueError as exc:
                raise MalformedScope(str(exc)) from None
    return scope_of(caller)


# --- DRF glue: the permission class every context's views use -------------------------------
# With the ninja authentications below, the one web-framework import an interface keeps: the named
# exception of import-linter's "Contract interfaces import no web framework" (pyproject.toml).


def requires(*permissions: str, any_of: Iterable[str] = ()) -> type[BasePermission]:
    """A DRF permission class: the caller must hold all of `permissions` (or one of `any_of`).

        permission_classes = [requires("grades.record")]
    """
    needed, alternatives = frozenset(permissions), frozenset(any_of)

    class RequiresPermission(BasePermission):
        message = _("You do not have permission to perform this action.")

        def has_permission(self, request, view) -> bool:
            principal = principal_of(request.user)
            if principal is None:
                return False
            held = principal.permissions
            return needed <= held and (not alternatives or bool(alternatives & held))

    RequiresPermission.__name__ = f"Requires_{'_'.join(sorted(needed | alternatives)).replace('.', '_')}"
    return RequiresPermission


# --- service-to-service calls: the service token and the integration (ninja) authentication ---

SERVICE_TOKEN_HEADER = "X-Service-Token"


@dataclass(frozen=True)
class ServiceCaller:
    """An internal service authenticated with the service token (not a person)."""

    name: str = "service"


SERVICE_CALLER = ServiceCaller()


def is_valid_service_token(token: str | None) -> bool:
    expected = getattr(settings, "SERVICE_TOKEN", "")
    return bool(expected and token) and hmac.compare_digest(str(token).encode(), str(expected).encode())


def is_service_request(request) -> bool:
    """Does this (Django or DRF) request carry the service token header?"""
    return is_valid_service_token(request.headers.get(SERVICE_TOKEN_HEADER))


class ServiceTokenAuth(APIKeyHeader):
    """ninja auth: the header X-Service-Token must equal settings.SERVICE_TOKEN."""

    param_name = SERVICE_TOKEN_HEADER

    def authenticate(self, request, key: str | None) -> ServiceCaller | None:
        return SERVICE_CALLER if is_valid_service_token(key) else None


class JWTBearerAuth(HttpBearer):
    """ninja auth: a valid access token (signature, exp, iss, aud, sub) of an active user.
    `request.auth` becomes the caller's Principal."""

    def authenticate(self, request, token: str) -> Principal | None:
        from rest_framework.exceptions import AuthenticationFailed
        from rest_framework_simplejwt.authentication import JWTAuthentication
        from rest_framework_simplejwt.exceptions import InvalidToken

        backend = JWTAuthentication()
        try:
            user = backend.get_user(backend.get_validated_token(token.encode()))
        except (InvalidToken, AuthenticationFailed):
            return None
        return principal_of(user)


def integration_auth() -> list:
    """`Router(auth=integration_auth())`: a bearer JWT or the service token; otherwise 401."""
    return [ServiceTokenAuth(), JWTBearerAuth()]


def may_read_user_security(caller: Principal | ServiceCaller | None, user_id: int) -> bool:
    """Who may read another user's roles/permissions: the service, staff, or the user themself."""
    if isinstance(caller, ServiceCaller):
        return True
    return caller is not None and (caller.is_staff_role or caller.user_id == user_id)
