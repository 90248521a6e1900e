"""Users' public face: people and their families as DTOs (never a model instance).

An interface (`UsersContract`) of keyword-only methods returning frozen dataclass DTOs. Callers use
the module functions (`users.get_user(scope=…, user_id=…)`), which forward to the local implementation
(`apps.users.contract_impl.LocalUsers`) or, when the context is served by another process, to its RPC
endpoints (common.contracts).

People belong to a school: every method that returns or changes them takes the caller's `scope`
(`common.tenancy.Scope`, keyword-only, required) and answers only people the scope reaches (a person
of no school, e.g. network staff: network-wide scopes only). Views pass `request_scope(request)`;
saga steps, handlers and commands pass `common.tenancy.SYSTEM`. The lookups auth's rules need
(`guardian_student_ids`, `check_credentials`, `user_security_summary`) are system lookups without a
scope: auth applies the caller's scope on top."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from common.contracts import Contract, expose, idempotent, system_lookup
from common.tenancy import Scope


@dataclass(frozen=True)
class UserDTO:
    id: int
    code: str
    user_type: str
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str
    is_active: bool
    institution_id: int | None
    preferred_language: str
    document_type: str = ""
    document_number: str = ""
    birth_date: date | None = None


@dataclass(frozen=True)
class GuardianDTO:
    guardian: UserDTO
    relationship: str
    is_primary_contact: bool
    may_pick_up: bool
    notify_email: bool
    notify_sms: bool
    notify_inapp: bool = True


@dataclass(frozen=True)
class UserValidationDTO:
    user_id: int
    exists: bool
    is_active: bool
    user_type: str | None
    code: str | None = None


@dataclass(frozen=True)
class UserSecurityDTO:
    """What auth's rules read about a person (whether or not they are active)."""

    id: int
    code: str | None  # None until the person has a public code
    user_type: str
    institution_id: int | None
    is_active: bool
    is_superuser: bool
    first_name: str
    last_name: str
    email: str


class UsersContract(Contract):
    context = "users"
    target = "user-management"
    implementation = "apps.users.contract_impl.LocalUsers"

    @idempotent
    def get_user(self, *, scope: Scope, user_id: int) -> UserDTO | None:
        """The person, or None if unknown or of a school the scope does not reach."""
        raise NotImplementedError

    @idempotent
    def get_users(self, *, scope: Scope, user_ids: list[int]) -> dict[int, UserDTO]:
        """The users among `user_ids` that exist and the scope reaches (one query)."""
        raise NotImplementedError

    @idempotent
    def guardians_of(self, *, scope: Scope, student_id: int) -> list[GuardianDTO]:
        """The student's guardians, primary contact first ([] for a student the scope does not reach)."""
        raise NotImplementedError

    @idempotent
    def guardians_of_students(self, *, scope: Scope, student_ids: list[int]) -> dict[int, list[GuardianDTO]]:
        """Guardians of many students in one query; every asked id is a key (an empty list if none, or if
        the scope does not reach the student)."""
        raise NotImplementedError

    @idempotent
    def student_ids_of_guardian(self, *, scope: Scope, guardian_id: int) -> list[int]:
        """The guardian's children the scope reaches, in id order."""
        raise NotImplementedError

    @idempotent
    def bulk_validate(self, *, scope: Scope, user_ids: list[int]) -> list[UserValidationDTO]:
        """For each asked id (in order, without duplicates): does it exist (for this scope: a person of a
        school it does not reach does not), is it active, what type is it."""
        raise NotImplementedError

    @idempotent
    def find_users_by_document(self, *, scope: Scope, document_number: str) -> list[UserDTO]:
        """The people the scope reaches with this document number (trimmed, upper-cased)."""
        raise NotImplementedError

    @idempotent
    def user_move_institution(self, *, scope: Scope, user_id: int, institution_id: int, reason: str = "") -> UserDTO:
        """Move a person to another school (academic's school transfer); a repeat changes nothing. Only a
        network-wide scope may move people between schools; a school-scoped caller is refused (403
        network_scope_required); an unknown person is a 404."""
        raise NotImplementedError

    @idempotent
    @system_lookup
    def guardian_student_ids(self, *, guardian_id: int) -> frozenset[int]:
        """The students a guardian is responsible for (their active children). A system lookup: auth's
        rules apply the caller's scope on top."""
        raise NotImplementedError

    @idempotent
    @system_lookup
    def check_credentials(self, *, username: str, password: str) -> int | None:
        """The id of the active user these credentials belong to, else None (unknown, wrong password,
        inactive). A read: failed attempts are not counted here."""
        raise NotImplementedError

    @idempotent
    @system_lookup
    def user_security_summary(self, *, user_id: int) -> UserSecurityDTO | None:
        """What auth's rules read about a person (type, school, active, superuser), or None if unknown.
        A system lookup."""
        raise NotImplementedError


__getattr__ = expose(UsersContract)
