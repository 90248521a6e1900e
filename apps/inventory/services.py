"""Inventory write use cases: one function per command, transactional, scoped, events through the outbox.

Every service takes the caller's `scope` (common.tenancy): an object of another school is a 404 like an
unknown id; a create acts in the scope's school (`scope.target_institution`). Campuses, people and
students are checked through their contexts' contracts with the same scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.institution import contracts as institution
from apps.inventory import selectors
from apps.inventory.events import (
    AssetMoved,
    AssetRegistered,
    AssetRetired,
    LoanCreated,
    LoanOverdue,
    LoanReturned,
    RoomBooked,
    StockLow,
)
from apps.inventory.models import (
    Asset,
    AssetAction,
    AssetCondition,
    AssetHistory,
    AssetStatus,
    BookingStatus,
    BorrowerKind,
    Consumable,
    DiscrepancyKind,
    Loan,
    MaintenancePriority,
    MaintenanceRequest,
    MaintenanceStatus,
    MovementKind,
    OverdueNotice,
    Resolution,
    Room,
    RoomBooking,
    StockLevel,
    StockMovement,
    Stocktake,
    StocktakeDiscrepancy,
    StocktakeStatus,
)
from apps.notifications import contracts as notifications
from apps.users import contracts as users
from common.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from common.tenancy import SYSTEM, Scope
from events import publish

MAX_RENEWALS = 3
STAFF_TYPES = frozenset({"ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY", "TEACHER", "PSYCHOLOGIST",
                         "INVENTORY_MANAGER"})


def _institution_for_create(scope: Scope, institution_id: int | None) -> int:
    target = scope.target_institution(institution_id)
    if target is None:
        raise ValidationFailed(fields={"institutionId": [_("Name the school of the new row.")]})
    return int(target)


def _check_campus(scope: Scope, campus_id: int | None, institution_id: int) -> None:
    if campus_id is None:
        return
    campus = institution.get_campus(scope=scope, campus_id=campus_id)
    if campus is None or campus.institution_id != institution_id:
        raise NotFound(_("Campus not found."), code="campus_not_found")


def _check_staff(scope: Scope, user_id: int | None, institution_id: int) -> None:
    if user_id is None:
        return
    person = users.get_user(scope=scope, user_id=user_id)
    if person is None or person.institution_id != institution_id or person.user_type not in STAFF_TYPES:
        raise NotFound(_("Staff member not found."), code="staff_not_found")


def _room_of_school(scope: Scope, room_id: int | None, institution_id: int) -> Room | None:
    if room_id is None:
        return None
    room = selectors.room_get(scope=scope, room_id=room_id)
    if room.institution_id != institution_id:
        raise NotFound(_("Room not found."), code="room_not_found")
    return room


def _history(asset: Asset, action: str, changes: dict, actor_id: int | None) -> None:
    AssetHistory.objects.create(asset=asset, institution_id=asset.institution_id, at=timezone.now(), action=action,
                                changes=changes, changed_by_id=actor_id)


# --- rooms ------------------------------------------------------------------------------------------


@transaction.atomic
def room_create(*, scope: Scope, code: str, name: str, kind: str, capacity: int = 0,
                equipment: list[str] | None = None, campus_id: int | None = None,
                institution_id: int | None = None) -> Room:
    school = _institution_for_create(scope, institution_id)
    _check_campus(scope, campus_id, school)
    if Room.objects.filter(institution_id=school, code=code).exists():
        raise Conflict(_("A room with this code already exists in the school."), code="room_code_taken")
    return Room.objects.create(institution_id=school, campus_id=campus_id, code=code, name=name, kind=kind,
                               capacity=capacity, equipment=list(equipment or []))


@transaction.atomic
def room_update(*, scope: Scope, room_id: int, **changes) -> Room:
    room = selectors.room_get(scope=scope, room_id=room_id)
    if "campus_id" in changes:
        _check_campus(scope, changes["campus_id"], room.institution_id)
    if "code" in changes and Room.objects.filter(institution_id=room.institution_id, code=changes["code"]) \
            .exclude(pk=room.pk).exists():
        raise Conflict(_("A room with this code already exists in the school."), code="room_code_taken")
    for name, value in changes.items():
        setattr(room, name, value)
    room.save()
    return room


# --- assets -----------------------------------------------------------------------------------------


@transaction.atomic
def asset_register(*, scope: Scope, code: str, name: str, barcode: str = "", category: str = "",
                   campus_id: int | None = None, room_id: int | None = None,
                   condition: str = AssetCondition.GOOD, serial_number: str = "", acquired_on: date | None = None,
                   acquisition_value: Decimal | None = None, responsible_staff_id: int | None = None,
                   institution_id: int | None = None, actor_id: int | None = None) -> Asset:
    school = _institution_for_create(scope, institution_id)
    room = _room_of_school(scope, room_id, school)
    if room is not None and campus_id is None:
        campus_id = room.campus_id
    _check_campus(scope, campus_id, school)
    _check_staff(scope, responsible_staff_id, school)
    barcode = barcode or code
    if Asset.objects.filter(institution_id=school, code=code).exists():
        raise Conflict(_("An asset with this code already exists in the school."), code="asset_code_taken")
    if Asset.objects.filter(institution_id=school, barcode=barcode).exists():
        raise Conflict(_("An asset with this barcode already exists in the school."), code="asset_barcode_taken")
    asset = Asset.objects.create(
        institution_id=school, code=code, barcode=barcode, name=name, category=category, campus_id=campus_id,
        room=room, condition=condition, serial_number=serial_number, acquired_on=acquired_on,
        acquisition_value=acquisition_value, responsible_staff_id=responsible_staff_id)
    _history(asset, AssetAction.REGISTERED, {"roomId": room_id, "campusId": campus_id, "status": asset.status},
             actor_id)
    publish("asset.registered", aggregate_id=asset.pk, aggregate_type="Asset",
            payload=AssetRegistered(asset_id=asset.pk, asset_code=asset.code, institution_id=school, name=name,
                                    category=category, campus_id=campus_id, room_id=room_id, status=asset.status))
    return asset


EDITABLE_ASSET_FIELDS = ("name", "category", "condition", "serial_number", "acquired_on", "acquisition_value",
                         "responsible_staff_id", "status")


@transaction.atomic
def asset_update(*, scope: Scope, asset_id: int, actor_id: int | None = None, **changes) -> Asset:
    """Change an asset's description, condition or status (IN_USE ↔ IN_REPAIR). A move is `asset_move`,
    a retirement `asset_retire`, a loan's status comes from the loan."""
    asset = _locked_asset(scope, asset_id)
    unknown = set(changes) - set(EDITABLE_ASSET_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    if "status" in changes and changes["status"] != asset.status:
        allowed = {AssetStatus.IN_USE, AssetStatus.IN_REPAIR}
        if asset.status not in allowed or changes["status"] not in allowed:
            raise BusinessRuleViolation(_("Only an asset in use can go to repair, and back."),
                                        code="asset_status_change_refused")
    if "responsible_staff_id" in changes:
        _check_staff(scope, changes["responsible_staff_id"], asset.institution_id)
    diff = {}
    for name, value in changes.items():
        old = getattr(asset, name)
        if old != value:
            diff[name] = {"from": _plain(old), "to": _plain(value)}
            setattr(asset, name, value)
    if diff:
        asset.save()
        _history(asset, AssetAction.CHANGED, diff, actor_id)
    return asset


def _plain(value):
    if isinstance(value, date | datetime | Decimal):
        return str(value)
    return value


def _locked_asset(scope: Scope, asset_id: int) -> Asset:
    selectors.asset_get(scope=scope, asset_id=asset_id)  # another school's: 404
    return Asset.objects.select_for_update(of=("self",)).select_related("room").get(pk=asset_id)


@transaction.atomic
def asset_move(*, scope: Scope, asset_id: int, room_id: int | None, campus_id: int | None = None,
               actor_id: int | None = None) -> Asset:
    asset = _locked_asset(scope, asset_id)
    if asset.status == AssetStatus.RETIRED:
        raise BusinessRuleViolation(_("A retired asset cannot be moved."), code="asset_retired")
    room = _room_of_school(scope, room_id, asset.institution_id)
    if room is not None and campus_id is None:
        campus_id = room.campus_id
    _check_campus(scope, campus_id, asset.institution_id)
    before = (asset.campus_id, asset.room_id)
    if before == (campus_id, room_id):
        return asset
    asset.campus_id, asset.room = campus_id, room
    asset.save(update_fields=["campus_id", "room", "updated_at"])
    _history(asset, AssetAction.MOVED, {"campusId": {"from": before[0], "to": campus_id},
                                        "roomId": {"from": before[1], "to": room_id}}, actor_id)
    publish("asset.moved", aggregate_id=asset.pk, aggregate_type="Asset",
            payload=AssetMoved(asset_id=asset.pk, asset_code=asset.code, institution_id=asset.institution_id,
                               from_campus_id=before[0], from_room_id=before[1], to_campus_id=campus_id,
                               to_room_id=room_id, moved_by=actor_id))
    return asset


@transaction.atomic
def asset_retire(*, scope: Scope, asset_id: int, reason: str = "", actor_id: int | None = None) -> Asset:
    asset = _locked_asset(scope, asset_id)
    if asset.status == AssetStatus.RETIRED:
        return asset
    if asset.status == AssetStatus.ON_LOAN:
        raise BusinessRuleViolation(_("An asset on loan cannot be retired: check it in first."),
                                    code="asset_on_loan")
    old = asset.status
    asset.status = AssetStatus.RETIRED
    asset.save(update_fields=["status", "updated_at"])
    _history(asset, AssetAction.RETIRED, {"status": {"from": old, "to": asset.status}, "reason": reason}, actor_id)
    publish("asset.retired", aggregate_id=asset.pk, aggregate_type="Asset",
            payload=AssetRetired(asset_id=asset.pk, asset_code=asset.code, institution_id=asset.institution_id,
                                 reason=reason, retired_by=actor_id))
    return asset


# --- loans ------------------------------------------------------------------------------------------


def overdue_count(*, borrower_id: int, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return Loan.objects.filter(borrower_id=borrower_id, returned_at__isnull=True, due_on__lt=today).count()


@transaction.atomic
def loan_checkout(*, scope: Scope, asset_id: int, borrower_id: int, due_on: date, note: str = "",
                  actor_id: int | None = None) -> Loan:
    asset = _locked_asset(scope, asset_id)
    borrower = users.get_user(scope=scope, user_id=borrower_id)
    if borrower is None or borrower.institution_id != asset.institution_id:
        raise NotFound(_("Borrower not found."), code="borrower_not_found")
    if borrower.user_type == "STUDENT":
        kind = BorrowerKind.STUDENT
    elif borrower.user_type in STAFF_TYPES:
        kind = BorrowerKind.STAFF
    else:
        raise BusinessRuleViolation(_("Assets are loaned to students and staff only."), code="borrower_not_eligible")
    today = timezone.localdate()
    if due_on < today:
        raise ValidationFailed(fields={"dueOn": [_("The due date cannot be in the past.")]})
    if asset.status == AssetStatus.IN_REPAIR:
        raise BusinessRuleViolation(_("The asset is in repair and cannot be loaned."), code="asset_in_repair")
    if asset.status == AssetStatus.RETIRED:
        raise BusinessRuleViolation(_("A retired asset cannot be loaned."), code="asset_retired")
    if asset.status == AssetStatus.ON_LOAN:
        raise Conflict(_("The asset is already on loan."), code="asset_on_loan")
    limit = settings.INVENTORY_MAX_OVERDUE_LOANS
    if overdue_count(borrower_id=borrower_id, today=today) >= limit:
        raise BusinessRuleViolation(
            _("The borrower has %(count)d or more overdue loans: return them before borrowing again.")
            % {"count": limit}, code="too_many_overdue_loans")
    loan = Loan.objects.create(institution_id=asset.institution_id, asset=asset, borrower_id=borrower_id,
                               borrower_kind=kind, checked_out_at=timezone.now(), due_on=due_on,
                               checked_out_by_id=actor_id, note=note)
    asset.status = AssetStatus.ON_LOAN
    asset.save(update_fields=["status", "updated_at"])
    _history(asset, AssetAction.LOANED, {"loanId": loan.pk, "borrowerId": borrower_id, "dueOn": str(due_on)},
             actor_id)
    publish("loan.created", aggregate_id=loan.pk, aggregate_type="Loan",
            payload=LoanCreated(loan_id=loan.pk, asset_id=asset.pk, asset_code=asset.code,
                                institution_id=asset.institution_id, borrower_id=borrower_id, borrower_kind=kind,
                                due_on=due_on))
    return loan


def _locked_open_loan(scope: Scope, loan_id: int) -> Loan:
    selectors.loan_get(scope=scope, loan_id=loan_id)  # another school's: 404
    loan = Loan.objects.select_for_update(of=("self",)).select_related("asset").get(pk=loan_id)
    if loan.returned_at is not None:
        raise Conflict(_("The loan was already returned."), code="loan_already_returned")
    return loan


@transaction.atomic
def loan_checkin(*, scope: Scope, loan_id: int, condition: str, actor_id: int | None = None) -> Loan:
    loan = _locked_open_loan(scope, loan_id)
    asset = Asset.objects.select_for_update().get(pk=loan.asset_id)
    was_overdue = loan.due_on < timezone.localdate()
    loan.returned_at, loan.return_condition, loan.returned_by_id = timezone.now(), condition, actor_id
    loan.save(update_fields=["returned_at", "return_condition", "returned_by_id"])
    old_condition = asset.condition
    asset.condition = condition
    asset.status = AssetStatus.IN_REPAIR if condition == AssetCondition.BROKEN else AssetStatus.IN_USE
    asset.save(update_fields=["condition", "status", "updated_at"])
    _history(asset, AssetAction.RETURNED, {"loanId": loan.pk, "condition": {"from": old_condition, "to": condition},
                                           "status": asset.status}, actor_id)
    publish("loan.returned", aggregate_id=loan.pk, aggregate_type="Loan",
            payload=LoanReturned(loan_id=loan.pk, asset_id=asset.pk, asset_code=asset.code,
                                 institution_id=asset.institution_id, borrower_id=loan.borrower_id,
                                 condition=condition, was_overdue=was_overdue))
    return loan


@transaction.atomic
def loan_renew(*, scope: Scope, loan_id: int, due_on: date) -> Loan:
    loan = _locked_open_loan(scope, loan_id)
    if loan.renewals >= MAX_RENEWALS:
        raise BusinessRuleViolation(_("The loan cannot be renewed again."), code="renewal_limit_reached")
    if due_on <= loan.due_on:
        raise ValidationFailed(fields={"dueOn": [_("A renewal moves the due date later.")]})
    if loan.due_on < timezone.localdate():
        raise BusinessRuleViolation(_("An overdue loan cannot be renewed: check it in first."),
                                    code="loan_overdue")
    loan.due_on, loan.renewals = due_on, loan.renewals + 1
    loan.save(update_fields=["due_on", "renewals"])
    return loan


@dataclass(frozen=True)
class OverdueRun:
    notices: int
    loans_checked: int


def reminder_rules() -> list[tuple[str, int]]:
    return [(f"overdue_{days}d", days) for days in sorted(set(settings.INVENTORY_OVERDUE_REMINDER_DAYS))]


def loans_detect_overdue(*, today: date | None = None) -> OverdueRun:
    """The periodic task's work (SYSTEM scope): for each open loan past due and each rule it has reached
    (N days past due), record the notice, emit loan.overdue and remind the borrower (students: and their
    guardians) — once per loan per rule, even when run again or by two workers at once."""
    today = today or timezone.localdate()
    rules = reminder_rules()
    notices = 0
    loans = list(selectors.overdue_loans(scope=SYSTEM, today=today))
    for loan in loans:
        days = (today - loan.due_on).days
        for rule, threshold in rules:
            if days >= threshold and _notify_overdue(loan, rule, days, today):
                notices += 1
    return OverdueRun(notices=notices, loans_checked=len(loans))


def _notify_overdue(loan: Loan, rule: str, days: int, today: date) -> bool:
    with transaction.atomic():
        try:
            with transaction.atomic():
                OverdueNotice.objects.create(loan=loan, institution_id=loan.institution_id, rule=rule,
                                             days_overdue=days, sent_at=timezone.now())
        except IntegrityError:
            return False  # this rule's notice was already sent
        publish("loan.overdue", aggregate_id=loan.pk, aggregate_type="Loan",
                payload=LoanOverdue(loan_id=loan.pk, asset_id=loan.asset_id, asset_code=loan.asset.code,
                                    institution_id=loan.institution_id, borrower_id=loan.borrower_id,
                                    borrower_kind=loan.borrower_kind, due_on=loan.due_on, days_overdue=days,
                                    rule=rule))
        school = institution.get_institution(institution_id=loan.institution_id)
        context = {"asset_name": loan.asset.name, "asset_code": loan.asset.code, "due_on": loan.due_on.isoformat(),
                   "days_overdue": days, "school_name": school.name if school else ""}
        key = f"inventory:loan-overdue:{loan.pk}:{rule}"
        notifications.notify_users(scope=SYSTEM, user_ids=[loan.borrower_id], template_key="loan_overdue",
                                   context=context, idempotency_key=key)
        if loan.borrower_kind == BorrowerKind.STUDENT:
            student = users.get_user(scope=SYSTEM, user_id=loan.borrower_id)
            notifications.notify_guardians(scope=SYSTEM, student_id=loan.borrower_id, template_key="loan_overdue",
                                           context={**context, "student_name": student.full_name if student else ""},
                                           idempotency_key=f"{key}:guardians")
    return True


# --- room bookings ----------------------------------------------------------------------------------


@transaction.atomic
def room_book(*, scope: Scope, room_id: int, title: str, starts_at: datetime, ends_at: datetime,
              actor_id: int | None = None) -> RoomBooking:
    room = selectors.room_get(scope=scope, room_id=room_id)
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"endsAt": [_("A booking ends after it starts.")]})
    if ends_at - starts_at > timedelta(days=1):
        raise ValidationFailed(fields={"endsAt": [_("A booking lasts at most one day.")]})
    if not room.is_active:
        raise BusinessRuleViolation(_("The room is not in use."), code="room_inactive")
    overlapping = RoomBooking.objects.filter(room=room, status=BookingStatus.ACTIVE, starts_at__lt=ends_at,
                                             ends_at__gt=starts_at)
    if overlapping.exists():
        raise Conflict(_("The room is already booked at that time."), code="room_booking_conflict")
    try:
        with transaction.atomic():
            booking = RoomBooking.objects.create(institution_id=room.institution_id, room=room, title=title,
                                                 starts_at=starts_at, ends_at=ends_at, booked_by_id=actor_id)
    except IntegrityError as exc:  # a concurrent booking won the race: the database's exclusion constraint
        if "inventory_booking_no_room_overlap" in str(exc):
            raise Conflict(_("The room is already booked at that time."), code="room_booking_conflict") from None
        raise
    publish("room.booked", aggregate_id=booking.pk, aggregate_type="RoomBooking",
            payload=RoomBooked(booking_id=booking.pk, room_id=room.pk, room_code=room.code,
                               institution_id=room.institution_id, title=title, starts_at=starts_at,
                               ends_at=ends_at, booked_by=actor_id))
    return booking


