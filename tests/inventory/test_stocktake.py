"""Stocktake: the scanned codes against the register give the right report (missing, unexpected, wrong room);
staff resolve each discrepancy through the asset services (history and events stay right); the API's roles
and scope."""

from __future__ import annotations

import pytest

from apps.inventory import services
from apps.inventory.models import Asset, AssetHistory, StocktakeDiscrepancy
from common.errors import BusinessRuleViolation, Conflict, NotFound
from common.tenancy import Scope
from events.models import OutboxEvent

pytestmark = pytest.mark.django_db
BASE = "/api/v1/inventory"


def _asset(school, code: str, room, **extra) -> Asset:
    return Asset.objects.create(institution_id=school.institution_id, code=code, barcode=f"BC-{code}", name=code,
                                campus_id=school.campus_id, room=room, **extra)


def _report(stocktake) -> set[tuple[str, str]]:
    return set(StocktakeDiscrepancy.objects.filter(stocktake=stocktake).values_list("kind", "code"))


@pytest.fixture
def lab(school):
    """The lab holds A-0001 (the school fixture's), L1, L2 and L3; L4 is on loan, L5 retired; LIB1 is in the
    library."""
    room = school.room
    assets = {code: _asset(school, code, room) for code in ("L1", "L2", "L3")}
    assets["L4"] = _asset(school, "L4", room, status="ON_LOAN")
    assets["L5"] = _asset(school, "L5", room, status="RETIRED")
    assets["LIB1"] = _asset(school, "LIB1", school.other_room)
    return assets


def test_a_count_with_missing_unexpected_and_misplaced_codes_gives_the_right_report(school, other_school, lab):
    scope = Scope.school(school.institution_id)
    stocktake = services.stocktake_start(scope=scope, title="Annual", room_id=school.room.pk)

    # scanned: by code, by barcode, a repeat, the library's asset, a retired one, an unknown code, another
    # school's code
    services.stocktake_scan(scope=scope, stocktake_id=stocktake.pk,
                            codes=["A-0001", "BC-L1", "L1", "LIB1", "L5", "ZZ-404", other_school.asset.code, " "])

    assert _report(stocktake) == {
        ("MISSING", "L2"), ("MISSING", "L3"),
        ("WRONG_ROOM", "LIB1"),
        ("UNEXPECTED", "L5"), ("UNEXPECTED", "ZZ-404"), ("UNEXPECTED", other_school.asset.code),
    }
    wrong = StocktakeDiscrepancy.objects.get(stocktake=stocktake, kind="WRONG_ROOM")
    assert wrong.asset_id == lab["LIB1"].pk and wrong.expected_room_id == school.other_room.pk


def test_a_second_bulk_adds_up_and_the_report_follows(school, lab):
    scope = Scope.school(school.institution_id)
    stocktake = services.stocktake_start(scope=scope, title="Annual", room_id=school.room.pk)
    services.stocktake_scan(scope=scope, stocktake_id=stocktake.pk, codes=["A-0001", "L1"])

    services.stocktake_scan(scope=scope, stocktake_id=stocktake.pk, codes=["L2", "L3"])

    assert _report(stocktake) == set()
    stocktake.refresh_from_db()
    assert stocktake.scanned_codes == ["A-0001", "L1", "L2", "L3"]


def test_a_campus_count_reports_only_assets_of_other_campuses_as_misplaced(school, lab):
    scope = Scope.school(school.institution_id)
    stocktake = services.stocktake_start(scope=scope, title="Campus", campus_id=school.campus_id)

    services.stocktake_scan(scope=scope, stocktake_id=stocktake.pk, codes=["A-0001", "L1", "L2", "L3"])

    assert _report(stocktake) == {("MISSING", "LIB1")}


