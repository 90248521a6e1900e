from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from apps.institution import services
from apps.institution.models import CalendarYear, Campus, GradingScale, Holiday, Institution, InstitutionConfig, Period
from common.admin import TenantAdmin, TenantStackedInline, TenantTabularInline
from common.errors import DomainError
from common.tenancy import request_scope


class CampusInline(TenantTabularInline):
    model = Campus
    extra = 0
    fields = ("code", "name", "address", "is_main", "is_active")


class ConfigInline(TenantStackedInline):
    model = InstitutionConfig
    can_delete = False
    extra = 0


class GradingScaleInline(TenantTabularInline):
    model = GradingScale
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(TenantAdmin):
    """A school's staff see and edit only their own school; creating or deleting a school is network-wide."""

    tenant_field = "id"
    tenant_owner_field = None
    list_display = ("code", "name", "city", "timezone", "is_active")
    list_filter = ("is_active", "city")
    search_fields = ("code", "name", "city")
    inlines = (ConfigInline, GradingScaleInline, CampusInline)

    def has_add_permission(self, request) -> bool:
        return self.tenant_scope(request).is_network and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.tenant_scope(request).is_network and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        InstitutionConfig.objects.get_or_create(institution=obj)


@admin.register(Campus)
class CampusAdmin(TenantAdmin):
    tenant_owner_field = "institution"
    list_display = ("code", "name", "institution", "is_main", "is_active")
    list_filter = ("is_active", "is_main", "institution")
    search_fields = ("code", "name", "institution__name")
    list_select_related = ("institution",)


class PeriodInline(TenantTabularInline):
    model = Period
    tenant_field = "calendar_year__institution_id"
    extra = 0
    fields = ("number", "name", "start_date", "end_date")


@admin.register(CalendarYear)
class CalendarYearAdmin(TenantAdmin):
    tenant_owner_field = "institution"
    list_display = ("year", "institution", "start_date", "end_date", "period_type")
    list_filter = ("year", "period_type", "institution")
    search_fields = ("institution__name", "institution__code")
    list_select_related = ("institution",)
    inlines = (PeriodInline,)
    actions = ("generate_periods",)

    @admin.action(description=_("Generate the periods from the configuration (replacing existing ones)"))
    def generate_periods(self, request, queryset):
        for cal in queryset:
            try:
                services.periods_generate(scope=request_scope(request), calendar_year_id=cal.pk, replace=True)
            except DomainError as exc:
                self.message_user(request, f"{cal}: {exc.message}", messages.ERROR)
        self.message_user(request, _("Periods generated."), messages.SUCCESS)


@admin.register(Holiday)
class HolidayAdmin(TenantAdmin):
    tenant_owner_field = "institution"
    list_display = ("date", "name", "institution")
    list_filter = ("institution",)
    search_fields = ("name",)
    date_hierarchy = "date"
    list_select_related = ("institution",)
