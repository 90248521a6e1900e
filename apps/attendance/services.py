"""Attendance write use cases: mark a section's day, justifications, enrollment initialization,
and the pattern alerts evaluated in the marking's transaction.

Each takes the caller's `scope` (common.tenancy.Scope): an existing row is looked up through it, so
another school's section, justification or enrollment answers 404 like an unknown id. The saga and
the handlers pass `common.tenancy.SYSTEM`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.academic import contracts as academic
from apps.attendance import patterns, selectors
from apps.attendance.events import (
    AbsenceJustified,
    AbsenceRecorded,
    AttendanceMarked,
    AttendancePatternAlert,
    TardinessRecorded,
)
from apps.attendance.models import (
    AlertPattern,
    AttendanceRecord,
    AttendanceStatus,
    Justification,
    JustificationStatus,
    PatternAlert,
    StudentAttendanceProfile,
)
from apps.institution import contracts as institution
from apps.users import contracts as users
from common.errors import BusinessRuleViolation, Conflict, NotFound, PermissionDenied, ValidationFailed
from common.tenancy import Scope
from events import publish

EXCEPTION_STATUSES = (AttendanceStatus.ABSENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED)
# The absence-rate alert waits until the student has this many marked days in the period, so that
# one absence on the second day of term (50 %) does not raise it.
RATE_ALERT_MIN_DAYS = 5
# How far back a marking looks for the absence streak that contains the marked day.
STREAK_WINDOW_DAYS = 120
UPSERT_FIELDS = ["section_id", "enrollment_id", "institution_id", "status", "arrival_time", "note", "marked_by_id",
                 "updated_at"]


# --- marking a section ------------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionRow:
    """A student who is not simply present: ABSENT, LATE (with arrival time) or EXCUSED."""

    student_id: int
    status: str
    arrival_time: time | None = None
    note: str = ""


@dataclass(frozen=True)
class MarkingResult:
    section_id: int
    date: date
    session_number: int | None
    total: int
    present: int
    absent: int
    late: int
    excused: int
    is_update: bool
    alerts: list[dict] = field(default_factory=list)


def _lock_section(section_id: int) -> None:
    """Serialize markings of one section (same-day re-marks and the alert evaluation)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7007, section_id % 2_147_483_647])


def _row_errors(exceptions: list[ExceptionRow], roster: set[int]) -> list[dict]:
    errors: list[dict] = []
    seen: set[int] = set()
    for index, row in enumerate(exceptions):
        problems: dict[str, list[str]] = {}
        if row.student_id not in roster:
            problems.setdefault("studentId", []).append(_("The student is not on the section's roster on that date."))
        elif row.student_id in seen:
            problems.setdefault("studentId", []).append(_("The student is listed more than once."))
        seen.add(row.student_id)
        if row.status not in EXCEPTION_STATUSES:
            problems.setdefault("status", []).append(_("Use ABSENT, LATE or EXCUSED; everyone else is PRESENT."))
        if row.arrival_time is not None and row.status != AttendanceStatus.LATE:
            problems.setdefault("arrivalTime", []).append(_("An arrival time is only recorded for LATE."))
        if problems:
            errors.append({"index": index, "studentId": row.student_id, "errors": problems})
    return errors


def _upsert_records(records: list[AttendanceRecord], *, day: date, session_number: int | None) -> None:
    """Insert the section's records or update them in place, setting each record's pk.

    PostgreSQL: one INSERT ... ON CONFLICT against the NULLS NOT DISTINCT unique constraint.
    Other backends (SQLite in the embedded default) cannot target that constraint (SQLite does
    not create it at all), so update the existing rows and insert the rest; the caller holds the
    section's lock and SQLite serializes writers, so no other marking interleaves."""
    if connection.vendor == "postgresql":
        AttendanceRecord.objects.bulk_create(records, update_conflicts=True,
                                             unique_fields=["student_id", "date", "session_number"],
                                             update_fields=UPSERT_FIELDS)
        return
    pk_of = dict(AttendanceRecord.objects.filter(student_id__in=[r.student_id for r in records], date=day,
                                                 session_number=session_number)
                 .values_list("student_id", "pk"))
    to_update = [r for r in records if r.student_id in pk_of]
    for record in to_update:
        record.pk = pk_of[record.student_id]
    if to_update:
        AttendanceRecord.objects.bulk_update(to_update, UPSERT_FIELDS)
    to_create = [r for r in records if r.student_id not in pk_of]
    if to_create:
        AttendanceRecord.objects.bulk_create(to_create)


