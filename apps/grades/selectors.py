"""Read queries of the grades context, shaped for their callers (constant query counts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from apps.academic import contracts as academic
from apps.grades import averages
from apps.grades.models import (
    EvaluationComponent,
    EvaluationPlan,
    GradeEntry,
    GradeHistory,
    GradeRecord,
    PeriodClosure,
)
from apps.grades.scales import Scale
from apps.institution import contracts as institution
from common.errors import NotFound
from common.tenancy import SYSTEM, Scope


def evaluation_plans(*, scope: Scope, course_id: int | None = None, period_id: int | None = None,
                     section_id: int | None = None,
                     family_section_ids: Iterable[int] | None = None) -> QuerySet[EvaluationPlan]:
    """The plans the scope reaches. `family_section_ids` narrows them to the plans that apply to
    those sections (a guardian's children's, a student's own): each section's own plans and the
    course-wide plans of the courses the section takes. None: no such narrowing (staff, teachers)."""
    qs = EvaluationPlan.objects.in_scope(scope).prefetch_related(
        Prefetch("components", queryset=EvaluationComponent.objects.order_by("position", "id")))
    if family_section_ids is not None:
        qs = qs.filter(_plans_of_sections(family_section_ids))
    if course_id is not None:
        qs = qs.filter(course_id=course_id)
    if period_id is not None:
        qs = qs.filter(period_id=period_id)
    if section_id is not None:
        qs = qs.filter(Q(section_id=section_id) | Q(section_id__isnull=True))
    return qs.order_by("period_id", "course_id", "section_id", "id")


def _plans_of_sections(section_ids: Iterable[int]) -> Q:
    section_ids = sorted(set(section_ids))
    if not section_ids:
        return Q(pk__in=[])
    course_ids = {course.id for section_id in section_ids
                  for course in academic.courses_of_section(scope=SYSTEM, section_id=section_id)}
    return Q(section_id__in=section_ids) | Q(section_id__isnull=True, course_id__in=course_ids)


def evaluation_plan(*, scope: Scope, plan_id: int,
                    family_section_ids: Iterable[int] | None = None) -> EvaluationPlan | None:
    return evaluation_plans(scope=scope, family_section_ids=family_section_ids).filter(pk=plan_id).first()


def grade_entry(*, scope: Scope, entry_id: int) -> GradeEntry | None:
    return GradeEntry.objects.in_scope(scope).select_related("record", "component").filter(pk=entry_id).first()


def entry_history(*, scope: Scope, entry_id: int) -> QuerySet[GradeHistory]:
    return GradeHistory.objects.in_scope(scope).filter(entry_id=entry_id).order_by("changed_at", "id")


def is_period_closed(*, scope: Scope, period_id: int) -> bool:
    return PeriodClosure.objects.in_scope(scope).filter(period_id=period_id, is_closed=True).exists()


def period_in_scope(*, scope: Scope, period_id: int):
    """The institution's PeriodDTO of `period_id` if the scope reaches its school; a foreign period
    is a 404 exactly like an unknown one."""
    period = institution.get_period(period_id=period_id)
    if period is None:
        raise NotFound(_("Period not found."), code="period_not_found")
    scope.require(period.institution_id, code="period_not_found", message=_("Period not found."))
    return period


def course_in_scope(*, scope: Scope, course_id: int):
    """Academic's CourseDTO of `course_id` if the scope reaches its school, else a 404."""
    course = academic.get_course(scope=scope, course_id=course_id)
    if course is None:
        raise NotFound(_("Course not found."), code="course_not_found")
    scope.require(course.institution_id, code="course_not_found", message=_("Course not found."))
    return course


def section_in_scope(*, scope: Scope, section_id: int):
    """Academic's SectionDTO of `section_id` if the scope reaches its school, else a 404."""
    section = academic.get_section(scope=scope, section_id=section_id)
    if section is None:
        raise NotFound(_("Section not found."), code="section_not_found")
    scope.require(section.institution_id, code="section_not_found", message=_("Section not found."))
    return section


# --- the student's report for a period -------------------------------------------------------------


@dataclass(frozen=True)
class ComponentLine:
    component_id: int
    name: str
    kind: str
    weight: Decimal
    entry_id: int | None
    value: str | None


@dataclass(frozen=True)
class CourseReport:
    course_id: int
    course_code: str
    course_name: str
    section_id: int
    plan_id: int | None
    components: tuple[ComponentLine, ...]
    average: averages.AverageResult | None
    competencies: tuple[tuple[str, str | None], ...]  # (competency, level or None)


@dataclass(frozen=True)
class StudentPeriodReport:
    student_id: int
    period_id: int
    period_name: str
    period_closed: bool
    scale: str | None
    pass_mark: str | None
    courses: tuple[CourseReport, ...]
    period: object  # the institution's PeriodDTO
    section: object | None  # the SectionDTO printed on the report card (the highest section id of the period)


def student_period_report(*, scope: Scope, student_id: int, period_id: int) -> StudentPeriodReport:
    """Every course of the student in the period: components with values, the weighted average
    (with its breakdown) and the competency levels. A constant number of queries whatever the number
    of courses and components: records (+ entries, competencies), plans (+ components), the closure,
    and one contract call per section (in practice one) for its courses and grading scale.
    A period of a school the scope does not reach is a 404, like an unknown one."""
    period = period_in_scope(scope=scope, period_id=period_id)
    records = list(GradeRecord.objects.in_scope(scope).filter(student_id=student_id, period_id=period_id).prefetch_related(
        Prefetch("entries", queryset=GradeEntry.objects.only(
            "id", "record_id", "component_id", "numeric_value", "literal_value")),
        "competency_evaluations").order_by("id"))
    # A student moved to another section during the period has a record per stay: report the latest.
    records = list({r.course_id: r for r in records}.values())
    section_ids = tuple(sorted({r.section_id for r in records}))
    course_ids = {r.course_id for r in records}
    plans: dict[tuple[int, int | None], EvaluationPlan] = {}
    if records:
        for plan in EvaluationPlan.objects.in_scope(scope).filter(
                Q(section_id__in=section_ids) | Q(section_id__isnull=True), period_id=period_id,
                course_id__in=course_ids).prefetch_related(
                Prefetch("components", queryset=EvaluationComponent.objects.order_by("position", "id"))):
            plans[(plan.course_id, plan.section_id)] = plan
    sections = academic.get_sections(scope=scope, section_ids=list(section_ids)) if section_ids else {}
    courses, scales = {}, {}
    for section_id in section_ids:
        section = sections.get(section_id)
        for course in academic.courses_of_section(scope=scope, section_id=section_id):
            courses[course.id] = course
        if section is not None:
            scales[section_id] = Scale.from_dto(
                institution.grading_scale(institution_id=section.institution_id, level=section.level))

    lines = []
    for record in records:
        course = courses.get(record.course_id)
        scale = scales.get(record.section_id)
        plan = averages.plan_for(plans, course_id=record.course_id, section_id=record.section_id)
        entries = {e.component_id: e for e in record.entries.all()}
        components = list(plan.components.all()) if plan else []
        result = averages.compute(components, {cid: e.value for cid, e in entries.items()}, scale) \
            if plan and scale else None
        evaluated = {c.competency: c.level for c in record.competency_evaluations.all()}
        competency_names = _competency_names(course)
        competency_names += [name for name in evaluated if name not in competency_names]
        lines.append(CourseReport(
            course_id=record.course_id, course_code=getattr(course, "code", ""), course_name=getattr(course, "name", ""),
            section_id=record.section_id, plan_id=plan.pk if plan else None,
            components=tuple(ComponentLine(
                component_id=c.pk, name=c.name, kind=c.kind, weight=c.weight,
                entry_id=entries[c.pk].pk if c.pk in entries else None,
                value=scale.display(entries[c.pk].value) if c.pk in entries and scale else None) for c in components),
            average=result, competencies=tuple((name, evaluated.get(name)) for name in competency_names)))
    first_scale = next(iter(scales.values()), None)
    return StudentPeriodReport(
        student_id=student_id, period_id=period_id, period_name=period.name,
        period_closed=is_period_closed(scope=scope, period_id=period_id),
        scale=first_scale.kind if first_scale else None, pass_mark=first_scale.pass_mark if first_scale else None,
        courses=tuple(sorted(lines, key=lambda line: (line.course_name, line.course_id))), period=period,
        section=sections.get(section_ids[-1]) if section_ids else None)


def competency_keys(course) -> list[str]:
    """The course's competencies as plain names/codes (CourseDTO.competencies holds strings, dicts or
    objects with a code/name)."""
    keys = []
    for item in getattr(course, "competencies", None) or ():
        if isinstance(item, str):
            keys.append(item)
        elif isinstance(item, dict):
            keys.append(str(item.get("code") or item.get("name")))
        else:
            keys.append(str(getattr(item, "code", None) or getattr(item, "name", item)))
    return keys


def _competency_names(course) -> list[str]:
    return competency_keys(course) if course is not None else []
