"""The saga's grade steps over HTTP (ninja): service token or enrollment.manage only."""

import pytest
from rest_framework.test import APIClient

from apps.auth.contracts import principal_of
from apps.auth.tokens import issue_pair
from apps.grades.models import GradeRecord
from apps.users.models import UserType
from tests.grades.people import StaffFactory, TeacherFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/grades/integration/grade-records"


def _bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_pair(principal_of(user)).access}")
    return client


@pytest.fixture
def section(school):
    section = school.add_section()
    school.add_course(section)
    school.add_course(section, "Ciencia")
    school.add_period(1)
    school.add_period(2)
    return section


def test_service_initializes_counts_and_compensates(section, settings):
    client = APIClient(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN)
    body = {"enrollmentId": 70, "studentId": 71, "sectionId": section}
    assert client.post(URL, body, format="json").json() == {"created": 4, "total": 4}
    assert client.post(URL, body, format="json").json() == {"created": 0, "total": 4}
    assert client.get(f"{URL}/70/count").json() == {"count": 4}
    assert client.delete(f"{URL}/70").json() == {"deleted": 4}
    assert not GradeRecord.objects.exists()


def test_unknown_section_is_404(section, settings):
    client = APIClient(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN)
    response = client.post(URL, {"enrollmentId": 70, "studentId": 71, "sectionId": 999999}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "section_not_found"


def test_who_may_call(school, section):
    enrollment_id = school.add_enrollment(73, section)
    body = {"enrollmentId": enrollment_id, "studentId": 73, "sectionId": section}
    assert APIClient().post(URL, body, format="json").status_code == 401
    assert APIClient(HTTP_X_SERVICE_TOKEN="wrong").post(URL, body, format="json").status_code == 401
    assert _bearer(TeacherFactory()).post(URL, body, format="json").status_code == 403
    assert _bearer(TeacherFactory()).delete(f"{URL}/{enrollment_id}").status_code == 403
    assert not GradeRecord.objects.exists()
    assert _bearer(StaffFactory(user_type=UserType.SECRETARY)).post(URL, body, format="json").status_code == 200
