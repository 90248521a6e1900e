"""Staff UI: the academic admin pages render and keep enrollment history read-only."""

from __future__ import annotations

import pytest

from tests.academic.factories import EnrollmentFactory
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["academicyear", "gradelevel", "course", "curriculumentry", "section", "enrollment"])
def test_changelists_render(school, admin_client, model):
    EnrollmentFactory(section=school.s5a, student_id=school.students[0].pk)
    response = admin_client.get(f"/admin/academic/{model}/", {"q": "2026"})
    assert response.status_code == 200


def test_section_page_shows_roster_and_enrollment_is_read_only(school, admin_client):
    enrollment = EnrollmentFactory(section=school.s5a, student_id=school.students[0].pk)
    page = admin_client.get(f"/admin/academic/section/{school.s5a.pk}/change/")
    assert page.status_code == 200 and enrollment.code.encode() in page.content
    assert admin_client.get("/admin/academic/enrollment/add/").status_code == 403
    admin_client.post(f"/admin/academic/enrollment/{enrollment.pk}/change/",
                      {"promotion_decision": "REPEATS", "status": "CANCELLED", "student_id": 1})
    enrollment.refresh_from_db()
    assert (enrollment.promotion_decision, enrollment.status, enrollment.student_id) == (
        "REPEATS", "ACTIVE", school.students[0].pk)