@transaction.atomic
def booking_cancel(*, scope: Scope, booking_id: int) -> RoomBooking:
    booking = selectors.booking_get(scope=scope, booking_id=booking_id)
    if booking.status != BookingStatus.CANCELLED:
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status"])
    return booking


# --- consumables ------------------------------------------------------------------------------------


@transaction.atomic
def consumable_create(*, scope: Scope, code: str, name: str, unit: str = "unit", reorder_threshold: int = 0,
                      institution_id: int | None = None) -> Consumable:
    school = _institution_for_create(scope, institution_id)
    if Consumable.objects.filter(institution_id=school, code=code).exists():
        raise Conflict(_("A consumable with this code already exists in the school."), code="consumable_code_taken")
    return Consumable.objects.create(institution_id=school, code=code, name=name, unit=unit,
                                     reorder_threshold=reorder_threshold)


@transaction.atomic
def stock_move(*, scope: Scope, consumable_id: int, campus_id: int, kind: str, quantity: int, reason: str = "",
               actor_id: int | None = None) -> StockMovement:
    """Record a movement at one campus: IN adds `quantity`, OUT takes it, ADJUSTMENT adds a signed quantity
    and needs a reason. The campus's stock row is locked (SELECT … FOR UPDATE), so concurrent movements
    serialize and never lose an update. Falling to the threshold or below emits stock.low once per crossing."""
    consumable = selectors.consumable_get(scope=scope, consumable_id=consumable_id)
    _check_campus(scope, campus_id, consumable.institution_id)
    if kind == MovementKind.ADJUSTMENT:
        if not reason.strip():
            raise ValidationFailed(fields={"reason": [_("An adjustment needs a reason.")]})
        delta = quantity
    elif quantity <= 0:
        raise ValidationFailed(fields={"quantity": [_("Use a positive quantity.")]})
    else:
        delta = quantity if kind == MovementKind.IN else -quantity
    if delta == 0:
        raise ValidationFailed(fields={"quantity": [_("An adjustment changes the stock.")]})
    StockLevel.objects.get_or_create(consumable=consumable, campus_id=campus_id,
                                     defaults={"institution_id": consumable.institution_id})
    stock = StockLevel.objects.select_for_update().get(consumable=consumable, campus_id=campus_id)
    after = stock.quantity + delta
    if after < 0:
        raise BusinessRuleViolation(
            _("Not enough stock: %(available)d available.") % {"available": stock.quantity},
            code="insufficient_stock")
    stock.quantity = after
    alert = after <= consumable.reorder_threshold and not stock.low
    if alert:
        stock.low = True
    elif after > consumable.reorder_threshold:
        stock.low = False
    stock.save(update_fields=["quantity", "low", "updated_at"])
    movement = StockMovement.objects.create(stock=stock, institution_id=stock.institution_id, kind=kind, delta=delta,
                                            quantity_after=after, reason=reason, at=timezone.now(), by_id=actor_id)
    if alert:
        publish("stock.low", aggregate_id=consumable.pk, aggregate_type="Consumable",
                payload=StockLow(consumable_id=consumable.pk, consumable_code=consumable.code, name=consumable.name,
                                 institution_id=consumable.institution_id, campus_id=campus_id, quantity=after,
                                 reorder_threshold=consumable.reorder_threshold, unit=consumable.unit))
    return movement


