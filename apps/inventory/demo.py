"""Demo inventory: rooms (classrooms, a lab, the library, the gym), assets in them with their history, two
loans (one of them overdue, so the overdue task has work), a room booking, a consumable below its reorder
threshold and a library stocktake with its discrepancy report (missing, unexpected, wrong room). Idempotent: rows that exist
are left alone (looked up by their school code)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.inventory import services
from apps.inventory.models import Asset, Consumable, Loan, Room, RoomBooking, Stocktake
from common.tenancy import SYSTEM

ROOMS = [("AULA-101", "Aula 101", "CLASSROOM", 35, ["pizarra", "proyector"]),
         ("LAB-CIEN", "Laboratorio de ciencias", "LAB", 30, ["lavaderos", "microscopios"]),
         ("BIBLIO", "Biblioteca", "LIBRARY", 60, ["estantes", "computadoras"]),
         ("GIMNASIO", "Gimnasio", "GYM", 120, ["arcos", "colchonetas"])]
ASSETS = [("INV-000001", "Laptop Lenovo ThinkPad", "laptop", "BIBLIO", "2400.00"),
          ("INV-000002", "Laptop Lenovo ThinkPad", "laptop", "BIBLIO", "2400.00"),
          ("INV-000003", "Microscopio óptico", "laboratorio", "LAB-CIEN", "1800.00"),
          ("INV-000004", "Proyector Epson", "audiovisual", "AULA-101", "1500.00"),
          ("INV-000005", "Guitarra acústica", "instrumento", "GIMNASIO", "450.00"),
          ("LIB-000001", "Cien años de soledad", "libro", "BIBLIO", "60.00")]


def seed(school: dict) -> None:
    institution_id, campus_id = school["institution_id"], school.get("campus_id")
    actor = school.get("admin_id")
    rooms = {}
    for code, name, kind, capacity, equipment in ROOMS:
        room = Room.objects.filter(institution_id=institution_id, code=code).first()
        rooms[code] = room or services.room_create(scope=SYSTEM, institution_id=institution_id, code=code, name=name,
                                                   kind=kind, capacity=capacity, equipment=equipment,
                                                   campus_id=campus_id)
    assets = {}
    for code, name, category, room_code, value in ASSETS:
        asset = Asset.objects.filter(institution_id=institution_id, code=code).first()
        assets[code] = asset or services.asset_register(
            scope=SYSTEM, institution_id=institution_id, code=code, name=name, category=category,
            room_id=rooms[room_code].pk, acquired_on=timezone.localdate() - timedelta(days=400),
            acquisition_value=Decimal(value), responsible_staff_id=school.get("director_id"), actor_id=actor)
    today = timezone.localdate()
    students = school.get("student_ids") or []
    teachers = school.get("teacher_ids") or []
    if students and not Loan.objects.filter(asset=assets["INV-000001"]).exists():
        # an overdue loan: checked out three weeks ago, due a week ago
        loan = services.loan_checkout(scope=SYSTEM, asset_id=assets["INV-000001"].pk, borrower_id=students[0],
                                      due_on=today, actor_id=actor)
        Loan.objects.filter(pk=loan.pk).update(checked_out_at=timezone.now() - timedelta(days=21),
                                               due_on=today - timedelta(days=7))
    if teachers and not Loan.objects.filter(asset=assets["INV-000005"]).exists():
        services.loan_checkout(scope=SYSTEM, asset_id=assets["INV-000005"].pk, borrower_id=teachers[0],
                               due_on=today + timedelta(days=14), actor_id=actor)
    if not RoomBooking.objects.filter(room=rooms["LAB-CIEN"]).exists():
        start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        services.room_book(scope=SYSTEM, room_id=rooms["LAB-CIEN"].pk, title="Examen de ciencias", starts_at=start,
                           ends_at=start + timedelta(hours=2), actor_id=teachers[0] if teachers else actor)
    if campus_id and not Consumable.objects.filter(institution_id=institution_id, code="TIZA-B").exists():
        chalk = services.consumable_create(scope=SYSTEM, institution_id=institution_id, code="TIZA-B",
                                           name="Tiza blanca (caja)", unit="caja", reorder_threshold=10)
        services.stock_move(scope=SYSTEM, consumable_id=chalk.pk, campus_id=campus_id, kind="IN", quantity=24,
                            actor_id=actor)
        services.stock_move(scope=SYSTEM, consumable_id=chalk.pk, campus_id=campus_id, kind="OUT", quantity=16,
                            actor_id=actor)  # 8 left: below the threshold, one stock.low
    if not Stocktake.objects.filter(institution_id=institution_id, room=rooms["BIBLIO"]).exists():
        stocktake = services.stocktake_start(scope=SYSTEM, institution_id=institution_id,
                                             title="Inventario anual — Biblioteca", room_id=rooms["BIBLIO"].pk,
                                             actor_id=actor)
        # INV-000001 is on loan (not expected); LIB-000001 is missing; the projector of AULA-101 is found here;
        # one label belongs to no asset
        services.stocktake_scan(scope=SYSTEM, stocktake_id=stocktake.pk,
                                codes=["INV-000002", "INV-000004", "ETQ-SIN-REGISTRO"])
