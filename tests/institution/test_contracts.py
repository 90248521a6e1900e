from datetime import date
from decimal import Decimal

import pytest

from apps.institution import contracts, services
from common.tenancy import SYSTEM
from tests.institution.factories import HolidayFactory, InstitutionFactory, calendar_year

pytestmark = pytest.mark.django_db


def test_get_institution_returns_a_dto_or_none():
    inst = InstitutionFactory(name="I.E. Santa Rosa")
    dto = contracts.get_institution(institution_id=inst.pk)

    assert dto.id == inst.pk and dto.name == "I.E. Santa Rosa" and dto.timezone == "America/Lima"
    assert contracts.get_institution(institution_id=inst.pk + 1000) is None


def test_grading_scale_defaults_per_level():
    inst = InstitutionFactory()
    secondary = contracts.grading_scale(institution_id=inst.pk, level="SECUNDARIA")
    primary = contracts.grading_scale(institution_id=inst.pk, level="PRIMARIA")

    assert secondary.kind == "VIGESIMAL" and secondary.min_value == 0 and secondary.max_value == 20
    assert secondary.pass_mark == Decimal("11")
    assert secondary.is_passing(Decimal("11")) and not secondary.is_passing(Decimal("10.99"))
    assert primary.kind == "LITERAL" and primary.literal_values == ("AD", "A", "B", "C") and primary.pass_mark == "A"
    assert primary.is_passing("AD") and primary.is_passing("A") and not primary.is_passing("B")
    with pytest.raises(ValueError):
        contracts.grading_scale(institution_id=inst.pk, level="UNIVERSIDAD")


def test_grading_scale_follows_the_configuration():
    inst = InstitutionFactory()
    services.config_update(scope=SYSTEM, institution_id=inst.pk, grading_scales=[
        {"level": "SECUNDARIA", "kind": "PERCENT", "pass_mark": None, "decimals": 1},
        {"level": "INICIAL", "kind": "VIGESIMAL", "pass_mark": "13"}])

    percent = contracts.grading_scale(institution_id=inst.pk, level="SECUNDARIA")
    assert (percent.kind, percent.max_value, percent.pass_mark, percent.decimals) == (
        "PERCENT", Decimal("100"), Decimal("60"), 1)
    assert contracts.grading_scale(institution_id=inst.pk, level="INICIAL").pass_mark == Decimal("13")


def test_current_period_periods_of_year_and_get_period():
    inst = InstitutionFactory()
    calendar_year(inst, 2026)
    periods = contracts.periods_of_year(institution_id=inst.pk, year=2026)

    assert [p.number for p in periods] == [1, 2, 3, 4] and all(p.year == 2026 for p in periods)
    second = periods[1]
    assert contracts.current_period(institution_id=inst.pk, on=second.start_date) == second
    assert contracts.current_period(institution_id=inst.pk, on=date(2026, 1, 15)) is None  # summer holidays
    assert contracts.get_period(period_id=second.id) == second
    assert contracts.get_period(period_id=second.id + 1000) is None
    assert contracts.periods_of_year(institution_id=inst.pk, year=2030) == []


def test_alert_rules_and_channels_follow_the_config():
    inst = InstitutionFactory()
    assert contracts.attendance_alert_rules(institution_id=inst.pk) == contracts.AttendanceAlertRulesDTO(3, 30.0)
    assert contracts.performance_alert_rules(institution_id=inst.pk).drop_threshold == Decimal("3")
    assert contracts.notification_channels(institution_id=inst.pk) == frozenset({"email", "inapp"})

    services.config_update(scope=SYSTEM, institution_id=inst.pk, consecutive_absences_alert=5,
                           absence_rate_alert_percent=Decimal("20"), performance_drop_threshold=Decimal("2.5"),
                           notification_channels=["sms"])
    assert contracts.attendance_alert_rules(institution_id=inst.pk) == contracts.AttendanceAlertRulesDTO(5, 20.0)
    assert contracts.performance_alert_rules(institution_id=inst.pk).drop_threshold == Decimal("2.5")
    assert contracts.notification_channels(institution_id=inst.pk) == frozenset({"sms"})


def test_is_school_day_weekdays_holidays_and_vacations():
    inst = InstitutionFactory()
    monday, saturday = date(2025, 6, 2), date(2025, 6, 7)
    assert contracts.is_school_day(institution_id=inst.pk, day=monday)  # no calendar for 2025: weekdays count
    assert not contracts.is_school_day(institution_id=inst.pk, day=saturday)

    calendar_year(inst, 2026, start=date(2026, 3, 2), end=date(2026, 12, 18))
    HolidayFactory(institution=inst, date=date(2026, 7, 28))
    assert contracts.is_school_day(institution_id=inst.pk, day=date(2026, 7, 27))
    assert not contracts.is_school_day(institution_id=inst.pk, day=date(2026, 7, 28))  # holiday
    assert not contracts.is_school_day(institution_id=inst.pk, day=date(2026, 2, 16))  # before the school year
    services.config_update(scope=SYSTEM, institution_id=inst.pk, school_days=[1, 2, 3, 4, 5, 6])
    assert contracts.is_school_day(institution_id=inst.pk, day=date(2026, 6, 6))  # Saturday classes


def test_list_institutions_skips_inactive_ones():
    active, inactive = InstitutionFactory(), InstitutionFactory(is_active=False)
    ids = {i.id for i in contracts.list_institutions()}
    assert active.pk in ids and inactive.pk not in ids
    assert inactive.pk in {i.id for i in contracts.list_institutions(active_only=False)}


def test_current_period_uses_the_institutions_time_zone(monkeypatch):
    from datetime import UTC, datetime

    from django.utils import timezone as dj_timezone

    inst = InstitutionFactory(timezone="America/Lima")
    cal = calendar_year(inst, 2026)
    first, second = cal.periods.order_by("number")[:2]
    # 03:00 UTC on the first day of the II Bimestre is still the last day of the I Bimestre in Lima (UTC-5).
    instant = datetime.combine(second.start_date, datetime.min.time(), tzinfo=UTC).replace(hour=3)
    monkeypatch.setattr(dj_timezone, "now", lambda: instant)
    assert contracts.current_period(institution_id=inst.pk).number == first.number
