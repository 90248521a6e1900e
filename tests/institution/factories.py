"""Factories of the institution context."""

from __future__ import annotations

from datetime import date

import factory
from factory.django import DjangoModelFactory

from apps.institution import services
from apps.institution.models import Campus, Holiday, Institution, InstitutionConfig


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"IE-{n:07d}")
    name = factory.Sequence(lambda n: f"I.E. N° {n} José Carlos Mariátegui")
    city = "Lima"

    @factory.post_generation
    def config(obj, create, extracted, **kwargs):
        if create:
            InstitutionConfig.objects.get_or_create(institution=obj, defaults=kwargs)


class CampusFactory(DjangoModelFactory):
    class Meta:
        model = Campus

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"SEDE-{n}")
    name = factory.Sequence(lambda n: f"Sede {n}")


class HolidayFactory(DjangoModelFactory):
    class Meta:
        model = Holiday

    institution = factory.SubFactory(InstitutionFactory)
    date = date(2026, 7, 28)
    name = "Fiestas Patrias"


def calendar_year(institution, year: int = 2026, start: date | None = None, end: date | None = None,
                  period_type: str | None = None):
    """A calendar year with its generated periods (through the service)."""
    return services.calendar_year_create(institution_id=institution.pk, year=year,
                                         start_date=start or date(year, 3, 2), end_date=end or date(year, 12, 18),
                                         period_type=period_type)
