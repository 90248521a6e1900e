from datetime import date

import pytest

from apps.institution import selectors
from common.tenancy import SYSTEM
from tests.institution.factories import InstitutionFactory, calendar_year

pytestmark = pytest.mark.django_db


def test_config_values_defaults_when_no_row_exists():
    config = selectors.config_values(123456)
    assert config.pk is None and config.consecutive_absences_alert == 3 and config.school_days == [1, 2, 3, 4, 5]


def test_config_with_scales_is_two_queries(django_assert_num_queries):
    inst = InstitutionFactory()
    with django_assert_num_queries(2):
        _config, scales = selectors.config_with_scales(inst.pk)
    assert [s["level"] for s in scales] == ["INICIAL", "PRIMARIA", "SECUNDARIA"]


def test_calendar_year_on_prefers_the_year_containing_the_day(django_assert_num_queries):
    inst = InstitutionFactory()
    calendar_year(inst, 2026, start=date(2026, 3, 2), end=date(2026, 12, 18))
    assert selectors.calendar_year_on(inst.pk, date(2026, 6, 1), scope=SYSTEM).year == 2026
    assert selectors.calendar_year_on(inst.pk, date(2026, 1, 10), scope=SYSTEM).year == 2026  # summer: that year's calendar
    assert selectors.calendar_year_on(inst.pk, date(2027, 1, 10), scope=SYSTEM) is None
    with django_assert_num_queries(2):
        year = selectors.calendar_year_on(inst.pk, date(2026, 6, 1), scope=SYSTEM)
        assert len(list(year.periods.all())) == 4


def test_period_on_and_periods_of_year():
    inst = InstitutionFactory()
    calendar_year(inst, 2026)
    periods = selectors.periods_of_year(inst.pk, 2026)
    assert [p.number for p in periods] == [1, 2, 3, 4]
    assert selectors.period_on(inst.pk, periods[2].end_date) == periods[2]
    assert selectors.period_on(inst.pk, date(2026, 12, 25)) is None
