"""Institution's public face: institutions, grading scales, the academic calendar and alert rules.

Plain keyword-only functions returning frozen dataclass DTOs (never a model instance).

Tenancy: these are keyed by the school they are about (`institution_id`, or a period whose DTO
carries its `institution_id`); the calling context names a school it already reached through its own
caller's scope (a section's, an enrollment's) and checks `scope.require(period.institution_id)` on a
period a caller named. `list_institutions` is a network-wide system lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from apps.institution import selectors
from apps.institution.models import LITERAL_VALUES, Level, ScaleKind
from common.tenancy import SYSTEM, Scope


@dataclass(frozen=True)
class InstitutionDTO:
    id: int
    code: str
    name: str
    timezone: str
    city: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class CampusDTO:
    id: int
    institution_id: int
    code: str
    name: str
    is_active: bool = True


@dataclass(frozen=True)
class GradingScaleDTO:
    level: str
    kind: str  # VIGESIMAL | LITERAL | PERCENT
    min_value: Decimal | None  # None on LITERAL
    max_value: Decimal | None
    pass_mark: Decimal | str  # Decimal on numeric scales, the lowest passing letter ("A") on LITERAL
    literal_values: tuple[str, ...]  # ordered best → worst; empty on numeric scales
    decimals: int

    def is_passing(self, value: Decimal | str) -> bool:
        if self.kind == ScaleKind.LITERAL:
            return LITERAL_VALUES.index(str(value)) <= LITERAL_VALUES.index(str(self.pass_mark))
        return Decimal(value) >= Decimal(self.pass_mark)


@dataclass(frozen=True)
class PeriodDTO:
    id: int
    year: int
    number: int
    name: str
    start_date: date
    end_date: date
    institution_id: int | None = None
    calendar_year_id: int | None = None


@dataclass(frozen=True)
class AttendanceAlertRulesDTO:
    consecutive_absences: int
    absence_rate_percent: float


@dataclass(frozen=True)
class PerformanceAlertRulesDTO:
    drop_threshold: Decimal


def _institution_dto(inst) -> InstitutionDTO:
    return InstitutionDTO(id=inst.pk, code=inst.code, name=inst.name, timezone=inst.timezone, city=inst.city,
                          is_active=inst.is_active)


def period_dto(period) -> PeriodDTO:
    return PeriodDTO(id=period.pk, year=period.calendar_year.year, number=period.number, name=period.name,
                     start_date=period.start_date, end_date=period.end_date,
                     institution_id=period.calendar_year.institution_id, calendar_year_id=period.calendar_year_id)


def get_institution(*, institution_id: int) -> InstitutionDTO | None:
    inst = selectors.institution_by_id(institution_id)
    return _institution_dto(inst) if inst else None


def get_campus(*, scope: Scope, campus_id: int) -> CampusDTO | None:
    """A campus of a school the scope reaches, or None (unknown and foreign alike): for a context that
    stores a `campus_id` (academic's sections) to check it belongs to the row's school."""
    campus = selectors.campuses_in_scope(scope=scope).filter(pk=campus_id).first()
    return CampusDTO(id=campus.pk, institution_id=campus.institution_id, code=campus.code, name=campus.name,
                     is_active=campus.is_active) if campus else None


def list_institutions(*, active_only: bool = True) -> list[InstitutionDTO]:
    """Every institution of the network: a system lookup (operator commands, the admin's choices,
    which narrow it to the request's scope). A caller's own list is the API's, read through the scope."""
    qs = selectors.institutions(scope=SYSTEM)
    return [_institution_dto(i) for i in (qs.filter(is_active=True) if active_only else qs)]


def grading_scale(*, institution_id: int, level: str) -> GradingScaleDTO:
    """The scale used at `level` (INICIAL/PRIMARIA/SECUNDARIA); the national default when unset."""
    if level not in Level.values:
        raise ValueError(f"unknown level '{level}'")
    kind, pass_mark, pass_literal, decimals = selectors.grading_scale_settings(institution_id, level)
    if kind == ScaleKind.LITERAL:
        return GradingScaleDTO(level=level, kind=kind, min_value=None, max_value=None, pass_mark=pass_literal,
                               literal_values=LITERAL_VALUES, decimals=0)
    max_value = Decimal("20") if kind == ScaleKind.VIGESIMAL else Decimal("100")
    return GradingScaleDTO(level=level, kind=kind, min_value=Decimal("0"), max_value=max_value,
                           pass_mark=pass_mark, literal_values=(), decimals=decimals)


def current_period(*, institution_id: int, on: date | None = None) -> PeriodDTO | None:
    period = selectors.period_on(institution_id, on or selectors.today(institution_id))
    return period_dto(period) if period else None


def periods_of_year(*, institution_id: int, year: int) -> list[PeriodDTO]:
    return [period_dto(p) for p in selectors.periods_of_year(institution_id, year)]


def get_period(*, period_id: int) -> PeriodDTO | None:
    period = selectors.period_by_id(period_id)
    return period_dto(period) if period else None


def attendance_alert_rules(*, institution_id: int) -> AttendanceAlertRulesDTO:
    config = selectors.config_values(institution_id)
    return AttendanceAlertRulesDTO(consecutive_absences=config.consecutive_absences_alert,
                                   absence_rate_percent=float(config.absence_rate_alert_percent))


def performance_alert_rules(*, institution_id: int) -> PerformanceAlertRulesDTO:
    return PerformanceAlertRulesDTO(drop_threshold=selectors.config_values(institution_id).performance_drop_threshold)


def notification_channels(*, institution_id: int) -> frozenset[str]:
    return frozenset(selectors.config_values(institution_id).notification_channels)


def is_school_day(*, institution_id: int, day: date) -> bool:
    return selectors.is_school_day(institution_id, day)
