"""Read queries of the institution context.

Tenancy: the selectors a view calls take the caller's `scope` (keyword-only, required): the
institutions list is the scope's own school (every school network-wide), and an institution, campus,
calendar year, period or holiday of a school the scope does not reach is a 404 exactly like an
unknown id. The helpers keyed by an `institution_id` (`config_values`, `period_on`, `is_school_day`…)
serve the contracts, whose callers name a school they already reached through their own scope.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.institution.models import (
    CalendarYear,
    Campus,
    GradingScale,
    Holiday,
    Institution,
    InstitutionConfig,
    Level,
    Period,
    ScaleKind,
)
from common.errors import NotFound
from common.tenancy import Scope

# National defaults (MINEDU): literal scale in inicial and primaria, vigesimal in secundaria.
DEFAULT_SCALES = {
    Level.INICIAL: ScaleKind.LITERAL,
    Level.PRIMARIA: ScaleKind.LITERAL,
    Level.SECUNDARIA: ScaleKind.VIGESIMAL,
}
DEFAULT_PASS_MARKS = {ScaleKind.VIGESIMAL: Decimal("11"), ScaleKind.PERCENT: Decimal("60")}


def today(institution_id: int | None = None) -> date:
    """Today's date where the institution is (its time zone), else in the project's time zone."""
    tz_name = Institution.objects.filter(pk=institution_id).values_list("timezone", flat=True).first() \
        if institution_id is not None else None
    try:
        return timezone.localdate(timezone=ZoneInfo(tz_name)) if tz_name else timezone.localdate()
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.localdate()


def institution_by_id(institution_id: int) -> Institution | None:
    return Institution.objects.filter(pk=institution_id).first()


def institutions(*, scope: Scope, ids: frozenset[int] | None = None) -> QuerySet[Institution]:
    """The institutions the scope reaches: its own school, or every school network-wide."""
    qs = scope.filter(Institution.objects.all(), "pk")
    return qs if ids is None else qs.filter(pk__in=ids)


def institution_detail(*, scope: Scope, institution_id: int) -> Institution:
    """One institution the scope reaches; 404 for an unknown or foreign id."""
    inst = institutions(scope=scope).filter(pk=institution_id).first()
    if inst is None:
        raise NotFound(_("Institution not found."), code="institution_not_found")
    return inst


def campuses_of(institution_id: int, *, scope: Scope, include_inactive: bool = False) -> QuerySet[Campus]:
    qs = scope.filter(Campus.objects.filter(institution_id=institution_id))
    return qs if include_inactive else qs.filter(is_active=True)


def campuses_in_scope(*, scope: Scope) -> QuerySet[Campus]:
    return scope.filter(Campus.objects.all())


def campus_detail(*, scope: Scope, campus_id: int) -> Campus:
    campus = scope.filter(Campus.objects.all()).filter(pk=campus_id).first()
    if campus is None:
        raise NotFound(_("Not found."), code="not_found")
    return campus


def config_values(institution_id: int) -> InstitutionConfig:
    """The stored config, or an unsaved one holding the defaults (never None)."""
    config = InstitutionConfig.objects.filter(institution_id=institution_id).first()
    return config or InstitutionConfig(institution_id=institution_id)


def config_with_scales(institution_id: int) -> tuple[InstitutionConfig, list[dict]]:
    """The config and the effective scale of every level (stored or default), in two queries."""
    config = config_values(institution_id)
    stored = {s.level: s for s in GradingScale.objects.filter(institution_id=institution_id)}
    scales = []
    for level in Level.values:
        kind, pass_mark, pass_literal, decimals = _scale_settings(stored.get(level), level)
        scales.append({"level": level, "kind": kind, "pass_mark": pass_mark, "pass_literal": pass_literal,
                       "decimals": decimals})
    return config, scales


def _scale_settings(scale: GradingScale | None, level: str) -> tuple[str, Decimal | None, str, int]:
    if scale is None:
        kind = DEFAULT_SCALES[level]
        return kind, DEFAULT_PASS_MARKS.get(kind), "A", 0
    pass_mark = scale.pass_mark if scale.pass_mark is not None else DEFAULT_PASS_MARKS.get(scale.kind)
    return scale.kind, pass_mark if scale.kind != ScaleKind.LITERAL else None, scale.pass_literal, scale.decimals


def grading_scale_settings(institution_id: int, level: str) -> tuple[str, Decimal | None, str, int]:
    return _scale_settings(GradingScale.objects.filter(institution_id=institution_id, level=level).first(), level)


def period_by_id(period_id: int) -> Period | None:
    return Period.objects.select_related("calendar_year").filter(pk=period_id).first()


def period_detail(*, scope: Scope, period_id: int) -> Period:
    """One period of a school the scope reaches; 404 for an unknown or foreign id."""
    period = scope.filter(Period.objects.select_related("calendar_year"), "calendar_year__institution_id").filter(
        pk=period_id).first()
    if period is None:
        raise NotFound(_("Period not found."), code="period_not_found")
    return period


def period_on(institution_id: int, on: date) -> Period | None:
    return (Period.objects.select_related("calendar_year")
            .filter(calendar_year__institution_id=institution_id, start_date__lte=on, end_date__gte=on)
            .order_by("start_date").first())


def periods_of_year(institution_id: int, year: int) -> list[Period]:
    return list(Period.objects.select_related("calendar_year")
                .filter(calendar_year__institution_id=institution_id, calendar_year__year=year).order_by("number"))


def calendar_years_of(institution_id: int, *, scope: Scope) -> QuerySet[CalendarYear]:
    return (scope.filter(CalendarYear.objects.filter(institution_id=institution_id))
            .prefetch_related(Prefetch("periods", queryset=Period.objects.order_by("number"))))


def calendar_year_detail(*, scope: Scope, year_id: int) -> CalendarYear:
    year = scope.filter(CalendarYear.objects.prefetch_related("periods")).filter(pk=year_id).first()
    if year is None:
        raise NotFound(_("Not found."), code="not_found")
    return year


def calendar_year_on(institution_id: int, on: date, *, scope: Scope) -> CalendarYear | None:
    """The calendar year containing `on` (else the one of `on`'s year), with periods prefetched."""
    years = calendar_years_of(institution_id, scope=scope)
    return years.filter(start_date__lte=on, end_date__gte=on).first() or years.filter(year=on.year).first()


def holidays_of(institution_id: int, *, scope: Scope, year: int | None = None) -> QuerySet[Holiday]:
    qs = scope.filter(Holiday.objects.filter(institution_id=institution_id))
    return qs if year is None else qs.filter(date__year=year)


def is_school_day(institution_id: int, day: date) -> bool:
    """A configured weekday, not a holiday, and — when the year has a calendar — inside one of its periods
    (the breaks between bimestres are vacations)."""
    if day.isoweekday() not in config_values(institution_id).school_days:
        return False
    if Holiday.objects.filter(institution_id=institution_id, date=day).exists():
        return False
    if not CalendarYear.objects.filter(institution_id=institution_id, year=day.year).exists():
        return True
    return Period.objects.filter(calendar_year__institution_id=institution_id, calendar_year__year=day.year,
                                 start_date__lte=day, end_date__gte=day).exists()
