"""Institution's public face: institutions, grading scales, the academic calendar and alert rules.

An interface (`InstitutionContract`) of keyword-only methods returning frozen dataclass DTOs (never a
model instance). Callers use the module functions (`institution.get_period(period_id=…)`), which
forward to the local implementation (`apps.institution.contract_impl`) or, when the context is
served by another process, to its RPC endpoints (common.contracts).

Tenancy: these are keyed by the school they are about (`institution_id`, or a period whose DTO
carries its `institution_id`); the calling context names a school it already reached through its own
caller's scope (a section's, an enrollment's) and checks `scope.require(period.institution_id)` on a
period a caller named. `list_institutions` is a network-wide system lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import Field

from common.contracts import Contract, expose, idempotent
from common.tenancy import Scope

LITERAL_VALUES = ("AD", "A", "B", "C")  # the literal scale, best → worst
LEVELS = ("INICIAL", "PRIMARIA", "SECUNDARIA")


@dataclass(frozen=True)
class InstitutionDTO:
    tenant_field: ClassVar[str] = "id"  # the school is the row itself (common.contracts scope guard)

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
    # Decimal on numeric scales, the lowest passing letter ("A") on LITERAL; over HTTP "11" must come back a
    # Decimal, so the union is tried left to right (pydantic's smart mode would keep the JSON string).
    pass_mark: Annotated[Decimal | str, Field(union_mode="left_to_right")]
    literal_values: tuple[str, ...]  # ordered best → worst; empty on numeric scales
    decimals: int

    def is_passing(self, value: Decimal | str) -> bool:
        if self.kind == "LITERAL":
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


class InstitutionContract(Contract):
    context = "institution"
    target = "institution"
    implementation = "apps.institution.contract_impl.LocalInstitution"

    @idempotent
    def get_institution(self, *, institution_id: int) -> InstitutionDTO | None:
        """An institution by id, or None."""
        raise NotImplementedError

    @idempotent
    def get_campus(self, *, scope: Scope, campus_id: int) -> CampusDTO | None:
        """A campus of a school the scope reaches, or None (unknown and foreign alike): for a context that
        stores a `campus_id` (academic's sections) to check it belongs to the row's school."""
        raise NotImplementedError

    @idempotent
    def list_institutions(self, *, active_only: bool = True) -> list[InstitutionDTO]:
        """Every institution of the network: a system lookup (operator commands, the admin's choices,
        which narrow it to the request's scope). A caller's own list is the API's, read through the scope."""
        raise NotImplementedError

    @idempotent
    def grading_scale(self, *, institution_id: int, level: str) -> GradingScaleDTO:
        """The scale used at `level` (INICIAL/PRIMARIA/SECUNDARIA); the national default when unset."""
        raise NotImplementedError

    @idempotent
    def current_period(self, *, institution_id: int, on: date | None = None) -> PeriodDTO | None:
        """The school's period that contains `on` (default: today in the school's time zone), or None."""
        raise NotImplementedError

    @idempotent
    def periods_of_year(self, *, institution_id: int, year: int) -> list[PeriodDTO]:
        """The periods of the school's calendar year, in order."""
        raise NotImplementedError

    @idempotent
    def get_period(self, *, period_id: int) -> PeriodDTO | None:
        """A period by id (its DTO names its school), or None."""
        raise NotImplementedError

    @idempotent
    def attendance_alert_rules(self, *, institution_id: int) -> AttendanceAlertRulesDTO:
        """The school's thresholds for attendance alerts."""
        raise NotImplementedError

    @idempotent
    def performance_alert_rules(self, *, institution_id: int) -> PerformanceAlertRulesDTO:
        """The school's threshold for a grade-drop alert."""
        raise NotImplementedError

    @idempotent
    def notification_channels(self, *, institution_id: int) -> frozenset[str]:
        """The channels the school sends on ("email", "sms", "inapp")."""
        raise NotImplementedError

    @idempotent
    def is_school_day(self, *, institution_id: int, day: date) -> bool:
        """Is `day` a school day (a school weekday, not a holiday) for the school?"""
        raise NotImplementedError


__getattr__ = expose(InstitutionContract)
