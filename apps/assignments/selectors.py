"""Read queries of the assignments context, shaped for their callers (no N+1).

Tenancy: every selector that reads school-owned rows takes the caller's `scope` (keyword-only,
required) and reads through it (`Model.objects.in_scope(scope)`), so a school's caller never sees
another school's assignments, blocks or workloads; a single object out of scope is a 404 exactly
like an unknown id. Only auth's lookups (`teacher_section_ids`, `teacher_section_course_pairs`)
are system lookups keyed by the teacher's own user id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from apps.academic import contracts as academic
from apps.assignments.contracts import ConflictDTO
from apps.assignments.models import (
    MINUTES_PER_DAY,
    DayOfWeek,
    ScheduleBlock,
    SectionHeadcount,
    TeacherAssignment,
    TeacherWorkload,
    WorkloadLimit,
)
from apps.users import contracts as users
from common.errors import NotFound
from common.tenancy import Scope

# --- the schedule geometry shared by booking and the availability check --------------------


def week_minute(day_of_week: int, at: time) -> int:
    return (day_of_week - 1) * MINUTES_PER_DAY + at.hour * 60 + at.minute


@dataclass(frozen=True)
class ProposedBlock:
    academic_year_id: int
    teacher_id: int
    section_id: int
    room: str
    day_of_week: int
    start_time: time
    end_time: time

    @property
    def start_minute(self) -> int:
        return week_minute(self.day_of_week, self.start_time)

    @property
    def end_minute(self) -> int:
        return week_minute(self.day_of_week, self.end_time)

    @property
    def duration_minutes(self) -> int:
        return self.end_minute - self.start_minute


def conflict_as_dict(conflict: ConflictDTO) -> dict:
    """A conflict as the error body's details show it (times as "HH:MM")."""
    return {
        "block_id": conflict.block_id, "kinds": list(conflict.kinds), "assignment_id": conflict.assignment_id,
        "teacher_id": conflict.teacher_id, "section_id": conflict.section_id, "course_id": conflict.course_id,
        "room": conflict.room, "day_of_week": conflict.day_of_week,
        "start_time": conflict.start_time.strftime("%H:%M"), "end_time": conflict.end_time.strftime("%H:%M"),
    }


def schedule_conflicts(*, scope: Scope, proposal: ProposedBlock,
                       exclude_block_id: int | None = None) -> list[ConflictDTO]:
    """Blocks of the same year overlapping `proposal` in time that share its teacher, its section or
    its (non-empty) room. The one rule both booking and validate-availability apply; it mirrors the
    database's exclusion constraints (half-open minute-of-week ranges)."""
    who = Q(teacher_id=proposal.teacher_id) | Q(section_id=proposal.section_id)
    if proposal.room:
        who |= Q(room=proposal.room)
    blocks = ScheduleBlock.objects.in_scope(scope).filter(
        who, academic_year_id=proposal.academic_year_id,
        start_minute__lt=proposal.end_minute, end_minute__gt=proposal.start_minute,
    ).order_by("start_minute", "id")
    if exclude_block_id is not None:
        blocks = blocks.exclude(pk=exclude_block_id)
    conflicts = []
    for block in blocks:
        kinds = tuple(kind for kind, clash in (
            ("teacher", block.teacher_id == proposal.teacher_id),
            ("room", bool(proposal.room) and block.room == proposal.room),
            ("section", block.section_id == proposal.section_id),
        ) if clash)
        conflicts.append(ConflictDTO(
            block_id=block.pk, kinds=kinds, assignment_id=block.assignment_id, teacher_id=block.teacher_id,
            section_id=block.section_id, course_id=block.course_id, room=block.room,
            day_of_week=block.day_of_week, start_time=block.start_time, end_time=block.end_time,
        ))
    return conflicts


# --- workload -------------------------------------------------------------------------------


