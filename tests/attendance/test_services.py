from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from apps.attendance import services
from apps.attendance.models import AttendanceRecord, Justification, PatternAlert, StudentAttendanceProfile
from common.errors import BusinessRuleViolation, Conflict, NotFound, PermissionDenied, ValidationFailed
from common.tenancy import SYSTEM
from events.models import OutboxEvent

pytestmark = pytest.mark.django_db

ABSENT, LATE, EXCUSED = "ABSENT", "LATE", "EXCUSED"


def mark(section_id, day, *rows, session=None, by=None):
    return services.attendance_mark_section(
        scope=SYSTEM, section_id=section_id, day=day, session_number=session, marked_by_id=by,
        exceptions=[services.ExceptionRow(student_id=s, status=st, arrival_time=t) for s, st, t in
                    [((*r, None))[:3] for r in rows]])


def events_of(event_type):
    return [e.envelope["payload"] for e in OutboxEvent.objects.filter(event_type=event_type).order_by("created_at")]


def test_everyone_not_listed_is_present(section, students, days):
    result = mark(section, days[-1], (students[0].pk, ABSENT), (students[1].pk, LATE, time(8, 20)))

    statuses = dict(AttendanceRecord.objects.filter(date=days[-1]).values_list("student_id", "status"))
    assert statuses == {students[0].pk: ABSENT, students[1].pk: LATE, students[2].pk: "PRESENT",
                        students[3].pk: "PRESENT", students[4].pk: "PRESENT"}
    assert (result.total, result.present, result.absent, result.late, result.excused) == (5, 3, 1, 1, 0)
    assert AttendanceRecord.objects.get(student_id=students[1].pk).arrival_time == time(8, 20)
    marked = events_of("attendance.marked")
    assert len(marked) == 1 and marked[0]["present"] == 3 and marked[0]["absent"] == 1 and not marked[0]["isUpdate"]
    absence = events_of("absence.recorded")
    assert absence == [{"attendanceId": AttendanceRecord.objects.get(student_id=students[0].pk).pk,
                        "studentId": students[0].pk, "sectionId": section, "date": days[-1].isoformat(),
                        "sessionNumber": None}]
    assert [e["studentId"] for e in events_of("tardiness.recorded")] == [students[1].pk]


def test_remarking_updates_in_place_and_emits_only_changes(section, students, days):
    mark(section, days[-1], (students[0].pk, ABSENT), (students[1].pk, LATE))
    first_ids = dict(AttendanceRecord.objects.values_list("student_id", "id"))

    result = mark(section, days[-1], (students[0].pk, ABSENT), (students[2].pk, ABSENT))

    assert AttendanceRecord.objects.count() == 5
    assert dict(AttendanceRecord.objects.values_list("student_id", "id")) == first_ids
    assert AttendanceRecord.objects.get(student_id=students[1].pk).status == "PRESENT"
    assert result.is_update and result.absent == 2
    # students[0] was already ABSENT: not re-emitted; students[2] became ABSENT.
    assert [e["studentId"] for e in events_of("absence.recorded")] == [students[0].pk, students[2].pk]
    assert len(events_of("attendance.marked")) == 2


def test_daily_and_session_records_are_distinct(section, students, days):
    mark(section, days[-1])
    mark(section, days[-1], session=1)
    mark(section, days[-1], session=1, *[])

    assert AttendanceRecord.objects.filter(session_number__isnull=True).count() == 5
    assert AttendanceRecord.objects.filter(session_number=1).count() == 5


def test_one_bad_row_changes_nothing_and_reports_the_row(section, students, days):
    mark(section, days[-2], (students[0].pk, ABSENT))
    before = list(AttendanceRecord.objects.order_by("id").values_list("id", "status", "updated_at"))
    outbox_before = OutboxEvent.objects.count()

    with pytest.raises(ValidationFailed) as error:
        mark(section, days[-1], (students[1].pk, ABSENT), (999_999, ABSENT), (students[2].pk, "PRESENT"))

    rows = error.value.details["rows"]
    assert [(r["index"], r["studentId"]) for r in rows] == [(1, 999_999), (2, students[2].pk)]
    assert "studentId" in rows[0]["errors"] and "status" in rows[1]["errors"]
    assert list(AttendanceRecord.objects.order_by("id").values_list("id", "status", "updated_at")) == before
    assert OutboxEvent.objects.count() == outbox_before


def test_duplicate_row_and_arrival_time_on_absent_are_refused(section, students, days):
    with pytest.raises(ValidationFailed) as error:
        mark(section, days[-1], (students[0].pk, ABSENT), (students[0].pk, LATE), (students[1].pk, ABSENT, time(9)))

    assert [r["index"] for r in error.value.details["rows"]] == [1, 2]
    assert not AttendanceRecord.objects.exists()