@transaction.atomic
def attendance_mark_section(*, scope: Scope, section_id: int, day: date, exceptions: list[ExceptionRow],
                            marked_by_id: int | None, session_number: int | None = None) -> MarkingResult:
    """Mark a whole section for a day (or one class session): every student on the roster who is
    not listed in `exceptions` is PRESENT. All or nothing; marking again updates in place.
    A section of a school the scope does not reach is a 404."""
    section = selectors.section_in_scope(scope=scope, section_id=section_id)

    fields: dict[str, list[str]] = {}
    if day > timezone.localdate():
        fields["date"] = [_("Attendance cannot be marked for a future date.")]
    elif not institution.is_school_day(institution_id=section.institution_id, day=day):
        fields["date"] = [_("That date is not a school day.")]
    if session_number is not None and session_number < 1:
        fields["sessionNumber"] = [_("Session numbers start at 1.")]
    roster = set(academic.section_student_ids(scope=scope, section_id=section_id, on=day))
    rows = _row_errors(exceptions, roster)
    if rows:
        fields["exceptions"] = [_("Row %(index)s: %(errors)s") % {
            "index": row["index"], "errors": "; ".join(m for ms in row["errors"].values() for m in ms)} for row in rows]
    if fields:
        raise ValidationFailed(_("The attendance was not saved: fix the listed rows."), code="invalid_attendance",
                               fields=fields, details={"rows": rows})
    if not roster:
        raise BusinessRuleViolation(_("The section has no students on that date."), code="empty_roster")

    _lock_section(section_id)
    now = timezone.now()
    by_student = {row.student_id: row for row in exceptions}
    existing = dict(AttendanceRecord.objects.filter(student_id__in=roster, date=day, session_number=session_number)
                    .values_list("student_id", "status"))
    enrollment_of = dict(StudentAttendanceProfile.objects.filter(section_id=section_id, student_id__in=roster,
                                                                 is_active=True)
                         .values_list("student_id", "enrollment_id"))
    records = []
    for student_id in sorted(roster):
        row = by_student.get(student_id)
        records.append(AttendanceRecord(
            student_id=student_id, section_id=section_id, enrollment_id=enrollment_of.get(student_id),
            institution_id=section.institution_id, date=day, session_number=session_number,
            status=row.status if row else AttendanceStatus.PRESENT, arrival_time=row.arrival_time if row else None,
            note=row.note if row else "", marked_by_id=marked_by_id, marked_at=now, updated_at=now))
    _upsert_records(records, day=day, session_number=session_number)

    counts = {status: 0 for status in AttendanceStatus.values}
    for record in records:
        counts[record.status] += 1
        became = record.status != existing.get(record.student_id)
        if became and record.status == AttendanceStatus.ABSENT:
            publish("absence.recorded", aggregate_id=record.pk, aggregate_type="AttendanceRecord",
                    payload=AbsenceRecorded(attendance_id=record.pk, student_id=record.student_id,
                                            section_id=section_id, date=day, session_number=session_number))
        elif became and record.status == AttendanceStatus.LATE:
            publish("tardiness.recorded", aggregate_id=record.pk, aggregate_type="AttendanceRecord",
                    payload=TardinessRecorded(attendance_id=record.pk, student_id=record.student_id,
                                              section_id=section_id, date=day, session_number=session_number,
                                              arrival_time=record.arrival_time))
    is_update = bool(existing)
    publish("attendance.marked", aggregate_id=section_id, aggregate_type="Section",
            payload=AttendanceMarked(section_id=section_id, section_code=getattr(section, "code", None), date=day,
                                     session_number=session_number, total=len(records),
                                     present=counts[AttendanceStatus.PRESENT], absent=counts[AttendanceStatus.ABSENT],
                                     late=counts[AttendanceStatus.LATE], excused=counts[AttendanceStatus.EXCUSED],
                                     is_update=is_update, marked_by=marked_by_id))
    alerts = _evaluate_patterns(section_id=section_id, institution_id=section.institution_id, day=day,
                                student_ids=roster)
    return MarkingResult(section_id=section_id, date=day, session_number=session_number, total=len(records),
                         present=counts[AttendanceStatus.PRESENT], absent=counts[AttendanceStatus.ABSENT],
                         late=counts[AttendanceStatus.LATE], excused=counts[AttendanceStatus.EXCUSED],
                         is_update=is_update, alerts=alerts)


# --- pattern alerts ---------------------------------------------------------------------