# --- stocktake --------------------------------------------------------------------------------------

MAX_SCANNED_CODES = 20_000


@transaction.atomic
def stocktake_start(*, scope: Scope, title: str, room_id: int | None = None, campus_id: int | None = None,
                    institution_id: int | None = None, actor_id: int | None = None) -> Stocktake:
    """Open a count of one room (its campus follows) or of a whole campus."""
    school = _institution_for_create(scope, institution_id)
    if (room_id is None) == (campus_id is None):
        raise ValidationFailed(fields={"roomId": [_("Count either one room or one campus.")]})
    room = _room_of_school(scope, room_id, school)
    if room is not None:
        campus_id = room.campus_id
    else:
        _check_campus(scope, campus_id, school)
    return Stocktake.objects.create(institution_id=school, title=title, room=room, campus_id=campus_id,
                                    started_at=timezone.now(), started_by_id=actor_id)


@dataclass(frozen=True)
class Located:
    """Where an asset of the school is registered (for the comparison)."""

    asset_id: int
    code: str
    room_id: int | None
    campus_id: int | None
    status: str


def compare(*, expected: dict[str, Located], known: dict[str, Located], scanned: list[str],
            room_id: int | None, campus_id: int | None) -> list[tuple[str, str, Located | None]]:
    """The discrepancy report as (kind, code, located): `expected` are the area's assets by code that should
    be seen (not retired, not on loan); `known` maps every scanned code (asset code or barcode) to its asset.
    Missing: expected and not seen. Unexpected: a code of no asset (or of a retired one). Wrong room: an asset
    registered elsewhere."""
    report: list[tuple[str, str, Located | None]] = []
    seen: set[int] = set()
    for code in scanned:
        located = known.get(code)
        if located is None or located.status == "RETIRED":
            report.append((DiscrepancyKind.UNEXPECTED, code, located))
            continue
        if located.asset_id in seen:
            continue
        seen.add(located.asset_id)
        elsewhere = located.room_id != room_id if room_id is not None else located.campus_id != campus_id
        if elsewhere:
            report.append((DiscrepancyKind.WRONG_ROOM, located.code, located))
    for code, located in expected.items():
        if located.asset_id not in seen:
            report.append((DiscrepancyKind.MISSING, code, located))
    return report


