"""Payload schemas of the events the assignments context publishes (topic `assignment-events`).

camelCase on the wire (alias generator of EventPayload), snake_case here. Times are "HH:MM".
"""

from __future__ import annotations

from typing import Literal

from events import EventPayload, event_payload


@event_payload("teacher.assigned.to.course", version="1.0")
class TeacherAssignedToCourse(EventPayload):
    assignment_id: int
    teacher_id: int
    teacher_code: str | None = None
    course_id: int
    course_code: str | None = None
    section_id: int
    section_code: str | None = None
    academic_year_id: int
    institution_id: int | None = None


@event_payload("teacher.assignment.removed", version="1.0")
class TeacherAssignmentRemoved(EventPayload):
    assignment_id: int
    teacher_id: int
    course_id: int
    section_id: int
    academic_year_id: int
    removed_block_ids: list[int]
    reason: str = ""


@event_payload("schedule.created", version="1.0")
class ScheduleCreated(EventPayload):
    block_id: int
    assignment_id: int
    teacher_id: int
    course_id: int
    section_id: int
    academic_year_id: int
    room: str
    day_of_week: int
    start_time: str
    end_time: str


class ConflictingBlock(EventPayload):
    block_id: int
    kinds: list[Literal["teacher", "room", "section"]]
    teacher_id: int
    section_id: int
    course_id: int
    room: str
    day_of_week: int
    start_time: str
    end_time: str


@event_payload("schedule.conflict.detected", version="1.0")
class ScheduleConflictDetected(EventPayload):
    assignment_id: int
    teacher_id: int
    section_id: int
    academic_year_id: int
    room: str
    day_of_week: int
    start_time: str
    end_time: str
    conflicts: list[ConflictingBlock]
    detected_by: Literal["precheck", "database"]


@event_payload("workload.updated", version="1.0")
class WorkloadUpdated(EventPayload):
    teacher_id: int
    academic_year_id: int
    weekly_hours: str
    max_weekly_hours: str