def test_future_date_and_non_school_day_are_refused(school, section, days):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as error:
        mark(section, tomorrow)
    assert "date" in error.value.details["fields"]

    school.holidays.add(days[-1])
    with pytest.raises(ValidationFailed) as error:
        mark(section, days[-1])
    assert "date" in error.value.details["fields"]
    assert not AttendanceRecord.objects.exists()


def test_unknown_section_and_empty_roster(school, days):
    with pytest.raises(NotFound):
        mark(404, days[-1])
    school.add_section(2, [])
    with pytest.raises(BusinessRuleViolation):
        mark(2, days[-1])


def test_enrollment_profile_links_records(section, students, days):
    services.attendance_initialize(scope=SYSTEM, enrollment_id=77, student_id=students[0].pk, section_id=section)

    mark(section, days[-1])

    assert AttendanceRecord.objects.get(student_id=students[0].pk).enrollment_id == 77
    assert AttendanceRecord.objects.get(student_id=students[1].pk).enrollment_id is None


# --- pattern alerts -------------------------------------------------------------------------


def test_consecutive_absences_alert_fires_once_at_threshold(school, section, students, days):
    school.consecutive_absences = 3
    school.absence_rate_percent = 0  # rate rule off: look at the streak rule alone
    kid = students[0].pk

    mark(section, days[0], (kid, ABSENT))
    mark(section, days[1], (kid, ABSENT))
    assert not PatternAlert.objects.exists()  # 2 < 3: below the threshold

    result = mark(section, days[2], (kid, ABSENT))
    assert [a["pattern"] for a in result.alerts] == ["CONSECUTIVE_ABSENCES"]
    mark(section, days[3], (kid, ABSENT))  # same streak continues: no second alert
    mark(section, days[2], (kid, ABSENT))  # re-marking the day: no second alert

    alerts = events_of("attendance.pattern.alert")
    assert alerts == [{"studentId": kid, "sectionId": section, "periodId": 12, "pattern": "CONSECUTIVE_ABSENCES",
                       "value": "3", "threshold": "3"}]
    assert PatternAlert.objects.get().occurrence_key == days[0].isoformat()


def test_a_new_streak_after_a_present_day_alerts_again(school, section, students, days):
    school.consecutive_absences, school.absence_rate_percent = 2, 0
    kid = students[0].pk
    for day in days[:2]:
        mark(section, day, (kid, ABSENT))
    mark(section, days[2])  # present: the streak ends
    mark(section, days[3], (kid, ABSENT))
    assert PatternAlert.objects.count() == 1

    mark(section, days[4], (kid, ABSENT))

    assert sorted(PatternAlert.objects.values_list("occurrence_key", flat=True)) == [
        days[0].isoformat(), days[3].isoformat()]


def test_excused_day_breaks_the_streak(school, section, students, days):
    school.consecutive_absences, school.absence_rate_percent = 3, 0
    kid = students[0].pk
    mark(section, days[0], (kid, ABSENT))
    mark(section, days[1], (kid, EXCUSED))
    mark(section, days[2], (kid, ABSENT))
    mark(section, days[3], (kid, ABSENT))
    assert not PatternAlert.objects.exists()


def test_absence_rate_alert_waits_for_min_days_and_fires_once_per_period(school, section, students, days):
    school.consecutive_absences = 0  # streak rule off
    school.absence_rate_percent = 30.0
    kid = students[0].pk
    # 4 days, 2 absent (50 %), fewer than RATE_ALERT_MIN_DAYS marked days: no alert yet.
    mark(section, days[0], (kid, ABSENT))
    mark(section, days[1])
    mark(section, days[2], (kid, ABSENT))
    mark(section, days[3])
    assert not PatternAlert.objects.exists()

    mark(section, days[4])  # 2/5 = 40 % > 30 %: fires now
    mark(section, days[5], (kid, ABSENT))  # 3/6: still above, same period: not again

    alert = PatternAlert.objects.get()
    assert (alert.pattern, alert.period_id, alert.value, alert.threshold) == ("ABSENCE_RATE", 12, "40.0", "30")
    assert len(events_of("attendance.pattern.alert")) == 1


def test_absence_rate_at_the_threshold_does_not_fire(school, section, students, days):
    school.consecutive_absences, school.absence_rate_percent = 0, 40.0
    kid = students[0].pk
    mark(section, days[0], (kid, ABSENT))
    mark(section, days[1])
    mark(section, days[2], (kid, ABSENT))
    mark(section, days[3])
    mark(section, days[4])  # exactly 40 %: not above
    assert not PatternAlert.objects.exists()

    mark(section, days[5], (kid, ABSENT))  # 50 %
    assert PatternAlert.objects.filter(pattern="ABSENCE_RATE").count() == 1


