from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.attendance import services
from apps.attendance.models import AttendanceRecord, Justification, PatternAlert
from common.tenancy import SYSTEM
from tests.attendance.people import GuardianFactory, PsychologistFactory, StudentFactory

pytestmark = pytest.mark.django_db

MARK = reverse("attendance:mark-present")


def body(section, day, *exceptions, session=None):
    return {"sectionId": section, "date": day.isoformat(), "sessionNumber": session, "exceptions": list(exceptions)}


def seed_marks(section, students, days):
    for index, day in enumerate(days[:3]):
        services.attendance_mark_section(scope=SYSTEM, section_id=section, day=day, marked_by_id=None, exceptions=[
            services.ExceptionRow(student_id=students[index].pk, status="ABSENT")])


# --- mark-present ----------------------------------------------------------------------------


def test_teacher_marks_own_section(client_for, teacher, section, students, days):
    response = client_for(teacher).post(MARK, body(section, days[-1], {"studentId": students[0].pk, "status": "ABSENT"},
                                                   {"studentId": students[1].pk, "status": "LATE",
                                                    "arrivalTime": "08:17"}), format="json")

    assert response.status_code == 200, response.json()
    assert response.json() | {"alerts": []} == {
        "sectionId": section, "date": days[-1].isoformat(), "sessionNumber": None, "total": 5, "present": 3,
        "absent": 1, "late": 1, "excused": 0, "isUpdate": False, "alerts": []}
    assert AttendanceRecord.objects.filter(marked_by_id=teacher.pk).count() == 5


@pytest.mark.parametrize("who", ["director", "auxiliary"])
def test_academic_staff_and_auxiliaries_mark_any_section(request, client_for, section, days, who):
    user = request.getfixturevalue(who)
    assert client_for(user).post(MARK, body(section, days[-1]), format="json").status_code == 200


