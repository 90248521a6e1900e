"""The grades context's contract, implemented in-process (apps.grades.contracts is the interface; this
is what its module functions and RPC endpoints call here)."""

from __future__ import annotations

from apps.grades import services
from apps.grades.contracts import GradesContract
from common.tenancy import Scope


class LocalGrades(GradesContract):
    def initialize_grade_records(self, *, scope: Scope, enrollment_id: int, student_id: int, section_id: int) -> int:
        return services.grade_records_initialize(scope=scope, enrollment_id=enrollment_id, student_id=student_id,
                                                 section_id=section_id)

    def delete_grade_records(self, *, scope: Scope, enrollment_id: int) -> int:
        return services.grade_records_delete(scope=scope, enrollment_id=enrollment_id)

    def grade_record_count(self, *, scope: Scope, enrollment_id: int) -> int:
        return services.grade_record_count(scope=scope, enrollment_id=enrollment_id)
