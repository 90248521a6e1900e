"""Demo grades: an evaluation plan for every course of the demo sections in the current period,
grades of every enrolled student in two components (exam and assignments), the averages computed,
and one student clearly below the pass mark so a `student.performance.alert` exists.

Idempotent: existing plans, grades and computed averages are left alone."""

from __future__ import annotations

import random
from decimal import Decimal

from apps.academic import contracts as academic
from apps.grades import services
from apps.grades.models import EvaluationPlan, GradeEntry, GradeRecord
from apps.institution import contracts as institution
from common.tenancy import SYSTEM

COMPONENTS = (("Examen bimestral", "EXAM", Decimal(40)), ("Tareas", "ASSIGNMENT", Decimal(35)),
              ("Participación", "PARTICIPATION", Decimal(25)))
GRADED = 2  # components with grades in the demo: the period is under way


def _period_id(school: dict) -> int | None:
    institution_id = school.get("institution_id")
    current = institution.current_period(institution_id=institution_id) if institution_id else None
    if current is not None:
        return current.id
    period_ids = school.get("period_ids") or []
    return period_ids[0] if period_ids else None


def _value(scale, rng: random.Random, *, struggling: bool):
    if scale.is_literal:
        return rng.choice(("C", "B")) if struggling else rng.choice(("AD", "A", "A"))
    if scale.kind == "PERCENT":
        return Decimal(rng.randint(30, 50)) if struggling else Decimal(rng.randint(62, 98))
    return Decimal(rng.randint(5, 8)) if struggling else Decimal(rng.randint(11, 19))


def _plan(course, period_id: int):
    plan = EvaluationPlan.objects.filter(course_id=course.id, period_id=period_id, section_id__isnull=True).first()
    if plan is not None:
        return plan
    return services.evaluation_plan_create(
        scope=SYSTEM, actor=None, course_id=course.id, period_id=period_id, section_id=None, name=f"{course.name} — evaluación",
        components=[services.ComponentInput(name=n, kind=k, weight=w) for n, k, w in COMPONENTS])


def seed(school: dict) -> None:
    period_id = _period_id(school)
    if period_id is None:
        return
    struggling_student = None
    for section_id in school.get("section_ids") or []:
        section = academic.get_section(scope=SYSTEM, section_id=section_id)
        if section is None:
            continue
        scale = services.scale_for_section(section)
        students = sorted(academic.section_student_ids(scope=SYSTEM, section_id=section_id))
        for student_id in students:
            if not GradeRecord.objects.filter(student_id=student_id, section_id=section_id).exists():
                enrollment = academic.active_enrollment(scope=SYSTEM, student_id=student_id)
                if enrollment is not None:
                    services.grade_records_initialize(scope=SYSTEM, enrollment_id=enrollment.id, student_id=student_id,
                                                      section_id=section_id)
        if struggling_student is None and students:
            struggling_student = students[0]
        for position, course in enumerate(academic.courses_of_section(scope=SYSTEM, section_id=section_id)):
            plan = _plan(course, period_id)
            components = list(plan.components.order_by("position"))[:GRADED]
            for component in components:
                graded = set(GradeEntry.objects.filter(component=component).values_list("record__student_id", flat=True))
                rows = []
                for student_id in students:
                    if student_id in graded:
                        continue
                    rng = random.Random(f"{student_id}-{course.id}-{component.pk}")  # noqa: S311 - demo data
                    struggling = student_id == struggling_student and position == 0
                    rows.append(services.BulkRow(student_id=student_id,
                                                 value=_value(scale, rng, struggling=struggling)))
                with_records = set(GradeRecord.objects.filter(
                    section_id=section_id, course_id=course.id, period_id=period_id,
                    student_id__in=[r.student_id for r in rows]).values_list("student_id", flat=True))
                rows = [r for r in rows if r.student_id in with_records]
                if rows:
                    services.grades_record_bulk(scope=SYSTEM, actor=None, component_id=component.pk,
                                                section_id=section_id, rows=rows)
            pending = GradeRecord.objects.filter(section_id=section_id, course_id=course.id, period_id=period_id,
                                                 average_calculated_at__isnull=True, entries__isnull=False).distinct()
            for record in pending:
                services.period_average_calculate(scope=SYSTEM, actor=None, student_id=record.student_id, course_id=course.id,
                                                  period_id=period_id)
