"""Inventory tables: rooms, assets with their dated history, loans (and the overdue reminders already
sent), and ad-hoc room bookings.

Every row belongs to one school (`institution_id`, required) and is read through the caller's scope
(common.tenancy). No foreign key leaves the context: campuses, students and staff are integer ids
owned by other contexts."""

from __future__ import annotations

from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.inventory.constraints import PostgresExclusionConstraint, TsTzRange
from common.tenancy import TenantQuerySet


class RoomKind(models.TextChoices):
    CLASSROOM = "CLASSROOM", _("Classroom")
    LAB = "LAB", _("Laboratory")
    LIBRARY = "LIBRARY", _("Library")
    GYM = "GYM", _("Gym")
    AUDITORIUM = "AUDITORIUM", _("Auditorium")
    OFFICE = "OFFICE", _("Office")
    STORAGE = "STORAGE", _("Storage room")
    OTHER = "OTHER", _("Other")


class Room(models.Model):
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    campus_id = models.BigIntegerField(_("campus"), null=True, blank=True, db_index=True)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=RoomKind.choices, default=RoomKind.CLASSROOM)
    capacity = models.PositiveIntegerField(_("capacity"), default=0)
    equipment = models.JSONField(_("equipment"), default=list, blank=True,
                                 help_text=_("What the room has: projector, whiteboard, sinks…"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["institution_id", "code"]
        constraints = [models.UniqueConstraint(fields=["institution_id", "code"], name="inventory_room_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AssetStatus(models.TextChoices):
    IN_USE = "IN_USE", _("In use")
    ON_LOAN = "ON_LOAN", _("On loan")
    IN_REPAIR = "IN_REPAIR", _("In repair")
    RETIRED = "RETIRED", _("Retired")


class AssetCondition(models.TextChoices):
    NEW = "NEW", _("New")
    GOOD = "GOOD", _("Good")
    FAIR = "FAIR", _("Fair")
    POOR = "POOR", _("Poor")
    BROKEN = "BROKEN", _("Broken")


class Asset(models.Model):
    """An item the school owns: school code (unique per school) and a barcode/QR value on its label."""

    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    code = models.CharField(_("code"), max_length=40)
    barcode = models.CharField(_("barcode / QR value"), max_length=64)
    name = models.CharField(_("name"), max_length=160)
    category = models.CharField(_("category"), max_length=60, blank=True)
    campus_id = models.BigIntegerField(_("campus"), null=True, blank=True, db_index=True)
    room = models.ForeignKey(Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="assets")
    condition = models.CharField(_("condition"), max_length=8, choices=AssetCondition.choices,
                                 default=AssetCondition.GOOD)
    serial_number = models.CharField(_("serial number"), max_length=80, blank=True)
    acquired_on = models.DateField(_("acquisition date"), null=True, blank=True)
    acquisition_value = models.DecimalField(_("acquisition value"), max_digits=12, decimal_places=2, null=True,
                                            blank=True)
    responsible_staff_id = models.BigIntegerField(_("responsible staff member"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AssetStatus.choices, default=AssetStatus.IN_USE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["institution_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution_id", "code"], name="inventory_asset_code_unique"),
            models.UniqueConstraint(fields=["institution_id", "barcode"], name="inventory_asset_barcode_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AssetAction(models.TextChoices):
    REGISTERED = "REGISTERED", _("Registered")
    MOVED = "MOVED", _("Moved")
    CHANGED = "CHANGED", _("Changed")
    LOANED = "LOANED", _("Loaned")
    RETURNED = "RETURNED", _("Returned")
    RETIRED = "RETIRED", _("Retired")


class AssetHistory(models.Model):
    """One dated line per move or change of an asset (never edited)."""

    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="history")
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    at = models.DateTimeField(_("when"))
    action = models.CharField(_("action"), max_length=10, choices=AssetAction.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    changed_by_id = models.BigIntegerField(_("changed by"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("asset history entry")
        verbose_name_plural = _("asset history")
        ordering = ["asset_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.at:%Y-%m-%d %H:%M} {self.action}"


class BorrowerKind(models.TextChoices):
    STUDENT = "STUDENT", _("Student")
    STAFF = "STAFF", _("Staff member")


class Loan(models.Model):
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.PROTECT, related_name="loans")
    borrower_id = models.BigIntegerField(_("borrower"), db_index=True)
    borrower_kind = models.CharField(_("borrower kind"), max_length=8, choices=BorrowerKind.choices)
    checked_out_at = models.DateTimeField(_("checked out at"))
    due_on = models.DateField(_("due on"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_condition = models.CharField(_("condition on return"), max_length=8, choices=AssetCondition.choices,
                                        blank=True)
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    checked_out_by_id = models.BigIntegerField(_("checked out by"), null=True, blank=True)
    returned_by_id = models.BigIntegerField(_("received by"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-checked_out_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["asset"], condition=Q(returned_at__isnull=True),
                                    name="inventory_loan_one_open_per_asset"),
        ]
        indexes = [models.Index(fields=["due_on"], condition=Q(returned_at__isnull=True),
                                name="inventory_loan_open_due_idx")]

    def __str__(self) -> str:
        return f"{self.asset_id} → {self.borrower_id} (due {self.due_on})"


class OverdueNotice(models.Model):
    """A loan.overdue already emitted (and its reminders sent) for one rule: once per loan per rule."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="overdue_notices")
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    rule = models.CharField(_("rule"), max_length=20)
    days_overdue = models.PositiveIntegerField(_("days overdue"))
    sent_at = models.DateTimeField(_("sent at"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("overdue notice")
        verbose_name_plural = _("overdue notices")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["loan", "rule"], name="inventory_overdue_once_per_rule")]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.rule}"


class BookingStatus(models.TextChoices):
    ACTIVE = "ACTIVE", _("Active")
    CANCELLED = "CANCELLED", _("Cancelled")


class RoomBooking(models.Model):
    """An ad-hoc booking of a room (an exam, a meeting). Two active bookings of one room never overlap:
    PostgreSQL refuses it (exclusion constraint), even under concurrent requests."""

    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="bookings")
    title = models.CharField(_("title"), max_length=160)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    booked_by_id = models.BigIntegerField(_("booked by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("room booking")
        verbose_name_plural = _("room bookings")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="inventory_booking_ends_after_start"),
            PostgresExclusionConstraint(
                name="inventory_booking_no_room_overlap",
                expressions=[("room", RangeOperators.EQUAL),
                             (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS)],
                condition=Q(status="ACTIVE"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} {self.title}"


# --- consumables ------------------------------------------------------------------------------------


class Consumable(models.Model):
    """A consumable item (chalk, paper, reagents) with one reorder threshold; its stock is kept per campus."""

    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=160)
    unit = models.CharField(_("unit"), max_length=20, default="unit")
    reorder_threshold = models.PositiveIntegerField(
        _("reorder threshold"), default=0,
        help_text=_("stock.low is emitted once when a campus's stock falls to this level or below."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("consumable")
        verbose_name_plural = _("consumables")
        ordering = ["institution_id", "code"]
        constraints = [models.UniqueConstraint(fields=["institution_id", "code"],
                                               name="inventory_consumable_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockLevel(models.Model):
    """A consumable's stock at one campus. `low` is set when stock.low was emitted for the current crossing
    and cleared when the stock rises above the threshold again (so one alert per crossing)."""

    consumable = models.ForeignKey(Consumable, verbose_name=_("consumable"), on_delete=models.CASCADE,
                                   related_name="stock_levels")
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    campus_id = models.BigIntegerField(_("campus"))
    quantity = models.IntegerField(_("quantity"), default=0)
    low = models.BooleanField(_("below threshold (alerted)"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["consumable_id", "campus_id"]
        constraints = [
            models.UniqueConstraint(fields=["consumable", "campus_id"], name="inventory_stock_one_per_campus"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="inventory_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.consumable_id} @ {self.campus_id}: {self.quantity}"


class MovementKind(models.TextChoices):
    IN = "IN", _("In")
    OUT = "OUT", _("Out")
    ADJUSTMENT = "ADJUSTMENT", _("Adjustment")


class StockMovement(models.Model):
    """One stock movement (never edited): in, out, or an adjustment (signed) with its reason."""

    stock = models.ForeignKey(StockLevel, verbose_name=_("stock level"), on_delete=models.CASCADE,
                              related_name="movements")
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=MovementKind.choices)
    delta = models.IntegerField(_("change"))
    quantity_after = models.IntegerField(_("quantity after"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    at = models.DateTimeField(_("when"))
    by_id = models.BigIntegerField(_("by"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.stock_id} {self.kind} {self.delta:+d}"


# --- stocktake --------------------------------------------------------------------------------------


class StocktakeStatus(models.TextChoices):
    OPEN = "OPEN", _("Open")
    CLOSED = "CLOSED", _("Closed")


class Stocktake(models.Model):
    """A count of one room or one campus: the codes scanned (asset code or barcode) and, from them, the
    discrepancy report."""

    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    title = models.CharField(_("title"), max_length=160)
    campus_id = models.BigIntegerField(_("campus"), null=True, blank=True)
    room = models.ForeignKey(Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="stocktakes")
    status = models.CharField(_("status"), max_length=8, choices=StocktakeStatus.choices,
                              default=StocktakeStatus.OPEN)
    scanned_codes = models.JSONField(_("scanned codes"), default=list, blank=True)
    started_at = models.DateTimeField(_("started at"))
    started_by_id = models.BigIntegerField(_("started by"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.title


class DiscrepancyKind(models.TextChoices):
    MISSING = "MISSING", _("Missing")
    UNEXPECTED = "UNEXPECTED", _("Unexpected")
    WRONG_ROOM = "WRONG_ROOM", _("Wrong room")


class Resolution(models.TextChoices):
    FOUND = "FOUND", _("Found where it belongs")
    LOST = "LOST", _("Lost (asset retired)")
    MOVED = "MOVED", _("Moved here (asset moved)")
    RETURNED = "RETURNED", _("Returned to its room")
    DISMISSED = "DISMISSED", _("Dismissed")


class StocktakeDiscrepancy(models.Model):
    stocktake = models.ForeignKey(Stocktake, verbose_name=_("stocktake"), on_delete=models.CASCADE,
                                  related_name="discrepancies")
    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DiscrepancyKind.choices)
    code = models.CharField(_("code"), max_length=64)
    asset = models.ForeignKey(Asset, verbose_name=_("asset"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    expected_room = models.ForeignKey(Room, verbose_name=_("expected room"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by_id = models.BigIntegerField(_("resolved by"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("stocktake discrepancy")
        verbose_name_plural = _("stocktake discrepancies")
        ordering = ["stocktake_id", "kind", "code"]
        constraints = [models.UniqueConstraint(fields=["stocktake", "kind", "code"],
                                               name="inventory_discrepancy_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


# --- maintenance ------------------------------------------------------------------------------------


class MaintenancePriority(models.TextChoices):
    LOW = "LOW", _("Low")
    MEDIUM = "MEDIUM", _("Medium")
    HIGH = "HIGH", _("High")
    URGENT = "URGENT", _("Urgent")


class MaintenanceStatus(models.TextChoices):
    OPEN = "OPEN", _("Open")
    IN_PROGRESS = "IN_PROGRESS", _("In progress")
    DONE = "DONE", _("Done")
    CANCELLED = "CANCELLED", _("Cancelled")


class MaintenanceRequest(models.Model):
    """A repair request for an asset: opening it puts the asset in repair (no loans), done or cancelled puts it
    back in use. At most one open or in-progress request per asset."""

    institution_id = models.BigIntegerField(_("institution"), db_index=True)
    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.PROTECT,
                              related_name="maintenance_requests")
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=MaintenancePriority.choices,
                                default=MaintenancePriority.MEDIUM)
    status = models.CharField(_("status"), max_length=12, choices=MaintenanceStatus.choices,
                              default=MaintenanceStatus.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    opened_by_id = models.BigIntegerField(_("opened by"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by_id = models.BigIntegerField(_("closed by"), null=True, blank=True)
    resolution_note = models.CharField(_("resolution note"), max_length=255, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("maintenance request")
        verbose_name_plural = _("maintenance requests")
        ordering = ["-opened_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["asset"], condition=Q(status__in=["OPEN", "IN_PROGRESS"]),
                                               name="inventory_maintenance_one_active_per_asset")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.title} ({self.status})"
