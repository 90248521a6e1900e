"""Pure attendance arithmetic: day classification, streaks and rates (no database access).

A *day* of a student is every record of that date (one daily record, or one per class session):
- ABSENT when every record of the day is ABSENT,
- EXCUSED when every record is ABSENT or EXCUSED and at least one is EXCUSED,
- LATE when any record is LATE (and the day is not one of the above),
- PRESENT otherwise.
Absence streaks count consecutive *marked* days that are ABSENT; any other day ends a streak
(an EXCUSED day too: a justified absence is not an unjustified pattern).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

PRESENT, ABSENT, LATE, EXCUSED = "PRESENT", "ABSENT", "LATE", "EXCUSED"


def classify_day(statuses: Iterable[str]) -> str:
    found = set(statuses)
    if found == {ABSENT}:
        return ABSENT
    if found <= {ABSENT, EXCUSED} and EXCUSED in found:
        return EXCUSED
    if LATE in found:
        return LATE
    return PRESENT


def days_of(rows: Iterable[tuple[date, str]]) -> list[tuple[date, str]]:
    """(date, status) records → sorted (date, day status)."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for day, status in rows:
        by_day[day].append(status)
    return [(day, classify_day(by_day[day])) for day in sorted(by_day)]


@dataclass(frozen=True)
class Streak:
    start: date
    end: date
    length: int


def absence_streaks(days: list[tuple[date, str]]) -> list[Streak]:
    streaks: list[Streak] = []
    start = end = None
    length = 0
    for day, status in days:
        if status == ABSENT:
            if length == 0:
                start = day
            end, length = day, length + 1
        elif length:
            streaks.append(Streak(start, end, length))
            length = 0
    if length:
        streaks.append(Streak(start, end, length))
    return streaks


def current_streak(days: list[tuple[date, str]]) -> int:
    """Absences at the end of the record (0 when the last marked day is not an absence)."""
    streaks = absence_streaks(days)
    return streaks[-1].length if streaks and streaks[-1].end == days[-1][0] else 0


def streak_containing(days: list[tuple[date, str]], day: date) -> Streak | None:
    return next((s for s in absence_streaks(days) if s.start <= day <= s.end), None)


@dataclass(frozen=True)
class Counts:
    days: int
    present: int
    absent: int
    late: int
    excused: int

    @property
    def attendance_rate(self) -> Decimal | None:
        """Days attended (present or late) over marked days, in percent, one decimal."""
        return percent(self.present + self.late, self.days)

    @property
    def absence_rate(self) -> Decimal | None:
        """Unjustified absent days over marked days, in percent, one decimal."""
        return percent(self.absent, self.days)


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def count_days(days: Iterable[tuple[date, str]]) -> Counts:
    statuses = [status for _, status in days]
    return Counts(days=len(statuses), present=statuses.count(PRESENT), absent=statuses.count(ABSENT),
                  late=statuses.count(LATE), excused=statuses.count(EXCUSED))