def _located(asset: dict) -> Located:
    return Located(asset_id=asset["id"], code=asset["code"], room_id=asset["room_id"], campus_id=asset["campus_id"],
                   status=asset["status"])


@transaction.atomic
def stocktake_scan(*, scope: Scope, stocktake_id: int, codes: list[str]) -> Stocktake:
    """Add the codes seen (a bulk, several bulks add up) and recompute the discrepancy report; discrepancies
    already resolved are kept as they were."""
    selectors.stocktake_get(scope=scope, stocktake_id=stocktake_id)  # another school's: 404
    stocktake = Stocktake.objects.select_for_update().get(pk=stocktake_id)
    if stocktake.status != StocktakeStatus.OPEN:
        raise Conflict(_("The stocktake is closed."), code="stocktake_closed")
    scanned = list(dict.fromkeys([*stocktake.scanned_codes, *(c.strip() for c in codes if c.strip())]))
    if len(scanned) > MAX_SCANNED_CODES:
        raise ValidationFailed(fields={"codes": [_("At most %(max)d codes per stocktake.")
                                                 % {"max": MAX_SCANNED_CODES}]})
    school = Asset.objects.filter(institution_id=stocktake.institution_id)
    fields = ("id", "code", "barcode", "room_id", "campus_id", "status")
    known: dict[str, Located] = {}
    for asset in school.filter(code__in=scanned).values(*fields):
        known[asset["code"]] = _located(asset)
    for asset in school.filter(barcode__in=scanned).values(*fields):
        known.setdefault(asset["barcode"], _located(asset))
    area = school.filter(room_id=stocktake.room_id) if stocktake.room_id else school.filter(
        campus_id=stocktake.campus_id)
    expected = {a["code"]: _located(a) for a in area.exclude(status__in=(AssetStatus.RETIRED, AssetStatus.ON_LOAN))
                .values(*fields)}
    report = compare(expected=expected, known=known, scanned=scanned, room_id=stocktake.room_id,
                     campus_id=stocktake.campus_id)
    stocktake.scanned_codes = scanned
    stocktake.save(update_fields=["scanned_codes"])
    discrepancies = StocktakeDiscrepancy.objects.filter(stocktake=stocktake)
    discrepancies.filter(resolution="").delete()
    resolved = set(discrepancies.values_list("kind", "code"))
    StocktakeDiscrepancy.objects.bulk_create([
        StocktakeDiscrepancy(stocktake=stocktake, institution_id=stocktake.institution_id, kind=kind, code=code,
                             asset_id=located.asset_id if located else None,
                             expected_room_id=located.room_id if located and kind != DiscrepancyKind.UNEXPECTED
                             else None)
        for kind, code, located in report if (kind, code) not in resolved], batch_size=2000)
    return stocktake


