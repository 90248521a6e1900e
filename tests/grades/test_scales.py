"""The scale rules: what a value may be, and how an average is rounded (pure, no database)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.grades import averages
from apps.grades.scales import Scale, ScaleError

VIGESIMAL = Scale.from_dto(SimpleNamespace(kind="VIGESIMAL", min_value=Decimal(0), max_value=Decimal(20),
                                           pass_mark=Decimal(11), literal_values=(), decimals=0))
PERCENT = Scale.from_dto(SimpleNamespace(kind="PERCENT", min_value=Decimal(0), max_value=Decimal(100),
                                         pass_mark=Decimal(60), literal_values=(), decimals=0))
LITERAL = Scale.from_dto(SimpleNamespace(kind="LITERAL", min_value=None, max_value=None, pass_mark="A",
                                         literal_values=("AD", "A", "B", "C"), decimals=0))


def _components(*weights):
    return [SimpleNamespace(id=i, name=f"c{i}", kind="EXAM", weight=Decimal(str(w))) for i, w in enumerate(weights)]


@pytest.mark.parametrize("raw", ["-0.5", "20.01", "21", "abc", "", None, True, "NaN", "Infinity", "12.345"])
def test_vigesimal_refuses_values_outside_the_scale(raw):
    with pytest.raises(ScaleError):
        VIGESIMAL.parse(raw)


@pytest.mark.parametrize(("raw", "stored"), [("0", Decimal("0.00")), (20, Decimal("20.00")), ("12.5", Decimal("12.50")),
                                             (" 13.25 ", Decimal("13.25")), ("14.50", Decimal("14.50"))])
def test_vigesimal_stores_the_exact_value(raw, stored):
    assert VIGESIMAL.parse(raw) == stored


def test_literal_accepts_only_the_letters():
    assert LITERAL.parse("ad") == "AD"
    for bad in ("D", "A+", "3", "", None):
        with pytest.raises(ScaleError):
            LITERAL.parse(bad)


def test_percent_range():
    assert PERCENT.parse("100") == Decimal("100.00")
    with pytest.raises(ScaleError):
        PERCENT.parse("100.5")


@pytest.mark.parametrize(("raw", "rounded"), [("10.5", "11"), ("10.4999", "10"), ("12.5", "13"), ("0.5", "1"),
                                              ("19.5", "20")])
def test_vigesimal_rounds_half_up_to_an_integer(raw, rounded):
    assert VIGESIMAL.display(VIGESIMAL.round_average(Decimal(raw))) == rounded


@pytest.mark.parametrize(("points", "letter"), [("4", "AD"), ("3.5", "AD"), ("3.4999", "A"), ("2.5", "A"),
                                                ("2.4999", "B"), ("1.5", "B"), ("1.4999", "C"), ("1", "C")])
def test_literal_thresholds(points, letter):
    assert LITERAL.round_average(Decimal(points)) == letter


def test_weighted_vigesimal_known_case():
    # 40 % × 15 + 35 % × 12 + 25 % × 9 = 6 + 4.2 + 2.25 = 12.45 → 12
    result = averages.compute(_components(40, 35, 25), {0: Decimal(15), 1: Decimal(12), 2: Decimal(9)}, VIGESIMAL)
    assert result.raw_average == Decimal("12.4500")
    assert result.average == "12"
    assert result.passed is True
    assert [row.contribution for row in result.breakdown] == [Decimal("6.0000"), Decimal("4.2000"), Decimal("2.2500")]
    assert sum(row.contribution for row in result.breakdown) == result.raw_average


def test_weighted_vigesimal_half_rounds_up_to_the_pass_mark():
    # 50 % × 10 + 50 % × 11 = 10.5 → 11: passes
    result = averages.compute(_components(50, 50), {0: Decimal(10), 1: Decimal(11)}, VIGESIMAL)
    assert (result.average, result.passed) == ("11", True)


def test_weighted_literal_known_cases():
    # AD(4)×30 + A(3)×30 + B(2)×40 = 1.2+0.9+0.8 = 2.9 → A (passes)
    result = averages.compute(_components(30, 30, 40), {0: "AD", 1: "A", 2: "B"}, LITERAL)
    assert (result.raw_average, result.average, result.passed) == (Decimal("2.9000"), "A", True)
    # B(2)×50 + C(1)×50 = 1.5 → B (fails: pass is A)
    result = averages.compute(_components(50, 50), {0: "B", 1: "C"}, LITERAL)
    assert (result.average, result.passed) == ("B", False)
    # AD×50 + A×50 = 3.5 → AD
    assert averages.compute(_components(50, 50), {0: "AD", 1: "A"}, LITERAL).average == "AD"


def test_percent_half_up():
    result = averages.compute(_components(50, 50), {0: Decimal(59), 1: Decimal(60)}, PERCENT)
    assert (result.average, result.passed) == ("60", True)


def test_missing_components_make_the_average_partial():
    result = averages.compute(_components(60, 40), {0: Decimal(14)}, VIGESIMAL)
    assert (result.average, result.complete, result.covered_weight) == ("14", False, Decimal(60))
    assert result.breakdown[1].value is None
    assert averages.compute(_components(60, 40), {}, VIGESIMAL) is None


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=2000), st.integers(min_value=1, max_value=100)),
                min_size=1, max_size=6))
def test_average_stays_within_the_scale_and_equals_the_half_up_mean(rows):
    components = _components(*[w for _v, w in rows])
    values = {i: Decimal(v) / 100 for i, (v, _w) in enumerate(rows)}
    result = averages.compute(components, values, VIGESIMAL)
    exact = sum(values[i] * Decimal(w) for i, (_v, w) in enumerate(rows)) / sum(Decimal(w) for _v, w in rows)
    assert Decimal(0) <= Decimal(result.average) <= Decimal(20)
    assert abs(Decimal(result.average) - exact) <= Decimal("0.5")
    assert Decimal(result.average) == int(exact + Decimal("0.5"))
