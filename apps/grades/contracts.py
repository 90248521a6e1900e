"""The grades context's public face (docs/CONTRACTS.md). Plain keyword-only functions; no model
instance crosses the boundary."""

from __future__ import annotations

from apps.grades import services
from apps.grades.models import GradeRecord


def initialize_grade_records(*, enrollment_id: int, student_id: int, section_id: int) -> int:
    """Saga step (and the student.enrolled handler): one grade record per course of the section and
    period of its year. Idempotent; returns the number of rows this call created."""
    return services.grade_records_initialize(enrollment_id=enrollment_id, student_id=student_id, section_id=section_id)


def delete_grade_records(*, enrollment_id: int) -> int:
    """Compensation: delete the enrollment's grade records; returns how many were deleted."""
    return services.grade_records_delete(enrollment_id=enrollment_id)


def grade_record_count(*, enrollment_id: int) -> int:
    return GradeRecord.objects.filter(enrollment_id=enrollment_id).count()
