"""The institution context's contract, implemented in-process (apps.institution.contracts is the
interface; this is what its module functions and RPC endpoints call here)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.institution import selectors
from apps.institution.contracts import (
    LITERAL_VALUES,
    AttendanceAlertRulesDTO,
    CampusDTO,
    GradingScaleDTO,
    InstitutionContract,
    InstitutionDTO,
    PerformanceAlertRulesDTO,
    PeriodDTO,
)
from apps.institution.models import Level, ScaleKind
from common.tenancy import SYSTEM, Scope


def _institution_dto(inst) -> InstitutionDTO:
    return InstitutionDTO(id=inst.pk, code=inst.code, name=inst.name, timezone=inst.timezone, city=inst.city,
                          is_active=inst.is_active)


def period_dto(period) -> PeriodDTO:
    return PeriodDTO(id=period.pk, year=period.calendar_year.year, number=period.number, name=period.name,
                     start_date=period.start_date, end_date=period.end_date,
                     institution_id=period.calendar_year.institution_id, calendar_year_id=period.calendar_year_id)


class LocalInstitution(InstitutionContract):
    def get_institution(self, *, institution_id: int) -> InstitutionDTO | None:
        inst = selectors.institution_by_id(institution_id)
        return _institution_dto(inst) if inst else None

    def get_campus(self, *, scope: Scope, campus_id: int) -> CampusDTO | None:
        campus = selectors.campuses_in_scope(scope=scope).filter(pk=campus_id).first()
        return CampusDTO(id=campus.pk, institution_id=campus.institution_id, code=campus.code, name=campus.name,
                         is_active=campus.is_active) if campus else None

    def list_institutions(self, *, active_only: bool = True) -> list[InstitutionDTO]:
        qs = selectors.institutions(scope=SYSTEM)
        return [_institution_dto(i) for i in (qs.filter(is_active=True) if active_only else qs)]

    def grading_scale(self, *, institution_id: int, level: str) -> GradingScaleDTO:
        if level not in Level.values:
            raise ValueError(f"unknown level '{level}'")
        kind, pass_mark, pass_literal, decimals = selectors.grading_scale_settings(institution_id, level)
        if kind == ScaleKind.LITERAL:
            return GradingScaleDTO(level=level, kind=kind, min_value=None, max_value=None, pass_mark=pass_literal,
                                   literal_values=LITERAL_VALUES, decimals=0)
        max_value = Decimal("20") if kind == ScaleKind.VIGESIMAL else Decimal("100")
        return GradingScaleDTO(level=level, kind=kind, min_value=Decimal("0"), max_value=max_value,
                               pass_mark=pass_mark, literal_values=(), decimals=decimals)

    def current_period(self, *, institution_id: int, on: date | None = None) -> PeriodDTO | None:
        period = selectors.period_on(institution_id, on or selectors.today(institution_id))
        return period_dto(period) if period else None

    def periods_of_year(self, *, institution_id: int, year: int) -> list[PeriodDTO]:
        return [period_dto(p) for p in selectors.periods_of_year(institution_id, year)]

    def get_period(self, *, period_id: int) -> PeriodDTO | None:
        period = selectors.period_by_id(period_id)
        return period_dto(period) if period else None

    def attendance_alert_rules(self, *, institution_id: int) -> AttendanceAlertRulesDTO:
        config = selectors.config_values(institution_id)
        return AttendanceAlertRulesDTO(consecutive_absences=config.consecutive_absences_alert,
                                       absence_rate_percent=float(config.absence_rate_alert_percent))

    def performance_alert_rules(self, *, institution_id: int) -> PerformanceAlertRulesDTO:
        return PerformanceAlertRulesDTO(drop_threshold=selectors.config_values(institution_id).performance_drop_threshold)

    def notification_channels(self, *, institution_id: int) -> frozenset[str]:
        return frozenset(selectors.config_values(institution_id).notification_channels)

    def is_school_day(self, *, institution_id: int, day: date) -> bool:
        return selectors.is_school_day(institution_id, day)
