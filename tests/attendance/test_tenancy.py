"""Tenancy of the attendance API: school A's people, given school B's ids in the path, the query or the
body, get a 404 (or an A-only list) and nothing of B changes; network staff and superusers reach both.

School A is the fixture's school (institution 1, section 1); school B (institution 2) has section 2,
its own students, period 21, marked days, an alert and a pending justification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.attendance import contracts, services
from apps.attendance.models import AttendanceRecord, Justification, PatternAlert
from apps.institution import contracts as institution_contracts
from common.errors import NotFound
from common.tenancy import SYSTEM, Scope
from tests.attendance.people import StaffFactory
from tests.users import factories as users

pytestmark = pytest.mark.django_db

SCHOOL_B = 2
SECTION_B = 2
PERIOD_B = 21


def _fingerprint():
    """Every B row, as values: what must not change."""
    return (
        sorted(AttendanceRecord.objects.filter(institution_id=SCHOOL_B).values_list(
            "id", "student_id", "section_id", "status", "note", "updated_at")),
        sorted(Justification.objects.filter(institution_id=SCHOOL_B).values_list(
            "id", "status", "reviewed_by_id", "review_note")),
        sorted(PatternAlert.objects.filter(institution_id=SCHOOL_B).values_list("id", "student_id")),
    )


@pytest.fixture
def school_b(school, section, days):
    """School B beside the fixture's school A (section 1 is marked on the last day, student 0 absent)."""
    today = timezone.localdate()
    students = [users.StudentFactory(institution_id=SCHOOL_B) for _ in range(3)]
    guardian = users.GuardianFactory(institution_id=SCHOOL_B)
    users.GuardianLinkFactory(student=students[0], guardian=guardian)
    school.add_section(SECTION_B, [s.pk for s in students], institution_id=SCHOOL_B)
    school.periods.append(institution_contracts.PeriodDTO(
        id=PERIOD_B, year=today.year, number=2, name="ZZB Bimestre", start_date=today - timedelta(days=100),
        end_date=today + timedelta(days=30), institution_id=SCHOOL_B, calendar_year_id=2))
    school.consecutive_absences = 3
    for day in days[-3:]:
        services.attendance_mark_section(scope=SYSTEM, section_id=SECTION_B, day=day, marked_by_id=None, exceptions=[
            services.ExceptionRow(student_id=students[0].pk, status="ABSENT", note="ZZB")])
    justification = services.justification_submit(
        scope=Scope.school(SCHOOL_B), guardian_id=guardian.pk, student_id=students[0].pk, start_date=days[-1],
        end_date=days[-1], reason="ZZB reason")
    services.attendance_mark_section(scope=SYSTEM, section_id=section, day=days[-1], marked_by_id=None, exceptions=[])
    assert PatternAlert.objects.filter(institution_id=SCHOOL_B).exists()
    return {"students": students, "guardian": guardian, "justification": justification}


@pytest.fixture
def a_people(teacher, director, auxiliary, students, guardian_link):
    return {"teacher": teacher, "director": director, "auxiliary": auxiliary,
            "secretary": StaffFactory(user_type="SECRETARY"), "guardian": guardian_link.guardian,
            "student": students[0]}


READERS = ["teacher", "director", "auxiliary", "secretary", "guardian", "student"]


