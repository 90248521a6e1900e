"""Demo: the school's teachers assigned to the courses of its sections, and a conflict-free weekly
timetable (Monday–Friday, 90-minute blocks in the section's homeroom). Idempotent."""

from __future__ import annotations

import math
from datetime import time
from itertools import cycle

from apps.academic import contracts as academic
from apps.assignments import contracts, services
from apps.assignments.models import ScheduleBlock, TeacherAssignment
from common.tenancy import SYSTEM

SLOTS = ((time(8, 0), time(9, 30)), (time(9, 45), time(11, 15)), (time(11, 30), time(13, 0)))
WEEKDAYS = (1, 2, 3, 4, 5)


def seed(school: dict) -> None:
    teacher_ids, section_ids = school.get("teacher_ids") or [], school.get("section_ids") or []
    if not teacher_ids or not section_ids:
        return
    wanted_courses = set(school.get("course_ids") or [])
    teachers = cycle(teacher_ids)
    for section_id in section_ids:
        section = academic.get_section(scope=SYSTEM, section_id=section_id)
        if section is None:
            continue
        courses = [c for c in academic.courses_of_section(scope=SYSTEM, section_id=section_id)
                   if not wanted_courses or c.id in wanted_courses]
        for course in courses:
            assignment = TeacherAssignment.objects.filter(course_id=course.id, section_id=section_id,
                                                          academic_year_id=section.academic_year_id,
                                                          is_active=True).first()
            if assignment is None:
                assignment = services.assignment_create(scope=SYSTEM, teacher_id=next(teachers), course_id=course.id,
                                                        section_id=section_id)
            _fill_week(assignment, blocks_wanted=max(1, math.ceil(course.hours_per_week / 1.5)),
                       room=f"Aula {section.name}")
        services.section_headcount_refresh(section_id=section_id)


def _fill_week(assignment: TeacherAssignment, *, blocks_wanted: int, room: str) -> None:
    """Book the assignment's blocks in the first free slots, spreading them over the week."""
    missing = blocks_wanted - ScheduleBlock.objects.filter(assignment=assignment).count()
    used_days = set(ScheduleBlock.objects.filter(assignment=assignment).values_list("day_of_week", flat=True))
    candidates = [(day, slot) for slot in SLOTS for day in WEEKDAYS]
    # Prefer days the course does not meet yet, so its hours spread over the week.
    candidates.sort(key=lambda c: (c[0] in used_days, SLOTS.index(c[1])))
    for day, (start, end) in candidates:
        if missing <= 0:
            return
        answer = contracts.check_availability(
            scope=SYSTEM, teacher_id=assignment.teacher_id, section_id=assignment.section_id,
            academic_year_id=assignment.academic_year_id, institution_id=assignment.institution_id,
            day_of_week=day, start_time=start, end_time=end, room=room)
        if answer.workload_exceeded:
            return
        if answer.available:
            services.schedule_block_create(scope=SYSTEM, assignment_id=assignment.pk, day_of_week=day, start_time=start,
                                           end_time=end, room=room)
            used_days.add(day)
            missing -= 1