def _evaluate_patterns(*, section_id: int, institution_id: int, day: date, student_ids: set[int]) -> list[dict]:
    """Raise attendance.pattern.alert for students who now match a rule, once per occurrence:
    - CONSECUTIVE_ABSENCES: the absence streak containing `day` is at least N days long
      (occurrence = the streak's first day, so a new streak after an attended day alerts again);
    - ABSENCE_RATE: unjustified absent days / marked days in the period is above X % once the
      student has at least RATE_ALERT_MIN_DAYS marked days in it (occurrence = the period).
    A rule set to 0 is disabled. Runs a constant number of queries whatever the roster size."""
    rules = institution.attendance_alert_rules(institution_id=institution_id)
    period = institution.current_period(institution_id=institution_id, on=day)
    window_start = day - timedelta(days=STREAK_WINDOW_DAYS)
    if period is not None:
        window_start = min(window_start, period.start_date)
    rows: dict[int, list[tuple[date, str]]] = {}
    for student_id, record_day, status in (AttendanceRecord.objects
                                           .filter(institution_id=institution_id, student_id__in=student_ids,
                                                   date__gte=window_start)
                                           .values_list("student_id", "date", "status")):
        rows.setdefault(student_id, []).append((record_day, status))

    threshold_streak = int(rules.consecutive_absences or 0)
    threshold_rate = Decimal(str(rules.absence_rate_percent or 0))
    candidates: list[PatternAlert] = []
    for student_id, student_rows in rows.items():
        days = patterns.days_of(student_rows)
        if threshold_streak > 0:
            streak = patterns.streak_containing(days, day)
            if streak is not None and streak.length >= threshold_streak:
                candidates.append(PatternAlert(
                    student_id=student_id, section_id=section_id, institution_id=institution_id,
                    period_id=period.id if period else None,
                    pattern=AlertPattern.CONSECUTIVE_ABSENCES, occurrence_key=streak.start.isoformat(),
                    value=str(streak.length), threshold=str(threshold_streak), triggered_on=day))
        if threshold_rate > 0 and period is not None:
            counts = patterns.count_days(d for d in days if period.start_date <= d[0] <= period.end_date)
            rate = counts.absence_rate
            if counts.days >= RATE_ALERT_MIN_DAYS and rate is not None and rate > threshold_rate:
                candidates.append(PatternAlert(
                    student_id=student_id, section_id=section_id, institution_id=institution_id, period_id=period.id,
                    pattern=AlertPattern.ABSENCE_RATE, occurrence_key=f"period:{period.id}",
                    value=str(rate), threshold=format(threshold_rate.normalize(), "f"), triggered_on=day))
    if not candidates:
        return []
    already = set(PatternAlert.objects.filter(student_id__in={c.student_id for c in candidates},
                                              occurrence_key__in={c.occurrence_key for c in candidates})
                  .values_list("student_id", "pattern", "occurrence_key"))
    new = [c for c in candidates if (c.student_id, c.pattern, c.occurrence_key) not in already]
    if not new:
        return []
    PatternAlert.objects.bulk_create(new)
    raised = []
    for alert in new:
        payload = AttendancePatternAlert(student_id=alert.student_id, section_id=alert.section_id,
                                         period_id=alert.period_id, pattern=alert.pattern, value=alert.value,
                                         threshold=alert.threshold)
        publish("attendance.pattern.alert", aggregate_id=alert.student_id, aggregate_type="Student", payload=payload)
        raised.append(payload.model_dump(mode="json", by_alias=True))
    return raised


# --- justifications ---------------------------------------------------------------------


@transaction.atomic
def justification_submit(*, scope: Scope, guardian_id: int, student_id: int, start_date: date, end_date: date,
                         reason: str, attachment_reference: str = "") -> Justification:
    """A guardian justifies their own child's absences between two dates (inclusive), in the
    scope's school (the absences are read through the scope)."""
    if student_id not in set(users.student_ids_of_guardian(scope=scope, guardian_id=guardian_id)):
        raise PermissionDenied(_("You can only justify absences of your own children."), code="not_guardian_of_student")
    fields: dict[str, list[str]] = {}
    if start_date > end_date:
        fields["endDate"] = [_("The end date must not be before the start date.")]
    if end_date > timezone.localdate():
        fields["endDate"] = [_("Absences in the future cannot be justified yet.")]
    if not reason.strip():
        fields["reason"] = [_("Tell the school why the student was absent.")]
    if fields:
        raise ValidationFailed(fields=fields)
    absences = (AttendanceRecord.objects.in_scope(scope)
                .filter(student_id=student_id, date__range=(start_date, end_date), status=AttendanceStatus.ABSENT)
                .order_by("-date"))
    latest = absences.values_list("section_id", "institution_id").first()
    if latest is None:
        raise BusinessRuleViolation(_("There are no absences to justify in those dates."),
                                    code="no_absences_to_justify")
    section_id, institution_id = latest
    overlapping = Justification.objects.in_scope(scope).filter(student_id=student_id, status=JustificationStatus.PENDING,
                                               start_date__lte=end_date, end_date__gte=start_date).first()
    if overlapping is not None:
        raise Conflict(_("A pending justification already covers some of those dates."),
                       code="justification_pending_overlap", details={"justificationId": overlapping.pk})
    return Justification.objects.create(student_id=student_id, section_id=section_id, institution_id=institution_id,
                                        guardian_id=guardian_id,
                                        start_date=start_date, end_date=end_date, reason=reason.strip(),
                                        attachment_reference=attachment_reference.strip())