def max_weekly_hours(*, institution_id: int | None) -> Decimal:
    """The institution's limit if it set one, else settings.ASSIGNMENTS_MAX_WEEKLY_HOURS (30)."""
    if institution_id is not None:
        limit = WorkloadLimit.objects.filter(institution_id=institution_id).values_list(
            "max_weekly_hours", flat=True).first()
        if limit is not None:
            return Decimal(limit)
    return Decimal(str(getattr(settings, "ASSIGNMENTS_MAX_WEEKLY_HOURS", 30)))


def weekly_minutes(*, institution_id: int, teacher_id: int, academic_year_id: int) -> int:
    """Sum of the teacher's block durations in the year at one school (computed from the blocks,
    not the projection)."""
    total = ScheduleBlock.objects.filter(institution_id=institution_id, teacher_id=teacher_id,
                                         academic_year_id=academic_year_id).aggregate(
        total=Sum("end_minute") - Sum("start_minute"))["total"]
    return int(total or 0)


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class WorkloadRow:
    teacher_id: int
    academic_year_id: int
    institution_id: int
    weekly_hours: Decimal
    max_weekly_hours: Decimal

    @property
    def remaining_hours(self) -> Decimal:
        return self.max_weekly_hours - self.weekly_hours


def teacher_workloads(*, scope: Scope, teacher_id: int, academic_year_id: int | None = None) -> list[WorkloadRow]:
    rows = TeacherWorkload.objects.in_scope(scope).filter(teacher_id=teacher_id)
    if academic_year_id is not None:
        rows = rows.filter(academic_year_id=academic_year_id)
    rows = list(rows.order_by("-academic_year_id"))
    limits = dict(WorkloadLimit.objects.filter(
        institution_id__in={r.institution_id for r in rows},
    ).values_list("institution_id", "max_weekly_hours"))
    default = max_weekly_hours(institution_id=None)
    return [
        WorkloadRow(teacher_id=r.teacher_id, academic_year_id=r.academic_year_id, institution_id=r.institution_id,
                    weekly_hours=hours(r.weekly_minutes),
                    max_weekly_hours=Decimal(limits.get(r.institution_id, default)))
        for r in rows
    ]


# --- assignments and blocks -------------------------------------------------------------------


def assignment_list(*, scope: Scope, filters: dict | None = None, teacher_id: int | None = None,
                    section_ids: frozenset[int] | None = None, include_removed: bool = False) -> QuerySet:
    """Assignments of the scope's school(s), newest year first; `teacher_id`/`section_ids` narrow
    further to a role's own rows (a teacher's)."""
    qs = TeacherAssignment.objects.in_scope(scope)
    if not include_removed:
        qs = qs.filter(is_active=True)
    return _scoped(qs, filters=filters, teacher_id=teacher_id, section_ids=section_ids).order_by(
        "-academic_year_id", "section_id", "course_id", "id")


def block_list(*, scope: Scope, filters: dict | None = None, teacher_id: int | None = None,
               section_ids: frozenset[int] | None = None) -> QuerySet:
    return _scoped(ScheduleBlock.objects.in_scope(scope), filters=filters, teacher_id=teacher_id,
                   section_ids=section_ids).order_by("-academic_year_id", "day_of_week", "start_time", "id")


def _scoped(qs: QuerySet, *, filters: dict | None, teacher_id: int | None, section_ids: frozenset[int] | None) -> QuerySet:
    """Restrict a scoped queryset to a role's own rows (a teacher's, the sections they may see) and
    apply the query-string filters that were given."""
    if teacher_id is not None:
        qs = qs.filter(teacher_id=teacher_id)
    if section_ids is not None:
        qs = qs.filter(section_id__in=section_ids)
    for key, value in (filters or {}).items():
        if value is not None:
            qs = qs.filter(**{key: value})
    return qs


def assignment_detail(*, scope: Scope, assignment_id: int, teacher_id: int | None = None) -> TeacherAssignment:
    """One assignment (active or removed) of the scope; 404 for an unknown or foreign id."""
    assignment = assignment_list(scope=scope, teacher_id=teacher_id, include_removed=True).filter(
        pk=assignment_id).first()
    if assignment is None:
        raise NotFound(_("Assignment not found."), code="assignment_not_found")
    return assignment


