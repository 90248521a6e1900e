"""Attendance read queries, shaped for their callers; each runs a bounded number of queries.

Every selector takes the caller's `scope` (common.tenancy.Scope) and reads only the rows of the
schools it reaches; a section or period of another school is a 404, exactly like an unknown id."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.academic import contracts as academic
from apps.attendance import patterns
from apps.attendance.models import AttendanceRecord, Justification, PatternAlert
from apps.institution import contracts as institution
from apps.users import contracts as users
from common.errors import NotFound
from common.tenancy import Scope


def _scoped(qs: QuerySet, *, student_ids: Iterable[int] | None, section_ids: Iterable[int] | None) -> QuerySet:
    """Restrict to what the caller may see: None means no restriction on that axis; when both
    are given, a row visible through either axis is kept."""
    if student_ids is None and section_ids is None:
        return qs
    condition = Q(pk__in=[])
    if student_ids is not None:
        condition |= Q(student_id__in=list(student_ids))
    if section_ids is not None:
        condition |= Q(section_id__in=list(section_ids))
    return qs.filter(condition)


def section_in_scope(*, scope: Scope, section_id: int):
    """Academic's SectionDTO if the scope reaches its school; else a 404 like an unknown section."""
    section = academic.get_section(scope=scope, section_id=section_id)
    if section is None:
        raise NotFound(_("Section not found."), code="section_not_found")
    scope.require(section.institution_id, code="section_not_found", message=_("Section not found."))
    return section


def period_in_scope(*, scope: Scope, period_id: int):
    """The institution's PeriodDTO if the scope reaches its school; else a 404 like an unknown period."""
    period = institution.get_period(period_id=period_id)
    if period is None:
        raise NotFound(_("Period not found."), code="period_not_found")
    scope.require(period.institution_id, code="period_not_found", message=_("Period not found."))
    return period


def student_in_scope(*, scope: Scope, student_id: int) -> None:
    """A student of a school the scope reaches; another school's (or an unknown) student is a 404."""
    summary = users.user_security_summary(user_id=student_id)
    if summary is None or not scope.allows(summary.institution_id):
        raise NotFound(_("Student not found."), code="student_not_found")


def enrollment_in_scope(*, scope: Scope, enrollment_id: int, student_id: int | None = None,
                        section_id: int | None = None) -> None:
    """A school-scoped caller names an enrollment of its own school (and that enrollment's student and
    section, when given); anything else is a 404. Network-wide callers (saga, service) are not asked."""
    if scope.is_network:
        return
    enrollment = academic.get_enrollment(scope=scope, enrollment_id=enrollment_id)
    if (enrollment is None or not scope.allows(enrollment.institution_id)
            or (student_id is not None and enrollment.student_id != student_id)
            or (section_id is not None and enrollment.section_id != section_id)):
        raise NotFound(_("Enrollment not found."), code="enrollment_not_found")


def records_list(*, scope: Scope, student_ids: Iterable[int] | None = None,
                 section_ids: Iterable[int] | None = None) -> QuerySet[AttendanceRecord]:
    return _scoped(AttendanceRecord.objects.in_scope(scope), student_ids=student_ids, section_ids=section_ids).order_by(
        "-date", "section_id", "student_id", "session_number")


def justifications_list(*, scope: Scope, student_ids: Iterable[int] | None = None,
                        section_ids: Iterable[int] | None = None) -> QuerySet[Justification]:
    qs = Justification.objects.in_scope(scope).annotate(records_count=Count("records"))
    return _scoped(qs, student_ids=student_ids, section_ids=section_ids).order_by("-created_at", "-id")


def alerts_list(*, scope: Scope, student_ids: Iterable[int] | None = None,
                section_ids: Iterable[int] | None = None) -> QuerySet[PatternAlert]:
    return _scoped(PatternAlert.objects.in_scope(scope), student_ids=student_ids, section_ids=section_ids)


