"""Payload schemas of the events the grades context publishes (topic `grades-events`).

Values travel as strings ("14", "12.5", "AD") so no consumer reads a grade through a float.
"""

from __future__ import annotations

from typing import Literal

from events import EventPayload, event_payload


@event_payload("grade.recorded", version="1.0")
class GradeRecorded(EventPayload):
    grade_entry_id: int
    student_id: int
    course_id: int
    period_id: int
    section_id: int
    component_id: int
    component_name: str
    value: str
    scale: str
    recorded_by: int | None


@event_payload("grade.updated", version="1.0")
class GradeUpdated(EventPayload):
    grade_entry_id: int
    student_id: int
    course_id: int
    period_id: int
    section_id: int
    component_id: int
    old_value: str
    new_value: str
    reason: str
    updated_by: int | None


@event_payload("period.average.calculated", version="1.0")
class PeriodAverageCalculated(EventPayload):
    student_id: int
    course_id: int
    period_id: int
    section_id: int
    average: str
    raw_average: str
    scale: str
    pass_mark: str
    passed: bool
    complete: bool


@event_payload("student.performance.alert", version="1.0")
class StudentPerformanceAlert(EventPayload):
    student_id: int
    course_id: int
    period_id: int
    section_id: int
    average: str
    pass_mark: str
    reason: Literal["BELOW_PASS_MARK", "DROP"]
    previous_average: str | None = None


@event_payload("competency.evaluated", version="1.0")
class CompetencyEvaluated(EventPayload):
    competency_evaluation_id: int
    student_id: int
    course_id: int
    period_id: int
    section_id: int
    competency: str
    level: Literal["AD", "A", "B", "C"]
    evaluated_by: int | None
