"""Grading scales: validation of a recorded value, and the rounding rule of averages.

The institution context decides which scale a level uses (`apps.institution.contracts.grading_scale`);
this module knows how each kind of scale behaves:

* VIGESIMAL (0–20): values are stored exactly (up to two decimals). A weighted average is rounded
  **half-up** to the scale's `decimals` (0 by default, Peruvian practice: 10.5 → 11, 10.49 → 10).
  Passed when the rounded average ≥ pass mark (default 11).
* PERCENT (0–100): same as vigesimal, rounded half-up to an integer by default; pass mark from config.
* LITERAL (AD/A/B/C): the letter is stored. To average, letters map to points AD=4, A=3, B=2, C=1;
  the weighted mean of the points maps back to a letter: ≥ 3.5 → AD, ≥ 2.5 → A, ≥ 1.5 → B, else C.
  Passed when the resulting letter is at least the pass mark letter (default "A").

Every computation uses `Decimal`; nothing goes through binary floating point.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

VIGESIMAL, LITERAL, PERCENT = "VIGESIMAL", "LITERAL", "PERCENT"

LITERAL_POINTS: dict[str, Decimal] = {"AD": Decimal(4), "A": Decimal(3), "B": Decimal(2), "C": Decimal(1)}
# (lower bound of the mean of points, letter), checked best first.
LITERAL_THRESHOLDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("3.5"), "AD"), (Decimal("2.5"), "A"), (Decimal("1.5"), "B"), (Decimal(0), "C"),
)
ENTRY_DECIMALS = 2  # a numeric grade is stored with at most two decimals
_DEFAULTS = {
    VIGESIMAL: (Decimal(0), Decimal(20), Decimal(11)),
    PERCENT: (Decimal(0), Decimal(100), Decimal(60)),
}


class ScaleError(ValueError):
    """A value that does not belong to the scale (the message is user-facing)."""


@dataclass(frozen=True)
class Scale:
    kind: str
    min_value: Decimal
    max_value: Decimal
    pass_mark: str  # "11" for numeric scales, "A" for LITERAL
    decimals: int
    literal_values: tuple[str, ...]

    @classmethod
    def from_dto(cls, dto) -> Scale:
        """Build from an institution GradingScaleDTO (kind, min_value, max_value, pass_mark, literal_values, decimals)."""
        kind = str(dto.kind).upper()
        if kind == LITERAL:
            literals = tuple(str(v).upper() for v in (getattr(dto, "literal_values", None) or LITERAL_POINTS))
            pass_mark = str(getattr(dto, "pass_mark", None) or "A").upper()
            return cls(kind, Decimal(1), Decimal(4), pass_mark, 0, literals)
        low, high, default_pass = _DEFAULTS.get(kind, _DEFAULTS[VIGESIMAL])
        min_value = _dec(getattr(dto, "min_value", None), low)
        max_value = _dec(getattr(dto, "max_value", None), high)
        pass_mark = _dec(getattr(dto, "pass_mark", None), default_pass)
        decimals = getattr(dto, "decimals", None)
        return cls(kind, min_value, max_value, _plain(pass_mark), int(decimals or 0), ())

    @property
    def is_literal(self) -> bool:
        return self.kind == LITERAL

    # --- one recorded value ----------------------------------------------------------------

    def parse(self, raw) -> Decimal | str:
        """The value to store (a Decimal, or the letter for LITERAL). Raises ScaleError."""
        if self.is_literal:
            letter = str(raw).strip().upper() if raw is not None else ""
            if letter not in self.literal_values:
                raise ScaleError(_("Must be one of %(values)s.") % {"values": ", ".join(self.literal_values)})
            return letter
        if isinstance(raw, bool) or raw is None or (isinstance(raw, str) and not raw.strip()):
            raise ScaleError(_("A number is required."))
        try:
            value = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            raise ScaleError(_("A number is required.")) from None
        if not value.is_finite():
            raise ScaleError(_("A number is required."))
        if value < self.min_value or value > self.max_value:
            raise ScaleError(_("Must be between %(min)s and %(max)s.") % {
                "min": _plain(self.min_value), "max": _plain(self.max_value)})
        if value != value.quantize(Decimal(1).scaleb(-ENTRY_DECIMALS)):
            raise ScaleError(_("At most %(n)d decimals.") % {"n": ENTRY_DECIMALS})
        return value.quantize(Decimal(1).scaleb(-ENTRY_DECIMALS))

    def points(self, value: Decimal | str) -> Decimal:
        """The number a stored value counts for in an average."""
        if self.is_literal:
            return LITERAL_POINTS[str(value)]
        return Decimal(value)

    def display(self, value: Decimal | str | None) -> str | None:
        if value is None:
            return None
        return str(value) if self.is_literal else _plain(Decimal(value))

    # --- averages ----------------------------------------------------------------------------

    def round_average(self, raw: Decimal) -> Decimal | str:
        """The scale's rounding rule applied to a raw weighted mean of points."""
        if self.is_literal:
            for bound, letter in LITERAL_THRESHOLDS:
                if raw >= bound:
                    return letter
            return "C"
        return raw.quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)

    def passed(self, rounded: Decimal | str) -> bool:
        if self.is_literal:
            return LITERAL_POINTS[str(rounded)] >= LITERAL_POINTS.get(self.pass_mark, Decimal(3))
        return Decimal(rounded) >= Decimal(self.pass_mark)


def weighted_mean(pairs: list[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ(points × weight) / Σ(weight), exact (Decimal with the default 28-digit context)."""
    total_weight = sum((w for _p, w in pairs), Decimal(0))
    if total_weight == 0:
        raise ZeroDivisionError("no weight")
    return sum((p * w for p, w in pairs), Decimal(0)) / total_weight


def _dec(value, default: Decimal) -> Decimal:
    if value is None or value == "":
        return default
    return Decimal(str(value))


def _plain(value: Decimal) -> str:
    """12.50 → "12.5", 14.00 → "14" (no exponent)."""
    return format(value.normalize(), "f")
