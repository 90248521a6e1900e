"""Reactions of the attendance context to other contexts' events. Idempotent."""

from __future__ import annotations

from apps.attendance import services
from common.tenancy import SYSTEM
from events import Event, subscribe


@subscribe("student.enrolled")
def on_student_enrolled(event: Event) -> None:
    """The seed's initializeAttendanceRecord: enable attendance for the new student in the section.
    The saga step does the same through the contract; whichever runs second changes nothing."""
    payload = event.payload
    services.attendance_initialize(scope=SYSTEM, enrollment_id=int(payload["enrollmentId"]),
                                   student_id=int(payload["studentUserId"]), section_id=int(payload["sectionId"]))
