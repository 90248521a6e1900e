"""Demo attendance: the last ten school days for every demo section, with some absences and
lateness, one student with three consecutive absences (so a pattern alert exists), and one
pending and one approved justification. Idempotent: days already marked are left alone."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.utils import timezone

from apps.academic import contracts as academic
from apps.attendance import services
from apps.attendance.models import AttendanceRecord, AttendanceStatus, Justification
from apps.institution import contracts as institution
from apps.users import contracts as users
from common.tenancy import SYSTEM

DAYS = 10


def _recent_school_days(institution_id: int, count: int) -> list[date]:
    days, day, today = [], timezone.localdate(), timezone.localdate()
    while len(days) < count and (today - day).days < 120:
        day -= timedelta(days=1)
        if institution.is_school_day(institution_id=institution_id, day=day):
            days.append(day)
    return sorted(days)


def _exceptions(roster: list[int], index: int, total: int, *, streak: int) -> list[services.ExceptionRow]:
    """A fixed, readable pattern: the first student misses the last `streak` days; the second is
    late every third day; the third misses two separate days; the fifth is excused once."""
    rows = []
    if roster and index >= total - streak:
        rows.append(services.ExceptionRow(student_id=roster[0], status=AttendanceStatus.ABSENT, note="Sin aviso"))
    if len(roster) > 1 and index % 3 == 0:
        rows.append(services.ExceptionRow(student_id=roster[1], status=AttendanceStatus.LATE,
                                          arrival_time=time(8, 10 + index)))
    if len(roster) > 2 and index in (1, 4):
        rows.append(services.ExceptionRow(student_id=roster[2], status=AttendanceStatus.ABSENT))
    if len(roster) > 4 and index == 2:
        rows.append(services.ExceptionRow(student_id=roster[4], status=AttendanceStatus.EXCUSED,
                                          note="Cita médica"))
    return rows


def seed(school: dict) -> None:
    institution_id, section_ids = school.get("institution_id"), school.get("section_ids") or []
    if institution_id is None or not section_ids:
        return
    for enrollment_id in school.get("enrollment_ids") or []:
        enrollment = academic.get_enrollment(scope=SYSTEM, enrollment_id=enrollment_id)
        if enrollment is not None and enrollment.status == "ACTIVE":
            services.attendance_initialize(scope=SYSTEM, enrollment_id=enrollment.id, student_id=enrollment.student_id,
                                           section_id=enrollment.section_id)
    marker = next(iter(school.get("teacher_ids") or []), school.get("director_id"))
    rules = institution.attendance_alert_rules(institution_id=institution_id)
    streak = min(max(3, rules.consecutive_absences), DAYS)
    days = _recent_school_days(institution_id, DAYS)
    for section_id in section_ids:
        marked = set(AttendanceRecord.objects.filter(section_id=section_id, date__in=days, session_number=None)
                     .values_list("date", flat=True).distinct())
        for index, day in enumerate(days):
            roster = sorted(academic.section_student_ids(scope=SYSTEM, section_id=section_id, on=day))
            if day in marked or not roster:
                continue
            services.attendance_mark_section(scope=SYSTEM, section_id=section_id, day=day, marked_by_id=marker,
                                             exceptions=_exceptions(roster, index, len(days), streak=streak))
    _seed_justifications(school, section_ids[0], days)


def _seed_justifications(school: dict, section_id: int, days: list[date]) -> None:
    """The third student of the first section missed two days: one justified and approved,
    the other justified and waiting for review."""
    if len(days) < 5:
        return
    roster = sorted(academic.section_student_ids(scope=SYSTEM, section_id=section_id, on=days[1]))
    if len(roster) < 3:
        return
    student_id = roster[2]
    guardians = users.guardians_of(scope=SYSTEM, student_id=student_id)
    if not guardians or Justification.objects.filter(student_id=student_id).exists():
        return
    guardian_id = guardians[0].guardian.id
    approved = services.justification_submit(
        scope=SYSTEM, guardian_id=guardian_id, student_id=student_id, start_date=days[1], end_date=days[1],
        reason="Fiebre y malestar general.", attachment_reference="https://docs.example.edu.pe/certificado-001.pdf")
    services.justification_approve(scope=SYSTEM, justification_id=approved.pk, reviewer_id=school.get("director_id"),
                                   note="Certificado médico conforme.")
    services.justification_submit(scope=SYSTEM, guardian_id=guardian_id, student_id=student_id, start_date=days[4],
                                  end_date=days[4], reason="Viaje familiar por emergencia.")
