from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from apps.attendance import patterns

D0 = date(2026, 4, 6)


def seq(*statuses):
    return [(D0 + timedelta(days=i), s) for i, s in enumerate(statuses)]


def test_day_classification_with_sessions():
    assert patterns.classify_day(["ABSENT", "ABSENT"]) == "ABSENT"
    assert patterns.classify_day(["ABSENT", "EXCUSED"]) == "EXCUSED"
    assert patterns.classify_day(["PRESENT", "LATE"]) == "LATE"
    assert patterns.classify_day(["ABSENT", "PRESENT"]) == "PRESENT"
    rows = [(D0, "ABSENT"), (D0, "ABSENT"), (D0 + timedelta(days=1), "PRESENT")]
    assert patterns.days_of(rows) == [(D0, "ABSENT"), (D0 + timedelta(days=1), "PRESENT")]


def test_streaks():
    days = seq("ABSENT", "ABSENT", "PRESENT", "ABSENT", "ABSENT", "ABSENT")
    assert [(s.start, s.length) for s in patterns.absence_streaks(days)] == [(D0, 2), (D0 + timedelta(days=3), 3)]
    assert patterns.current_streak(days) == 3
    assert patterns.current_streak(seq("ABSENT", "LATE")) == 0
    assert patterns.streak_containing(days, D0 + timedelta(days=4)).start == D0 + timedelta(days=3)
    assert patterns.streak_containing(days, D0 + timedelta(days=2)) is None


def test_counts_and_rates():
    counts = patterns.count_days(seq("PRESENT", "ABSENT", "LATE"))
    assert (counts.days, counts.present, counts.absent, counts.late) == (3, 1, 1, 1)
    assert counts.attendance_rate == Decimal("66.7") and counts.absence_rate == Decimal("33.3")
    assert patterns.count_days([]).attendance_rate is None


@given(st.lists(st.sampled_from(["PRESENT", "ABSENT", "LATE", "EXCUSED"]), max_size=40))
def test_streaks_partition_the_absent_days(statuses):
    days = seq(*statuses)
    streaks = patterns.absence_streaks(days)
    assert sum(s.length for s in streaks) == statuses.count("ABSENT")
    assert all(s.length >= 1 for s in streaks)
    counts = patterns.count_days(days)
    assert counts.present + counts.absent + counts.late + counts.excused == counts.days == len(statuses)
