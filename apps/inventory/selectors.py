"""Inventory reads, always through the caller's scope (common.tenancy): another school's room, asset,
loan or booking is simply not there (404 like an unknown id)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, Func, IntegerField, Q, QuerySet
from django.utils.translation import gettext as _

from apps.inventory.models import (
    Asset,
    AssetHistory,
    Consumable,
    Loan,
    MaintenanceRequest,
    Room,
    RoomBooking,
    StockMovement,
    Stocktake,
)
from common.errors import NotFound
from common.tenancy import Scope


def rooms_list(*, scope: Scope) -> QuerySet[Room]:
    return Room.objects.in_scope(scope)


def room_get(*, scope: Scope, room_id: int) -> Room:
    room = rooms_list(scope=scope).filter(pk=room_id).first()
    if room is None:
        raise NotFound(_("Room not found."), code="room_not_found")
    return room


def assets_list(*, scope: Scope) -> QuerySet[Asset]:
    return Asset.objects.in_scope(scope).select_related("room")


def asset_get(*, scope: Scope, asset_id: int) -> Asset:
    asset = assets_list(scope=scope).filter(pk=asset_id).first()
    if asset is None:
        raise NotFound(_("Asset not found."), code="asset_not_found")
    return asset


def asset_history(*, scope: Scope, asset_id: int) -> QuerySet[AssetHistory]:
    asset = asset_get(scope=scope, asset_id=asset_id)
    return AssetHistory.objects.in_scope(scope).filter(asset=asset).order_by("at", "id")


def loans_list(*, scope: Scope, borrower_id: int | None = None, open_only: bool = False) -> QuerySet[Loan]:
    loans = Loan.objects.in_scope(scope).select_related("asset")
    if borrower_id is not None:
        loans = loans.filter(borrower_id=borrower_id)
    if open_only:
        loans = loans.filter(returned_at__isnull=True)
    return loans


def loan_get(*, scope: Scope, loan_id: int) -> Loan:
    loan = loans_list(scope=scope).filter(pk=loan_id).first()
    if loan is None:
        raise NotFound(_("Loan not found."), code="loan_not_found")
    return loan


def overdue_loans(*, scope: Scope, today: date) -> QuerySet[Loan]:
    return loans_list(scope=scope, open_only=True).filter(due_on__lt=today).order_by("due_on", "id")


def bookings_list(*, scope: Scope, room_id: int | None = None) -> QuerySet[RoomBooking]:
    bookings = RoomBooking.objects.in_scope(scope).select_related("room")
    if room_id is not None:
        bookings = bookings.filter(room_id=room_id)
    return bookings


def booking_get(*, scope: Scope, booking_id: int) -> RoomBooking:
    booking = bookings_list(scope=scope).filter(pk=booking_id).first()
    if booking is None:
        raise NotFound(_("Booking not found."), code="booking_not_found")
    return booking


def consumables_list(*, scope: Scope) -> QuerySet[Consumable]:
    return Consumable.objects.in_scope(scope).prefetch_related("stock_levels")


def consumable_get(*, scope: Scope, consumable_id: int) -> Consumable:
    consumable = Consumable.objects.in_scope(scope).filter(pk=consumable_id).first()
    if consumable is None:
        raise NotFound(_("Consumable not found."), code="consumable_not_found")
    return consumable


def stock_movements(*, scope: Scope, consumable_id: int) -> QuerySet[StockMovement]:
    consumable = consumable_get(scope=scope, consumable_id=consumable_id)
    return StockMovement.objects.in_scope(scope).filter(stock__consumable=consumable).select_related("stock")


def stocktakes_list(*, scope: Scope) -> QuerySet[Stocktake]:
    return Stocktake.objects.in_scope(scope).select_related("room").defer("scanned_codes").annotate(
        scanned_count=Func(F("scanned_codes"), function="jsonb_array_length", output_field=IntegerField()),
        open_discrepancies=Count("discrepancies", filter=Q(discrepancies__resolution="")),
        discrepancy_count=Count("discrepancies")).order_by("-started_at", "-id")


def stocktake_get(*, scope: Scope, stocktake_id: int) -> Stocktake:
    stocktake = Stocktake.objects.in_scope(scope).filter(pk=stocktake_id).select_related("room").first()
    if stocktake is None:
        raise NotFound(_("Stocktake not found."), code="stocktake_not_found")
    return stocktake


def stocktake_report(*, scope: Scope, stocktake_id: int) -> Stocktake:
    stocktake = stocktakes_list(scope=scope).filter(pk=stocktake_id).prefetch_related("discrepancies").first()
    if stocktake is None:
        raise NotFound(_("Stocktake not found."), code="stocktake_not_found")
    return stocktake


def maintenance_list(*, scope: Scope, asset_id: int | None = None, status: str | None = None
                     ) -> QuerySet[MaintenanceRequest]:
    requests = MaintenanceRequest.objects.in_scope(scope).select_related("asset")
    if asset_id is not None:
        requests = requests.filter(asset_id=asset_id)
    if status:
        requests = requests.filter(status=status)
    return requests


def maintenance_get(*, scope: Scope, request_id: int) -> MaintenanceRequest:
    request = maintenance_list(scope=scope).filter(pk=request_id).first()
    if request is None:
        raise NotFound(_("Maintenance request not found."), code="maintenance_not_found")
    return request
