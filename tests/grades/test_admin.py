"""The staff UI: every grades page renders with its filters; history cannot be edited."""

import pytest
from django.urls import reverse

from apps.grades import services
from apps.grades.models import GradeEntry, GradeHistory
from common.tenancy import SYSTEM
from tests.grades.conftest import component_ids, make_plan
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db

MODELS = ("evaluationplan", "graderecord", "gradeentry", "gradehistory", "competencyevaluation", "periodclosure",
          "performancealert")


@pytest.fixture
def graded(school):
    section = school.add_section()
    course = school.add_course(section)
    period = school.add_period(1)
    school.enroll(301, section)
    plan = make_plan(course, period, [("Examen", "EXAM", 100)])
    entry = services.grade_record(scope=SYSTEM, actor=None, student_id=301, component_id=component_ids(plan)[0], value="8")
    services.period_average_calculate(scope=SYSTEM, actor=None, student_id=301, course_id=course, period_id=period)
    services.period_close(scope=SYSTEM, actor=None, period_id=period)
    return {"plan": plan, "entry": entry, "period": period, "section": section}


def test_admin_pages_render(client, graded):
    client.force_login(StaffFactory(is_superuser=True))
    for model in MODELS:
        url = reverse(f"admin:grades_{model}_changelist")
        assert client.get(url).status_code == 200, model
    filtered = client.get(reverse("admin:grades_graderecord_changelist"),
                          {"period_id": graded["period"], "section_id": graded["section"]})
    assert filtered.status_code == 200
    assert client.get(reverse("admin:grades_evaluationplan_change", args=[graded["plan"].pk])).status_code == 200
    assert client.get(reverse("admin:grades_gradeentry_change", args=[graded["entry"].pk])).status_code == 200


def test_history_is_read_only_in_admin(client, graded):
    client.force_login(StaffFactory(is_superuser=True))
    history = GradeHistory.objects.get()
    url = reverse("admin:grades_gradehistory_change", args=[history.pk])
    client.post(url, {"new_value": "20", "reason": "tampered"})
    history.refresh_from_db()
    assert (history.new_value, history.reason) == ("8", "")
    assert client.post(reverse("admin:grades_gradeentry_delete", args=[graded["entry"].pk]),
                       {"post": "yes"}).status_code == 403
    assert GradeEntry.objects.count() == 1


def test_grade_record_list_links_to_the_report_card(client, graded):
    client.force_login(StaffFactory(is_superuser=True))
    page = client.get(reverse("admin:grades_graderecord_changelist")).content.decode()
    assert f"/api/v1/grades/student/301/period/{graded['period']}/report-card" in page
    card = client.get(f"/api/v1/grades/student/301/period/{graded['period']}/report-card")  # session auth
    assert card.status_code == 200
