"""The weighted period average, explained component by component (pure: no queries).

    raw = Σ(points_i × weight_i) / Σ(weight_i)   over the components that have a grade
    average = scale.round_average(raw)            (half-up for numeric scales, thresholds for AD/A/B/C)

`contribution_i = points_i × weight_i / Σ(weight of graded components)`, so the contributions add up
to the raw average. Components without a grade yet are listed with `value=None` and make the
average *incomplete* (`complete=False`, `covered_weight` < 100).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from apps.grades.scales import Scale, weighted_mean

CONTRIBUTION_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class BreakdownRow:
    component_id: int
    name: str
    kind: str
    weight: Decimal
    value: str | None
    points: Decimal | None
    contribution: Decimal | None


@dataclass(frozen=True)
class AverageResult:
    average: str  # "14" / "AD": the value after the scale's rounding rule
    raw_average: Decimal
    points: Decimal  # the rounded average as points (letters: AD=4 ... C=1)
    scale: str
    pass_mark: str
    passed: bool
    complete: bool
    covered_weight: Decimal
    breakdown: tuple[BreakdownRow, ...]


def plan_for(plans: Mapping[tuple[int, int | None], object], *, course_id: int, section_id: int):
    """The plan in force for a section's course: the section's own, else the course-wide one."""
    return plans.get((course_id, section_id)) or plans.get((course_id, None))


def compute(components: Iterable, values_by_component: Mapping[int, object], scale: Scale) -> AverageResult | None:
    """`components`: objects with id, name, kind, weight; `values_by_component`: component id → stored value.
    None when no component has a grade."""
    components = list(components)
    graded = [(c, values_by_component[c.id]) for c in components if values_by_component.get(c.id) is not None]
    if not graded:
        return None
    pairs = [(scale.points(value), Decimal(c.weight)) for c, value in graded]
    covered = sum((w for _p, w in pairs), Decimal(0))
    raw = weighted_mean(pairs)
    rows = []
    for component in components:
        value = values_by_component.get(component.id)
        if value is None:
            rows.append(BreakdownRow(component.id, component.name, component.kind, Decimal(component.weight), None, None, None))
            continue
        points = scale.points(value)
        contribution = (points * Decimal(component.weight) / covered).quantize(CONTRIBUTION_PLACES)
        rows.append(BreakdownRow(component.id, component.name, component.kind, Decimal(component.weight),
                                 scale.display(value), points, contribution))
    rounded = scale.round_average(raw)
    total_weight = sum((Decimal(c.weight) for c in components), Decimal(0))
    return AverageResult(
        average=scale.display(rounded), raw_average=raw.quantize(CONTRIBUTION_PLACES), points=scale.points(rounded),
        scale=scale.kind, pass_mark=scale.pass_mark, passed=scale.passed(rounded),
        complete=covered == total_weight, covered_weight=covered, breakdown=tuple(rows),
    )
