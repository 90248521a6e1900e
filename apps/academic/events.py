"""Payload schemas of the events the academic context publishes (topic `academic-events`).

`academicYearId` carries the year as text ("2026"), as in the seed's `student.enrolled` example;
the academic year's primary key travels as the envelope's `aggregateId` of `academic.year.started`.
"""

from __future__ import annotations

from datetime import date

from events import EventPayload, event_payload


@event_payload("student.enrolled", version="1.0")
class StudentEnrolled(EventPayload):
    enrollment_id: int
    enrollment_code: str
    student_user_id: int
    student_code: str | None
    section_id: int
    section_code: str
    academic_year_id: str
    enrollment_date: date
    enrollment_type: str
    previous_institution: str | None
    institution_id: int


@event_payload("student.transferred", version="1.0")
class StudentTransferred(EventPayload):
    enrollment_id: int
    enrollment_code: str
    previous_enrollment_id: int
    previous_enrollment_code: str
    student_user_id: int
    from_section_id: int
    from_section_code: str
    to_section_id: int
    to_section_code: str
    academic_year_id: str
    effective_date: date
    reason: str
    institution_id: int


@event_payload("section.created", version="1.0")
class SectionCreated(EventPayload):
    section_id: int
    section_code: str
    name: str
    institution_id: int
    academic_year_id: str
    grade_level_id: int
    level: str
    grade_number: int
    capacity: int
    tutor_id: int | None
    campus_id: int | None
    shift: str


@event_payload("course.assigned", version="1.0")
class CourseAssigned(EventPayload):
    curriculum_entry_id: int
    course_id: int
    course_code: str
    course_name: str
    area: str
    grade_level_id: int
    level: str
    grade_number: int
    hours_per_week: int
    academic_year_id: str
    institution_id: int


@event_payload("academic.year.started", version="1.0")
class AcademicYearStarted(EventPayload):
    academic_year_id: str
    year: int
    institution_id: int
    start_date: date
    end_date: date
