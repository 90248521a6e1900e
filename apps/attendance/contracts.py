"""Attendance's public face (docs/CONTRACTS.md): the enrollment saga's steps and checks.

Plain keyword-only functions; no model instance leaves the context. Each takes the caller's
`scope` (common.tenancy.Scope): the saga and the handlers pass `common.tenancy.SYSTEM`; a
school-scoped caller reaches only its own school's sections, enrollments and records (404 otherwise)."""

from __future__ import annotations

from apps.attendance import selectors, services
from apps.attendance.models import StudentAttendanceProfile
from common.tenancy import Scope


def initialize_attendance(*, scope: Scope, enrollment_id: int, student_id: int, section_id: int) -> bool:
    """Enable attendance for the enrolled student (idempotent). True when this call created it,
    False when it was already enabled; either way attendance is enabled afterwards."""
    return services.attendance_initialize(scope=scope, enrollment_id=enrollment_id, student_id=student_id,
                                          section_id=section_id)


def delete_attendance_records(*, scope: Scope, enrollment_id: int) -> int:
    """Compensation: delete the enrollment's attendance profile and records; returns rows deleted."""
    return services.attendance_delete_for_enrollment(scope=scope, enrollment_id=enrollment_id)


def has_attendance_record(*, scope: Scope, enrollment_id: int) -> bool:
    """Is attendance enabled (initialized) for this enrollment?"""
    selectors.enrollment_in_scope(scope=scope, enrollment_id=enrollment_id)
    return StudentAttendanceProfile.objects.filter(enrollment_id=enrollment_id).exists()