def _pending_for_review(scope: Scope, justification_id: int) -> Justification:
    justification = Justification.objects.in_scope(scope).select_for_update().filter(pk=justification_id).first()
    if justification is None:
        raise NotFound(_("Justification not found."), code="justification_not_found")
    if justification.status != JustificationStatus.PENDING:
        raise Conflict(_("The justification was already reviewed."), code="justification_already_reviewed",
                       details={"status": justification.status})
    return justification


def _record_review(justification: Justification, status: str, *, reviewer_id: int | None, note: str) -> None:
    justification.status = status
    justification.reviewed_by_id = reviewer_id
    justification.reviewed_at = timezone.now()
    justification.review_note = note.strip()
    justification.save(update_fields=["status", "reviewed_by_id", "reviewed_at", "review_note"])


@transaction.atomic
def justification_approve(*, scope: Scope, justification_id: int, reviewer_id: int | None,
                          note: str = "") -> Justification:
    """Approve: the covered ABSENT records (of the justification's school) become EXCUSED; emits absence.justified."""
    justification = _pending_for_review(scope, justification_id)
    records = list(AttendanceRecord.objects.select_for_update().filter(
        institution_id=justification.institution_id, student_id=justification.student_id, status=AttendanceStatus.ABSENT,
        date__range=(justification.start_date, justification.end_date)).order_by("date", "session_number"))
    ids = [record.pk for record in records]
    AttendanceRecord.objects.filter(pk__in=ids).update(status=AttendanceStatus.EXCUSED, updated_at=timezone.now())
    justification.records.add(*ids)
    _record_review(justification, JustificationStatus.APPROVED, reviewer_id=reviewer_id, note=note)
    publish("absence.justified", aggregate_id=justification.pk, aggregate_type="Justification",
            payload=AbsenceJustified(justification_id=justification.pk, student_id=justification.student_id,
                                     section_id=justification.section_id, start_date=justification.start_date,
                                     end_date=justification.end_date, attendance_ids=ids, reviewed_by=reviewer_id))
    return justification


@transaction.atomic
def justification_reject(*, scope: Scope, justification_id: int, reviewer_id: int | None,
                         note: str) -> Justification:
    """Reject with a note for the guardian; the absences stay ABSENT."""
    justification = _pending_for_review(scope, justification_id)
    if not note or not note.strip():
        raise ValidationFailed(fields={"note": [_("Explain to the family why the justification is rejected.")]})
    _record_review(justification, JustificationStatus.REJECTED, reviewer_id=reviewer_id, note=note)
    return justification


# --- enrollment lifecycle -----------------------------------------------------------------


@transaction.atomic
def attendance_initialize(*, scope: Scope, enrollment_id: int, student_id: int, section_id: int) -> bool:
    """Enable attendance for an enrolled student in a section (initializeAttendanceRecord).
    Idempotent: returns True when this call created the profile, False when it already existed
    (a profile that had moved or been deactivated is pointed at the given section again).
    A school-scoped caller names its own school's section and enrollment (else 404)."""
    if not scope.is_network:
        selectors.section_in_scope(scope=scope, section_id=section_id)
        selectors.enrollment_in_scope(scope=scope, enrollment_id=enrollment_id, student_id=student_id,
                                      section_id=section_id)
    profile, created = StudentAttendanceProfile.objects.get_or_create(
        enrollment_id=enrollment_id, defaults={"student_id": student_id, "section_id": section_id})
    if not created and (profile.section_id != section_id or profile.student_id != student_id or not profile.is_active):
        profile.section_id, profile.student_id, profile.is_active = section_id, student_id, True
        profile.save(update_fields=["section_id", "student_id", "is_active"])
    return created


@transaction.atomic
def attendance_delete_for_enrollment(*, scope: Scope, enrollment_id: int) -> int:
    """Compensation of the enrollment saga: remove the profile and every record of the enrollment.
    Returns the number of rows deleted (records plus profile). A school-scoped caller names an
    enrollment of its own school (else 404)."""
    selectors.enrollment_in_scope(scope=scope, enrollment_id=enrollment_id)
    _total, records = AttendanceRecord.objects.in_scope(scope).filter(enrollment_id=enrollment_id).delete()
    _total, profiles = StudentAttendanceProfile.objects.filter(enrollment_id=enrollment_id).delete()
    return records.get(AttendanceRecord._meta.label, 0) + profiles.get(StudentAttendanceProfile._meta.label, 0)
