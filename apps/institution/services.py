"""Write use cases of the institution context (the institution context publishes no events).

Tenancy: a use case that changes an existing institution, campus, configuration, calendar year,
period or holiday takes the caller's `scope` (keyword-only, required) and reaches the row only
through it (another school's row is a 404, like an unknown id). The creates take the school the view
resolved with `scope.target_institution(...)`; creating an institution is for network-wide callers.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from apps.institution.models import (
    NOTIFICATION_CHANNELS,
    PERIODS_PER_YEAR,
    CalendarYear,
    Campus,
    GradingScale,
    Holiday,
    Institution,
    InstitutionConfig,
    Level,
    Period,
    PeriodType,
    ScaleKind,
)
from common.errors import Conflict, NotFound, ValidationFailed
from common.tenancy import SYSTEM, Scope

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
ROMAN = ("I", "II", "III", "IV", "V", "VI")
PERIOD_LABELS = {PeriodType.BIMESTRE: "Bimestre", PeriodType.TRIMESTRE: "Trimestre"}
_UNSET: Any = object()


def _clean(instance, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from exc


def _apply(instance, changes: dict[str, Any]) -> list[str]:
    changed = []
    for field, value in changes.items():
        if value is not _UNSET and getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


def _check_phone(phone: str) -> None:
    if phone and not E164.match(phone):
        raise ValidationFailed(fields={"phone": [str(_("Enter the phone in E.164 format, e.g. +51987654321."))]})


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_timezone(name: str) -> None:
    if name not in _time_zones():
        raise ValidationFailed(fields={"timezone": [str(_("Unknown time zone, e.g. America/Lima."))]})


def _get(model, pk: int, code: str, *, scope: Scope, field: str = "institution_id"):
    obj = scope.filter(model.objects.select_for_update(), field).filter(pk=pk).first()
    if obj is None:
        raise NotFound(str(_("%(what)s not found.") % {"what": model._meta.verbose_name}), code=code)
    return obj


def _require_institution(institution_id: int) -> None:
    """Bad input (400), not a 404: the institution is a field of what is being created."""
    if not Institution.objects.filter(pk=institution_id).exists():
        raise ValidationFailed(fields={"institution": [str(_("Unknown institution."))]})


# --- institutions and campuses -------------------------------------------------------------


@transaction.atomic
def institution_create(*, code: str, name: str, city: str = "", address: str = "", phone: str = "",
                       email: str = "", timezone: str = "America/Lima") -> Institution:
    _check_phone(phone)
    _check_timezone(timezone)
    inst = Institution(code=code.strip().upper(), name=name.strip(), city=city, address=address, phone=phone,
                       email=email, timezone=timezone)
    _clean(inst)
    inst.save()
    InstitutionConfig.objects.create(institution=inst)
    return inst


@transaction.atomic
def institution_update(*, scope: Scope, institution_id: int, name: str = _UNSET, city: str = _UNSET, address: str = _UNSET,
                       phone: str = _UNSET, email: str = _UNSET, timezone: str = _UNSET,
                       is_active: bool = _UNSET) -> Institution:
    inst = _get(Institution, institution_id, "institution_not_found", scope=scope, field="pk")
    if phone is not _UNSET:
        _check_phone(phone)
    if timezone is not _UNSET:
        _check_timezone(timezone)
    if _apply(inst, {"name": name, "city": city, "address": address, "phone": phone, "email": email,
                     "timezone": timezone, "is_active": is_active}):
        _clean(inst)
        inst.save()
    return inst


@transaction.atomic
def campus_create(*, institution_id: int, code: str, name: str, address: str = "", is_main: bool = False) -> Campus:
    _require_institution(institution_id)
    campus = Campus(institution_id=institution_id, code=code.strip().upper(), name=name.strip(), address=address,
                    is_main=is_main)
    _clean(campus)
    if is_main:
        Campus.objects.filter(institution_id=institution_id, is_main=True).update(is_main=False)
    campus.save()
    return campus


@transaction.atomic
def campus_update(*, scope: Scope, campus_id: int, name: str = _UNSET, address: str = _UNSET, is_main: bool = _UNSET,
                  is_active: bool = _UNSET) -> Campus:
    campus = _get(Campus, campus_id, "campus_not_found", scope=scope)
    if _apply(campus, {"name": name, "address": address, "is_main": is_main, "is_active": is_active}):
        _clean(campus)
        if campus.is_main:
            Campus.objects.filter(institution_id=campus.institution_id, is_main=True).exclude(pk=campus.pk).update(
                is_main=False)
        campus.save()
    return campus


# --- configuration ------------------------------------------------------------------------------


@transaction.atomic
def config_update(*, scope: Scope, institution_id: int, period_type: str = _UNSET, school_days: list[int] = _UNSET,
                  notification_channels: list[str] = _UNSET, consecutive_absences_alert: int = _UNSET,
                  absence_rate_alert_percent: Decimal = _UNSET, performance_drop_threshold: Decimal = _UNSET,
                  grading_scales: list[dict] = _UNSET) -> InstitutionConfig:
    """Update the configuration; `grading_scales` is a list of {level, kind, pass_mark?, pass_literal?, decimals?}
    replacing the scale of each level listed."""
    if not scope.allows(institution_id) or not Institution.objects.filter(pk=institution_id).exists():
        raise NotFound(str(_("Institution not found.")), code="institution_not_found")
    config, _created = InstitutionConfig.objects.select_for_update().get_or_create(institution_id=institution_id)
    fields: dict[str, list[str]] = {}
    if school_days is not _UNSET:
        if not school_days or any(not isinstance(d, int) or not 1 <= d <= 7 for d in school_days):
            fields["school_days"] = [str(_("Give ISO weekdays between 1 (Monday) and 7 (Sunday)."))]
        else:
            school_days = sorted(set(school_days))
    if notification_channels is not _UNSET:
        unknown = set(notification_channels) - set(NOTIFICATION_CHANNELS)
        if unknown:
            fields["notification_channels"] = [str(_("Unknown channel(s): %(names)s.") % {
                "names": ", ".join(sorted(unknown))})]
        else:
            notification_channels = sorted(set(notification_channels))
    if fields:
        raise ValidationFailed(fields=fields)
    _apply(config, {"period_type": period_type, "school_days": school_days,
                    "notification_channels": notification_channels,
                    "consecutive_absences_alert": consecutive_absences_alert,
                    "absence_rate_alert_percent": absence_rate_alert_percent,
                    "performance_drop_threshold": performance_drop_threshold})
    _clean(config, exclude=["institution"])
    config.save()
    if grading_scales is not _UNSET:
        _set_scales(institution_id, grading_scales)
    return config


def _set_scales(institution_id: int, scales: list[dict]) -> None:
    for index, item in enumerate(scales):
        level, kind = item.get("level"), item.get("kind")
        if level not in Level.values or kind not in ScaleKind.values:
            raise ValidationFailed(fields={f"grading_scales[{index}]": [str(_("Give a valid level and kind."))]})
        pass_mark = item.get("pass_mark")
        if kind == ScaleKind.LITERAL:
            pass_mark = None
        elif pass_mark is not None:
            top = Decimal("20") if kind == ScaleKind.VIGESIMAL else Decimal("100")
            if not Decimal("0") < Decimal(pass_mark) <= top:
                raise ValidationFailed(fields={f"grading_scales[{index}]": [
                    str(_("The pass mark must be within the scale (0–%(top)s).") % {"top": top})]})
        scale, _created = GradingScale.objects.get_or_create(institution_id=institution_id, level=level,
                                                             defaults={"kind": kind})
        scale.kind, scale.pass_mark = kind, pass_mark
        scale.pass_literal = item.get("pass_literal") or "A"
        scale.decimals = item.get("decimals", 0) if kind != ScaleKind.LITERAL else 0
        _clean(scale, exclude=["institution"])
        scale.save()


# --- academic calendar ------------------------------------------------------------------------


def split_dates(start: date, end: date, parts: int) -> list[tuple[date, date]]:
    """Split [start, end] into `parts` consecutive spans of (almost) equal length."""
    total = (end - start).days + 1
    spans, cursor = [], start
    for i in range(parts):
        length = total // parts + (1 if i < total % parts else 0)
        spans.append((cursor, cursor + timedelta(days=length - 1)))
        cursor += timedelta(days=length)
    return spans


@transaction.atomic
def calendar_year_create(*, institution_id: int, year: int, start_date: date, end_date: date,
                         period_type: str | None = None, generate_periods: bool = True) -> CalendarYear:
    _require_institution(institution_id)
    if start_date.year != year or end_date.year != year:
        raise ValidationFailed(fields={"end_date": [str(_("The dates must fall within the year."))]})
    if period_type is None:
        period_type = InstitutionConfig.objects.filter(institution_id=institution_id).values_list(
            "period_type", flat=True).first() or PeriodType.BIMESTRE
    cal = CalendarYear(institution_id=institution_id, year=year, start_date=start_date, end_date=end_date,
                       period_type=period_type)
    _clean(cal)
    cal.save()
    if generate_periods:
        periods_generate(scope=SYSTEM, calendar_year_id=cal.pk)  # the year just created
    return cal


@transaction.atomic
def periods_generate(*, scope: Scope, calendar_year_id: int, replace: bool = False) -> list[Period]:
    """Create the year's numbered periods (4 bimestres or 3 trimestres) covering its dates evenly."""
    cal = _get(CalendarYear, calendar_year_id, "calendar_year_not_found", scope=scope)
    existing = Period.objects.filter(calendar_year=cal)
    if existing.exists():
        if not replace:
            raise Conflict(str(_("This year already has periods.")), code="periods_exist")
        existing.delete()
    label = PERIOD_LABELS[cal.period_type]
    spans = split_dates(cal.start_date, cal.end_date, PERIODS_PER_YEAR[cal.period_type])
    return Period.objects.bulk_create([
        Period(calendar_year=cal, number=n, name=f"{ROMAN[n - 1]} {label}", start_date=s, end_date=e)
        for n, (s, e) in enumerate(spans, start=1)
    ])


