"""Payload schemas of the events the attendance context publishes (topic attendance-events)."""

from __future__ import annotations

import datetime as dt

from events import EventPayload, event_payload


@event_payload("attendance.marked", version="1.0")
class AttendanceMarked(EventPayload):
    """One per section-day (or section-session) marking, with the resulting counts."""

    section_id: int
    section_code: str | None = None
    date: dt.date
    session_number: int | None = None
    total: int
    present: int
    absent: int
    late: int
    excused: int
    is_update: bool
    marked_by: int | None = None


@event_payload("absence.recorded", version="1.0")
class AbsenceRecorded(EventPayload):
    """A student's status became ABSENT (not re-emitted when re-marked ABSENT)."""

    attendance_id: int
    student_id: int
    section_id: int
    date: dt.date
    session_number: int | None = None


@event_payload("tardiness.recorded", version="1.0")
class TardinessRecorded(EventPayload):
    """A student's status became LATE (not re-emitted when re-marked LATE)."""

    attendance_id: int
    student_id: int
    section_id: int
    date: dt.date
    session_number: int | None = None
    arrival_time: dt.time | None = None


@event_payload("absence.justified", version="1.0")
class AbsenceJustified(EventPayload):
    """A justification was approved: its ABSENT records became EXCUSED."""

    justification_id: int
    student_id: int
    section_id: int | None = None
    start_date: dt.date
    end_date: dt.date
    attendance_ids: list[int]
    reviewed_by: int | None = None


@event_payload("attendance.pattern.alert", version="1.0")
class AttendancePatternAlert(EventPayload):
    student_id: int
    section_id: int
    period_id: int | None = None
    pattern: str  # "CONSECUTIVE_ABSENCES" | "ABSENCE_RATE"
    value: str
    threshold: str
