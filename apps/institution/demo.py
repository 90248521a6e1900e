"""Demo institution: I.E. San Martín de Porres (Lima), its campus, config and the current year's calendar."""

from __future__ import annotations

from datetime import date

from apps.institution import services
from apps.institution.models import CalendarYear, Campus, Holiday, Institution, InstitutionConfig, Period

CODE = "IE-0345678"
HOLIDAYS = [((5, 1), "Día del Trabajo"), ((6, 29), "San Pedro y San Pablo"), ((7, 28), "Fiestas Patrias"),
            ((7, 29), "Fiestas Patrias"), ((8, 30), "Santa Rosa de Lima"), ((10, 8), "Combate de Angamos"),
            ((11, 1), "Día de Todos los Santos"), ((12, 8), "Inmaculada Concepción")]


def seed(school: dict) -> None:
    inst = Institution.objects.filter(code=CODE).first() or services.institution_create(
        code=CODE, name="I.E. San Martín de Porres", city="Lima",
        address="Av. Los Próceres 123, San Martín de Porres", phone="+5114567890", email="mesa@sanmartin.edu.pe")
    InstitutionConfig.objects.get_or_create(institution=inst)
    campus = Campus.objects.filter(institution=inst, code="SEDE-CENTRAL").first() or services.campus_create(
        institution_id=inst.pk, code="SEDE-CENTRAL", name="Sede central", address="Av. Los Próceres 123",
        is_main=True)
    year = date.today().year
    cal = CalendarYear.objects.filter(institution=inst, year=year).first() or services.calendar_year_create(
        institution_id=inst.pk, year=year, start_date=date(year, 1, 1), end_date=date(year, 12, 31))
    for (month, day), name in HOLIDAYS:
        Holiday.objects.get_or_create(institution=inst, date=date(year, month, day), defaults={"name": name})
    school["institution_id"] = inst.pk
    school["campus_id"] = campus.pk
    school["year"] = year
    school["period_ids"] = list(Period.objects.filter(calendar_year=cal).order_by("number").values_list("pk", flat=True))