def test_resolving_moves_or_retires_through_the_asset_services_and_closing_needs_all_resolved(school, lab):
    scope = Scope.school(school.institution_id)
    actor = school.people["INVENTORY_MANAGER"].pk
    stocktake = services.stocktake_start(scope=scope, title="Annual", room_id=school.room.pk)
    services.stocktake_scan(scope=scope, stocktake_id=stocktake.pk, codes=["A-0001", "L1", "L3", "LIB1", "ZZ"])
    by_code = {d.code: d for d in StocktakeDiscrepancy.objects.filter(stocktake=stocktake)}

    with pytest.raises(BusinessRuleViolation) as unresolved:
        services.stocktake_close(scope=scope, stocktake_id=stocktake.pk)
    with pytest.raises(BusinessRuleViolation) as unfit:
        services.stocktake_resolve(scope=scope, stocktake_id=stocktake.pk, discrepancy_id=by_code["ZZ"].pk,
                                   resolution="LOST")
    services.stocktake_resolve(scope=scope, stocktake_id=stocktake.pk, discrepancy_id=by_code["L2"].pk,
                               resolution="LOST", actor_id=actor)
    services.stocktake_resolve(scope=scope, stocktake_id=stocktake.pk, discrepancy_id=by_code["LIB1"].pk,
                               resolution="MOVED", actor_id=actor)
    services.stocktake_resolve(scope=scope, stocktake_id=stocktake.pk, discrepancy_id=by_code["ZZ"].pk,
                               resolution="DISMISSED", actor_id=actor)
    with pytest.raises(Conflict):
        services.stocktake_resolve(scope=scope, stocktake_id=stocktake.pk, discrepancy_id=by_code["ZZ"].pk,
                                   resolution="DISMISSED")
    closed = services.stocktake_close(scope=scope, stocktake_id=stocktake.pk)

    assert unresolved.value.code == "stocktake_unresolved" and unfit.value.code == "resolution_not_allowed"
    lab["L2"].refresh_from_db()
    lab["LIB1"].refresh_from_db()
    assert lab["L2"].status == "RETIRED" and lab["LIB1"].room_id == school.room.pk
    assert list(AssetHistory.objects.filter(asset=lab["LIB1"]).values_list("action", flat=True)) == ["MOVED"]
    assert OutboxEvent.objects.filter(event_type="asset.retired", aggregate_id=str(lab["L2"].pk)).count() == 1
    assert OutboxEvent.objects.filter(event_type="asset.moved", aggregate_id=str(lab["LIB1"].pk)).count() == 1
    assert closed.status == "CLOSED"
    with pytest.raises(Conflict):
        services.stocktake_scan(scope=scope, stocktake_id=stocktake.pk, codes=["L1"])


def test_a_rescan_keeps_resolved_discrepancies(school, lab):
    scope = Scope.school(school.institution_id)
    stocktake = services.stocktake_start(scope=scope, title="Annual", room_id=school.room.pk)
    services.stocktake_scan(scope=scope, stocktake_id=stocktake.pk, codes=["A-0001", "L1", "L3"])
    missing = StocktakeDiscrepancy.objects.get(stocktake=stocktake, code="L2")
    services.stocktake_resolve(scope=scope, stocktake_id=stocktake.pk, discrepancy_id=missing.pk, resolution="FOUND")

    services.stocktake_scan(scope=scope, stocktake_id=stocktake.pk, codes=["ZZ"])

    assert _report(stocktake) == {("MISSING", "L2"), ("UNEXPECTED", "ZZ")}
    assert StocktakeDiscrepancy.objects.get(stocktake=stocktake, code="L2").resolution == "FOUND"


