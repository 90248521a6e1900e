"""Attendance's public face (docs/CONTRACTS.md): the enrollment saga's steps and checks.

Plain keyword-only functions; no model instance leaves the context."""

from __future__ import annotations

from apps.attendance import services
from apps.attendance.models import StudentAttendanceProfile


def initialize_attendance(*, enrollment_id: int, student_id: int, section_id: int) -> bool:
    """Enable attendance for the enrolled student (idempotent). True when this call created it,
    False when it was already enabled; either way attendance is enabled afterwards."""
    return services.attendance_initialize(enrollment_id=enrollment_id, student_id=student_id, section_id=section_id)


def delete_attendance_records(*, enrollment_id: int) -> int:
    """Compensation: delete the enrollment's attendance profile and records; returns rows deleted."""
    return services.attendance_delete_for_enrollment(enrollment_id=enrollment_id)


def has_attendance_record(*, enrollment_id: int) -> bool:
    """Is attendance enabled (initialized) for this enrollment?"""
    return StudentAttendanceProfile.objects.filter(enrollment_id=enrollment_id).exists()
