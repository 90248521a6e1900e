from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.institution import services
from apps.institution.models import Campus, Institution, InstitutionConfig, Period
from common.errors import Conflict, NotFound, ValidationFailed
from common.tenancy import SYSTEM
from tests.institution.factories import CampusFactory, InstitutionFactory, calendar_year

pytestmark = pytest.mark.django_db


def test_institution_create_stores_a_default_config():
    inst = services.institution_create(code="ie-0345678", name=" I.E. San Martín ", phone="+5114567890")

    assert inst.code == "IE-0345678" and inst.name == "I.E. San Martín"
    config = InstitutionConfig.objects.get(institution=inst)
    assert config.period_type == "BIMESTRE" and config.school_days == [1, 2, 3, 4, 5]
    assert config.consecutive_absences_alert == 3
    assert config.absence_rate_alert_percent == Decimal("30")
    assert config.performance_drop_threshold == Decimal("3")


def test_institution_create_rejects_a_bad_phone_and_a_duplicate_code():
    InstitutionFactory(code="IE-1")
    with pytest.raises(ValidationFailed) as bad_phone:
        services.institution_create(code="IE-2", name="X", phone="987654321")
    with pytest.raises(ValidationFailed) as duplicate:
        services.institution_create(code="ie-1", name="Y")

    assert "phone" in bad_phone.value.details["fields"]
    assert "code" in duplicate.value.details["fields"]
    assert Institution.objects.count() == 1


def test_institution_update_changes_only_given_fields_and_404s_unknown():
    inst = InstitutionFactory(city="Lima")
    services.institution_update(scope=SYSTEM, institution_id=inst.pk, name="Nuevo nombre")
    inst.refresh_from_db()
    assert inst.name == "Nuevo nombre" and inst.city == "Lima"
    with pytest.raises(NotFound):
        services.institution_update(scope=SYSTEM, institution_id=inst.pk + 999, name="x")


def test_a_new_main_campus_demotes_the_previous_one():
    inst = InstitutionFactory()
    first = services.campus_create(institution_id=inst.pk, code="a", name="A", is_main=True)
    second = services.campus_create(institution_id=inst.pk, code="b", name="B", is_main=True)

    first.refresh_from_db()
    assert not first.is_main and second.is_main and second.code == "B"


def test_campus_code_is_unique_per_institution_only():
    one, two = InstitutionFactory(), InstitutionFactory()
    CampusFactory(institution=one, code="CENTRAL")
    services.campus_create(institution_id=two.pk, code="central", name="Central")
    with pytest.raises(ValidationFailed):
        services.campus_create(institution_id=one.pk, code="CENTRAL", name="Again")
    assert Campus.objects.filter(code="CENTRAL").count() == 2


def test_config_update_validates_channels_days_and_scales_and_changes_nothing_on_error():
    inst = InstitutionFactory()
    with pytest.raises(ValidationFailed) as exc:
        services.config_update(scope=SYSTEM, institution_id=inst.pk, notification_channels=["email", "pigeon"],
                               school_days=[0, 8])
    assert set(exc.value.details["fields"]) == {"notification_channels", "school_days"}
    with pytest.raises(ValidationFailed):
        services.config_update(scope=SYSTEM, institution_id=inst.pk, consecutive_absences_alert=5,
                               grading_scales=[{"level": "SECUNDARIA", "kind": "VIGESIMAL", "pass_mark": 25}])
    config = InstitutionConfig.objects.get(institution=inst)
    assert config.notification_channels == ["email", "inapp"] and config.consecutive_absences_alert == 3

    services.config_update(scope=SYSTEM, institution_id=inst.pk, period_type="TRIMESTRE", school_days=[6, 1, 2, 2],
                           notification_channels=["sms", "email"],
                           grading_scales=[{"level": "PRIMARIA", "kind": "VIGESIMAL", "pass_mark": 12}])
    config.refresh_from_db()
    assert config.period_type == "TRIMESTRE" and config.school_days == [1, 2, 6]
    assert config.notification_channels == ["email", "sms"]
    assert inst.grading_scales.get(level="PRIMARIA").pass_mark == Decimal("12")


