"""The grades context's public face (docs/CONTRACTS.md). Plain keyword-only functions; no model
instance crosses the boundary.

Every function takes the caller's `scope` (common.tenancy.Scope): the enrollment saga and the
handlers pass `common.tenancy.SYSTEM`; the integration endpoints pass the request's scope, so a
school-scoped caller reaches only its own school's sections, enrollments and grade records (anything
else is a 404 like an unknown id)."""

from __future__ import annotations

from apps.grades import services
from common.tenancy import Scope


def initialize_grade_records(*, scope: Scope, enrollment_id: int, student_id: int, section_id: int) -> int:
    """Saga step (and the student.enrolled handler): one grade record per course of the section and
    period of its year. Idempotent; returns the number of rows this call created."""
    return services.grade_records_initialize(scope=scope, enrollment_id=enrollment_id, student_id=student_id,
                                             section_id=section_id)


def delete_grade_records(*, scope: Scope, enrollment_id: int) -> int:
    """Compensation: delete the enrollment's grade records; returns how many were deleted."""
    return services.grade_records_delete(scope=scope, enrollment_id=enrollment_id)


def grade_record_count(*, scope: Scope, enrollment_id: int) -> int:
    """How many grade records the enrollment has (in the scope)."""
    return services.grade_record_count(scope=scope, enrollment_id=enrollment_id)