def block_detail(*, scope: Scope, block_id: int, teacher_id: int | None = None) -> ScheduleBlock:
    """One schedule block of the scope; 404 for an unknown or foreign id."""
    block = block_list(scope=scope, teacher_id=teacher_id).filter(pk=block_id).first()
    if block is None:
        raise NotFound(_("Schedule block not found."), code="schedule_block_not_found")
    return block


def section_in_scope(*, scope: Scope, section_id: int) -> academic.SectionDTO:
    """The section (academic's DTO) if the scope reaches its school; else 404 like an unknown id."""
    section = academic.get_section(scope=scope, section_id=section_id)
    if section is None or not scope.allows(section.institution_id):
        raise NotFound(_("Section not found."), code="section_not_found")
    return section


def teacher_in_scope(*, scope: Scope, teacher_id: int) -> users.UserDTO:
    """The user (users' DTO) if the scope reaches their school; else 404 like an unknown id."""
    teacher = users.get_user(scope=scope, user_id=teacher_id)
    if teacher is None or not scope.allows(teacher.institution_id):
        raise NotFound(_("Teacher not found."), code="teacher_not_found")
    return teacher


def headcounts(*, section_ids) -> dict[int, int]:
    """Active students per section from the projection (one query); the sections are ones the
    caller already reached through the scope."""
    return dict(SectionHeadcount.objects.filter(section_id__in=set(section_ids)).values_list(
        "section_id", "active_students"))


def latest_year_of_teacher(*, scope: Scope, teacher_id: int) -> int | None:
    return ScheduleBlock.objects.in_scope(scope).filter(teacher_id=teacher_id).order_by(
        "-academic_year_id").values_list("academic_year_id", flat=True).first() or TeacherAssignment.objects.in_scope(
        scope).filter(teacher_id=teacher_id, is_active=True).order_by("-academic_year_id").values_list(
        "academic_year_id", flat=True).first()


def timetable_blocks(*, scope: Scope, teacher_id: int | None = None, section_id: int | None = None,
                     academic_year_id: int | None = None) -> list[ScheduleBlock]:
    qs = ScheduleBlock.objects.in_scope(scope)
    if teacher_id is not None:
        qs = qs.filter(teacher_id=teacher_id)
    if section_id is not None:
        qs = qs.filter(section_id=section_id)
    if academic_year_id is not None:
        qs = qs.filter(academic_year_id=academic_year_id)
    return list(qs.order_by("day_of_week", "start_time", "id"))


def teacher_section_ids(user_id: int) -> frozenset[int]:
    """Auth's lookup (a system lookup of the teacher's own rows): sections where the user holds an
    active assignment."""
    return frozenset(TeacherAssignment.objects.filter(teacher_id=user_id, is_active=True).values_list(
        "section_id", flat=True))


def teacher_section_course_pairs(user_id: int) -> frozenset[tuple[int, int]]:
    """Auth's lookup: (section, course) pairs of the user's active assignments."""
    return frozenset(TeacherAssignment.objects.filter(teacher_id=user_id, is_active=True).values_list(
        "section_id", "course_id"))


# --- read models for the API (names fetched once per call from their contexts) ------------------


def _weekly_minutes_by_assignment(assignment_ids) -> dict[int, int]:
    rows = ScheduleBlock.objects.filter(assignment_id__in=list(assignment_ids)).values("assignment_id").annotate(
        total=Sum("end_minute") - Sum("start_minute"))
    return {row["assignment_id"]: int(row["total"] or 0) for row in rows}