def test_another_schools_stocktake_room_or_discrepancy_is_not_found(school, other_school, lab):
    scope = Scope.school(school.institution_id)
    theirs = services.stocktake_start(scope=Scope.school(other_school.institution_id), title="B",
                                      room_id=other_school.room.pk)
    services.stocktake_scan(scope=Scope.school(other_school.institution_id), stocktake_id=theirs.pk, codes=["ZZ"])
    ours = services.stocktake_start(scope=scope, title="A", room_id=school.room.pk)
    their_discrepancy = StocktakeDiscrepancy.objects.get(stocktake=theirs, kind="UNEXPECTED")

    with pytest.raises(NotFound):
        services.stocktake_start(scope=scope, title="x", room_id=other_school.room.pk)
    with pytest.raises(NotFound):
        services.stocktake_scan(scope=scope, stocktake_id=theirs.pk, codes=["ZZ"])
    with pytest.raises(NotFound):
        services.stocktake_resolve(scope=scope, stocktake_id=ours.pk, discrepancy_id=their_discrepancy.pk,
                                   resolution="DISMISSED")
    their_discrepancy.refresh_from_db()
    assert their_discrepancy.resolution == ""


@pytest.mark.parametrize("role", ["ADMIN", "INVENTORY_MANAGER", "SECRETARY", "TEACHER", "PARENT", "STUDENT"])
def test_who_may_count_and_read_the_report(role, school, lab, client_for):
    client = client_for(school.people[role])
    manages = role in ("ADMIN", "INVENTORY_MANAGER")
    existing = services.stocktake_start(scope=Scope.school(school.institution_id), title="A", room_id=school.room.pk)

    started = client.post(f"{BASE}/stocktakes", {"title": "Count", "roomId": school.room.pk}, format="json")
    scanned = client.post(f"{BASE}/stocktakes/{existing.pk}/scan", {"codes": ["A-0001", "L1", "ZZ"]}, format="json")
    report = client.get(f"{BASE}/stocktakes/{existing.pk}")

    assert started.status_code == (201 if manages else 403)
    assert scanned.status_code == (200 if manages else 403)
    assert report.status_code == (403 if role in ("PARENT", "STUDENT") else 200)
    if manages:
        body = report.json()
        assert body["scannedCount"] == 3 and body["openDiscrepancies"] == 3
        assert {(d["kind"], d["code"]) for d in body["discrepancies"]} == {
            ("MISSING", "L2"), ("MISSING", "L3"), ("UNEXPECTED", "ZZ")}
        lost = next(d for d in body["discrepancies"] if d["code"] == "L2")
        resolved = client.post(f"{BASE}/stocktakes/{existing.pk}/discrepancies/{lost['id']}/resolve",
                               {"resolution": "LOST"}, format="json")
        assert resolved.status_code == 200 and resolved.json()["resolution"] == "LOST"


def test_the_api_answers_404_for_another_schools_stocktake(school, other_school, client_for):
    theirs = services.stocktake_start(scope=Scope.school(other_school.institution_id), title="B",
                                      room_id=other_school.room.pk)
    client = client_for(school.people["INVENTORY_MANAGER"])

    responses = [client.get(f"{BASE}/stocktakes/{theirs.pk}"),
                 client.post(f"{BASE}/stocktakes/{theirs.pk}/scan", {"codes": ["x"]}, format="json"),
                 client.post(f"{BASE}/stocktakes/{theirs.pk}/close", {}, format="json"),
                 client.get(f"{BASE}/stocktakes/999999999")]

    assert [r.status_code for r in responses] == [404] * 4
    assert {r.json()["error"]["code"] for r in responses} == {"stocktake_not_found"}
    assert client.get(f"{BASE}/stocktakes").json()["results"] == []


def test_stocktake_lists_keep_a_constant_number_of_queries(school, lab, client_for, django_assert_max_num_queries):
    scope = Scope.school(school.institution_id)
    client = client_for(school.people["ADMIN"])

    def grow(n: int) -> int:
        for i in range(n):
            stocktake = services.stocktake_start(scope=scope, title=f"S{i}", room_id=school.room.pk)
            services.stocktake_scan(scope=scope, stocktake_id=stocktake.pk, codes=[f"Z{i}", f"Y{i}"])
        return stocktake.pk

    last = grow(2)
    with django_assert_max_num_queries(8):
        assert client.get(f"{BASE}/stocktakes").status_code == 200
        assert client.get(f"{BASE}/stocktakes/{last}").status_code == 200
    grow(10)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{BASE}/stocktakes").json()["results"]) >= 10
