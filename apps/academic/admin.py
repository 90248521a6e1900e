"""Staff UI of the academic context. Enrollment history is read-only: rows change only through the
services (transfer, withdrawal, rollover), never by hand."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from apps.academic import services
from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section
from apps.users import contracts as users
from common.admin import TenantAdmin, TenantTabularInline
from common.errors import DomainError
from common.tenancy import request_scope


@admin.register(AcademicYear)
class AcademicYearAdmin(TenantAdmin):
    list_display = ["year", "institution_id", "status", "start_date", "end_date"]
    list_filter = ["status", "year"]
    search_fields = ["year"]
    readonly_fields = ["status", "created_at", "updated_at"]
    actions = ["start_year", "rollover_to_next_year"]

    @admin.action(description=_("Start the selected academic year"))
    def start_year(self, request, queryset):
        for year in queryset:
            try:
                services.academic_year_start(scope=request_scope(request), academic_year_id=year.pk)
                self.message_user(request, _("Academic year %(year)s started.") % {"year": year.year})
            except DomainError as exc:
                self.message_user(request, f"{year.year}: {exc.message}", level=messages.ERROR)

    @admin.action(description=_("Roll enrollments over to the next year (preview first)"))
    def rollover_to_next_year(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one academic year."), level=messages.ERROR)
            return None
        source = queryset.get()
        kwargs = {"scope": request_scope(request), "institution_id": source.institution_id,
                  "from_year": source.year, "to_year": source.year + 1}
        try:
            if request.POST.get("confirm") == "yes":
                plan = services.rollover_execute(**kwargs)
                self.message_user(request, _("Rollover %(from)s → %(to)s done: %(created)s enrollments created; "
                                             "%(summary)s") % {"from": plan.from_year, "to": plan.to_year,
                                                               "created": len(plan.created_enrollment_ids),
                                                               "summary": plan.summary()})
                return None
            plan = services.rollover_plan(**kwargs)
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return None
        return TemplateResponse(request, "admin/academic/rollover_preview.html", {
            **self.admin_site.each_context(request), "title": _("Rollover preview"), "plan": plan,
            "summary": plan.summary(), "source": source, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })


@admin.register(GradeLevel)
class GradeLevelAdmin(TenantAdmin):
    list_display = ["name", "level", "number", "order", "institution_id"]
    list_filter = ["level", "institution_id"]
    search_fields = ["name"]
    ordering = ["institution_id", "order"]


@admin.register(Course)
class CourseAdmin(TenantAdmin):
    list_display = ["code", "name", "area", "grade_level", "hours_per_week", "institution_id"]
    list_filter = ["grade_level__level", "grade_level", "area"]
    search_fields = ["code", "name", "area"]
    list_select_related = ["grade_level"]


@admin.register(CurriculumEntry)
class CurriculumEntryAdmin(TenantAdmin):
    tenant_field = "academic_year__institution_id"
    tenant_owner_field = None
    list_display = ["academic_year", "course", "created_at"]
    list_filter = ["academic_year__year", "course__grade_level"]
    search_fields = ["course__code", "course__name"]
    list_select_related = ["academic_year", "course"]


class RosterInline(TenantTabularInline):
    model = Enrollment
    fields = ["code", "student_id", "status", "start_date", "end_date", "enrollment_type"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("roster (all enrollment rows)")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _user_school(user_id: int) -> int | None:
    summary = users.user_security_summary(user_id=user_id)
    return summary.institution_id if summary else None


@admin.register(Section)
class SectionAdmin(TenantAdmin):
    list_display = ["code", "name", "grade_level", "academic_year", "capacity", "enrolled", "tutor_id", "campus_id",
                    "shift"]
    list_filter = ["academic_year__year", "grade_level__level", "grade_level", "shift", "campus_id"]
    search_fields = ["code", "name"]
    list_select_related = ["grade_level", "academic_year"]
    readonly_fields = ["code", "institution_id", "created_at"]
    inlines = [RosterInline]
    tenant_references = {"tutor_id": _user_school}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ACTIVE)))

    @admin.display(description=_("enrolled"), ordering="_enrolled")
    def enrolled(self, section) -> int:
        return section._enrolled


@admin.register(Enrollment)
class EnrollmentAdmin(TenantAdmin):
    list_display = ["code", "student_id", "section", "academic_year", "status", "enrollment_type", "start_date",
                    "end_date", "promotion_decision"]
    list_filter = ["academic_year__year", "status", "enrollment_type", "promotion_decision", "section"]
    search_fields = ["code", "=student_id", "section__code"]
    list_select_related = ["section", "academic_year"]
    # History is never edited by hand; only the year-end decision is staff input.
    readonly_fields = ["code", "institution_id", "student_id", "academic_year", "section", "enrollment_type",
                       "previous_institution", "enrollment_date", "status", "status_reason", "seat_assigned_at",
                       "start_date", "end_date", "previous_enrollment", "saga_id", "created_at", "updated_at"]
    fields = [*readonly_fields[:13], "promotion_decision", *readonly_fields[13:]]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