ALLOWED_RESOLUTIONS = {
    DiscrepancyKind.MISSING: (Resolution.FOUND, Resolution.LOST),
    DiscrepancyKind.WRONG_ROOM: (Resolution.MOVED, Resolution.RETURNED),
    DiscrepancyKind.UNEXPECTED: (Resolution.DISMISSED,),
}


@transaction.atomic
def stocktake_resolve(*, scope: Scope, stocktake_id: int, discrepancy_id: int, resolution: str, note: str = "",
                      actor_id: int | None = None) -> StocktakeDiscrepancy:
    """Resolve one discrepancy. LOST retires the asset and MOVED moves it to the counted room (or campus),
    through the asset services, so the asset's history and events stay right."""
    selectors.stocktake_get(scope=scope, stocktake_id=stocktake_id)  # another school's: 404
    stocktake = Stocktake.objects.select_for_update().get(pk=stocktake_id)  # a concurrent scan waits (or we do)
    found = StocktakeDiscrepancy.objects.in_scope(scope).filter(pk=discrepancy_id, stocktake=stocktake).first()
    if found is None:
        raise NotFound(_("Discrepancy not found."), code="discrepancy_not_found")
    discrepancy = StocktakeDiscrepancy.objects.select_for_update().get(pk=found.pk)
    if discrepancy.resolution:
        raise Conflict(_("The discrepancy was already resolved."), code="discrepancy_resolved")
    if resolution not in ALLOWED_RESOLUTIONS[discrepancy.kind]:
        raise BusinessRuleViolation(_("This resolution does not fit this kind of discrepancy."),
                                    code="resolution_not_allowed")
    if resolution == Resolution.LOST:
        asset_retire(scope=scope, asset_id=discrepancy.asset_id, actor_id=actor_id,
                     reason=_("Lost in stocktake %(title)s") % {"title": stocktake.title})
    elif resolution == Resolution.MOVED:
        asset_move(scope=scope, asset_id=discrepancy.asset_id, room_id=stocktake.room_id,
                   campus_id=stocktake.campus_id, actor_id=actor_id)
    discrepancy.resolution, discrepancy.note = resolution, note
    discrepancy.resolved_at, discrepancy.resolved_by_id = timezone.now(), actor_id
    discrepancy.save(update_fields=["resolution", "note", "resolved_at", "resolved_by_id"])
    return discrepancy


