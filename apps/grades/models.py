"""Grades and evaluation: plans, grade records and entries, history, competencies, period closures.

Other contexts' entities are referenced by id only (course_id, period_id, section_id, student_id,
enrollment_id, user ids); their contracts answer questions about them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.tenancy import TenantQuerySet


class ComponentQuerySet(TenantQuerySet):
    tenant_field = "plan__institution_id"


class EntryQuerySet(TenantQuerySet):
    tenant_field = "record__institution_id"


class HistoryQuerySet(TenantQuerySet):
    tenant_field = "entry__record__institution_id"


class CompetencyQuerySet(TenantQuerySet):
    tenant_field = "record__institution_id"


class ComponentKind(models.TextChoices):
    EXAM = "EXAM", _("Exam")
    ASSIGNMENT = "ASSIGNMENT", _("Assignment")
    PARTICIPATION = "PARTICIPATION", _("Participation")
    PROJECT = "PROJECT", _("Project")
    QUIZ = "QUIZ", _("Quiz")
    PRACTICE = "PRACTICE", _("Practical work")
    OTHER = "OTHER", _("Other")


class CompetencyLevel(models.TextChoices):
    AD = "AD", _("AD — outstanding achievement")
    A = "A", _("A — expected achievement")
    B = "B", _("B — in progress")
    C = "C", _("C — beginning")


class EvaluationPlan(models.Model):
    """How a course is evaluated in a period. `section_id` NULL: the plan applies to every section
    taking the course (the course belongs to one grade level); a section's own plan overrides it."""

    course_id = models.BigIntegerField(_("course"), db_index=True)
    period_id = models.BigIntegerField(_("period"), db_index=True)
    section_id = models.BigIntegerField(_("section"), null=True, blank=True, db_index=True,
                                        help_text=_("Empty: the plan applies to every section of the course."))
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    name = models.CharField(_("name"), max_length=120)
    created_by_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation plan")
        verbose_name_plural = _("evaluation plans")
        ordering = ["period_id", "course_id", "section_id"]
        constraints = [
            models.UniqueConstraint(fields=["course_id", "period_id", "section_id"], name="grades_plan_unique_section",
                                    condition=Q(section_id__isnull=False)),
            models.UniqueConstraint(fields=["course_id", "period_id"], name="grades_plan_unique_course_wide",
                                    condition=Q(section_id__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.name


class EvaluationComponent(models.Model):
    plan = models.ForeignKey(EvaluationPlan, on_delete=models.CASCADE, related_name="components",
                             verbose_name=_("evaluation plan"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=ComponentKind.choices)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ComponentQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation component")
        verbose_name_plural = _("evaluation components")
        ordering = ["plan_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="grades_component_name_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight}%)"


class GradeRecord(models.Model):
    """A student's grade sheet for one course in one period, created when the student is enrolled."""

    enrollment_id = models.BigIntegerField(_("enrollment"), db_index=True)
    student_id = models.BigIntegerField(_("student"), db_index=True)
    section_id = models.BigIntegerField(_("section"), db_index=True)
    course_id = models.BigIntegerField(_("course"), db_index=True)
    period_id = models.BigIntegerField(_("period"), db_index=True)
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    average = models.DecimalField(_("period average (points)"), max_digits=7, decimal_places=4, null=True, blank=True,
                                  help_text=_("Raw weighted mean of the last calculation, before rounding."))
    average_display = models.CharField(_("period average"), max_length=8, blank=True)
    average_calculated_at = models.DateTimeField(_("average calculated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("grade record")
        verbose_name_plural = _("grade records")
        ordering = ["period_id", "section_id", "course_id", "student_id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment_id", "course_id", "period_id"], name="grades_record_unique"),
        ]
        indexes = [models.Index(fields=["student_id", "period_id"], name="grades_record_student_period")]

    def __str__(self) -> str:
        return f"student {self.student_id} · course {self.course_id} · period {self.period_id}"


class GradeEntry(models.Model):
    """One value of one component for one student. Numeric scales: `numeric_value` (exact Decimal);
    LITERAL: `literal_value` (AD/A/B/C)."""

    record = models.ForeignKey(GradeRecord, on_delete=models.CASCADE, related_name="entries",
                               verbose_name=_("grade record"))
    component = models.ForeignKey(EvaluationComponent, on_delete=models.PROTECT, related_name="entries",
                                  verbose_name=_("component"))
    numeric_value = models.DecimalField(_("value"), max_digits=6, decimal_places=2, null=True, blank=True)
    literal_value = models.CharField(_("literal value"), max_length=2, blank=True, choices=CompetencyLevel.choices)
    recorded_by_id = models.BigIntegerField(_("recorded by"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("grade entry")
        verbose_name_plural = _("grade entries")
        ordering = ["record_id", "component__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "component"], name="grades_entry_unique"),
            models.CheckConstraint(condition=Q(numeric_value__isnull=False) | ~Q(literal_value=""),
                                   name="grades_entry_has_value"),
        ]

    def __str__(self) -> str:
        return f"{self.component_id}: {self.value}"

    @property
    def value(self):
        return self.literal_value if self.literal_value else self.numeric_value


class GradeHistory(models.Model):
    """Every change of a grade entry: who, when, old and new value, why. Never edited."""

    class Action(models.TextChoices):
        RECORDED = "RECORDED", _("Recorded")
        UPDATED = "UPDATED", _("Updated")

    entry = models.ForeignKey(GradeEntry, on_delete=models.CASCADE, related_name="history", verbose_name=_("grade entry"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    old_value = models.CharField(_("old value"), max_length=16, blank=True)
    new_value = models.CharField(_("new value"), max_length=16)
    reason = models.TextField(_("reason"), blank=True)
    changed_by_id = models.BigIntegerField(_("changed by"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("grade history")
        verbose_name_plural = _("grade history")
        ordering = ["entry_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.old_value or '∅'} → {self.new_value}"


class CompetencyEvaluation(models.Model):
    """The achievement level (AD/A/B/C) of a student in one competency of a course in a period."""

    record = models.ForeignKey(GradeRecord, on_delete=models.CASCADE, related_name="competency_evaluations",
                               verbose_name=_("grade record"))
    competency = models.CharField(_("competency"), max_length=200)
    level = models.CharField(_("level"), max_length=2, choices=CompetencyLevel.choices)
    comment = models.TextField(_("comment"), blank=True)
    evaluated_by_id = models.BigIntegerField(_("evaluated by"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), auto_now=True)

    objects = CompetencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("competency evaluation")
        verbose_name_plural = _("competency evaluations")
        ordering = ["record_id", "competency"]
        constraints = [models.UniqueConstraint(fields=["record", "competency"], name="grades_competency_unique")]

    def __str__(self) -> str:
        return f"{self.competency}: {self.level}"


class PeriodClosure(models.Model):
    """A period's grades frozen institution-wide (a period belongs to one institution)."""

    period_id = models.BigIntegerField(_("period"), unique=True)
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    is_closed = models.BooleanField(_("closed"), default=True)
    closed_at = models.DateTimeField(_("closed at"))
    closed_by_id = models.BigIntegerField(_("closed by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("period closure")
        verbose_name_plural = _("period closures")
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return f"period {self.period_id} ({'closed' if self.is_closed else 'reopened'})"


class PeriodReopening(models.Model):
    """Audit of a closed period reopened by a director."""

    closure = models.ForeignKey(PeriodClosure, on_delete=models.CASCADE, related_name="reopenings",
                                verbose_name=_("period closure"))
    reopened_by_id = models.BigIntegerField(_("reopened by"))
    reopened_at = models.DateTimeField(_("reopened at"), auto_now_add=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("period reopening")
        verbose_name_plural = _("period reopenings")
        ordering = ["-reopened_at"]

    def __str__(self) -> str:
        return f"{self.closure.period_id} @ {self.reopened_at:%Y-%m-%d}"


class PerformanceAlert(models.Model):
    """A `student.performance.alert` emitted: at most one per (student, course, period, reason)."""

    class Reason(models.TextChoices):
        BELOW_PASS_MARK = "BELOW_PASS_MARK", _("Below the pass mark")
        DROP = "DROP", _("Drop from the previous period")

    student_id = models.BigIntegerField(_("student"), db_index=True)
    course_id = models.BigIntegerField(_("course"))
    period_id = models.BigIntegerField(_("period"), db_index=True)
    section_id = models.BigIntegerField(_("section"))
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    average = models.CharField(_("average"), max_length=8)
    pass_mark = models.CharField(_("pass mark"), max_length=8)
    previous_average = models.CharField(_("previous average"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("performance alert")
        verbose_name_plural = _("performance alerts")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["student_id", "course_id", "period_id", "reason"],
                                               name="grades_alert_once")]

    def __str__(self) -> str:
        return f"{self.reason} · student {self.student_id} · course {self.course_id}"
