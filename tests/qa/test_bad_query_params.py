"""Bad query-string values on list/read endpoints are a 400 with the `{"error": ...}` body, never a
500 — the cases schemathesis found (a float or a 1e293 id reached the database; a Decimal could
not be put in a JSON lookup; Unicode digits passed `str.isdigit()` and broke `int()`)."""

from __future__ import annotations

import pytest

from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db

BAD = [
    ("/api/v1/academic/sections", "academic_year", "-2.9277229412095323e+293"),
    ("/api/v1/academic/sections", "tutor", "0.5"),
    ("/api/v1/academic/sections", "year", "99999999"),
    ("/api/v1/academic/courses", "grade_level", "1e300"),
    ("/api/v1/academic/curriculum", "academic_year", "99999999999999999999"),
    ("/api/v1/academic/years", "year", "-1"),
    ("/api/v1/academic/enrollments/sagas/", "student_id", "0.0"),
    ("/api/v1/academic/enrollments/sagas/", "section_id", "abc"),
    ("/api/v1/attendance/records", "studentId", "1e300"),
    ("/api/v1/attendance/records", "sessionNumber", "99999999"),
    ("/api/v1/attendance/justifications", "sectionId", "0"),
    ("/api/v1/attendance/alerts", "periodId", "1.5"),
    ("/api/v1/attendance/student/1/summary", "periodId", "\u00b2"),
    ("/api/v1/attendance/student/1/summary", "periodId", "9" * 5000),
    ("/api/v1/attendance/sections/1/day/2026-04-14", "sessionNumber", "\u0663"),
    ("/api/v1/assignments/", "section_id", "99999999999999999999"),
    ("/api/v1/assignments/schedule-blocks/", "teacher_id", "-3"),
]


@pytest.mark.parametrize(("path", "name", "value"), BAD)
def test_a_bad_query_value_is_a_400_naming_the_parameter(client_for, path, name, value):
    admin = StaffFactory(is_superuser=True)

    response = client_for(admin).get(path, {name: value})

    assert response.status_code == 400, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert name in error["details"]["fields"]


@pytest.mark.parametrize(("path", "name", "value"), [
    ("/api/v1/academic/sections", "academic_year", "1"),
    ("/api/v1/academic/years", "year", "2026"),
    ("/api/v1/academic/enrollments/sagas/", "student_id", "5"),
    ("/api/v1/attendance/records", "sessionNumber", "2"),
    ("/api/v1/attendance/student/1/summary", "periodId", "3"),
    ("/api/v1/assignments/", "section_id", "7"),
])
def test_a_good_query_value_is_still_accepted(client_for, path, name, value):
    admin = StaffFactory(is_superuser=True)

    response = client_for(admin).get(path, {name: value})

    assert response.status_code in (200, 404), (response.status_code, response.content[:300])
    if response.status_code == 404:  # a missing object, not a rejected parameter
        assert response.json()["error"]["code"].endswith("not_found")


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/notifications/notify-guardians",
     {"studentId": 4030597611430794938548224, "templateKey": "absence_alert", "idempotencyKey": "k-1"}),
    ("/api/v1/assignments/validate-availability",
     {"teacherId": 2**63, "sectionId": 1, "academicYearId": 1, "dayOfWeek": 1, "startTime": "08:00",
      "endTime": "09:00"}),
])
def test_an_integration_id_beyond_bigint_is_a_422_not_a_500(client, settings, path, body):
    response = client.post(path, body, content_type="application/json",
                           headers={"X-Service-Token": settings.SERVICE_TOKEN})

    assert response.status_code in (400, 422), (response.status_code, response.content[:300])
    assert "error" in response.json()