@transaction.atomic
def stocktake_close(*, scope: Scope, stocktake_id: int) -> Stocktake:
    selectors.stocktake_get(scope=scope, stocktake_id=stocktake_id)
    stocktake = Stocktake.objects.select_for_update().get(pk=stocktake_id)
    if stocktake.status == StocktakeStatus.CLOSED:
        return stocktake
    if stocktake.discrepancies.filter(resolution="").exists():
        raise BusinessRuleViolation(_("Resolve every discrepancy before closing the stocktake."),
                                    code="stocktake_unresolved")
    stocktake.status, stocktake.closed_at = StocktakeStatus.CLOSED, timezone.now()
    stocktake.save(update_fields=["status", "closed_at"])
    return stocktake


# --- maintenance ------------------------------------------------------------------------------------

ACTIVE_MAINTENANCE = (MaintenanceStatus.OPEN, MaintenanceStatus.IN_PROGRESS)
MAINTENANCE_TRANSITIONS = {
    MaintenanceStatus.OPEN: (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.DONE, MaintenanceStatus.CANCELLED),
    MaintenanceStatus.IN_PROGRESS: (MaintenanceStatus.DONE, MaintenanceStatus.CANCELLED),
}


@transaction.atomic
def maintenance_open(*, scope: Scope, asset_id: int, title: str, description: str = "",
                     priority: str = MaintenancePriority.MEDIUM, actor_id: int | None = None) -> MaintenanceRequest:
    """Open a repair request: the asset goes IN_REPAIR (through asset_update, so its history says so) and cannot
    be loaned until the request is done or cancelled."""
    asset = _locked_asset(scope, asset_id)
    if asset.status == AssetStatus.RETIRED:
        raise BusinessRuleViolation(_("A retired asset cannot be repaired."), code="asset_retired")
    if asset.status == AssetStatus.ON_LOAN:
        raise BusinessRuleViolation(_("An asset on loan cannot go to repair: check it in first."),
                                    code="asset_on_loan")
    if MaintenanceRequest.objects.filter(asset=asset, status__in=ACTIVE_MAINTENANCE).exists():
        raise Conflict(_("The asset already has an open maintenance request."), code="maintenance_already_open")
    if asset.status != AssetStatus.IN_REPAIR:
        asset = asset_update(scope=scope, asset_id=asset.pk, status=AssetStatus.IN_REPAIR, actor_id=actor_id)
    return MaintenanceRequest.objects.create(institution_id=asset.institution_id, asset=asset, title=title,
                                             description=description, priority=priority, opened_at=timezone.now(),
                                             opened_by_id=actor_id)


