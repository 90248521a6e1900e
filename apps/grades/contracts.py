"""The grades context's public face (docs/CONTRACTS.md): the enrollment saga's grade steps.

An interface (`GradesContract`) of keyword-only, typed methods (no model instance crosses the boundary).
Callers use the module functions (`grades.initialize_grade_records(scope=…, …)`), which forward to the
local implementation (`apps.grades.contract_impl`) or, when the context is served by another process,
to its RPC endpoints (common.contracts).

Every method takes the caller's `scope` (common.tenancy.Scope): the enrollment saga and the handlers
pass `common.tenancy.SYSTEM`; the integration endpoints pass the request's scope, so a school-scoped
caller reaches only its own school's sections, enrollments and grade records (anything else is a 404
like an unknown id)."""

from __future__ import annotations

from common.contracts import Contract, expose, idempotent
from common.tenancy import Scope


class GradesContract(Contract):
    context = "grades"
    target = "grades-evaluation"
    implementation = "apps.grades.contract_impl.LocalGrades"

    @idempotent
    def initialize_grade_records(self, *, scope: Scope, enrollment_id: int, student_id: int, section_id: int) -> int:
        """Saga step (and the student.enrolled handler): one grade record per course of the section and
        period of its year. Idempotent (keyed by enrollment, course and period); returns the number of rows
        this call created (0 on a repeat). A section or enrollment the scope does not reach is a 404."""
        raise NotImplementedError

    @idempotent
    def delete_grade_records(self, *, scope: Scope, enrollment_id: int) -> int:
        """Compensation: delete the enrollment's grade records (and their grades) in the scope; returns how
        many records were deleted (0 on a repeat). An enrollment the scope does not reach is a 404."""
        raise NotImplementedError

    @idempotent
    def grade_record_count(self, *, scope: Scope, enrollment_id: int) -> int:
        """How many grade records the enrollment has (in the scope)."""
        raise NotImplementedError


__getattr__ = expose(GradesContract)
