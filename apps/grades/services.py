"""Write use cases of the grades context. Each is one transaction; refusals raise common.errors.

`actor` is the calling Principal (apps.auth.contracts); None means the system itself (saga, demo).
`scope` (common.tenancy.Scope) is the schools the caller reaches: every existing row a service acts
on is looked up through it, so another school's id answers 404 exactly like an unknown one. The
system passes `common.tenancy.SYSTEM`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.academic import contracts as academic
from apps.auth import contracts as auth
from apps.grades import averages, events, selectors
from apps.grades.models import (
    CompetencyEvaluation,
    CompetencyLevel,
    ComponentKind,
    EvaluationComponent,
    EvaluationPlan,
    GradeEntry,
    GradeHistory,
    GradeRecord,
    PerformanceAlert,
    PeriodClosure,
    PeriodReopening,
)
from apps.grades.scales import Scale, ScaleError
from apps.institution import contracts as institution
from apps.users import contracts as users
from common.errors import BusinessRuleViolation, Conflict, NotFound, PermissionDenied, ValidationFailed
from common.tenancy import SYSTEM, Scope
from events import publish

HUNDRED = Decimal(100)


# --- shared lookups --------------------------------------------------------------------------


def scale_for_section(section) -> Scale:
    return Scale.from_dto(institution.grading_scale(institution_id=section.institution_id, level=section.level))


def _section(section_id: int):
    section = academic.get_section(scope=SYSTEM, section_id=section_id)
    if section is None:
        raise NotFound(_("Section not found."), code="section_not_found")
    return section


def _ensure_period_open(scope: Scope, period_id: int) -> None:
    if selectors.is_period_closed(scope=scope, period_id=period_id):
        raise Conflict(_("The period is closed: its grades are frozen until a director reopens it."),
                       code="period_closed", details={"periodId": period_id})


def _actor_id(actor) -> int | None:
    return actor.user_id if actor is not None else None


def _ensure_can_record(actor, *, section_id: int, course_id: int) -> None:
    if actor is None:
        return
    if not auth.has_permission(actor, "grades.record") or not auth.can_act_on_section(actor, section_id, course_id):
        raise PermissionDenied(_("You may only record grades for the sections and courses assigned to you."),
                               code="not_assigned")


def _effective_plan_id(*, course_id: int, period_id: int, section_id: int) -> int | None:
    plans = {(p.course_id, p.section_id): p for p in EvaluationPlan.objects.filter(
        Q(section_id=section_id) | Q(section_id__isnull=True), course_id=course_id, period_id=period_id)}
    plan = averages.plan_for(plans, course_id=course_id, section_id=section_id)
    return plan.pk if plan else None


def _ensure_component_applies(component: EvaluationComponent, *, section_id: int) -> None:
    plan = component.plan
    if plan.section_id is not None and plan.section_id != section_id:
        raise BusinessRuleViolation(_("The component belongs to another section's evaluation plan."),
                                    code="component_not_in_plan")
    if _effective_plan_id(course_id=plan.course_id, period_id=plan.period_id, section_id=section_id) != plan.pk:
        raise BusinessRuleViolation(_("The section has its own evaluation plan; use its components."),
                                    code="component_not_in_plan")


def _component(scope: Scope, component_id: int) -> EvaluationComponent:
    component = EvaluationComponent.objects.in_scope(scope).select_related("plan").filter(pk=component_id).first()
    if component is None:
        raise NotFound(_("Evaluation component not found."), code="component_not_found")
    return component


def _store(entry: GradeEntry, value) -> None:
    if isinstance(value, str):
        entry.literal_value, entry.numeric_value = value, None
    else:
        entry.numeric_value, entry.literal_value = value, ""


def _text(scale: Scale, value) -> str:
    return scale.display(value) or ""


# --- evaluation plans ------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentInput:
    name: str
    kind: str
    weight: Decimal
    id: int | None = None


def _validate_components(components: Sequence[ComponentInput]) -> None:
    if not components:
        raise ValidationFailed(_("Invalid input."), fields={"components": [_("At least one component is required.")]})
    names = [c.name.strip().lower() for c in components]
    if len(set(names)) != len(names):
        raise ValidationFailed(_("Invalid input."), fields={"components": [_("Component names must be unique.")]})
    for c in components:
        if c.kind not in ComponentKind.values:
            raise ValidationFailed(_("Invalid input."), fields={"components": [_("Unknown kind %(k)s.") % {"k": c.kind}]})
        if not (Decimal(0) < Decimal(c.weight) <= HUNDRED):
            raise ValidationFailed(_("Invalid input."),
                                   fields={"components": [_("Each weight must be greater than 0 and at most 100.")]})
    total = sum((Decimal(c.weight) for c in components), Decimal(0))
    if total != HUNDRED:
        raise BusinessRuleViolation(_("The weights of the components must add up to exactly 100 (they add up to %(t)s).")
                                    % {"t": total}, code="weights_must_sum_100", details={"total": str(total)})


def _ensure_can_manage_plan(actor, *, course_id: int, section_id: int | None) -> None:
    if actor is None or auth.has_permission(actor, "grades.manage"):
        return
    if section_id is not None and auth.has_permission(actor, "grades.record") \
            and auth.can_act_on_section(actor, section_id, course_id):
        return
    raise PermissionDenied(_("You may not manage this evaluation plan."), code="not_assigned")


@transaction.atomic
def evaluation_plan_create(*, scope: Scope, actor, course_id: int, period_id: int, section_id: int | None, name: str,
                           components: Sequence[ComponentInput]) -> EvaluationPlan:
    """A plan of the school of its course and period (both must be in the scope: a foreign one is a 404)."""
    course = academic.get_course(scope=scope, course_id=course_id)
    if course is None:
        raise NotFound(_("Course not found."), code="course_not_found")
    scope.require(course.institution_id, code="course_not_found", message=_("Course not found."))
    period = selectors.period_in_scope(scope=scope, period_id=period_id)
    if period.institution_id != course.institution_id:
        raise BusinessRuleViolation(_("The course and the period belong to different schools."),
                                    code="period_other_institution")
    if section_id is not None:
        selectors.section_in_scope(scope=scope, section_id=section_id)
        if course_id not in {c.id for c in academic.courses_of_section(scope=scope, section_id=section_id)}:
            raise BusinessRuleViolation(_("The course is not taught in that section."), code="course_not_in_section")
    _ensure_can_manage_plan(actor, course_id=course_id, section_id=section_id)
    _ensure_period_open(scope, period_id)
    _validate_components(components)
    if EvaluationPlan.objects.filter(course_id=course_id, period_id=period_id, section_id=section_id).exists():
        raise Conflict(_("An evaluation plan already exists for this course, period and section."), code="plan_exists")
    plan = EvaluationPlan.objects.create(course_id=course_id, period_id=period_id, section_id=section_id,
                                         institution_id=course.institution_id, name=name.strip() or course.name,
                                         created_by_id=_actor_id(actor))
    EvaluationComponent.objects.bulk_create([
        EvaluationComponent(plan=plan, name=c.name.strip(), kind=c.kind, weight=Decimal(c.weight), position=i)
        for i, c in enumerate(components)
    ])
    return plan


@transaction.atomic
def evaluation_plan_update(*, scope: Scope, actor, plan_id: int, name: str | None = None,
                           components: Sequence[ComponentInput] | None = None) -> EvaluationPlan:
    """Rename and/or replace the components. A component keeps its id (and grades) when sent with it;
    one left out is deleted, which is refused while it has grades."""
    plan = _plan_for_update(scope, plan_id)
    _ensure_can_manage_plan(actor, course_id=plan.course_id, section_id=plan.section_id)
    _ensure_period_open(scope, plan.period_id)
    if name is not None:
        plan.name = name.strip() or plan.name
        plan.save(update_fields=["name", "updated_at"])
    if components is None:
        return plan
    _validate_components(components)
    existing = {c.pk: c for c in plan.components.all()}
    unknown = [c.id for c in components if c.id is not None and c.id not in existing]
    if unknown:
        raise ValidationFailed(_("Invalid input."), fields={"components": [
            _("Component %(id)s does not belong to this plan.") % {"id": unknown[0]}]})
    kept = {c.id for c in components if c.id is not None}
    removed = [pk for pk in existing if pk not in kept]
    if removed and GradeEntry.objects.filter(component_id__in=removed).exists():
        raise Conflict(_("A component that already has grades cannot be removed."), code="component_has_grades")
    EvaluationComponent.objects.filter(pk__in=removed).delete()
    # Names are unique per plan: move kept components out of the way before renaming.
    for component in existing.values():
        if component.pk in kept:
            component.name = f"__{component.pk}"
    EvaluationComponent.objects.bulk_update([c for c in existing.values() if c.pk in kept], ["name"])
    to_update, to_create = [], []
    for position, c in enumerate(components):
        if c.id is not None:
            component = existing[c.id]
            component.name, component.kind, component.weight, component.position = (
                c.name.strip(), c.kind, Decimal(c.weight), position)
            to_update.append(component)
        else:
            to_create.append(EvaluationComponent(plan=plan, name=c.name.strip(), kind=c.kind, weight=Decimal(c.weight),
                                                 position=position))
    EvaluationComponent.objects.bulk_update(to_update, ["name", "kind", "weight", "position"])
    EvaluationComponent.objects.bulk_create(to_create)
    plan.save(update_fields=["updated_at"])
    return plan


def _plan_for_update(scope: Scope, plan_id: int) -> EvaluationPlan:
    plan = EvaluationPlan.objects.in_scope(scope).select_for_update().filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(_("Evaluation plan not found."), code="plan_not_found")
    return plan


@transaction.atomic
def evaluation_plan_delete(*, scope: Scope, actor, plan_id: int) -> None:
    plan = _plan_for_update(scope, plan_id)
    _ensure_can_manage_plan(actor, course_id=plan.course_id, section_id=plan.section_id)
    _ensure_period_open(scope, plan.period_id)
    if GradeEntry.objects.filter(component__plan=plan).exists():
        raise Conflict(_("The plan already has grades and cannot be deleted."), code="plan_has_grades")
    plan.delete()


# --- grade records (one per student, course and period) -----------------------------------------


def _ensure_enrollment_in_scope(scope: Scope, enrollment_id: int, *, student_id: int | None = None,
                                section_id: int | None = None) -> None:
    """A school-scoped caller (a person, or the service token declaring a school) names an enrollment
    of its own school (and, when given, that enrollment's student and section): anything else is a
    404 like an unknown enrollment. Network-wide callers (the saga, the service) are not asked."""
    if scope.is_network:
        return
    enrollment = academic.get_enrollment(scope=scope, enrollment_id=enrollment_id)
    if (enrollment is None or not scope.allows(enrollment.institution_id)
            or (student_id is not None and enrollment.student_id != student_id)
            or (section_id is not None and enrollment.section_id != section_id)):
        raise NotFound(_("Enrollment not found."), code="enrollment_not_found")


@transaction.atomic
def grade_records_initialize(*, scope: Scope, enrollment_id: int, student_id: int, section_id: int) -> int:
    """One GradeRecord per course of the section and period of its year. Idempotent (unique
    constraint + ON CONFLICT DO NOTHING): returns how many rows this call created. The section
    must be in the scope (a foreign one is a 404)."""
    section = selectors.section_in_scope(scope=scope, section_id=section_id)
    _ensure_enrollment_in_scope(scope, enrollment_id, student_id=student_id, section_id=section_id)
    courses = academic.courses_of_section(scope=scope, section_id=section_id)
    periods = institution.periods_of_year(institution_id=section.institution_id, year=section.year)
    if not courses or not periods:
        return 0
    before = GradeRecord.objects.filter(enrollment_id=enrollment_id).count()
    GradeRecord.objects.bulk_create([
        GradeRecord(enrollment_id=enrollment_id, student_id=student_id, section_id=section_id, course_id=course.id,
                    period_id=period.id, institution_id=section.institution_id)
        for course in courses for period in periods
    ], ignore_conflicts=True)
    return GradeRecord.objects.filter(enrollment_id=enrollment_id).count() - before


@transaction.atomic
def grade_records_delete(*, scope: Scope, enrollment_id: int) -> int:
    """Compensation of the enrollment saga: remove the enrollment's grade records (and their grades)
    that the scope reaches."""
    _ensure_enrollment_in_scope(scope, enrollment_id)
    records = GradeRecord.objects.in_scope(scope).filter(enrollment_id=enrollment_id)
    count = records.count()
    GradeHistory.objects.in_scope(scope).filter(entry__record__enrollment_id=enrollment_id).delete()
    GradeEntry.objects.in_scope(scope).filter(record__enrollment_id=enrollment_id).delete()
    records.delete()
    return count


def grade_record_count(*, scope: Scope, enrollment_id: int) -> int:
    _ensure_enrollment_in_scope(scope, enrollment_id)
    return GradeRecord.objects.in_scope(scope).filter(enrollment_id=enrollment_id).count()


# --- recording grades ------------------------------------------------------------------------


def _no_record(scope: Scope, student_id: int):
    """No grade record in the scope: a student of another school (or unknown) is a 404 like an unknown
    id; a student of the caller's school without that course and period is a 422."""
    summary = users.user_security_summary(user_id=student_id)
    if summary is None or not scope.allows(summary.institution_id):
        raise NotFound(_("Student not found."), code="student_not_found")
    raise BusinessRuleViolation(_("The student has no grade record for this course and period."),
                                code="no_grade_record")


def _record_of(scope: Scope, *, student_id: int, course_id: int, period_id: int,
               section_id: int | None = None) -> GradeRecord | None:
    qs = GradeRecord.objects.in_scope(scope).filter(student_id=student_id, course_id=course_id, period_id=period_id)
    if section_id is not None:
        qs = qs.filter(section_id=section_id)
    return qs.order_by("-id").first()


def _publish_recorded(entry: GradeEntry, record: GradeRecord, component: EvaluationComponent, scale: Scale,
                      actor) -> None:
    publish("grade.recorded", aggregate_id=entry.pk, aggregate_type="GradeEntry", payload=events.GradeRecorded(
        grade_entry_id=entry.pk, student_id=record.student_id, course_id=record.course_id, period_id=record.period_id,
        section_id=record.section_id, component_id=component.pk, component_name=component.name,
        value=_text(scale, entry.value), scale=scale.kind, recorded_by=_actor_id(actor)))


def _publish_updated(entry: GradeEntry, record: GradeRecord, old: str, new: str, reason: str, actor) -> None:
    publish("grade.updated", aggregate_id=entry.pk, aggregate_type="GradeEntry", payload=events.GradeUpdated(
        grade_entry_id=entry.pk, student_id=record.student_id, course_id=record.course_id, period_id=record.period_id,
        section_id=record.section_id, component_id=entry.component_id, old_value=old, new_value=new, reason=reason,
        updated_by=_actor_id(actor)))


@transaction.atomic
def grade_record(*, scope: Scope, actor, student_id: int, component_id: int, value) -> GradeEntry:
    """Record one student's grade for one component. An existing grade is changed with grade_update."""
    component = _component(scope, component_id)
    plan = component.plan
    record = _record_of(scope, student_id=student_id, course_id=plan.course_id, period_id=plan.period_id,
                        section_id=plan.section_id)
    if record is None:
        _no_record(scope, student_id)
    _ensure_can_record(actor, section_id=record.section_id, course_id=record.course_id)
    _ensure_component_applies(component, section_id=record.section_id)
    _ensure_period_open(scope, record.period_id)
    scale = scale_for_section(_section(record.section_id))
    try:
        parsed = scale.parse(value)
    except ScaleError as exc:
        raise ValidationFailed(_("The grade is outside the scale."), code="out_of_scale",
                               fields={"value": [str(exc)]}) from None
    existing = GradeEntry.objects.filter(record=record, component=component).first()
    if existing is not None:
        raise Conflict(_("The grade is already recorded; change it with a reason."), code="grade_exists",
                       details={"entryId": existing.pk})
    entry = GradeEntry(record=record, component=component, recorded_by_id=_actor_id(actor))
    _store(entry, parsed)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise Conflict(_("The grade is already recorded; change it with a reason."), code="grade_exists") from None
    GradeHistory.objects.create(entry=entry, action=GradeHistory.Action.RECORDED, new_value=_text(scale, parsed),
                                changed_by_id=_actor_id(actor))
    _publish_recorded(entry, record, component, scale, actor)
    return entry


@dataclass(frozen=True)
class BulkRow:
    student_id: object
    value: object


@dataclass(frozen=True)
class BulkResult:
    created: int
    updated: int
    unchanged: int
    entries: tuple[GradeEntry, ...]


@transaction.atomic
def grades_record_bulk(*, scope: Scope, actor, component_id: int, section_id: int, rows: Sequence[BulkRow],
                       reason: str = "") -> BulkResult:
    """A whole section's grades for one component. All or nothing: any bad row → 400 with
    details.rows = [{row, studentId, errors}] and nothing saved. A row for a student who already has
    a different grade changes it (with history) only when `reason` is given."""
    component = _component(scope, component_id)
    plan = component.plan
    section = selectors.section_in_scope(scope=scope, section_id=section_id)
    _ensure_can_record(actor, section_id=section_id, course_id=plan.course_id)
    _ensure_component_applies(component, section_id=section_id)
    _ensure_period_open(scope, plan.period_id)
    if not rows:
        raise ValidationFailed(_("Invalid input."), fields={"grades": [_("At least one grade is required.")]})
    scale = scale_for_section(section)
    reason = (reason or "").strip()

    ids = [r.student_id for r in rows if isinstance(r.student_id, int) and not isinstance(r.student_id, bool)]
    records = {r.student_id: r for r in GradeRecord.objects.in_scope(scope).filter(
        section_id=section_id, course_id=plan.course_id, period_id=plan.period_id, student_id__in=ids).order_by("id")}
    existing = {e.record_id: e for e in GradeEntry.objects.select_related("record").filter(
        component=component, record__in=records.values())}

    problems, seen, planned = [], set(), []
    for index, row in enumerate(rows):
        errors: list[str] = []
        record = None
        if not isinstance(row.student_id, int) or isinstance(row.student_id, bool):
            errors.append(_("A student id is required."))
        elif row.student_id in seen:
            errors.append(_("The student appears more than once."))
        else:
            seen.add(row.student_id)
            record = records.get(row.student_id)
            if record is None:
                errors.append(_("The student has no grade record in this section for this course and period."))
        parsed = None
        try:
            parsed = scale.parse(row.value)
        except ScaleError as exc:
            errors.append(str(exc))
        if not errors and record.pk in existing:
            old = existing[record.pk]
            if old.value != parsed and not reason:
                errors.append(_("The student already has a grade; a reason is required to change it."))
        if errors:
            problems.append({"row": index, "studentId": row.student_id, "errors": errors})
        else:
            planned.append((record, parsed))
    if problems:
        raise ValidationFailed(_("Some rows are invalid; nothing was saved."), code="invalid_rows",
                               details={"rows": problems})

    now, actor_id = timezone.now(), _actor_id(actor)
    new_entries, changed, unchanged, histories = [], [], 0, []
    for record, parsed in planned:
        old = existing.get(record.pk)
        if old is None:
            entry = GradeEntry(record=record, component=component, recorded_by_id=actor_id)
            _store(entry, parsed)
            new_entries.append(entry)
        elif old.value == parsed:
            unchanged += 1
        else:
            old_text = _text(scale, old.value)
            _store(old, parsed)
            old.updated_at = now
            changed.append((old, old_text))
    try:
        with transaction.atomic():
            GradeEntry.objects.bulk_create(new_entries)
    except IntegrityError:
        raise Conflict(_("Grades were recorded concurrently; retry."), code="concurrent_update") from None
    GradeEntry.objects.bulk_update([e for e, _old in changed], ["numeric_value", "literal_value", "updated_at"])
    for entry in new_entries:
        histories.append(GradeHistory(entry=entry, action=GradeHistory.Action.RECORDED,
                                      new_value=_text(scale, entry.value), changed_by_id=actor_id))
    for entry, old_text in changed:
        histories.append(GradeHistory(entry=entry, action=GradeHistory.Action.UPDATED, old_value=old_text,
                                      new_value=_text(scale, entry.value), reason=reason, changed_by_id=actor_id))
    GradeHistory.objects.bulk_create(histories)
    for entry in new_entries:
        _publish_recorded(entry, entry.record, component, scale, actor)
    for entry, old_text in changed:
        _publish_updated(entry, entry.record, old_text, _text(scale, entry.value), reason, actor)
    return BulkResult(created=len(new_entries), updated=len(changed), unchanged=unchanged,
                      entries=tuple(new_entries) + tuple(e for e, _old in changed))


@transaction.atomic
def grade_update(*, scope: Scope, actor, entry_id: int, value, reason: str) -> GradeEntry:
    entry = GradeEntry.objects.in_scope(scope).select_for_update(of=("self",)).select_related("record", "component").filter(
        pk=entry_id).first()
    if entry is None:
        raise NotFound(_("Grade not found."), code="grade_not_found")
    record = entry.record
    _ensure_can_record(actor, section_id=record.section_id, course_id=record.course_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Invalid input."), fields={"reason": [_("A reason is required to change a grade.")]})
    _ensure_period_open(scope, record.period_id)
    scale = scale_for_section(_section(record.section_id))
    try:
        parsed = scale.parse(value)
    except ScaleError as exc:
        raise ValidationFailed(_("The grade is outside the scale."), code="out_of_scale",
                               fields={"value": [str(exc)]}) from None
    if entry.value == parsed:
        return entry
    old_text = _text(scale, entry.value)
    _store(entry, parsed)
    entry.save(update_fields=["numeric_value", "literal_value", "updated_at"])
    GradeHistory.objects.create(entry=entry, action=GradeHistory.Action.UPDATED, old_value=old_text,
                                new_value=_text(scale, parsed), reason=reason, changed_by_id=_actor_id(actor))
    _publish_updated(entry, record, old_text, _text(scale, parsed), reason, actor)
    return entry


# --- competencies ----------------------------------------------------------------------------


@transaction.atomic
def competency_evaluate(*, scope: Scope, actor, student_id: int, course_id: int, period_id: int, competency: str,
                        level: str, comment: str = "") -> CompetencyEvaluation:
    selectors.period_in_scope(scope=scope, period_id=period_id)
    record = _record_of(scope, student_id=student_id, course_id=course_id, period_id=period_id)
    if record is None:
        _no_record(scope, student_id)
    _ensure_can_record(actor, section_id=record.section_id, course_id=course_id)
    _ensure_period_open(scope, period_id)
    level = str(level or "").strip().upper()
    if level not in CompetencyLevel.values:
        raise ValidationFailed(_("Invalid input."), code="out_of_scale",
                               fields={"level": [_("Must be one of AD, A, B, C.")]})
    course = academic.get_course(scope=scope, course_id=course_id)
    allowed = selectors.competency_keys(course) if course else []
    if competency not in allowed:
        raise ValidationFailed(_("Invalid input."), fields={"competency": [_("Not a competency of the course.")]})
    evaluation, _created = CompetencyEvaluation.objects.update_or_create(
        record=record, competency=competency,
        defaults={"level": level, "comment": comment, "evaluated_by_id": _actor_id(actor)})
    publish("competency.evaluated", aggregate_id=evaluation.pk, aggregate_type="CompetencyEvaluation",
            payload=events.CompetencyEvaluated(
                competency_evaluation_id=evaluation.pk, student_id=student_id, course_id=course_id, period_id=period_id,
                section_id=record.section_id, competency=competency, level=level, evaluated_by=_actor_id(actor)))
    return evaluation


# --- periods -----------------------------------------------------------------------------------


@transaction.atomic
def period_close(*, scope: Scope, actor, period_id: int, note: str = "") -> PeriodClosure:
    """Close a period of a school the scope reaches (a foreign period is a 404 like an unknown one)."""
    if actor is not None and not auth.has_permission(actor, "grades.manage"):
        raise PermissionDenied(_("Only the school's management may close a period."), code="permission_denied")
    period = selectors.period_in_scope(scope=scope, period_id=period_id)
    closure = PeriodClosure.objects.select_for_update().filter(period_id=period_id).first()
    if closure is not None and closure.is_closed:
        raise Conflict(_("The period is already closed."), code="period_already_closed")
    now = timezone.now()
    if closure is None:
        closure = PeriodClosure.objects.create(period_id=period_id, closed_at=now, closed_by_id=_actor_id(actor),
                                               institution_id=period.institution_id, note=note)
    else:
        closure.is_closed, closure.closed_at, closure.closed_by_id, closure.note = True, now, _actor_id(actor), note
        closure.save()
    return closure


def may_reopen(actor) -> bool:
    return actor is not None and (actor.is_superuser or actor.user_type == "DIRECTOR")


@transaction.atomic
def period_reopen(*, scope: Scope, actor, period_id: int, reason: str) -> PeriodReopening:
    if not may_reopen(actor):
        raise PermissionDenied(_("Only a director may reopen a closed period."), code="director_only")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Invalid input."), fields={"reason": [_("A reason is required to reopen a period.")]})
    selectors.period_in_scope(scope=scope, period_id=period_id)
    closure = PeriodClosure.objects.in_scope(scope).select_for_update().filter(period_id=period_id).first()
    if closure is None or not closure.is_closed:
        raise Conflict(_("The period is not closed."), code="period_not_closed")
    closure.is_closed = False
    closure.save(update_fields=["is_closed"])
    return PeriodReopening.objects.create(closure=closure, reopened_by_id=actor.user_id, reason=reason)


# --- period average and performance alerts --------------------------------------------------------


@dataclass(frozen=True)
class PeriodAverage:
    record: GradeRecord
    result: averages.AverageResult
    alerts: tuple[str, ...]  # reasons emitted by this calculation


def _average_of(record: GradeRecord, scale: Scale) -> averages.AverageResult | None:
    plans = {(p.course_id, p.section_id): p for p in EvaluationPlan.objects.filter(
        course_id=record.course_id, period_id=record.period_id).prefetch_related("components")}
    plan = averages.plan_for(plans, course_id=record.course_id, section_id=record.section_id)
    if plan is None:
        return None
    values = {e.component_id: e.value for e in record.entries.all()}
    return averages.compute(plan.components.all(), values, scale)


def _previous_period_id(*, section, period_id: int) -> int | None:
    period = institution.get_period(period_id=period_id)
    if period is None:
        return None
    periods = institution.periods_of_year(institution_id=section.institution_id, year=period.year)
    earlier = [p for p in periods if p.number < period.number]
    return max(earlier, key=lambda p: p.number).id if earlier else None


@transaction.atomic
def period_average_calculate(*, scope: Scope, actor, student_id: int, course_id: int,
                             period_id: int) -> PeriodAverage:
    record = GradeRecord.objects.in_scope(scope).select_for_update().filter(
        student_id=student_id, course_id=course_id, period_id=period_id).order_by("-id").first()
    if record is None:
        raise NotFound(_("The student has no grade record for this course and period."), code="grade_record_not_found")
    section = _section(record.section_id)
    scale = scale_for_section(section)
    result = _average_of(record, scale)
    if result is None:
        raise BusinessRuleViolation(_("There are no grades to average for this course and period yet."),
                                    code="no_grades")
    record.average, record.average_display, record.average_calculated_at = (
        result.raw_average, result.average, timezone.now())
    record.save(update_fields=["average", "average_display", "average_calculated_at"])
    publish("period.average.calculated", aggregate_id=record.pk, aggregate_type="GradeRecord",
            payload=events.PeriodAverageCalculated(
                student_id=student_id, course_id=course_id, period_id=period_id, section_id=record.section_id,
                average=result.average, raw_average=str(result.raw_average), scale=result.scale,
                pass_mark=result.pass_mark, passed=result.passed, complete=result.complete))

    reasons: list[tuple[str, str | None]] = []
    if not result.passed:
        reasons.append((PerformanceAlert.Reason.BELOW_PASS_MARK, None))
    previous_id = _previous_period_id(section=section, period_id=period_id)
    if previous_id is not None:
        previous = _record_of(scope, student_id=student_id, course_id=course_id, period_id=previous_id)
        previous_result = None
        if previous is not None:
            previous_scale = scale if previous.section_id == section.id else scale_for_section(_section(previous.section_id))
            previous_result = _average_of(previous, previous_scale)
        if previous_result is not None:
            threshold = Decimal(str(institution.performance_alert_rules(institution_id=section.institution_id).drop_threshold))
            drop = previous_result.points - result.points
            if drop > 0 and drop >= threshold:
                reasons.append((PerformanceAlert.Reason.DROP, previous_result.average))
    emitted = []
    for reason, previous_average in reasons:
        _alert, created = PerformanceAlert.objects.get_or_create(
            student_id=student_id, course_id=course_id, period_id=period_id, reason=reason,
            defaults={"section_id": record.section_id, "institution_id": record.institution_id,
                      "average": result.average, "pass_mark": result.pass_mark,
                      "previous_average": previous_average or ""})
        if created:
            emitted.append(str(reason))
            publish("student.performance.alert", aggregate_id=student_id, aggregate_type="Student",
                    payload=events.StudentPerformanceAlert(
                        student_id=student_id, course_id=course_id, period_id=period_id, section_id=record.section_id,
                        average=result.average, pass_mark=result.pass_mark, reason=str(reason),
                        previous_average=previous_average))
    return PeriodAverage(record=record, result=result, alerts=tuple(emitted))