@transaction.atomic
def maintenance_set_status(*, scope: Scope, request_id: int, status: str, note: str = "",
                           actor_id: int | None = None) -> MaintenanceRequest:
    """OPEN → IN_PROGRESS → DONE, or CANCELLED from either; DONE and CANCELLED put the asset back IN_USE."""
    selectors.maintenance_get(scope=scope, request_id=request_id)  # another school's: 404
    request = MaintenanceRequest.objects.select_for_update().get(pk=request_id)
    if request.status not in MAINTENANCE_TRANSITIONS:
        raise Conflict(_("The maintenance request is already closed."), code="maintenance_closed")
    if status not in MAINTENANCE_TRANSITIONS[request.status]:
        raise BusinessRuleViolation(_("This status change is not allowed."), code="maintenance_transition_refused")
    now = timezone.now()
    request.status = status
    if status == MaintenanceStatus.IN_PROGRESS:
        request.started_at = now
    else:
        request.closed_at, request.closed_by_id, request.resolution_note = now, actor_id, note
        asset = _locked_asset(scope, request.asset_id)
        if asset.status == AssetStatus.IN_REPAIR:
            asset = asset_update(scope=scope, asset_id=asset.pk, status=AssetStatus.IN_USE, actor_id=actor_id)
        request.asset = asset
    request.save()
    return request
