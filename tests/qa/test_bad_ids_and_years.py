"""Out-of-range ids and years are refused cleanly (400/422 with the error body), never a 500."""

from __future__ import annotations

import pytest

from apps.institution import services as institution_services
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def director(db):
    school = institution_services.institution_create(code="IE-QA", name="I.E. QA")
    return StaffFactory(user_type="DIRECTOR", institution_id=school.pk)


@pytest.mark.parametrize("year", ["0", "10000", "\u00b2", "-1", "2026.5"])
def test_holidays_refuse_a_year_that_is_not_a_calendar_year(client_for, director, year):
    response = client_for(director).get("/api/v1/institution/academic-calendar/holidays", {"year": year})
    assert response.status_code == 400
    assert "year" in response.json()["error"]["details"]["fields"]


def test_holidays_accept_a_calendar_year(client_for, director):
    response = client_for(director).get("/api/v1/institution/academic-calendar/holidays", {"year": "2026"})
    assert response.status_code == 200


def test_users_filter_refuses_an_out_of_range_institution(client_for, director):
    response = client_for(director).get("/api/v1/users/", {"institution": "1e300"})
    assert response.status_code == 400
    assert "institution" in response.json()["error"]["details"]["fields"]


def test_bulk_validate_refuses_ids_beyond_a_bigint(client_for, director):
    response = client_for(director).post("/api/v1/users/bulk-validate", {"user_ids": [7 * 10**29]}, format="json")
    assert response.status_code == 400
    assert "user_ids" in response.json()["error"]["details"]["fields"]


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/auth/check-permission", {"userId": 10**25, "permission": "grades.record"}),
    ("/api/v1/grades/integration/grade-records", {"enrollmentId": 10**25, "studentId": 1, "sectionId": 1}),
])
def test_integration_endpoints_refuse_ids_beyond_a_bigint(client, settings, path, body):
    response = client.post(path, body, content_type="application/json", HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN)
    assert response.status_code in (400, 422), response.content[:300]
    assert "error" in response.json()


def test_grade_records_cannot_be_added_by_hand_in_the_admin(client):
    client.force_login(StaffFactory(is_superuser=True))
    assert client.get("/admin/grades/graderecord/add/").status_code == 403
    assert client.get("/admin/grades/graderecord/").status_code == 200