def section_teachers(*, scope: Scope, section_id: int) -> dict:
    """The section's active assignments with teacher and course names and the section headcount
    (404 for a section the scope does not reach)."""

    section = section_in_scope(scope=scope, section_id=section_id)
    assignments = list(assignment_list(scope=scope, filters={"section_id": section_id}))
    teachers = users.get_users(scope=scope, user_ids=[a.teacher_id for a in assignments])
    courses = academic.get_courses(scope=scope, course_ids={a.course_id for a in assignments})
    minutes = _weekly_minutes_by_assignment([a.pk for a in assignments])
    return {
        "section_id": section_id, "section_code": section.code, "academic_year_id": section.academic_year_id,
        "active_students": headcounts(section_ids=[section_id]).get(section_id),
        "teachers": [{
            "assignment_id": a.pk, "teacher_id": a.teacher_id,
            "teacher_name": getattr(teachers.get(a.teacher_id), "full_name", None),
            "teacher_code": getattr(teachers.get(a.teacher_id), "code", None),
            "course_id": a.course_id, "course_code": getattr(courses.get(a.course_id), "code", None),
            "course_name": getattr(courses.get(a.course_id), "name", None),
            "weekly_minutes": minutes.get(a.pk, 0),
        } for a in assignments],
    }


def teacher_courses(*, scope: Scope, teacher_id: int, academic_year_id: int | None = None) -> dict:
    """The teacher's active assignments in the scope (course, section, headcount, weekly minutes)."""

    assignments = list(assignment_list(scope=scope, filters={"academic_year_id": academic_year_id},
                                       teacher_id=teacher_id))
    section_ids = {a.section_id for a in assignments}
    sections = academic.get_sections(scope=scope, section_ids=section_ids)
    courses = academic.get_courses(scope=scope, course_ids={a.course_id for a in assignments})
    counts = headcounts(section_ids=section_ids)
    minutes = _weekly_minutes_by_assignment([a.pk for a in assignments])
    return {
        "teacher_id": teacher_id,
        "courses": [{
            "assignment_id": a.pk, "course_id": a.course_id,
            "course_code": getattr(courses.get(a.course_id), "code", None),
            "course_name": getattr(courses.get(a.course_id), "name", None),
            "section_id": a.section_id, "section_code": getattr(sections.get(a.section_id), "code", None),
            "academic_year_id": a.academic_year_id, "active_students": counts.get(a.section_id),
            "weekly_minutes": minutes.get(a.pk, 0),
        } for a in assignments],
    }


def timetable(*, scope: Scope, owner: str, owner_id: int, academic_year_id: int | None) -> dict:
    """A weekly grid: Monday–Friday always, Saturday/Sunday when they hold blocks; each day's blocks
    in time order, plus the distinct time slots (rows of a day × time table)."""

    blocks = timetable_blocks(scope=scope, academic_year_id=academic_year_id,
                              **({"teacher_id": owner_id} if owner == "teacher" else {"section_id": owner_id}))
    teachers = users.get_users(scope=scope, user_ids={b.teacher_id for b in blocks})
    sections = academic.get_sections(scope=scope, section_ids={b.section_id for b in blocks})
    courses = academic.get_courses(scope=scope, course_ids={b.course_id for b in blocks})
    used_days = {b.day_of_week for b in blocks}
    days = []
    for day in DayOfWeek:
        if day.value > 5 and day.value not in used_days:
            continue
        days.append({"day_of_week": day.value, "day_name": str(day.label), "blocks": [{
            "block_id": b.pk, "assignment_id": b.assignment_id, "start_time": b.start_time.strftime("%H:%M"),
            "end_time": b.end_time.strftime("%H:%M"), "room": b.room, "teacher_id": b.teacher_id,
            "teacher_name": getattr(teachers.get(b.teacher_id), "full_name", None), "section_id": b.section_id,
            "section_code": getattr(sections.get(b.section_id), "code", None), "course_id": b.course_id,
            "course_name": getattr(courses.get(b.course_id), "name", None),
        } for b in blocks if b.day_of_week == day.value]})
    slots = sorted({(b.start_time, b.end_time) for b in blocks})
    return {"owner": owner, "owner_id": owner_id, "academic_year_id": academic_year_id,
            "slots": [f"{s:%H:%M}–{e:%H:%M}" for s, e in slots], "days": days}
