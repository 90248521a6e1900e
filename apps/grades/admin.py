"""Staff UI for grades: plans with their components, grade sheets, read-only history and closures."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.grades.models import (
    CompetencyEvaluation,
    EvaluationComponent,
    EvaluationPlan,
    GradeEntry,
    GradeHistory,
    GradeRecord,
    PerformanceAlert,
    PeriodClosure,
    PeriodReopening,
)
from apps.users import contracts as users
from common.admin import TenantAdmin, TenantTabularInline
from common.tenancy import SYSTEM


def _section_school(section_id: int) -> int | None:
    from apps.academic import contracts as academic

    section = academic.get_section(scope=SYSTEM, section_id=section_id)
    return section.institution_id if section else None


def _course_school(course_id: int) -> int | None:
    from apps.academic import contracts as academic

    course = academic.get_course(scope=SYSTEM, course_id=course_id)
    return course.institution_id if course else None


def _period_school(period_id: int) -> int | None:
    from apps.institution import contracts as institution

    period = institution.get_period(period_id=period_id)
    return period.institution_id if period else None


def _user_school(user_id: int) -> int | None:
    summary = users.user_security_summary(user_id=user_id)
    return summary.institution_id if summary else None


class ReadOnlyAdmin(TenantAdmin):
    """History must not be edited: view only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EvaluationComponentInline(TenantTabularInline):
    model = EvaluationComponent
    tenant_field = "plan__institution_id"
    extra = 0
    fields = ["position", "name", "kind", "weight"]


@admin.register(EvaluationPlan)
class EvaluationPlanAdmin(TenantAdmin):
    tenant_references = {"course_id": _course_school, "period_id": _period_school, "section_id": _section_school}
    list_display = ["name", "course_id", "period_id", "section_id", "total_weight", "updated_at"]
    list_filter = ["period_id"]
    search_fields = ["name", "=course_id", "=section_id"]
    inlines = [EvaluationComponentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("components")

    @admin.display(description=_("total weight (%)"))
    def total_weight(self, obj):
        return sum(c.weight for c in obj.components.all())


class GradeEntryInline(TenantTabularInline):
    model = GradeEntry
    tenant_field = "record__institution_id"
    extra = 0
    fields = ["component", "numeric_value", "literal_value", "recorded_by_id", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GradeRecord)
class GradeRecordAdmin(TenantAdmin):
    list_display = ["id", "student_id", "course_id", "section_id", "period_id", "average_display", "enrollment_id",
                    "report_card"]
    list_filter = ["period_id", "section_id", "course_id"]
    search_fields = ["=student_id", "=enrollment_id"]
    readonly_fields = ["enrollment_id", "student_id", "section_id", "course_id", "period_id", "institution_id",
                       "average", "average_display", "average_calculated_at", "created_at", "report_card"]
    inlines = [GradeEntryInline]

    def has_add_permission(self, request):
        return False  # grade records are created when a student is enrolled (grades services)

    @admin.display(description=_("report card"))
    def report_card(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        url = reverse("grades:report-card", kwargs={"student_id": obj.student_id, "period_id": obj.period_id})
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Print"))


class GradeHistoryInline(TenantTabularInline):
    model = GradeHistory
    tenant_field = "entry__record__institution_id"
    extra = 0
    fields = ["action", "old_value", "new_value", "reason", "changed_by_id", "changed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GradeEntry)
class GradeEntryAdmin(ReadOnlyAdmin):
    """Grades are changed through the API (a reason is required and kept in the history)."""

    list_display = ["id", "record", "component", "numeric_value", "literal_value", "recorded_by_id", "updated_at"]
    list_filter = ["record__period_id", "record__section_id", "record__course_id", "component__kind"]
    search_fields = ["=record__student_id", "component__name"]
    list_select_related = ["record", "component"]
    inlines = [GradeHistoryInline]
    tenant_field = "record__institution_id"
    tenant_owner_field = None


@admin.register(GradeHistory)
class GradeHistoryAdmin(ReadOnlyAdmin):
    list_display = ["entry", "action", "old_value", "new_value", "reason", "changed_by_id", "changed_at"]
    list_filter = ["action", "entry__record__period_id", "entry__record__section_id"]
    search_fields = ["=entry__record__student_id", "reason"]
    list_select_related = ["entry"]
    tenant_field = "entry__record__institution_id"
    tenant_owner_field = None


@admin.register(CompetencyEvaluation)
class CompetencyEvaluationAdmin(TenantAdmin):
    tenant_field = "record__institution_id"
    tenant_owner_field = None
    tenant_references = {"evaluated_by_id": _user_school}
    list_display = ["record", "competency", "level", "evaluated_by_id", "evaluated_at"]
    list_filter = ["level", "record__period_id", "record__section_id", "record__course_id"]
    search_fields = ["competency", "=record__student_id"]
    list_select_related = ["record"]


class PeriodReopeningInline(TenantTabularInline):
    model = PeriodReopening
    tenant_field = "closure__institution_id"
    extra = 0
    fields = ["reopened_by_id", "reopened_at", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PeriodClosure)
class PeriodClosureAdmin(ReadOnlyAdmin):
    """Closing and reopening go through the API (reopen: a director, with a reason)."""

    list_display = ["period_id", "is_closed", "closed_at", "closed_by_id", "institution_id"]
    list_filter = ["is_closed", "institution_id"]
    search_fields = ["=period_id"]
    inlines = [PeriodReopeningInline]


@admin.register(PerformanceAlert)
class PerformanceAlertAdmin(ReadOnlyAdmin):
    list_display = ["student_id", "course_id", "period_id", "reason", "average", "pass_mark", "previous_average",
                    "created_at"]
    list_filter = ["reason", "period_id"]
    search_fields = ["=student_id", "=course_id"]
