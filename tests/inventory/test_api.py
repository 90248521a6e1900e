"""The inventory API: who may call each endpoint, another school's ids answer 404, bad input is a 400 with the
JSON error body, list endpoints keep a constant number of queries."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from apps.inventory import services
from apps.inventory.models import Asset, Loan, RoomBooking
from common.errors import Conflict
from common.tenancy import Scope
from events.models import OutboxEvent

pytestmark = pytest.mark.django_db

BASE = "/api/v1/inventory"
MANAGERS = ("ADMIN", "DIRECTOR", "INVENTORY_MANAGER")
READERS = ("ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY", "INVENTORY_MANAGER", "TEACHER")
BOOKERS = ("ADMIN", "DIRECTOR", "SECRETARY", "INVENTORY_MANAGER", "TEACHER")
ALL = ("ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY", "INVENTORY_MANAGER", "TEACHER", "PARENT", "STUDENT")


@pytest.mark.parametrize("role", ALL)
def test_who_may_read_rooms_and_assets(role, school, client_for):
    client = client_for(school.people[role])
    expected = 200 if role in READERS else 403
    assert client.get(f"{BASE}/rooms").status_code == expected
    assert client.get(f"{BASE}/assets").status_code == expected
    assert client.get(f"{BASE}/assets/{school.asset.pk}").status_code == expected


@pytest.mark.parametrize("role", ALL)
def test_who_may_register_an_asset(role, school, client_for):
    response = client_for(school.people[role]).post(f"{BASE}/assets", {"code": f"N-{role}", "name": "Globe",
                                                                       "roomId": school.room.pk}, format="json")
    assert response.status_code == (201 if role in MANAGERS else 403)
    assert Asset.objects.filter(code=f"N-{role}").exists() == (role in MANAGERS)


@pytest.mark.parametrize("role", ALL)
def test_who_may_book_a_room(role, school, client_for):
    start = timezone.now() + timedelta(days=1, hours=ALL.index(role) * 3)
    response = client_for(school.people[role]).post(f"{BASE}/bookings", {
        "roomId": school.room.pk, "title": "Exam", "startsAt": start.isoformat(),
        "endsAt": (start + timedelta(hours=1)).isoformat()}, format="json")
    assert response.status_code == (201 if role in BOOKERS else 403)


def test_a_teacher_borrows_for_themself_only_and_sees_only_their_loans(school, client_for):
    teacher, student = school.people["TEACHER"], school.people["STUDENT"]
    client = client_for(teacher)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()

    for_student = client.post(f"{BASE}/loans", {"assetId": school.asset.pk, "borrowerId": student.pk, "dueOn": due},
                              format="json")
    for_self = client.post(f"{BASE}/loans", {"assetId": school.asset.pk, "borrowerId": teacher.pk, "dueOn": due},
                           format="json")
    Loan.objects.create(institution_id=school.institution_id, asset=school.other_room.assets.create(
        institution_id=school.institution_id, code="X-1", barcode="X-1", name="Ball"), borrower_id=student.pk,
        borrower_kind="STUDENT", checked_out_at=timezone.now(), due_on=timezone.localdate())
    listed = client.get(f"{BASE}/loans")

    assert for_student.status_code == 403 and for_student.json()["error"]["code"] == "not_your_loan"
    assert for_self.status_code == 201 and for_self.json()["borrowerKind"] == "STAFF"
    assert [row["borrowerId"] for row in listed.json()["results"]] == [teacher.pk]
    assert client.post(f"{BASE}/loans/{for_self.json()['id']}/checkin", {"condition": "GOOD"},
                       format="json").status_code == 403
    manager = client_for(school.people["INVENTORY_MANAGER"])
    assert len(manager.get(f"{BASE}/loans").json()["results"]) == 2
    assert manager.post(f"{BASE}/loans/{for_self.json()['id']}/checkin", {"condition": "GOOD"},
                        format="json").status_code == 200


def test_another_schools_ids_answer_404_like_unknown_ones(school, other_school, client_for):
    client = client_for(school.people["INVENTORY_MANAGER"])
    foreign = other_school.asset.pk

    responses = [
        client.get(f"{BASE}/assets/{foreign}"),
        client.get(f"{BASE}/assets/{foreign}/history"),
        client.get(f"{BASE}/rooms/{other_school.room.pk}"),
        client.post(f"{BASE}/assets/{foreign}/move", {"roomId": school.room.pk}, format="json"),
        client.post(f"{BASE}/assets/{school.asset.pk}/move", {"roomId": other_school.room.pk}, format="json"),
        client.post(f"{BASE}/assets/{foreign}/retire", {}, format="json"),
        client.post(f"{BASE}/loans", {"assetId": foreign, "borrowerId": school.people["STUDENT"].pk,
                                      "dueOn": timezone.localdate().isoformat()}, format="json"),
        client.post(f"{BASE}/bookings", {"roomId": other_school.room.pk, "title": "x",
                                         "startsAt": "2031-01-01T10:00:00Z", "endsAt": "2031-01-01T11:00:00Z"},
                    format="json"),
        client.get(f"{BASE}/assets/999999999"),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert responses[0].json()["error"]["code"] == responses[-1].json()["error"]["code"] == "asset_not_found"
    other_school.asset.refresh_from_db()
    assert other_school.asset.room_id == other_school.room.pk and other_school.asset.status == "IN_USE"
    assert b"B-" not in client.get(f"{BASE}/assets").content


def test_bad_input_is_a_400_with_the_error_body(school, client_for):
    response = client_for(school.people["ADMIN"]).post(f"{BASE}/bookings", {
        "roomId": school.room.pk, "title": "x", "startsAt": "2031-01-01T11:00:00Z",
        "endsAt": "2031-01-01T10:00:00Z"}, format="json")
    assert response.status_code == 400
    assert "endsAt" in response.json()["error"]["details"]["fields"]
    assert not RoomBooking.objects.exists()


def test_an_overlapping_booking_answers_409(school, client_for):
    client = client_for(school.people["TEACHER"])
    body = {"roomId": school.room.pk, "title": "Exam", "startsAt": "2031-01-01T10:00:00Z",
            "endsAt": "2031-01-01T12:00:00Z"}
    assert client.post(f"{BASE}/bookings", body, format="json").status_code == 201
    second = client.post(f"{BASE}/bookings", {**body, "startsAt": "2031-01-01T11:00:00Z",
                                               "endsAt": "2031-01-01T13:00:00Z"}, format="json")
    assert second.status_code == 409 and second.json()["error"]["code"] == "room_booking_conflict"


@pytest.mark.parametrize("path", ["assets", "rooms", "loans", "bookings"])
def test_list_endpoints_keep_a_constant_number_of_queries(path, school, client_for, django_assert_max_num_queries):
    scope = Scope.school(school.institution_id)
    client = client_for(school.people["ADMIN"])
    student = school.people["STUDENT"]

    def grow(n: int) -> None:
        start = timezone.now() + timedelta(days=30)
        for i in range(n):
            asset = services.asset_register(scope=scope, code=f"Q-{path}-{Asset.objects.count()}", name="Item",
                                            room_id=school.room.pk)
            services.room_create(scope=scope, code=f"R-{asset.pk}", name="Room", kind="CLASSROOM")
            Loan.objects.create(institution_id=school.institution_id, asset=asset, borrower_id=student.pk,
                                borrower_kind="STUDENT", checked_out_at=timezone.now(), due_on=timezone.localdate())
            RoomBooking.objects.create(institution_id=school.institution_id, room=school.room, title="B",
                                       starts_at=start + timedelta(hours=asset.pk), ends_at=start + timedelta(
                                           hours=asset.pk, minutes=30))

    grow(2)
    with django_assert_max_num_queries(8):
        assert client.get(f"{BASE}/{path}").status_code == 200
    grow(10)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{BASE}/{path}").json()["results"]) >= 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_room_are_refused_by_the_database(school):
    # Given six requests racing for overlapping slots of one room
    scope = Scope.school(school.institution_id)
    start = timezone.now().replace(microsecond=0) + timedelta(days=5)
    barrier = threading.Barrier(6)
    won, refused, errors = [], [], []

    def book(offset: int) -> None:
        try:
            barrier.wait()
            booking = services.room_book(scope=scope, room_id=school.room.pk, title=f"Race {offset}",
                                         starts_at=start + timedelta(minutes=offset * 10),
                                         ends_at=start + timedelta(hours=2, minutes=offset * 10))
            won.append(booking.pk)
        except Conflict:
            refused.append(offset)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one booking exists and one room.booked was recorded
    assert errors == []
    assert len(won) == 1 and len(refused) == 5
    assert RoomBooking.objects.filter(room=school.room).count() == 1
    assert OutboxEvent.objects.filter(event_type="room.booked").count() == 1
