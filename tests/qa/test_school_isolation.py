"""A network of schools: staff act within their own school. A director of one school can neither
read nor write the students and sections of another (real contexts, no fakes)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from apps.enrollment import services as enrollment
from common.tenancy import SYSTEM
from tests.enrollment.conftest import YEAR, build_school
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_schools(django_capture_on_commit_callbacks):
    schools = []
    for capacity in (30, 31):  # build_school names the institution after the capacity
        school = build_school(capacity=capacity)
        student = school.new_student(guardians=0)
        with django_capture_on_commit_callbacks(execute=True):
            enrollment.enrollment_request(scope=SYSTEM, student_id=student.pk, section_id=school.section_id,
                                          enrollment_date=date(YEAR, 3, 2))
        schools.append((school, student, StaffFactory(user_type="DIRECTOR", institution_id=school.institution_id)))
    return schools


def test_a_director_reads_attendance_and_grades_of_their_own_school_only(two_schools, client_for):
    (school_a, student_a, director_a), (school_b, student_b, _) = two_schools
    client = client_for(director_a)
    assert client.get(f"/api/v1/attendance/student/{student_a.pk}/summary").status_code == 200
    assert client.get(f"/api/v1/attendance/student/{student_b.pk}/summary").status_code in (403, 404)
    assert client.get(f"/api/v1/grades/student/{student_a.pk}/period/{school_a.period_ids[0]}").status_code == 200
    assert client.get(f"/api/v1/grades/student/{student_b.pk}/period/{school_b.period_ids[0]}").status_code in (403, 404)


def test_a_director_cannot_mark_another_schools_section(two_schools, client_for):
    (_school_a, _student_a, director_a), (school_b, student_b, _) = two_schools
    day = timezone.localdate()
    while day.weekday() >= 5:  # a school day
        day -= timezone.timedelta(days=1)
    response = client_for(director_a).post("/api/v1/attendance/mark-present", {
        "sectionId": school_b.section_id, "date": day.isoformat(),
        "exceptions": [{"studentId": student_b.pk, "status": "ABSENT"}]}, format="json")
    assert response.status_code in (403, 404)
    from apps.attendance.models import AttendanceRecord

    assert not AttendanceRecord.objects.filter(student_id=student_b.pk).exists()


def test_a_director_reads_the_daily_sheet_of_their_own_schools_sections_only(two_schools, client_for):
    (school_a, _student_a, director_a), (school_b, _student_b, _) = two_schools
    day = timezone.localdate().isoformat()
    client = client_for(director_a)
    assert client.get(f"/api/v1/attendance/sections/{school_a.section_id}/day/{day}").status_code == 200
    assert client.get(f"/api/v1/attendance/sections/{school_b.section_id}/day/{day}").status_code in (403, 404)


def test_a_directors_attendance_lists_hold_their_own_school_only(two_schools, client_for):
    from apps.attendance import services as attendance

    (school_a, student_a, director_a), (school_b, student_b, _) = two_schools
    day = timezone.localdate()
    while day.weekday() >= 5:
        day -= timezone.timedelta(days=1)
    for school, student in ((school_a, student_a), (school_b, student_b)):
        attendance.attendance_mark_section(scope=SYSTEM, section_id=school.section_id, day=day, marked_by_id=None, exceptions=[
            attendance.ExceptionRow(student_id=student.pk, status="ABSENT")])
    rows = client_for(director_a).get("/api/v1/attendance/records", {"page_size": 100}).json()["results"]
    assert rows and {row["sectionId"] if "sectionId" in row else row["section_id"] for row in rows} == {school_a.section_id}