@pytest.mark.parametrize("who", ["teacher", "director", "auxiliary"])
def test_marking_another_schools_section_is_404_and_marks_nothing(client_for, school_b, a_people, days, who):
    before = _fingerprint()
    response = client_for(a_people[who]).post("/api/v1/attendance/mark-present", {
        "sectionId": SECTION_B, "date": days[-2].isoformat(), "sessionNumber": None,
        "exceptions": [{"studentId": school_b["students"][1].pk, "status": "ABSENT"}]}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "section_not_found"
    assert _fingerprint() == before


@pytest.mark.parametrize("who", READERS)
def test_another_schools_day_sheet_is_404(client_for, school_b, a_people, days, who):
    response = client_for(a_people[who]).get(f"/api/v1/attendance/sections/{SECTION_B}/day/{days[-1].isoformat()}")
    assert response.status_code == 404
    assert "ZZB" not in response.content.decode()


@pytest.mark.parametrize("who", ["director", "secretary", "guardian", "student"])
def test_a_foreign_period_in_the_summary_is_404_not_data(client_for, school_b, a_people, students, who):
    response = client_for(a_people[who]).get(f"/api/v1/attendance/student/{students[0].pk}/summary",
                                             {"periodId": PERIOD_B})
    assert response.status_code == 404 and response.json()["error"]["code"] == "period_not_found"
    assert "ZZB" not in response.content.decode()


def test_another_schools_student_summary_is_404(client_for, school_b, a_people):
    response = client_for(a_people["director"]).get(f"/api/v1/attendance/student/{school_b['students'][0].pk}/summary")
    assert response.status_code == 404


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize("path", ["records", "justifications", "alerts"])
def test_lists_hold_only_the_callers_school(client_for, school_b, a_people, who, path):
    response = client_for(a_people[who]).get(f"/api/v1/attendance/{path}", {"page_size": 200})
    assert response.status_code == 200
    assert all(row["sectionId"] != SECTION_B for row in response.json()["results"])
    assert "ZZB" not in response.content.decode()


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize(("path", "param", "code"), [
    ("records", "sectionId", "section_not_found"), ("records", "studentId", "student_not_found"),
    ("justifications", "sectionId", "section_not_found"), ("justifications", "studentId", "student_not_found"),
    ("alerts", "sectionId", "section_not_found"), ("alerts", "studentId", "student_not_found"),
    ("alerts", "periodId", "period_not_found"),
])
def test_list_filters_naming_another_schools_ids_are_404(client_for, school_b, a_people, who, path, param, code):
    foreign = {"sectionId": SECTION_B, "studentId": school_b["students"][0].pk, "periodId": PERIOD_B}[param]
    response = client_for(a_people[who]).get(f"/api/v1/attendance/{path}", {param: foreign})
    assert response.status_code == 404 and response.json()["error"]["code"] == code
    assert "ZZB" not in response.content.decode()


def test_list_filters_naming_the_callers_own_ids_still_filter(client_for, school_b, a_people, section, students):
    client = client_for(a_people["director"])
    rows = client.get("/api/v1/attendance/records", {"sectionId": section, "studentId": students[1].pk}).json()
    assert rows["count"] >= 1 and {r["studentId"] for r in rows["results"]} == {students[1].pk}


@pytest.mark.parametrize("who", READERS)
def test_another_schools_justification_is_404(client_for, school_b, a_people, who):
    response = client_for(a_people[who]).get(f"/api/v1/attendance/justifications/{school_b['justification'].pk}")
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["director", "auxiliary", "secretary"])
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_reviewing_another_schools_justification_is_404_and_changes_nothing(client_for, school_b, a_people, who,
                                                                             action):
    before = _fingerprint()
    response = client_for(a_people[who]).post(
        f"/api/v1/attendance/justifications/{school_b['justification'].pk}/{action}", {"note": "no"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "justification_not_found"
    assert _fingerprint() == before


def test_a_guardian_cannot_justify_absences_through_another_school(client_for, school_b, guardian_link, days):
    before = _fingerprint()
    response = client_for(guardian_link.guardian).post("/api/v1/attendance/justifications", {
        "studentId": school_b["students"][0].pk, "startDate": days[-3].isoformat(), "endDate": days[-1].isoformat(),
        "reason": "x"}, format="json")
    assert response.status_code in (403, 404)
    assert _fingerprint() == before


@pytest.mark.parametrize("network", ["network_staff", "superuser"])
def test_network_staff_and_superusers_reach_both_schools(client_for, school_b, section, days, network):
    user = (users.StaffFactory(user_type="DIRECTOR", institution_id=None) if network == "network_staff"
            else users.StaffFactory(user_type="ADMIN", institution_id=1, is_superuser=True))
    client = client_for(user)
    for section_id in (section, SECTION_B):
        assert client.get(f"/api/v1/attendance/sections/{section_id}/day/{days[-1].isoformat()}").status_code == 200
    sections = {row["sectionId"] for row in client.get("/api/v1/attendance/records", {"page_size": 200}).json()["results"]}
    assert sections == {section, SECTION_B}
    response = client.post(f"/api/v1/attendance/justifications/{school_b['justification'].pk}/approve",
                           {"note": "ok"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "APPROVED"


def test_contracts_with_a_school_scope_refuse_another_schools_section_and_enrollment(school, school_b, section,
                                                                                     students):
    school.add_enrollment(900, school_b["students"][1].pk, SECTION_B)
    scope_a = Scope.school(school.institution_id)
    with pytest.raises(NotFound):
        contracts.initialize_attendance(scope=scope_a, enrollment_id=900, student_id=school_b["students"][1].pk,
                                        section_id=SECTION_B)
    with pytest.raises(NotFound):
        contracts.delete_attendance_records(scope=scope_a, enrollment_id=900)
    with pytest.raises(NotFound):
        contracts.has_attendance_record(scope=scope_a, enrollment_id=900)
    # B's own scope and the system reach it
    assert contracts.initialize_attendance(scope=Scope.school(SCHOOL_B), enrollment_id=900,
                                           student_id=school_b["students"][1].pk, section_id=SECTION_B) is True
    assert contracts.has_attendance_record(scope=SYSTEM, enrollment_id=900) is True