@transaction.atomic
def period_update(*, scope: Scope, period_id: int, name: str = _UNSET, start_date: date = _UNSET,
                  end_date: date = _UNSET) -> Period:
    period = _get(Period, period_id, "period_not_found", scope=scope, field="calendar_year__institution_id")
    _apply(period, {"name": name, "start_date": start_date, "end_date": end_date})
    cal = period.calendar_year
    fields = {}
    if period.end_date < period.start_date:
        fields["end_date"] = [str(_("The period ends before it starts."))]
    elif period.start_date < cal.start_date or period.end_date > cal.end_date:
        fields["start_date"] = [str(_("The period must lie within its calendar year."))]
    elif Period.objects.filter(calendar_year=cal, start_date__lte=period.end_date,
                               end_date__gte=period.start_date).exclude(pk=period.pk).exists():
        fields["start_date"] = [str(_("The period overlaps another period of the year."))]
    if fields:
        raise ValidationFailed(fields=fields)
    _clean(period)
    period.save()
    return period


@transaction.atomic
def holiday_create(*, institution_id: int, date: date, name: str) -> Holiday:
    _require_institution(institution_id)
    holiday = Holiday(institution_id=institution_id, date=date, name=name.strip())
    _clean(holiday)
    try:
        with transaction.atomic():
            holiday.save()
    except IntegrityError as exc:  # a concurrent insert of the same date
        raise ValidationFailed(fields={"date": [str(_("There is already a holiday on this date."))]}) from exc
    return holiday


@transaction.atomic
def holiday_delete(*, scope: Scope, holiday_id: int) -> None:
    _get(Holiday, holiday_id, "holiday_not_found", scope=scope).delete()