# --- justifications -------------------------------------------------------------------------


def test_guardian_submits_and_staff_approves(section, students, days, guardian_link, director):
    kid = students[0].pk
    mark(section, days[0], (kid, ABSENT))
    mark(section, days[1], (kid, LATE))
    mark(section, days[2], (kid, ABSENT))

    justification = services.justification_submit(
        scope=SYSTEM, guardian_id=guardian_link.guardian_id, student_id=kid, start_date=days[0], end_date=days[2],
        reason="Fiebre", attachment_reference="https://docs.example/cert.pdf")
    assert justification.status == "PENDING" and justification.section_id == section

    approved = services.justification_approve(scope=SYSTEM, justification_id=justification.pk, reviewer_id=director.pk, note="OK")

    statuses = dict(AttendanceRecord.objects.filter(student_id=kid).values_list("date", "status"))
    assert statuses == {days[0]: EXCUSED, days[1]: LATE, days[2]: EXCUSED}
    assert approved.status == "APPROVED" and approved.reviewed_by_id == director.pk
    assert approved.records.count() == 2
    [event] = events_of("absence.justified")
    assert event["justificationId"] == justification.pk and len(event["attendanceIds"]) == 2
    with pytest.raises(Conflict):
        services.justification_reject(scope=SYSTEM, justification_id=justification.pk, reviewer_id=director.pk, note="no")


def test_reject_needs_a_note_and_keeps_absences(section, students, days, guardian_link, director):
    kid = students[0].pk
    mark(section, days[0], (kid, ABSENT))
    justification = services.justification_submit(scope=SYSTEM, guardian_id=guardian_link.guardian_id, student_id=kid,
                                                  start_date=days[0], end_date=days[0], reason="Viaje")
    with pytest.raises(ValidationFailed):
        services.justification_reject(scope=SYSTEM, justification_id=justification.pk, reviewer_id=director.pk, note=" ")

    rejected = services.justification_reject(scope=SYSTEM, justification_id=justification.pk, reviewer_id=director.pk,
                                             note="Sin sustento")

    assert rejected.status == "REJECTED"
    assert AttendanceRecord.objects.get(student_id=kid).status == ABSENT
    assert not events_of("absence.justified")


def test_guardian_cannot_justify_another_child(section, students, days, guardian_link):
    mark(section, days[0], (students[1].pk, ABSENT))
    with pytest.raises(PermissionDenied):
        services.justification_submit(scope=SYSTEM, guardian_id=guardian_link.guardian_id, student_id=students[1].pk,
                                      start_date=days[0], end_date=days[0], reason="x")
    assert not Justification.objects.exists()


def test_justification_input_rules(section, students, days, guardian_link):
    kid, guardian = students[0].pk, guardian_link.guardian_id
    with pytest.raises(BusinessRuleViolation):  # nothing to justify
        services.justification_submit(scope=SYSTEM, guardian_id=guardian, student_id=kid, start_date=days[0], end_date=days[1],
                                      reason="x")
    mark(section, days[0], (kid, ABSENT))
    with pytest.raises(ValidationFailed):
        services.justification_submit(scope=SYSTEM, guardian_id=guardian, student_id=kid, start_date=days[1], end_date=days[0],
                                      reason="x")
    services.justification_submit(scope=SYSTEM, guardian_id=guardian, student_id=kid, start_date=days[0], end_date=days[0],
                                  reason="x")
    with pytest.raises(Conflict):  # overlapping pending one
        services.justification_submit(scope=SYSTEM, guardian_id=guardian, student_id=kid, start_date=days[0], end_date=days[1],
                                      reason="y")
    assert Justification.objects.count() == 1


# --- enrollment lifecycle --------------------------------------------------------------------


def test_initialize_is_idempotent_and_delete_compensates(section, students, days):
    from apps.attendance import contracts

    assert contracts.initialize_attendance(scope=SYSTEM, enrollment_id=5, student_id=students[0].pk, section_id=section) is True
    assert contracts.initialize_attendance(scope=SYSTEM, enrollment_id=5, student_id=students[0].pk, section_id=section) is False
    assert StudentAttendanceProfile.objects.count() == 1
    assert contracts.has_attendance_record(scope=SYSTEM, enrollment_id=5)
    mark(section, days[0], (students[0].pk, ABSENT))
    mark(section, days[1])

    assert contracts.delete_attendance_records(scope=SYSTEM, enrollment_id=5) == 3  # two records + the profile

    assert not contracts.has_attendance_record(scope=SYSTEM, enrollment_id=5)
    assert not AttendanceRecord.objects.filter(student_id=students[0].pk).exists()
    assert AttendanceRecord.objects.count() == 8  # the other students' records stay
    assert contracts.delete_attendance_records(scope=SYSTEM, enrollment_id=5) == 0
