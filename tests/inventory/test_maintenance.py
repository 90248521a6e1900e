"""Maintenance requests: opening one puts the asset in repair (and so refuses loans), the status workflow
(open → in progress → done/cancelled) puts it back in use; the API's roles and scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.inventory import services
from apps.inventory.models import AssetHistory, MaintenanceRequest
from common.errors import BusinessRuleViolation, Conflict, NotFound
from common.tenancy import Scope

pytestmark = pytest.mark.django_db
BASE = "/api/v1/inventory"


def test_opening_a_request_puts_the_asset_in_repair_and_refuses_loans_until_done(school):
    scope = Scope.school(school.institution_id)
    actor = school.people["INVENTORY_MANAGER"].pk
    due = timezone.localdate() + timedelta(days=3)

    request = services.maintenance_open(scope=scope, asset_id=school.asset.pk, title="Screen broken",
                                        priority="HIGH", actor_id=actor)
    with pytest.raises(BusinessRuleViolation) as refused:
        services.loan_checkout(scope=scope, asset_id=school.asset.pk, borrower_id=school.people["STUDENT"].pk,
                               due_on=due)
    services.maintenance_set_status(scope=scope, request_id=request.pk, status="IN_PROGRESS", actor_id=actor)
    done = services.maintenance_set_status(scope=scope, request_id=request.pk, status="DONE", note="fixed",
                                           actor_id=actor)
    loan = services.loan_checkout(scope=scope, asset_id=school.asset.pk, borrower_id=school.people["STUDENT"].pk,
                                  due_on=due)

    assert refused.value.code == "asset_in_repair"
    assert done.status == "DONE" and done.started_at and done.closed_at and done.resolution_note == "fixed"
    assert loan.asset.status == "ON_LOAN"
    assert [h.changes.get("status") for h in AssetHistory.objects.filter(asset=school.asset, action="CHANGED")] == [
        {"from": "IN_USE", "to": "IN_REPAIR"}, {"from": "IN_REPAIR", "to": "IN_USE"}]


def test_a_cancelled_request_returns_the_asset_to_use_and_a_closed_one_cannot_move(school):
    scope = Scope.school(school.institution_id)
    request = services.maintenance_open(scope=scope, asset_id=school.asset.pk, title="Noise")

    services.maintenance_set_status(scope=scope, request_id=request.pk, status="CANCELLED")

    school.asset.refresh_from_db()
    assert school.asset.status == "IN_USE"
    with pytest.raises(Conflict) as closed:
        services.maintenance_set_status(scope=scope, request_id=request.pk, status="DONE")
    assert closed.value.code == "maintenance_closed"


def test_one_active_request_per_asset_and_no_repair_for_a_loaned_or_retired_asset(school):
    scope = Scope.school(school.institution_id)
    services.maintenance_open(scope=scope, asset_id=school.asset.pk, title="First")
    loaned = school.room.assets.create(institution_id=school.institution_id, code="L-1", barcode="L-1", name="Tab",
                                       status="ON_LOAN")
    retired = school.room.assets.create(institution_id=school.institution_id, code="R-1", barcode="R-1", name="Old",
                                        status="RETIRED")

    with pytest.raises(Conflict) as twice:
        services.maintenance_open(scope=scope, asset_id=school.asset.pk, title="Second")
    with pytest.raises(BusinessRuleViolation) as on_loan:
        services.maintenance_open(scope=scope, asset_id=loaned.pk, title="x")
    with pytest.raises(BusinessRuleViolation) as gone:
        services.maintenance_open(scope=scope, asset_id=retired.pk, title="x")

    assert (twice.value.code, on_loan.value.code, gone.value.code) == (
        "maintenance_already_open", "asset_on_loan", "asset_retired")
    assert MaintenanceRequest.objects.count() == 1


def test_an_invalid_transition_is_refused(school):
    scope = Scope.school(school.institution_id)
    request = services.maintenance_open(scope=scope, asset_id=school.asset.pk, title="x")
    services.maintenance_set_status(scope=scope, request_id=request.pk, status="IN_PROGRESS")

    with pytest.raises(BusinessRuleViolation) as refused:
        services.maintenance_set_status(scope=scope, request_id=request.pk, status="IN_PROGRESS")

    assert refused.value.code == "maintenance_transition_refused"


def test_another_schools_asset_or_request_is_not_found(school, other_school):
    scope = Scope.school(school.institution_id)
    theirs = services.maintenance_open(scope=Scope.school(other_school.institution_id),
                                       asset_id=other_school.asset.pk, title="B")

    with pytest.raises(NotFound):
        services.maintenance_open(scope=scope, asset_id=other_school.asset.pk, title="x")
    with pytest.raises(NotFound):
        services.maintenance_set_status(scope=scope, request_id=theirs.pk, status="DONE")
    theirs.refresh_from_db()
    assert theirs.status == "OPEN"


@pytest.mark.parametrize("role", ["ADMIN", "INVENTORY_MANAGER", "SECRETARY", "TEACHER", "PARENT"])
def test_who_may_open_and_move_requests(role, school, client_for):
    client = client_for(school.people[role])
    manages = role in ("ADMIN", "INVENTORY_MANAGER")
    other = school.room.assets.create(institution_id=school.institution_id, code="P-1", barcode="P-1", name="Proj")
    existing = services.maintenance_open(scope=Scope.school(school.institution_id), asset_id=other.pk, title="x")

    opened = client.post(f"{BASE}/maintenance", {"assetId": school.asset.pk, "title": "Broken"}, format="json")
    moved = client.post(f"{BASE}/maintenance/{existing.pk}/status", {"status": "DONE"}, format="json")
    listed = client.get(f"{BASE}/maintenance")

    assert opened.status_code == (201 if manages else 403)
    assert moved.status_code == (200 if manages else 403)
    assert listed.status_code == (403 if role == "PARENT" else 200)
    if manages:
        assert opened.json()["assetStatus"] == "IN_REPAIR" and moved.json()["assetStatus"] == "IN_USE"


def test_the_api_answers_404_for_another_schools_request_or_asset(school, other_school, client_for):
    theirs = services.maintenance_open(scope=Scope.school(other_school.institution_id),
                                       asset_id=other_school.asset.pk, title="B")
    client = client_for(school.people["INVENTORY_MANAGER"])

    responses = [client.post(f"{BASE}/maintenance/{theirs.pk}/status", {"status": "DONE"}, format="json"),
                 client.post(f"{BASE}/maintenance", {"assetId": other_school.asset.pk, "title": "x"}, format="json")]

    assert [r.status_code for r in responses] == [404, 404]
    assert client.get(f"{BASE}/maintenance").json()["results"] == []


def test_maintenance_list_keeps_a_constant_number_of_queries(school, client_for, django_assert_max_num_queries):
    scope = Scope.school(school.institution_id)
    client = client_for(school.people["ADMIN"])

    def grow(n: int) -> None:
        for _ in range(n):
            asset = school.room.assets.create(institution_id=school.institution_id, name="Q",
                                              code=f"Q-{MaintenanceRequest.objects.count()}-{_}",
                                              barcode=f"Q-{MaintenanceRequest.objects.count()}-{_}")
            services.maintenance_open(scope=scope, asset_id=asset.pk, title="x")

    grow(2)
    with django_assert_max_num_queries(8):
        assert client.get(f"{BASE}/maintenance").status_code == 200
    grow(10)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{BASE}/maintenance").json()["results"]) >= 10