def test_other_teacher_parent_student_and_anonymous_cannot_mark(client_for, api_client, other_teacher, section,
                                                                students, days, guardian_link):
    response = client_for(other_teacher).post(MARK, body(section, days[-1]), format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_your_section"
    assert client_for(guardian_link.guardian).post(MARK, body(section, days[-1]), format="json").status_code == 403
    assert client_for(students[0]).post(MARK, body(section, days[-1]), format="json").status_code == 403
    assert client_for(PsychologistFactory()).post(MARK, body(section, days[-1]), format="json").status_code == 403
    assert api_client.post(MARK, body(section, days[-1]), format="json").status_code in (401, 403)
    assert not AttendanceRecord.objects.exists()


def test_bad_rows_answer_400_with_rows_and_save_nothing(client_for, teacher, section, students, days):
    response = client_for(teacher).post(MARK, body(section, days[-1], {"studentId": students[0].pk, "status": "ABSENT"},
                                                   {"studentId": students[1].pk, "status": "SICK"}), format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_attendance"
    assert [(r["index"], r["studentId"]) for r in error["details"]["rows"]] == [(1, students[1].pk)]
    assert not AttendanceRecord.objects.exists()

    response = client_for(teacher).post(MARK, body(section, days[-1], {"studentId": 987654, "status": "ABSENT"}),
                                        format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["rows"][0]["studentId"] == 987654
    assert not AttendanceRecord.objects.exists()


def test_future_date_and_malformed_body_are_400(client_for, director, section, days):
    future = timezone.localdate() + timedelta(days=2)
    response = client_for(director).post(MARK, body(section, future), format="json")
    assert response.status_code == 400 and "date" in response.json()["error"]["details"]["fields"]
    response = client_for(director).post(MARK, {"sectionId": "x", "date": "yesterday"}, format="json")
    assert response.status_code == 400
    assert {"sectionId", "date"} <= set(response.json()["error"]["details"]["fields"])
    assert not AttendanceRecord.objects.exists()


def test_unknown_section_is_404_for_staff(client_for, director, school, days):
    response = client_for(director).post(MARK, body(4040, days[-1]), format="json")
    assert response.status_code == 404


def test_remarking_over_http_updates_in_place(client_for, teacher, section, students, days):
    client = client_for(teacher)
    client.post(MARK, body(section, days[-1], {"studentId": students[0].pk, "status": "ABSENT"}), format="json")

    response = client.post(MARK, body(section, days[-1]), format="json")

    assert response.json()["isUpdate"] is True and response.json()["present"] == 5
    assert AttendanceRecord.objects.count() == 5


def _queries_to_mark(client, school, section_id, size, day):
    roster = [s.pk for s in StudentFactory.create_batch(size)]
    school.add_section(section_id, roster)
    exceptions = [{"studentId": roster[0], "status": "ABSENT"}, {"studentId": roster[1], "status": "LATE"},
                  {"studentId": roster[2], "status": "EXCUSED"}]
    with CaptureQueriesContext(connection) as first:
        assert client.post(MARK, body(section_id, day, *exceptions), format="json").status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.post(MARK, body(section_id, day, *exceptions), format="json").status_code == 200
    return len(first), len(again)


def test_marking_runs_a_constant_number_of_queries(client_for, director, school, days):
    client = client_for(director)
    small = _queries_to_mark(client, school, 21, 10, days[-1])
    large = _queries_to_mark(client, school, 22, 40, days[-1])

    assert small == large
    assert large[0] <= 21  # incl. the pending-delivery row written with the outbox row (events.sweeper)


# --- section day sheet -------------------------------------------------------------------------


def test_section_day_sheet(client_for, teacher, section, students, days):
    seed_marks(section, students, days)
    url = reverse("attendance:section-day", args=[section, days[0].isoformat()])

    response = client_for(teacher).get(url)

    assert response.status_code == 200
    data = response.json()
    assert data["marked"] is True and data["counts"]["ABSENT"] == 1 and data["counts"]["PRESENT"] == 4
    row = next(r for r in data["students"] if r["studentId"] == students[0].pk)
    assert row["status"] == "ABSENT" and row["studentCode"] == students[0].code
    unmarked = client_for(teacher).get(reverse("attendance:section-day", args=[section, days[-1].isoformat()]))
    assert unmarked.json()["counts"]["UNMARKED"] == 5 and unmarked.json()["marked"] is False


def test_section_day_sheet_scope(client_for, other_teacher, director, section, students, days, guardian_link):
    url = reverse("attendance:section-day", args=[section, days[0].isoformat()])
    assert client_for(director).get(url).status_code == 200
    assert client_for(other_teacher).get(url).status_code == 404
    assert client_for(guardian_link.guardian).get(url).status_code == 404
    assert client_for(students[0]).get(url).status_code == 404
    bad = client_for(director).get(reverse("attendance:section-day", args=[section, "2026-13-45"]))
    assert bad.status_code == 400


# --- student summary -------------------------------------------------------------------------------


def test_summary_counts_rates_and_streaks(client_for, director, school, section, students, days):
    kid = students[0].pk
    for day, status in zip(days[:6], ["PRESENT", "ABSENT", "ABSENT", "LATE", "ABSENT", "ABSENT"], strict=True):
        rows = [] if status == "PRESENT" else [services.ExceptionRow(student_id=kid, status=status)]
        services.attendance_mark_section(scope=SYSTEM, section_id=section, day=day, marked_by_id=None, exceptions=rows)

    response = client_for(director).get(reverse("attendance:student-summary", args=[kid]))

    assert response.status_code == 200
    data = response.json()
    current = next(p for p in data["periods"] if p["periodId"] == 12)
    assert (current["schoolDays"], current["present"], current["absent"], current["late"]) == (6, 1, 4, 1)
    assert current["attendanceRate"] == "33.3" and current["absenceRate"] == "66.7"
    assert data["currentAbsenceStreak"] == 2 and data["longestAbsenceStreak"] == 2
    only = client_for(director).get(reverse("attendance:student-summary", args=[kid]), {"periodId": 11}).json()
    assert [p["periodId"] for p in only["periods"]] == [11] and only["periods"][0]["schoolDays"] == 0
    assert client_for(director).get(reverse("attendance:student-summary", args=[kid]),
                                    {"periodId": 999}).status_code == 404


def test_summary_scope(client_for, teacher, other_teacher, section, students, guardian_link):
    url = reverse("attendance:student-summary", args=[students[0].pk])
    assert client_for(guardian_link.guardian).get(url).status_code == 200
    assert client_for(students[0]).get(url).status_code == 200
    assert client_for(teacher).get(url).status_code == 200
    assert client_for(other_teacher).get(url).status_code == 404
    assert client_for(students[1]).get(url).status_code == 404
    assert client_for(GuardianFactory()).get(url).status_code == 404


# --- records list -------------------------------------------------------------------------------


def test_records_list_scope_and_filters(client_for, director, teacher, other_teacher, section, students, days,
                                        guardian_link):
    seed_marks(section, students, days)
    url = reverse("attendance:records")

    assert client_for(director).get(url).json()["count"] == 15
    assert client_for(director).get(url, {"status": "ABSENT"}).json()["count"] == 3
    assert client_for(director).get(url, {"date": days[0].isoformat()}).json()["count"] == 5
    assert client_for(teacher).get(url).json()["count"] == 15
    assert client_for(other_teacher).get(url).json()["count"] == 0
    mine = client_for(guardian_link.guardian).get(url).json()
    assert mine["count"] == 3 and {r["studentId"] for r in mine["results"]} == {students[0].pk}
    assert client_for(students[1]).get(url, {"status": "ABSENT"}).json()["count"] == 1


@pytest.mark.parametrize("page_size", [2, 20])
def test_lists_run_bounded_queries(client_for, director, section, students, days, guardian_link,
                                   django_assert_max_num_queries, page_size):
    seed_marks(section, students, days)
    services.justification_submit(scope=SYSTEM, guardian_id=guardian_link.guardian_id, student_id=students[0].pk,
                                  start_date=days[0], end_date=days[0], reason="x")
    client = client_for(director)
    for name in ("attendance:records", "attendance:justifications", "attendance:alerts"):
        with django_assert_max_num_queries(6):
            response = client.get(reverse(name), {"page_size": page_size})
        assert response.status_code == 200


# --- justifications -------------------------------------------------------------------------------


def test_justification_flow_over_http(client_for, director, section, students, days, guardian_link):
    seed_marks(section, students, days)
    guardian = client_for(guardian_link.guardian)
    response = guardian.post(reverse("attendance:justifications"), {
        "studentId": students[0].pk, "startDate": days[0].isoformat(), "endDate": days[0].isoformat(),
        "reason": "Fiebre", "attachmentReference": "https://docs.example/c.pdf"}, format="json")
    assert response.status_code == 201, response.json()
    justification_id = response.json()["id"]
    assert guardian.get(reverse("attendance:justifications")).json()["count"] == 1

    approve = reverse("attendance:justification-approve", args=[justification_id])
    assert guardian.post(approve, {}, format="json").status_code == 403
    response = client_for(director).post(approve, {"note": "OK"}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "APPROVED"
    assert response.json()["excusedRecords"] == 1
    assert AttendanceRecord.objects.get(student_id=students[0].pk, date=days[0]).status == "EXCUSED"
    again = client_for(director).post(approve, {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "justification_already_reviewed"
    detail = reverse("attendance:justification-detail", args=[justification_id])
    assert guardian.get(detail).status_code == 200
    assert client_for(students[1]).get(detail).status_code == 404


def test_justification_submit_permissions(client_for, director, teacher, section, students, days, guardian_link):
    seed_marks(section, students, days)
    url = reverse("attendance:justifications")
    payload = {"studentId": students[1].pk, "startDate": days[1].isoformat(), "endDate": days[1].isoformat(),
               "reason": "x"}
    response = client_for(guardian_link.guardian).post(url, payload, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_guardian_of_student"
    assert client_for(teacher).post(url, payload, format="json").status_code == 403
    assert client_for(director).post(url, payload, format="json").status_code == 403
    assert client_for(students[1]).post(url, payload, format="json").status_code == 403
    bad = client_for(guardian_link.guardian).post(url, {"studentId": students[0].pk}, format="json")
    assert bad.status_code == 400
    assert not Justification.objects.exists()


def test_reject_over_http_and_reviewers(client_for, auxiliary, teacher, section, students, days, guardian_link):
    seed_marks(section, students, days)
    justification = services.justification_submit(scope=SYSTEM, guardian_id=guardian_link.guardian_id, student_id=students[0].pk,
                                                  start_date=days[0], end_date=days[0], reason="x")
    reject = reverse("attendance:justification-reject", args=[justification.pk])
    assert client_for(teacher).post(reject, {"note": "no"}, format="json").status_code == 403
    assert client_for(auxiliary).post(reject, {}, format="json").status_code == 400
    response = client_for(auxiliary).post(reject, {"note": "Sin certificado"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "REJECTED"
    assert client_for(auxiliary).post(reverse("attendance:justification-reject", args=[9999]), {"note": "x"},
                                      format="json").status_code == 404


def test_justification_list_filters(client_for, director, section, students, days, guardian_link):
    seed_marks(section, students, days)
    services.justification_submit(scope=SYSTEM, guardian_id=guardian_link.guardian_id, student_id=students[0].pk,
                                  start_date=days[0], end_date=days[0], reason="x")
    url = reverse("attendance:justifications")
    assert client_for(director).get(url, {"status": "PENDING"}).json()["count"] == 1
    assert client_for(director).get(url, {"status": "APPROVED"}).json()["count"] == 0
    assert client_for(director).get(url, {"studentId": students[1].pk}).json()["count"] == 0
    assert client_for(director).get(url, {"sectionId": section}).json()["count"] == 1
    assert client_for(GuardianFactory()).get(url).json()["count"] == 0


# --- alerts ------------------------------------------------------------------------------------------


def test_alerts_list_scope(client_for, director, other_teacher, school, section, students, days, guardian_link):
    school.absence_rate_percent = 0
    for day in days[:3]:
        services.attendance_mark_section(scope=SYSTEM, section_id=section, day=day, marked_by_id=None, exceptions=[
            services.ExceptionRow(student_id=students[0].pk, status="ABSENT")])
    assert PatternAlert.objects.count() == 1
    url = reverse("attendance:alerts")
    data = client_for(director).get(url, {"pattern": "CONSECUTIVE_ABSENCES"}).json()
    assert data["count"] == 1 and data["results"][0]["studentId"] == students[0].pk
    assert client_for(guardian_link.guardian).get(url).json()["count"] == 1
    assert client_for(other_teacher).get(url).json()["count"] == 0
    assert client_for(students[1]).get(url).json()["count"] == 0


def test_openapi_lists_attendance_endpoints(client_for, director):
    schema = client_for(director).get("/api/schema/", {"format": "json"}).json()
    paths = set(schema["paths"])
    assert {"/api/v1/attendance/mark-present", "/api/v1/attendance/student/{student_id}/summary",
            "/api/v1/attendance/sections/{section_id}/day/{day}", "/api/v1/attendance/justifications"} <= paths


def test_every_endpoint_refuses_anonymous_and_unprivileged_callers(api_client, client_for, section, students, days):
    day = days[0].isoformat()
    urls = [("post", MARK), ("get", reverse("attendance:section-day", args=[section, day])),
            ("get", reverse("attendance:student-summary", args=[students[0].pk])),
            ("get", reverse("attendance:records")), ("get", reverse("attendance:justifications")),
            ("post", reverse("attendance:justifications")), ("get", reverse("attendance:justification-detail", args=[1])),
            ("post", reverse("attendance:justification-approve", args=[1])),
            ("post", reverse("attendance:justification-reject", args=[1])), ("get", reverse("attendance:alerts"))]
    psychologist = client_for(PsychologistFactory())  # no attendance permission at all
    for method, url in urls:
        assert getattr(api_client, method)(url, {}, format="json").status_code in (401, 403), url
        assert getattr(psychologist, method)(url, {}, format="json").status_code == 403, url
