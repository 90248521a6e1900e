"""Tenancy of the grades API and integration API: school A's people, given school B's ids in the path,
the query or the body, get a 404 (or an A-only list) and nothing of B changes; guardians and students
see only the plans of their (children's) sections; network staff and superusers reach both schools.

School A is the fake school (institution 77); school B is institution 88 of the same fake network."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.auth.contracts import principal_of
from apps.auth.tokens import issue_pair
from apps.grades import contracts, services
from apps.grades.models import (
    CompetencyEvaluation,
    EvaluationComponent,
    EvaluationPlan,
    GradeEntry,
    GradeHistory,
    GradeRecord,
    PerformanceAlert,
    PeriodClosure,
)
from apps.users.models import UserType
from common.errors import NotFound
from common.tenancy import SYSTEM, Scope
from tests.grades.conftest import component_ids, make_plan
from tests.grades.people import GuardianFactory, GuardianLinkFactory, StaffFactory, StudentFactory, TeacherFactory
from tests.users import factories as users

pytestmark = pytest.mark.django_db

BASE = "/api/v1/grades"
INTEGRATION = "/api/v1/grades/integration/grade-records"
SCHOOL_B = 88


def _fingerprint():
    """Every B row of the grades tables, as values: what no A call may change."""
    return (
        sorted(EvaluationPlan.objects.filter(institution_id=SCHOOL_B).values_list("id", "name", "updated_at")),
        sorted(EvaluationComponent.objects.filter(plan__institution_id=SCHOOL_B).values_list("id", "name", "weight")),
        sorted(GradeRecord.objects.filter(institution_id=SCHOOL_B).values_list(
            "id", "average_display", "average_calculated_at")),
        sorted(GradeEntry.objects.filter(record__institution_id=SCHOOL_B).values_list(
            "id", "numeric_value", "updated_at")),
        GradeHistory.objects.filter(entry__record__institution_id=SCHOOL_B).count(),
        sorted(CompetencyEvaluation.objects.filter(record__institution_id=SCHOOL_B).values_list("id", "level")),
        sorted(PeriodClosure.objects.values_list("id", "period_id", "is_closed")),
        PerformanceAlert.objects.filter(institution_id=SCHOOL_B).count(),
    )


@pytest.fixture
def world(school):
    # --- school A ---
    section = school.add_section()
    course = school.add_course(section)
    period = school.add_period(1)
    other_section = school.add_section(name="3B")
    other_course = school.add_course(other_section, "Arte")
    a_students = [StudentFactory() for _ in range(2)]
    for student in a_students:
        school.enroll(student.pk, section)
    plan_a = make_plan(course, period, [("Examen", "EXAM", 60), ("Tareas", "ASSIGNMENT", 40)])
    plan_a_other = make_plan(other_course, period, [("Obra", "PROJECT", 100)], section_id=other_section)
    teacher = TeacherFactory()
    school.assign_teacher(teacher.pk, section, course)
    guardian = GuardianFactory()
    GuardianLinkFactory(student=a_students[0], guardian=guardian)
    # --- school B ---
    section_b = school.add_section(name="ZZB", institution_id=SCHOOL_B)
    course_b = school.add_course(section_b, "ZZB Historia", competencies=("ZZB competencia",))
    period_b = school.add_period(1, institution_id=SCHOOL_B)
    b_students = [users.StudentFactory(institution_id=SCHOOL_B) for _ in range(2)]
    b_enrollment = school.enroll(b_students[0].pk, section_b)
    school.enroll(b_students[1].pk, section_b)
    plan_b = make_plan(course_b, period_b, [("ZZB Examen", "EXAM", 50), ("ZZB Tareas", "ASSIGNMENT", 50)])
    entry_b = services.grade_record(scope=SYSTEM, actor=None, student_id=b_students[0].pk,
                                    component_id=component_ids(plan_b)[0], value="12")
    services.competency_evaluate(scope=SYSTEM, actor=None, student_id=b_students[0].pk, course_id=course_b,
                                 period_id=period_b, competency="ZZB competencia", level="A")
    return {
        "section": section, "course": course, "period": period, "plan": plan_a, "plan_other": plan_a_other,
        "students": a_students, "b_students": b_students, "section_b": section_b, "course_b": course_b,
        "period_b": period_b, "plan_b": plan_b, "components_b": component_ids(plan_b), "entry_b": entry_b,
        "b_enrollment": b_enrollment, "components": component_ids(plan_a),
        "people": {
            "teacher": teacher, "guardian": guardian, "student": a_students[0],
            "director": StaffFactory(user_type=UserType.DIRECTOR), "admin": StaffFactory(user_type=UserType.ADMIN),
            "secretary": StaffFactory(user_type=UserType.SECRETARY),
        },
    }


READERS = ["teacher", "director", "admin", "secretary", "guardian", "student"]
WRITERS = ["teacher", "director", "admin"]


def _no_b(response):
    assert "ZZB" not in response.content.decode(), response.content


# --- evaluation plans --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_plan_lists_hold_only_the_callers_school(client_for, world, who):
    response = client_for(world["people"][who]).get(f"{BASE}/evaluation-plans/", {"page_size": 100})
    assert response.status_code == 200
    assert world["plan_b"].pk not in {row["id"] for row in response.json()["results"]}
    _no_b(response)


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize(("param", "key", "code"), [("courseId", "course_b", "course_not_found"),
                                                    ("periodId", "period_b", "period_not_found"),
                                                    ("sectionId", "section_b", "section_not_found")])
def test_plan_list_filters_naming_another_schools_ids_are_404(client_for, world, who, param, key, code):
    response = client_for(world["people"][who]).get(f"{BASE}/evaluation-plans/", {param: world[key]})
    assert response.status_code == 404 and response.json()["error"]["code"] == code
    _no_b(response)


@pytest.mark.parametrize("who", ["guardian", "student"])
def test_families_see_only_the_plans_of_their_childrens_sections(client_for, world, who):
    client = client_for(world["people"][who])
    listed = {row["id"] for row in client.get(f"{BASE}/evaluation-plans/", {"page_size": 100}).json()["results"]}
    assert listed == {world["plan"].pk}
    assert client.get(f"{BASE}/evaluation-plans/{world['plan'].pk}/").status_code == 200
    assert client.get(f"{BASE}/evaluation-plans/{world['plan_other'].pk}/").status_code == 404


def test_staff_and_teachers_list_every_plan_of_their_school(client_for, world):
    for who in ("director", "teacher"):
        listed = {row["id"] for row in client_for(world["people"][who]).get(
            f"{BASE}/evaluation-plans/", {"page_size": 100}).json()["results"]}
        assert listed == {world["plan"].pk, world["plan_other"].pk}


@pytest.mark.parametrize("who", READERS)
def test_another_schools_plan_is_404(client_for, world, who):
    response = client_for(world["people"][who]).get(f"{BASE}/evaluation-plans/{world['plan_b'].pk}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "plan_not_found"


@pytest.mark.parametrize("who", WRITERS)
def test_changing_or_deleting_another_schools_plan_is_404_and_changes_nothing(client_for, world, who):
    before = _fingerprint()
    client = client_for(world["people"][who])
    url = f"{BASE}/evaluation-plans/{world['plan_b'].pk}/"
    response = client.patch(url, {"name": "hijacked", "components": [
        {"name": "X", "kind": "EXAM", "weight": "100"}]}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "plan_not_found"
    assert client.delete(url).status_code == 404
    assert _fingerprint() == before


@pytest.mark.parametrize(("course", "period", "section", "code"), [
    ("course_b", "period_b", None, "course_not_found"),
    ("course", "period_b", None, "period_not_found"),
    ("course_b", "period", None, "course_not_found"),
    ("course", "period", "section_b", "section_not_found"),
])
def test_creating_a_plan_naming_another_schools_course_period_or_section_is_404(client_for, world, course, period,
                                                                                 section, code):
    before, plans = _fingerprint(), EvaluationPlan.objects.count()
    response = client_for(world["people"]["director"]).post(f"{BASE}/evaluation-plans/", {
        "courseId": world[course], "periodId": world[period], "sectionId": world[section] if section else None,
        "name": "P", "components": [{"name": "Examen", "kind": "EXAM", "weight": "100"}]}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == code
    assert EvaluationPlan.objects.count() == plans and _fingerprint() == before


def test_a_plan_created_by_a_school_belongs_to_it(client_for, world, school):
    course = school.add_course(world["section"], "Ciencia")
    response = client_for(world["people"]["director"]).post(f"{BASE}/evaluation-plans/", {
        "courseId": course, "periodId": world["period"], "sectionId": None, "name": "P",
        "components": [{"name": "Examen", "kind": "EXAM", "weight": "100"}]}, format="json")
    assert response.status_code == 201
    assert EvaluationPlan.objects.get(pk=response.json()["id"]).institution_id == school.institution_id


# --- grades ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WRITERS)
def test_recording_with_another_schools_component_or_student_changes_nothing(client_for, world, who):
    before = _fingerprint()
    client = client_for(world["people"][who])
    response = client.post(f"{BASE}/entries", {"studentId": world["b_students"][1].pk,
                                               "componentId": world["components_b"][0], "value": "15"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "component_not_found"
    response = client.post(f"{BASE}/entries", {"studentId": world["b_students"][1].pk,
                                               "componentId": world["components"][0], "value": "15"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "student_not_found"
    _no_b(response)
    assert _fingerprint() == before


def test_a_student_of_the_school_without_a_record_is_422_not_404(client_for, world):
    response = client_for(world["people"]["director"]).post(f"{BASE}/entries", {
        "studentId": StudentFactory().pk, "componentId": world["components"][0], "value": "15"}, format="json")
    assert response.status_code == 422 and response.json()["error"]["code"] == "no_grade_record"


@pytest.mark.parametrize("who", WRITERS)
@pytest.mark.parametrize(("component", "section"), [("components_b", "section_b"), ("components", "section_b"),
                                                    ("components_b", "section")])
def test_bulk_grades_naming_another_schools_section_or_component_are_404(client_for, world, who, component, section):
    before = _fingerprint()
    response = client_for(world["people"][who]).post(f"{BASE}/entries/bulk", {
        "componentId": world[component][0], "sectionId": world[section],
        "grades": [{"studentId": s.pk, "value": 20} for s in world["b_students"]], "reason": "x"}, format="json")
    assert response.status_code == 404
    assert _fingerprint() == before


@pytest.mark.parametrize("who", READERS)
def test_another_schools_grade_and_its_history_are_404(client_for, world, who):
    before = _fingerprint()
    client = client_for(world["people"][who])
    entry = world["entry_b"].pk
    assert client.get(f"{BASE}/entries/{entry}").status_code == 404
    assert client.get(f"{BASE}/entries/{entry}/history").status_code == 404
    assert client.patch(f"{BASE}/entries/{entry}", {"value": "20", "reason": "x"}, format="json").status_code in (403,
                                                                                                                  404)
    assert _fingerprint() == before


@pytest.mark.parametrize("who", READERS)
def test_reports_naming_another_schools_period_or_student_are_404(client_for, world, who):
    client = client_for(world["people"][who])
    own, foreign = world["students"][0].pk, world["b_students"][0].pk
    for student, period in ((own, world["period_b"]), (foreign, world["period_b"]), (foreign, world["period"])):
        for suffix in ("", "/report-card"):
            response = client.get(f"{BASE}/student/{student}/period/{period}{suffix}")
            assert response.status_code == 404, (student, period, suffix)
            _no_b(response)


def test_a_director_reads_the_report_of_their_own_school(client_for, world):
    response = client_for(world["people"]["director"]).get(
        f"{BASE}/student/{world['students'][0].pk}/period/{world['period']}")
    assert response.status_code == 200 and response.json()["courses"]


@pytest.mark.parametrize("who", ["director", "admin"])
def test_closing_or_reopening_another_schools_period_is_404(client_for, world, who):
    before = _fingerprint()
    client = client_for(world["people"][who])
    response = client.post(f"{BASE}/periods/{world['period_b']}/close", {"note": "x"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "period_not_found"
    services.period_close(scope=SYSTEM, actor=None, period_id=world["period_b"])
    closed = _fingerprint()
    response = client.post(f"{BASE}/periods/{world['period_b']}/reopen", {"reason": "x"}, format="json")
    assert response.status_code in (403, 404)  # only directors may reopen: the admin is refused first
    assert _fingerprint() == closed != before


@pytest.mark.parametrize("who", WRITERS)
def test_competencies_and_averages_of_another_school_are_404(client_for, world, who):
    before = _fingerprint()
    client = client_for(world["people"][who])
    response = client.post(f"{BASE}/competency-evaluations", {
        "studentId": world["b_students"][0].pk, "courseId": world["course_b"], "periodId": world["period_b"],
        "competency": "ZZB competencia", "level": "C", "comment": ""}, format="json")
    assert response.status_code == 404
    response = client.post(f"{BASE}/competency-evaluations", {
        "studentId": world["b_students"][0].pk, "courseId": world["course"], "periodId": world["period"],
        "competency": "Resuelve problemas de cantidad", "level": "C", "comment": ""}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "student_not_found"
    response = client.post(f"{BASE}/calculate-average", {
        "studentId": world["b_students"][0].pk, "courseId": world["course_b"], "periodId": world["period_b"]},
        format="json")
    assert response.status_code == 404
    assert _fingerprint() == before


@pytest.mark.parametrize("network", ["network_staff", "superuser"])
def test_network_staff_and_superusers_reach_both_schools(client_for, world, network):
    user = (users.StaffFactory(user_type=UserType.DIRECTOR, institution_id=None) if network == "network_staff"
            else users.StaffFactory(user_type=UserType.ADMIN, institution_id=77, is_superuser=True))
    client = client_for(user)
    listed = {row["id"] for row in client.get(f"{BASE}/evaluation-plans/", {"page_size": 100}).json()["results"]}
    assert {world["plan"].pk, world["plan_b"].pk} <= listed
    assert client.get(f"{BASE}/entries/{world['entry_b'].pk}").status_code == 200
    response = client.patch(f"{BASE}/evaluation-plans/{world['plan_b'].pk}/", {"name": "ZZB renamed"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "ZZB renamed"
    assert client.get(f"{BASE}/student/{world['b_students'][0].pk}/period/{world['period_b']}").status_code == 200


# --- integration (ninja) -------------------------------------------------------------------------------


def _bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_pair(principal_of(user)).access}")
    return client


def _service(settings, scope: str | None = None) -> APIClient:
    headers = {"HTTP_X_SERVICE_TOKEN": settings.SERVICE_TOKEN}
    if scope is not None:
        headers["HTTP_X_PRS1_SCOPE"] = scope
    return APIClient(**headers)


@pytest.fixture(params=["director", "secretary", "service_declaring_a"])
def a_integration_caller(request, world, settings):
    if request.param == "service_declaring_a":
        return _service(settings, "school:77")
    return _bearer(world["people"][request.param])


def test_integration_callers_of_a_school_cannot_touch_another_schools_grade_records(a_integration_caller, world,
                                                                                     school):
    before = _fingerprint()
    b_records = GradeRecord.objects.filter(enrollment_id=world["b_enrollment"]).count()
    new_b = school.add_enrollment(world["b_students"][1].pk + 1000, world["section_b"])
    for body in ({"enrollmentId": new_b, "studentId": world["b_students"][1].pk + 1000, "sectionId": world["section_b"]},
                 {"enrollmentId": world["b_enrollment"], "studentId": world["b_students"][0].pk,
                  "sectionId": world["section"]},
                 {"enrollmentId": new_b, "studentId": world["b_students"][1].pk + 1000, "sectionId": world["section"]}):
        response = a_integration_caller.post(INTEGRATION, body, format="json")
        assert response.status_code == 404, (body, response.content)
    assert a_integration_caller.delete(f"{INTEGRATION}/{world['b_enrollment']}").status_code == 404
    assert a_integration_caller.get(f"{INTEGRATION}/{world['b_enrollment']}/count").status_code == 404
    assert GradeRecord.objects.filter(enrollment_id=world["b_enrollment"]).count() == b_records > 0
    assert not GradeRecord.objects.filter(enrollment_id=new_b).exists()
    assert _fingerprint() == before


def test_integration_callers_of_a_school_reach_their_own_enrollments(a_integration_caller, world, school):
    student = StudentFactory()
    enrollment = school.add_enrollment(student.pk, world["section"])
    body = {"enrollmentId": enrollment, "studentId": student.pk, "sectionId": world["section"]}
    assert a_integration_caller.post(INTEGRATION, body, format="json").json() == {"created": 1, "total": 1}
    assert a_integration_caller.get(f"{INTEGRATION}/{enrollment}/count").json() == {"count": 1}
    assert a_integration_caller.delete(f"{INTEGRATION}/{enrollment}").json() == {"deleted": 1}


def test_the_service_token_without_a_declared_scope_is_network_wide(world, settings):
    client = _service(settings)
    b_records = GradeRecord.objects.filter(enrollment_id=world["b_enrollment"]).count()
    assert client.get(f"{INTEGRATION}/{world['b_enrollment']}/count").json() == {"count": b_records}


def test_a_malformed_declared_scope_is_400(world, settings):
    response = _service(settings, "school:abc").get(f"{INTEGRATION}/{world['b_enrollment']}/count")
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_scope"


def test_contracts_with_a_school_scope_refuse_another_schools_rows(world):
    scope_a = Scope.school(77)
    with pytest.raises(NotFound):
        contracts.initialize_grade_records(scope=scope_a, enrollment_id=world["b_enrollment"],
                                           student_id=world["b_students"][0].pk, section_id=world["section_b"])
    with pytest.raises(NotFound):
        contracts.delete_grade_records(scope=scope_a, enrollment_id=world["b_enrollment"])
    with pytest.raises(NotFound):
        contracts.grade_record_count(scope=scope_a, enrollment_id=world["b_enrollment"])
    assert contracts.grade_record_count(scope=Scope.school(SCHOOL_B), enrollment_id=world["b_enrollment"]) == 1
