from __future__ import annotations

import pytest

from apps.inventory import demo
from apps.inventory.models import Asset, AssetHistory, Loan, Room, RoomBooking, StockLevel, StocktakeDiscrepancy

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_shows_rooms_assets_an_overdue_loan_and_a_booking(school):
    shared = {"institution_id": school.institution_id, "campus_id": school.campus_id,
              "admin_id": school.people["ADMIN"].pk, "director_id": school.people["DIRECTOR"].pk,
              "student_ids": [school.people["STUDENT"].pk], "teacher_ids": [school.people["TEACHER"].pk]}

    demo.seed(shared)
    counts = (Room.objects.count(), Asset.objects.count(), Loan.objects.count(), RoomBooking.objects.count(),
              AssetHistory.objects.count())
    demo.seed(shared)

    assert counts == (Room.objects.count(), Asset.objects.count(), Loan.objects.count(), RoomBooking.objects.count(),
                      AssetHistory.objects.count())
    assert Room.objects.filter(institution_id=school.institution_id, kind="GYM").exists()
    assert Loan.objects.filter(returned_at__isnull=True, due_on__lt=demo.timezone.localdate()).count() == 1
    assert Loan.objects.count() == 2 and RoomBooking.objects.count() == 1
    assert StockLevel.objects.get(consumable__code="TIZA-B").quantity == 8
    assert set(StocktakeDiscrepancy.objects.values_list("kind", "code")) == {
        ("MISSING", "LIB-000001"), ("WRONG_ROOM", "INV-000004"), ("UNEXPECTED", "ETQ-SIN-REGISTRO")}
