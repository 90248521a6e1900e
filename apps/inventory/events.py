"""Payload schemas of the events the inventory context publishes (topic inventory-events)."""

from __future__ import annotations

import datetime as dt

from events import EventPayload, event_payload


@event_payload("asset.registered", version="1.0")
class AssetRegistered(EventPayload):
    asset_id: int
    asset_code: str
    institution_id: int
    name: str
    category: str = ""
    campus_id: int | None = None
    room_id: int | None = None
    status: str


@event_payload("asset.moved", version="1.0")
class AssetMoved(EventPayload):
    asset_id: int
    asset_code: str
    institution_id: int
    from_campus_id: int | None = None
    from_room_id: int | None = None
    to_campus_id: int | None = None
    to_room_id: int | None = None
    moved_by: int | None = None


@event_payload("asset.retired", version="1.0")
class AssetRetired(EventPayload):
    asset_id: int
    asset_code: str
    institution_id: int
    reason: str = ""
    retired_by: int | None = None


@event_payload("loan.created", version="1.0")
class LoanCreated(EventPayload):
    loan_id: int
    asset_id: int
    asset_code: str
    institution_id: int
    borrower_id: int
    borrower_kind: str
    due_on: dt.date


@event_payload("loan.returned", version="1.0")
class LoanReturned(EventPayload):
    loan_id: int
    asset_id: int
    asset_code: str
    institution_id: int
    borrower_id: int
    condition: str
    was_overdue: bool


@event_payload("loan.overdue", version="1.0")
class LoanOverdue(EventPayload):
    """Once per loan and reminder rule (e.g. 1 and 7 days past due)."""

    loan_id: int
    asset_id: int
    asset_code: str
    institution_id: int
    borrower_id: int
    borrower_kind: str
    due_on: dt.date
    days_overdue: int
    rule: str


@event_payload("room.booked", version="1.0")
class RoomBooked(EventPayload):
    booking_id: int
    room_id: int
    room_code: str
    institution_id: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    booked_by: int | None = None


@event_payload("stock.low", version="1.0")
class StockLow(EventPayload):
    """Once per crossing: a campus's stock fell to the reorder threshold or below (not again until it rises
    above the threshold and falls again)."""

    consumable_id: int
    consumable_code: str
    name: str
    institution_id: int
    campus_id: int
    quantity: int
    reorder_threshold: int
    unit: str = ""
