"""Inventory services: assets and their history, loans (limits, repair, renewals), overdue reminders once per
rule through the real SMTP server, room bookings refused on overlap by the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.inventory import contracts as inventory
from apps.inventory import services, tasks
from apps.inventory.models import Asset, AssetHistory, Loan, OverdueNotice, RoomBooking
from apps.notifications.models import Message
from common.errors import BusinessRuleViolation, Conflict, NotFound
from common.tenancy import SYSTEM, Scope
from events.models import OutboxEvent

pytestmark = pytest.mark.django_db


def _events(event_type: str) -> list[dict]:
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("created_at", "event_id")
    return [envelope["payload"] for envelope in rows.values_list("envelope", flat=True)]


def test_registering_moving_and_retiring_an_asset_keeps_a_dated_history_and_emits_the_events(school):
    scope = Scope.school(school.institution_id)
    actor = school.people["INVENTORY_MANAGER"].pk

    asset = services.asset_register(scope=scope, code="INV-9", name="Microscope", category="lab", room_id=school.room.pk,
                                    actor_id=actor)
    services.asset_move(scope=scope, asset_id=asset.pk, room_id=school.other_room.pk, actor_id=actor)
    services.asset_update(scope=scope, asset_id=asset.pk, condition="FAIR", actor_id=actor)
    services.asset_retire(scope=scope, asset_id=asset.pk, reason="old", actor_id=actor)

    asset.refresh_from_db()
    assert asset.barcode == "INV-9" and asset.campus_id == school.campus_id and asset.status == "RETIRED"
    assert list(AssetHistory.objects.filter(asset=asset).values_list("action", flat=True)) == [
        "REGISTERED", "MOVED", "CHANGED", "RETIRED"]
    moved = AssetHistory.objects.get(asset=asset, action="MOVED")
    assert moved.changes["roomId"] == {"from": school.room.pk, "to": school.other_room.pk}
    assert moved.changed_by_id == actor
    assert [e["assetCode"] for e in _events("asset.registered")] == ["INV-9"]
    assert _events("asset.moved")[0]["toRoomId"] == school.other_room.pk
    assert _events("asset.retired")[0]["reason"] == "old"
    assert OutboxEvent.objects.filter(event_type="asset.moved").values_list("topic", flat=True)[0] == "inventory-events"


def test_an_asset_code_is_unique_per_school_only(school, other_school):
    with pytest.raises(Conflict):
        services.asset_register(scope=Scope.school(school.institution_id), code="A-0001", name="Dup")
    asset = services.asset_register(scope=Scope.school(other_school.institution_id), code="A-0001", name="Same code")
    assert asset.institution_id == other_school.institution_id


def test_another_schools_room_asset_or_campus_is_not_found(school, other_school):
    scope = Scope.school(school.institution_id)
    with pytest.raises(NotFound):
        services.asset_move(scope=scope, asset_id=other_school.asset.pk, room_id=None)
    with pytest.raises(NotFound):
        services.asset_move(scope=scope, asset_id=school.asset.pk, room_id=other_school.room.pk)
    with pytest.raises(NotFound):
        services.room_create(scope=scope, code="X", name="X", kind="LAB", campus_id=other_school.campus_id)
    assert inventory.asset_summary(scope=scope, asset_id=other_school.asset.pk) is None
    assert inventory.room_of(scope=scope, asset_id=school.asset.pk).code == "A-LAB"


def test_checkout_checkin_and_renewal_of_a_loan(school):
    scope = Scope.school(school.institution_id)
    student = school.people["STUDENT"]
    due = timezone.localdate() + timedelta(days=7)

    loan = services.loan_checkout(scope=scope, asset_id=school.asset.pk, borrower_id=student.pk, due_on=due)
    school.asset.refresh_from_db()
    assert school.asset.status == "ON_LOAN" and loan.borrower_kind == "STUDENT"
    assert inventory.asset_summary(scope=scope, asset_id=school.asset.pk).on_loan_to == student.pk
    with pytest.raises(Conflict):
        services.loan_checkout(scope=scope, asset_id=school.asset.pk, borrower_id=student.pk, due_on=due)

    services.loan_renew(scope=scope, loan_id=loan.pk, due_on=due + timedelta(days=7))
    services.loan_checkin(scope=scope, loan_id=loan.pk, condition="BROKEN")

    loan.refresh_from_db()
    school.asset.refresh_from_db()
    assert loan.renewals == 1 and loan.returned_at is not None and loan.return_condition == "BROKEN"
    assert school.asset.status == "IN_REPAIR"  # returned broken: to repair
    assert len(_events("loan.created")) == 1
    assert _events("loan.returned")[0]["condition"] == "BROKEN"
    with pytest.raises(Conflict):
        services.loan_checkin(scope=scope, loan_id=loan.pk, condition="GOOD")


def test_an_asset_in_repair_cannot_be_loaned(school):
    scope = Scope.school(school.institution_id)
    services.asset_update(scope=scope, asset_id=school.asset.pk, status="IN_REPAIR")
    with pytest.raises(BusinessRuleViolation) as refused:
        services.loan_checkout(scope=scope, asset_id=school.asset.pk, borrower_id=school.people["TEACHER"].pk,
                               due_on=timezone.localdate() + timedelta(days=1))
    assert refused.value.code == "asset_in_repair"
    assert not Loan.objects.exists()


def test_a_borrower_past_the_overdue_limit_cannot_borrow(school, settings):
    settings.INVENTORY_MAX_OVERDUE_LOANS = 1
    scope = Scope.school(school.institution_id)
    teacher = school.people["TEACHER"]
    Loan.objects.create(institution_id=school.institution_id, asset=school.asset, borrower_id=teacher.pk,
                        borrower_kind="STAFF", checked_out_at=timezone.now() - timedelta(days=10),
                        due_on=timezone.localdate() - timedelta(days=2))
    other = Asset.objects.create(institution_id=school.institution_id, code="A-2", barcode="A-2", name="Tablet")

    with pytest.raises(BusinessRuleViolation) as refused:
        services.loan_checkout(scope=scope, asset_id=other.pk, borrower_id=teacher.pk,
                               due_on=timezone.localdate() + timedelta(days=3))

    assert refused.value.code == "too_many_overdue_loans"
    settings.INVENTORY_MAX_OVERDUE_LOANS = 2
    assert services.loan_checkout(scope=scope, asset_id=other.pk, borrower_id=teacher.pk,
                                  due_on=timezone.localdate() + timedelta(days=3)).pk


def test_a_parent_or_another_schools_person_cannot_borrow(school, other_school):
    scope = Scope.school(school.institution_id)
    due = timezone.localdate() + timedelta(days=1)
    with pytest.raises(BusinessRuleViolation):
        services.loan_checkout(scope=scope, asset_id=school.asset.pk, borrower_id=school.people["PARENT"].pk, due_on=due)
    with pytest.raises(NotFound):
        services.loan_checkout(scope=scope, asset_id=school.asset.pk, borrower_id=other_school.people["STUDENT"].pk,
                               due_on=due)


def test_an_overdue_loan_reminds_the_student_and_the_guardian_once_per_rule(school, family, smtp_server, settings,
                                                                            django_capture_on_commit_callbacks):
    # Given a student's loan two days past due, reminder rules at 1 and 7 days
    settings.INVENTORY_OVERDUE_REMINDER_DAYS = [1, 7]
    student, guardian = family
    today = timezone.localdate()
    loan = Loan.objects.create(institution_id=school.institution_id, asset=school.asset, borrower_id=student.pk,
                               borrower_kind="STUDENT", checked_out_at=timezone.now() - timedelta(days=9),
                               due_on=today - timedelta(days=2))

    # When the periodic task runs twice
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.detect_overdue_loans()
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.detect_overdue_loans()

    # Then one loan.overdue for the 1-day rule, and the guardian got exactly one email (in Spanish)
    assert (first, second) == (1, 0)
    assert [e["rule"] for e in _events("loan.overdue")] == ["overdue_1d"]
    assert list(OverdueNotice.objects.values_list("loan_id", "rule")) == [(loan.pk, "overdue_1d")]
    to_guardian = [m for m in smtp_server.messages if m["to"] == [guardian.email]]
    assert len(to_guardian) == 1
    assert to_guardian[0]["subject"] == "Préstamo vencido: Laptop A"
    assert "Luis Quispe tiene en préstamo Laptop A" in to_guardian[0]["text"]
    assert Message.objects.filter(recipient_user_id=student.pk).exists()

    # And a week later the 7-day rule sends one more, once
    with django_capture_on_commit_callbacks(execute=True):
        services.loans_detect_overdue(today=today + timedelta(days=5))
        services.loans_detect_overdue(today=today + timedelta(days=6))
    assert sorted(e["rule"] for e in _events("loan.overdue")) == ["overdue_1d", "overdue_7d"]
    assert len([m for m in smtp_server.messages if m["to"] == [guardian.email]]) == 2


def test_an_overlapping_booking_is_refused_and_a_touching_one_is_not(school):
    scope = Scope.school(school.institution_id)
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    services.room_book(scope=scope, room_id=school.room.pk, title="Exam", starts_at=start,
                       ends_at=start + timedelta(hours=2))

    with pytest.raises(Conflict):
        services.room_book(scope=scope, room_id=school.room.pk, title="Meeting", starts_at=start + timedelta(hours=1),
                           ends_at=start + timedelta(hours=3))
    services.room_book(scope=scope, room_id=school.room.pk, title="After", starts_at=start + timedelta(hours=2),
                       ends_at=start + timedelta(hours=3))
    services.room_book(scope=scope, room_id=school.other_room.pk, title="Elsewhere", starts_at=start,
                       ends_at=start + timedelta(hours=2))

    assert RoomBooking.objects.count() == 3
    assert [e["title"] for e in _events("room.booked")] == ["Exam", "After", "Elsewhere"]


def test_the_database_itself_refuses_an_overlapping_active_booking(school):
    start = timezone.now() + timedelta(days=2)
    RoomBooking.objects.create(institution_id=school.institution_id, room=school.room, title="One", starts_at=start,
                               ends_at=start + timedelta(hours=1))
    with pytest.raises(IntegrityError, match="inventory_booking_no_room_overlap"), transaction.atomic():
        RoomBooking.objects.create(institution_id=school.institution_id, room=school.room, title="Two",
                                   starts_at=start + timedelta(minutes=30), ends_at=start + timedelta(hours=2))
    RoomBooking.objects.create(institution_id=school.institution_id, room=school.room, title="Cancelled overlap",
                               starts_at=start, ends_at=start + timedelta(hours=1), status="CANCELLED")
    assert RoomBooking.objects.filter(status="ACTIVE").count() == 1


def test_system_scope_reaches_every_school(school, other_school):
    assert inventory.asset_summary(scope=SYSTEM, asset_id=other_school.asset.pk).code == "B-0001"
    assert inventory.get_room(scope=Scope.school(school.institution_id), room_id=other_school.room.pk) is None
