"""The enrollment process manager's public face (docs/CONTRACTS.md): enrollment requests (instances of
the StudentEnrollmentSaga) as frozen DTOs.

An interface (`EnrollmentContract`) of keyword-only, typed methods (no model instance crosses the
boundary). Callers use the module functions (`enrollment.get_enrollment_request(scope=…, saga_id=…)`),
which forward to the local implementation (`apps.enrollment.contract_impl.LocalEnrollment`) or, when the
context is served by another process, to its RPC endpoints (common.contracts).

Tenancy: a request belongs to the school the saga acts in; every method takes the caller's `scope`
and answers a request of another school exactly like an unknown one (None)."""

from __future__ import annotations

from dataclasses import dataclass

from common.contracts import Contract, expose, idempotent
from common.tenancy import Scope


@dataclass(frozen=True)
class EnrollmentRequestDTO:
    saga_id: str
    status: str
    student_id: int
    section_id: int
    enrollment_id: int | None
    last_error: str


class EnrollmentContract(Contract):
    context = "enrollment"
    target = "academic-management"
    implementation = "apps.enrollment.contract_impl.LocalEnrollment"

    @idempotent
    def get_enrollment_request(self, *, scope: Scope, saga_id: str) -> EnrollmentRequestDTO | None:
        """An enrollment request (saga) the scope reaches, by its saga id, or None (unknown, malformed
        and foreign ids alike)."""
        raise NotImplementedError


__getattr__ = expose(EnrollmentContract)