def section_day_sheet(*, scope: Scope, section_id: int, day: date, session_number: int | None = None) -> dict:
    """The section's attendance sheet for a day: every student on the roster that day with their
    record (status None when not marked yet), in roster order, with names and counts."""
    section = section_in_scope(scope=scope, section_id=section_id)
    roster = academic.section_student_ids(scope=scope, section_id=section_id, on=day)
    on_roster = set(roster)
    records = {r.student_id: r for r in AttendanceRecord.objects.in_scope(scope).filter(section_id=section_id, date=day,
                                                                         session_number=session_number)}
    people = users.get_users(scope=scope, user_ids=list(on_roster | set(records))) if (roster or records) else {}
    counts = {"PRESENT": 0, "ABSENT": 0, "LATE": 0, "EXCUSED": 0, "UNMARKED": 0}
    rows = []
    for student_id in list(roster) + [s for s in records if s not in on_roster]:
        record = records.get(student_id)
        counts[record.status if record else "UNMARKED"] += 1
        person = people.get(student_id)
        rows.append({
            "student_id": student_id,
            "student_code": getattr(person, "code", None),
            "student_name": getattr(person, "full_name", None),
            "on_roster": student_id in on_roster,
            "attendance_id": record.pk if record else None,
            "status": record.status if record else None,
            "arrival_time": record.arrival_time if record else None,
            "note": record.note if record else "",
            "marked_by": record.marked_by_id if record else None,
            "updated_at": record.updated_at if record else None,
        })
    return {"section_id": section_id, "section_code": getattr(section, "code", None), "date": day,
            "session_number": session_number, "marked": bool(records), "counts": counts, "students": rows}


def _counts_dict(counts: patterns.Counts) -> dict:
    return {"school_days": counts.days, "present": counts.present, "absent": counts.absent, "late": counts.late,
            "excused": counts.excused, "attendance_rate": counts.attendance_rate,
            "absence_rate": counts.absence_rate}


def student_summary(*, scope: Scope, student_id: int, period_id: int | None = None) -> dict:
    """Counts and rates per period (one period with period_id, else every period of the student's
    current school year), plus the current and longest absence streaks. Counts are per school day
    (see apps.attendance.patterns for how a day with several sessions is classified)."""
    if period_id is not None:
        periods = [period_in_scope(scope=scope, period_id=period_id)]
    else:
        periods = _periods_of_student(scope, student_id)
    rows = AttendanceRecord.objects.in_scope(scope).filter(student_id=student_id)
    if periods:
        rows = rows.filter(date__range=(min(p.start_date for p in periods), max(p.end_date for p in periods)))
    days = patterns.days_of(rows.values_list("date", "status"))
    per_period = []
    for period in sorted(periods, key=lambda p: p.start_date):
        in_period = [d for d in days if period.start_date <= d[0] <= period.end_date]
        per_period.append({"period_id": period.id, "name": period.name, "number": period.number,
                           "start_date": period.start_date, "end_date": period.end_date,
                           **_counts_dict(patterns.count_days(in_period))})
    streaks = patterns.absence_streaks(days)
    return {"student_id": student_id, "periods": per_period, "total": _counts_dict(patterns.count_days(days)),
            "current_absence_streak": patterns.current_streak(days) if days else 0,
            "longest_absence_streak": max((s.length for s in streaks), default=0)}


def _periods_of_student(scope: Scope, student_id: int) -> list:
    today = timezone.localdate()
    section_id = academic.student_section_on(scope=scope, student_id=student_id, on=today)
    if section_id is None:
        section_id = (AttendanceRecord.objects.in_scope(scope).filter(student_id=student_id).order_by("-date")
                      .values_list("section_id", flat=True).first())
    section = academic.get_section(scope=scope, section_id=section_id) if section_id is not None else None
    if section is None or not scope.allows(section.institution_id):
        return []
    return institution.periods_of_year(institution_id=section.institution_id, year=section.year)