def test_split_dates_covers_the_span_without_gaps():
    start, end = date(2026, 3, 2), date(2026, 12, 18)
    spans = services.split_dates(start, end, 4)

    assert spans[0][0] == start and spans[-1][1] == end
    for (_, prev_end), (next_start, _) in pairwise(spans):
        assert next_start == prev_end + timedelta(days=1)
    lengths = [(e - s).days + 1 for s, e in spans]
    assert max(lengths) - min(lengths) <= 1


def test_calendar_year_generates_bimestres_or_trimestres_from_the_config():
    inst = InstitutionFactory()
    cal = calendar_year(inst, 2026)
    assert [p.name for p in cal.periods.order_by("number")] == ["I Bimestre", "II Bimestre", "III Bimestre",
                                                                "IV Bimestre"]

    services.config_update(scope=SYSTEM, institution_id=inst.pk, period_type="TRIMESTRE")
    cal27 = calendar_year(inst, 2027)
    periods = list(cal27.periods.order_by("number"))
    assert [p.number for p in periods] == [1, 2, 3] and periods[0].name == "I Trimestre"
    assert periods[-1].end_date == cal27.end_date


def test_calendar_year_rejects_dates_outside_the_year_and_duplicates():
    inst = InstitutionFactory()
    with pytest.raises(ValidationFailed):
        services.calendar_year_create(institution_id=inst.pk, year=2026, start_date=date(2026, 3, 1),
                                      end_date=date(2027, 1, 10))
    calendar_year(inst, 2026)
    with pytest.raises(ValidationFailed):
        calendar_year(inst, 2026)
    assert Period.objects.filter(calendar_year__institution=inst).count() == 4


def test_periods_generate_refuses_to_duplicate_unless_replacing():
    cal = calendar_year(InstitutionFactory())
    with pytest.raises(Conflict):
        services.periods_generate(scope=SYSTEM, calendar_year_id=cal.pk)
    services.periods_generate(scope=SYSTEM, calendar_year_id=cal.pk, replace=True)
    assert cal.periods.count() == 4


def test_period_update_keeps_periods_inside_the_year_and_apart():
    cal = calendar_year(InstitutionFactory())
    first, second = cal.periods.order_by("number")[:2]
    with pytest.raises(ValidationFailed):
        services.period_update(scope=SYSTEM, period_id=first.pk, end_date=second.start_date)  # overlap
    with pytest.raises(ValidationFailed):
        services.period_update(scope=SYSTEM, period_id=first.pk, start_date=date(2026, 1, 5))  # before the year
    with pytest.raises(ValidationFailed):
        services.period_update(scope=SYSTEM, period_id=first.pk, end_date=first.start_date - timedelta(days=1))
    updated = services.period_update(scope=SYSTEM, period_id=first.pk, end_date=first.end_date - timedelta(days=7),
                                     name="Primer bimestre")
    assert updated.name == "Primer bimestre"
    first.refresh_from_db()
    assert first.end_date == updated.end_date


def test_holiday_create_rejects_a_second_holiday_on_the_same_day():
    inst = InstitutionFactory()
    services.holiday_create(institution_id=inst.pk, date=date(2026, 8, 30), name="Santa Rosa")
    with pytest.raises(ValidationFailed):
        services.holiday_create(institution_id=inst.pk, date=date(2026, 8, 30), name="Otra")
    assert inst.holidays.count() == 1
    services.holiday_delete(scope=SYSTEM, holiday_id=inst.holidays.get().pk)
    assert inst.holidays.count() == 0


def test_time_zones_are_validated():
    with pytest.raises(ValidationFailed) as exc:
        services.institution_create(code="IE-TZ", name="X", timezone="Lima/Peru")
    assert "timezone" in exc.value.details["fields"]
    inst = services.institution_create(code="IE-TZ", name="X", timezone="America/Bogota")
    with pytest.raises(ValidationFailed):
        services.institution_update(scope=SYSTEM, institution_id=inst.pk, timezone="Mars/Olympus")
    inst.refresh_from_db()
    assert inst.timezone == "America/Bogota"


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)), days=st.integers(10, 400),
       parts=st.sampled_from([3, 4]))
def test_split_dates_property(start, days, parts):
    end = start + timedelta(days=days)
    spans = services.split_dates(start, end, parts)
    assert len(spans) == parts and spans[0][0] == start and spans[-1][1] == end
    assert all(s <= e for s, e in spans)
    assert all(b[0] == a[1] + timedelta(days=1) for a, b in pairwise(spans))
