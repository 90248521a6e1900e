"""Consumables: stock per campus, movements (in, out, adjustment with a reason), stock.low once per crossing,
concurrent movements never lose an update, the API's roles and scope."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from apps.inventory import services
from apps.inventory.models import StockLevel, StockMovement
from common.errors import BusinessRuleViolation, NotFound, ValidationFailed
from common.tenancy import Scope
from events.models import OutboxEvent
from tests.institution.factories import CampusFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/inventory"


def _lows() -> list[dict]:
    rows = OutboxEvent.objects.filter(event_type="stock.low").order_by("created_at", "event_id")
    return [envelope["payload"] for envelope in rows.values_list("envelope", flat=True)]


def test_crossing_the_threshold_emits_exactly_one_stock_low_until_stock_rises_above_it_again(school):
    scope = Scope.school(school.institution_id)
    chalk = services.consumable_create(scope=scope, code="TIZA", name="Chalk", unit="box", reorder_threshold=10)

    def move(kind: str, quantity: int, reason: str = "") -> None:
        services.stock_move(scope=scope, consumable_id=chalk.pk, campus_id=school.campus_id, kind=kind,
                            quantity=quantity, reason=reason)

    move("IN", 20)
    move("OUT", 9)   # 11: above
    move("OUT", 2)   # 9: crossed -> one alert
    move("OUT", 3)   # 6: still below, no new alert
    move("ADJUSTMENT", -1, "broken box")  # 5: still below
    assert [(e["quantity"], e["campusId"]) for e in _lows()] == [(9, school.campus_id)]

    move("IN", 10)   # 15: above again, re-armed
    move("OUT", 5)   # 10: at the threshold -> a second crossing
    assert [e["quantity"] for e in _lows()] == [9, 10]
    assert StockLevel.objects.get(consumable=chalk).quantity == 10
    assert list(StockMovement.objects.filter(stock__consumable=chalk).order_by("id")
                .values_list("kind", "delta", "quantity_after"))[-3:] == [
        ("ADJUSTMENT", -1, 5), ("IN", 10, 15), ("OUT", -5, 10)]


def test_stock_is_kept_per_campus_and_each_campus_crosses_on_its_own(school):
    scope = Scope.school(school.institution_id)
    second = CampusFactory(institution_id=school.institution_id)
    paper = services.consumable_create(scope=scope, code="PAPEL", name="Paper", reorder_threshold=5)
    for campus in (school.campus_id, second.pk):
        services.stock_move(scope=scope, consumable_id=paper.pk, campus_id=campus, kind="IN", quantity=8)

    services.stock_move(scope=scope, consumable_id=paper.pk, campus_id=second.pk, kind="OUT", quantity=4)

    assert dict(StockLevel.objects.filter(consumable=paper).values_list("campus_id", "quantity")) == {
        school.campus_id: 8, second.pk: 4}
    assert [e["campusId"] for e in _lows()] == [second.pk]


def test_taking_more_than_the_stock_and_an_adjustment_without_reason_are_refused(school):
    scope = Scope.school(school.institution_id)
    ink = services.consumable_create(scope=scope, code="TINTA", name="Ink")
    services.stock_move(scope=scope, consumable_id=ink.pk, campus_id=school.campus_id, kind="IN", quantity=3)

    with pytest.raises(BusinessRuleViolation) as too_much:
        services.stock_move(scope=scope, consumable_id=ink.pk, campus_id=school.campus_id, kind="OUT", quantity=4)
    with pytest.raises(ValidationFailed):
        services.stock_move(scope=scope, consumable_id=ink.pk, campus_id=school.campus_id, kind="ADJUSTMENT",
                            quantity=-1, reason=" ")

    assert too_much.value.code == "insufficient_stock"
    assert StockLevel.objects.get(consumable=ink).quantity == 3


def test_another_schools_consumable_or_campus_is_not_found(school, other_school):
    scope = Scope.school(school.institution_id)
    theirs = services.consumable_create(scope=Scope.school(other_school.institution_id), code="X", name="X")
    ours = services.consumable_create(scope=scope, code="Y", name="Y")

    with pytest.raises(NotFound):
        services.stock_move(scope=scope, consumable_id=theirs.pk, campus_id=school.campus_id, kind="IN", quantity=1)
    with pytest.raises(NotFound):
        services.stock_move(scope=scope, consumable_id=ours.pk, campus_id=other_school.campus_id, kind="IN",
                            quantity=1)
    assert not StockLevel.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_movements_never_lose_an_update_and_alert_once(school):
    # Given 100 in stock and eight concurrent withdrawals of 10 with the threshold at 50
    scope = Scope.school(school.institution_id)
    item = services.consumable_create(scope=scope, code="GUANTES", name="Gloves", reorder_threshold=50)
    services.stock_move(scope=scope, consumable_id=item.pk, campus_id=school.campus_id, kind="IN", quantity=100)
    barrier = threading.Barrier(8)
    errors = []

    def take() -> None:
        try:
            barrier.wait()
            services.stock_move(scope=scope, consumable_id=item.pk, campus_id=school.campus_id, kind="OUT",
                                quantity=10)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every withdrawal counted and the crossing alerted exactly once
    assert errors == []
    assert StockLevel.objects.get(consumable=item).quantity == 20
    assert [e["quantity"] for e in _lows()] == [50]


@pytest.mark.parametrize("role", ["ADMIN", "INVENTORY_MANAGER", "SECRETARY", "TEACHER", "PARENT"])
def test_who_may_create_consumables_and_move_stock(role, school, client_for):
    client = client_for(school.people[role])
    manages = role in ("ADMIN", "INVENTORY_MANAGER")
    item = services.consumable_create(scope=Scope.school(school.institution_id), code="C-1", name="Clips")

    created = client.post(f"{BASE}/consumables", {"code": f"N-{role}", "name": "Pens"}, format="json")
    moved = client.post(f"{BASE}/consumables/{item.pk}/movements",
                        {"campusId": school.campus_id, "kind": "IN", "quantity": 5}, format="json")
    listed = client.get(f"{BASE}/consumables")

    assert created.status_code == (201 if manages else 403)
    assert moved.status_code == (201 if manages else 403)
    assert listed.status_code == (403 if role == "PARENT" else 200)
    if manages:
        assert moved.json()["quantityAfter"] == 5
        row = next(r for r in listed.json()["results"] if r["code"] == "C-1")
        assert row["stock"] == [{"campusId": school.campus_id, "quantity": 5, "low": False}]


def test_the_api_answers_404_for_another_schools_consumable_and_422_for_too_much(school, other_school, client_for):
    client = client_for(school.people["INVENTORY_MANAGER"])
    theirs = services.consumable_create(scope=Scope.school(other_school.institution_id), code="X", name="X")
    ours = services.consumable_create(scope=Scope.school(school.institution_id), code="Y", name="Y")

    foreign = client.post(f"{BASE}/consumables/{theirs.pk}/movements",
                          {"campusId": school.campus_id, "kind": "IN", "quantity": 1}, format="json")
    foreign_list = client.get(f"{BASE}/consumables/{theirs.pk}/movements")
    too_much = client.post(f"{BASE}/consumables/{ours.pk}/movements",
                           {"campusId": school.campus_id, "kind": "OUT", "quantity": 1}, format="json")

    assert foreign.status_code == foreign_list.status_code == 404
    assert foreign.json()["error"]["code"] == "consumable_not_found"
    assert too_much.status_code == 422 and too_much.json()["error"]["code"] == "insufficient_stock"


def test_consumable_lists_keep_a_constant_number_of_queries(school, client_for, django_assert_max_num_queries):
    scope = Scope.school(school.institution_id)
    client = client_for(school.people["ADMIN"])

    def grow(n: int) -> int:
        for _ in range(n):
            item = services.consumable_create(scope=scope, code=f"Q-{StockLevel.objects.count()}-{_}", name="Q")
            services.stock_move(scope=scope, consumable_id=item.pk, campus_id=school.campus_id, kind="IN", quantity=2)
            services.stock_move(scope=scope, consumable_id=item.pk, campus_id=school.campus_id, kind="OUT",
                                quantity=1)
        return item.pk

    last = grow(2)
    with django_assert_max_num_queries(8):
        assert client.get(f"{BASE}/consumables").status_code == 200
        assert client.get(f"{BASE}/consumables/{last}/movements").status_code == 200
    grow(10)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{BASE}/consumables").json()["results"]) >= 10
