"""The attendance context's contract, implemented in-process (apps.attendance.contracts is the
interface; this is what its module functions and RPC endpoints call here)."""

from __future__ import annotations

from apps.attendance import selectors, services
from apps.attendance.contracts import AttendanceContract
from apps.attendance.models import StudentAttendanceProfile
from common.tenancy import Scope


class LocalAttendance(AttendanceContract):
    def initialize_attendance(self, *, scope: Scope, enrollment_id: int, student_id: int, section_id: int) -> bool:
        return services.attendance_initialize(scope=scope, enrollment_id=enrollment_id, student_id=student_id,
                                              section_id=section_id)

    def delete_attendance_records(self, *, scope: Scope, enrollment_id: int) -> int:
        return services.attendance_delete_for_enrollment(scope=scope, enrollment_id=enrollment_id)

    def has_attendance_record(self, *, scope: Scope, enrollment_id: int) -> bool:
        selectors.enrollment_in_scope(scope=scope, enrollment_id=enrollment_id)
        return StudentAttendanceProfile.objects.filter(enrollment_id=enrollment_id).exists()
