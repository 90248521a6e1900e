"""Staff UI for inventory: rooms, assets (with their history inline, read-only), loans, overdue notices and
room bookings — every screen scoped to the staff member's school (common.admin.TenantAdmin)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.inventory.models import (
    Asset,
    AssetHistory,
    Consumable,
    Loan,
    MaintenanceRequest,
    OverdueNotice,
    Room,
    RoomBooking,
    StockLevel,
    StockMovement,
    Stocktake,
    StocktakeDiscrepancy,
)
from apps.users import contracts as users
from common.admin import TenantAdmin, TenantTabularInline
from common.tenancy import SYSTEM


def _user_school(user_id: int) -> int | None:
    summary = users.user_security_summary(user_id=user_id)
    return summary.institution_id if summary else None


def _campus_school(campus_id: int) -> int | None:
    from apps.institution import contracts as institution

    campus = institution.get_campus(scope=SYSTEM, campus_id=campus_id)
    return campus.institution_id if campus else None


@admin.register(Room)
class RoomAdmin(TenantAdmin):
    list_display = ("code", "name", "kind", "capacity", "campus_id", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    tenant_references = {"campus_id": _campus_school}


class AssetHistoryInline(TenantTabularInline):
    model = AssetHistory
    extra = 0
    can_delete = False
    fields = ("at", "action", "changes", "changed_by_id")
    readonly_fields = fields
    verbose_name_plural = _("history")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Asset)
class AssetAdmin(TenantAdmin):
    list_display = ("code", "barcode", "name", "category", "room", "condition", "status", "responsible_staff_id")
    list_filter = ("status", "condition", "category")
    search_fields = ("code", "barcode", "name", "serial_number")
    list_select_related = ("room",)
    readonly_fields = ("status", "created_at", "updated_at")
    inlines = [AssetHistoryInline]
    tenant_references = {"campus_id": _campus_school, "responsible_staff_id": _user_school}


@admin.register(Loan)
class LoanAdmin(TenantAdmin):
    list_display = ("asset", "borrower_id", "borrower_kind", "checked_out_at", "due_on", "returned_at", "renewals")
    list_filter = ("borrower_kind", "due_on")
    search_fields = ("=borrower_id", "asset__code", "asset__name")
    list_select_related = ("asset",)
    readonly_fields = ("checked_out_at", "returned_at", "checked_out_by_id", "returned_by_id", "renewals")
    tenant_references = {"borrower_id": _user_school}


@admin.register(OverdueNotice)
class OverdueNoticeAdmin(TenantAdmin):
    list_display = ("loan", "rule", "days_overdue", "sent_at")
    list_filter = ("rule",)
    readonly_fields = ("loan", "rule", "days_overdue", "sent_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RoomBooking)
class RoomBookingAdmin(TenantAdmin):
    list_display = ("room", "title", "starts_at", "ends_at", "status", "booked_by_id")
    list_filter = ("status",)
    search_fields = ("title", "room__code")
    list_select_related = ("room",)
    date_hierarchy = "starts_at"
    tenant_references = {"booked_by_id": _user_school}


class StockLevelInline(TenantTabularInline):
    model = StockLevel
    extra = 0
    fields = ("campus_id", "quantity", "low")
    readonly_fields = fields
    verbose_name_plural = _("stock per campus")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Consumable)
class ConsumableAdmin(TenantAdmin):
    list_display = ("code", "name", "unit", "reorder_threshold")
    search_fields = ("code", "name")
    inlines = [StockLevelInline]


@admin.register(StockMovement)
class StockMovementAdmin(TenantAdmin):
    list_display = ("stock", "kind", "delta", "quantity_after", "reason", "at", "by_id")
    list_filter = ("kind",)
    list_select_related = ("stock",)
    readonly_fields = ("stock", "kind", "delta", "quantity_after", "reason", "at", "by_id")

    def has_add_permission(self, request) -> bool:
        return False


class DiscrepancyInline(TenantTabularInline):
    model = StocktakeDiscrepancy
    extra = 0
    can_delete = False
    fields = ("kind", "code", "asset", "expected_room", "resolution", "note", "resolved_at", "resolved_by_id")
    readonly_fields = fields
    verbose_name_plural = _("discrepancy report")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Stocktake)
class StocktakeAdmin(TenantAdmin):
    """The stocktake screen: the count and its discrepancy report (resolved through the API's services, so the
    assets' history and events stay right)."""

    list_display = ("title", "room", "campus_id", "status", "started_at", "closed_at")
    list_filter = ("status",)
    search_fields = ("title", "room__code")
    list_select_related = ("room",)
    readonly_fields = ("status", "scanned_codes", "started_at", "started_by_id", "closed_at")
    inlines = [DiscrepancyInline]
    tenant_references = {"campus_id": _campus_school}


@admin.register(StocktakeDiscrepancy)
class StocktakeDiscrepancyAdmin(TenantAdmin):
    list_display = ("stocktake", "kind", "code", "asset", "expected_room", "resolution", "resolved_at")
    list_filter = ("kind", "resolution")
    search_fields = ("code",)
    list_select_related = ("stocktake", "asset", "expected_room")
    readonly_fields = ("stocktake", "kind", "code", "asset", "expected_room", "resolution", "note", "resolved_at",
                       "resolved_by_id")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(MaintenanceRequest)
class MaintenanceRequestAdmin(TenantAdmin):
    list_display = ("asset", "title", "priority", "status", "opened_at", "closed_at")
    list_filter = ("status", "priority")
    search_fields = ("title", "asset__code", "asset__name")
    list_select_related = ("asset",)
    readonly_fields = ("status", "opened_at", "opened_by_id", "started_at", "closed_at", "closed_by_id")
