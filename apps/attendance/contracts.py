"""Attendance's public face (docs/CONTRACTS.md): the enrollment saga's steps and checks.

An interface (`AttendanceContract`) of keyword-only, typed methods (no model instance leaves the
context). Callers use the module functions (`attendance.initialize_attendance(scope=…, …)`), which
forward to the local implementation (`apps.attendance.contract_impl`) or, when the context is served by
another process, to its RPC endpoints (common.contracts).

Each method takes the caller's `scope` (common.tenancy.Scope): the saga and the handlers pass
`common.tenancy.SYSTEM`; a school-scoped caller reaches only its own school's sections, enrollments
and records (404 otherwise, like an unknown id)."""

from __future__ import annotations

from common.contracts import Contract, expose, idempotent
from common.tenancy import Scope


class AttendanceContract(Contract):
    context = "attendance"
    target = "attendance-control"
    implementation = "apps.attendance.contract_impl.LocalAttendance"

    @idempotent
    def initialize_attendance(self, *, scope: Scope, enrollment_id: int, student_id: int, section_id: int) -> bool:
        """Saga step (and the student.enrolled handler): enable attendance for the enrolled student, keyed by
        enrollment. True when this call created it, False when it was already enabled; either way attendance
        is enabled afterwards. A section or enrollment the scope does not reach is a 404."""
        raise NotImplementedError

    @idempotent
    def delete_attendance_records(self, *, scope: Scope, enrollment_id: int) -> int:
        """Compensation: delete the enrollment's attendance profile and records; returns rows deleted (0 on a
        repeat). An enrollment the scope does not reach is a 404."""
        raise NotImplementedError

    @idempotent
    def has_attendance_record(self, *, scope: Scope, enrollment_id: int) -> bool:
        """Is attendance enabled (initialized) for this enrollment? An enrollment the scope does not reach
        is a 404."""
        raise NotImplementedError


__getattr__ = expose(AttendanceContract)
