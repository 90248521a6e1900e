"""The grades HTTP API: who may call what, bad input, response shapes and query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.grades import services
from apps.grades.models import GradeEntry, GradeHistory, PeriodClosure
from apps.users.models import UserType
from common.tenancy import SYSTEM
from tests.grades.conftest import component_ids, make_plan
from tests.grades.people import (
    GuardianFactory,
    GuardianLinkFactory,
    PsychologistFactory,
    StaffFactory,
    StudentFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/grades"


@pytest.fixture
def people(school):
    section = school.add_section()
    course = school.add_course(section)
    other_course = school.add_course(section, "Ciencia")
    period = school.add_period(1)
    students = [StudentFactory() for _ in range(3)]
    for student in students:
        school.enroll(student.pk, section)
    plan = make_plan(course, period, [("Examen", "EXAM", 60), ("Tareas", "ASSIGNMENT", 40)])
    teacher, stranger_teacher = TeacherFactory(), TeacherFactory()
    school.assign_teacher(teacher.pk, section, course)
    school.assign_teacher(stranger_teacher.pk, section, other_course)
    guardian, other_guardian = GuardianFactory(), GuardianFactory()
    GuardianLinkFactory(student=students[0], guardian=guardian)
    return {
        "section": section, "course": course, "period": period, "students": students, "plan": plan,
        "components": component_ids(plan), "teacher": teacher, "stranger_teacher": stranger_teacher,
        "guardian": guardian, "other_guardian": other_guardian,
        "director": StaffFactory(user_type=UserType.DIRECTOR), "admin": StaffFactory(user_type=UserType.ADMIN),
        "secretary": StaffFactory(user_type=UserType.SECRETARY), "auxiliary": StaffFactory(user_type=UserType.AUXILIARY),
        "psychologist": PsychologistFactory(),
    }


def _record(people, student_index=0, component_index=0, value="14"):
    return services.grade_record(scope=SYSTEM, actor=None, student_id=people["students"][student_index].pk,
                                 component_id=people["components"][component_index], value=value)


# --- POST /entries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("teacher", 201), ("director", 201), ("admin", 201),
                                             ("stranger_teacher", 403), ("secretary", 403), ("auxiliary", 403),
                                             ("guardian", 403), ("psychologist", 403)])
def test_record_entry_permissions(people, client_for, who, status):
    response = client_for(people[who]).post(f"{BASE}/entries", {
        "studentId": people["students"][0].pk, "componentId": people["components"][0], "value": "15.5"}, format="json")
    assert response.status_code == status, response.content
    assert GradeEntry.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        assert response.json()["value"] == "15.5"


def test_record_entry_anonymous_is_401(people, api_client):
    response = api_client.post(f"{BASE}/entries", {"studentId": 1, "componentId": 1, "value": 1}, format="json")
    assert response.status_code == 401


def test_record_entry_out_of_scale_is_400_with_field_errors(people, client_for):
    response = client_for(people["teacher"]).post(f"{BASE}/entries", {
        "studentId": people["students"][0].pk, "componentId": people["components"][0], "value": 21}, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "out_of_scale"
    assert "value" in body["details"]["fields"]
    assert not GradeEntry.objects.exists()


def test_record_entry_missing_fields_is_400(people, client_for):
    response = client_for(people["teacher"]).post(f"{BASE}/entries", {"componentId": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["fields"]) == {"studentId", "componentId", "value"}


# --- POST /entries/bulk ------------------------------------------------------------------------------


def test_bulk_bad_row_is_400_with_rows_and_saves_nothing(people, client_for):
    s = people["students"]
    response = client_for(people["teacher"]).post(f"{BASE}/entries/bulk", {
        "componentId": people["components"][0], "sectionId": people["section"],
        "grades": [{"studentId": s[0].pk, "value": 14}, {"studentId": s[1].pk, "value": "catorce"},
                   {"studentId": s[2].pk, "value": 11}]}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_rows"
    assert [(r["row"], r["studentId"]) for r in error["details"]["rows"]] == [(1, s[1].pk)]
    assert not GradeEntry.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("teacher", 201), ("director", 201), ("stranger_teacher", 403),
                                             ("guardian", 403)])
def test_bulk_permissions(people, client_for, who, status):
    response = client_for(people[who]).post(f"{BASE}/entries/bulk", {
        "componentId": people["components"][0], "sectionId": people["section"],
        "grades": [{"studentId": st.pk, "value": 12 + i} for i, st in enumerate(people["students"])]}, format="json")
    assert response.status_code == status, response.content
    if status == 201:
        assert response.json()["created"] == 3
    assert GradeEntry.objects.count() == (3 if status == 201 else 0)


# --- PATCH /entries/{id} and history -------------------------------------------------------------------


def test_update_entry_keeps_history_and_requires_reason(people, client_for):
    entry = _record(people, value="12")
    client = client_for(people["teacher"])
    assert client.patch(f"{BASE}/entries/{entry.pk}", {"value": "13", "reason": ""}, format="json").status_code == 400
    response = client.patch(f"{BASE}/entries/{entry.pk}", {"value": "13", "reason": "Error"}, format="json")
    assert response.status_code == 200
    assert response.json()["value"] == "13"
    history = client.get(f"{BASE}/entries/{entry.pk}/history").json()
    assert [(h["action"], h["oldValue"], h["newValue"], h["reason"]) for h in history] == [
        ("RECORDED", "", "12", ""), ("UPDATED", "12", "13", "Error")]
    assert history[1]["changedBy"] == people["teacher"].pk


@pytest.mark.parametrize(("who", "status"), [("stranger_teacher", 403), ("guardian", 403), ("other_guardian", 403),
                                             ("director", 200)])
def test_update_entry_permissions(people, client_for, who, status):
    entry = _record(people, value="12")
    response = client_for(people[who]).patch(f"{BASE}/entries/{entry.pk}", {"value": "13", "reason": "r"},
                                             format="json")
    assert response.status_code == status
    entry.refresh_from_db()
    assert entry.numeric_value == (Decimal("13.00") if status == 200 else Decimal("12.00"))


def test_update_entry_unknown_is_404(people, client_for):
    response = client_for(people["director"]).patch(f"{BASE}/entries/999999", {"value": "13", "reason": "r"},
                                                    format="json")
    assert response.status_code == 404


def test_update_in_closed_period_is_409(people, client_for):
    entry = _record(people, value="12")
    client_for(people["director"]).post(f"{BASE}/periods/{people['period']}/close", {}, format="json")
    response = client_for(people["teacher"]).patch(f"{BASE}/entries/{entry.pk}", {"value": "13", "reason": "r"},
                                                   format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "period_closed"


@pytest.mark.parametrize(("who", "status"), [("guardian", 200), ("other_guardian", 404), ("teacher", 200),
                                             ("student0", 200), ("student1", 404), ("director", 200)])
def test_history_read_scope(people, client_for, who, status):
    entry = _record(people)
    user = people["students"][int(who[-1])] if who.startswith("student") else people[who]
    assert client_for(user).get(f"{BASE}/entries/{entry.pk}/history").status_code == status
    assert client_for(user).get(f"{BASE}/entries/{entry.pk}").status_code == status


# --- the student's report ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("guardian", 200), ("other_guardian", 404), ("student0", 200),
                                             ("student1", 404), ("teacher", 200), ("director", 200),
                                             ("secretary", 200), ("auxiliary", 403)])
def test_report_read_scope(people, client_for, who, status):
    _record(people, value="15")
    user = people["students"][int(who[-1])] if who.startswith("student") else people[who]
    student = people["students"][0]
    response = client_for(user).get(f"{BASE}/student/{student.pk}/period/{people['period']}")
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["scale"] == "VIGESIMAL"
        (course,) = [c for c in body["courses"] if c["courseId"] == people["course"]]
        assert course["components"][0]["value"] == "15"
        assert course["average"]["average"] == "15"
        assert course["average"]["complete"] is False
        assert course["competencies"] == [{"competency": "Resuelve problemas de cantidad", "level": None}]


def test_report_unknown_period_is_404(people, client_for):
    response = client_for(people["director"]).get(f"{BASE}/student/{people['students'][0].pk}/period/424242")
    assert response.status_code == 404


def _student_with(school, student, *, courses: int, components: int):
    """A student in a fresh section with `courses` courses of `components` graded components each."""
    section = school.add_section(name=f"{courses}x{components}")
    period = school.add_period(1)
    plans = {}
    for c in range(courses):
        course = school.add_course(section, f"Curso {c}", competencies=(f"Competencia {c}",))
        plans[course] = make_plan(course, period, [(f"Comp {i}", "EXAM", Decimal(100) / components)
                                                   for i in range(components)])
    school.enroll(student.pk, section)
    for course, plan in plans.items():
        for component in component_ids(plan):
            services.grade_record(scope=SYSTEM, actor=None, student_id=student.pk, component_id=component, value="13")
        services.competency_evaluate(scope=SYSTEM, actor=None, student_id=student.pk, course_id=course, period_id=period,
                                     competency=f"Competencia {list(plans).index(course)}", level="A")
    return period


def test_report_runs_a_constant_number_of_queries(school, client_for, django_assert_num_queries):
    director = StaffFactory(user_type=UserType.DIRECTOR)
    client = client_for(director)
    small, big = StudentFactory(), StudentFactory()
    small_period = _student_with(school, small, courses=1, components=1)
    big_period = _student_with(school, big, courses=6, components=4)
    with CaptureQueriesContext(connection) as small_run:
        response = client.get(f"{BASE}/student/{small.pk}/period/{small_period}")
    assert response.status_code == 200
    assert len(response.json()["courses"]) == 1
    with django_assert_num_queries(len(small_run.captured_queries)):
        response = client.get(f"{BASE}/student/{big.pk}/period/{big_period}")
    body = response.json()
    assert len(body["courses"]) == 6
    assert all(len(c["components"]) == 4 and c["average"]["average"] == "13" for c in body["courses"])
    assert all(c["competencies"][0]["level"] == "A" for c in body["courses"])


def test_report_card_is_printable_html(people, client_for):
    _record(people, value="9")
    student = people["students"][0]
    response = client_for(people["director"]).get(
        f"{BASE}/student/{student.pk}/period/{people['period']}/report-card?download=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Disposition"].startswith("attachment;")
    html = response.content.decode()
    assert student.last_name in html
    assert "I.E. San Martín" in html
    assert 'class="num failed"' in html  # 9 < 11
    other = client_for(people["other_guardian"]).get(f"{BASE}/student/{student.pk}/period/{people['period']}/report-card")
    assert other.status_code == 404


# --- calculate-average ------------------------------------------------------------------------------------


def test_calculate_average_returns_breakdown(people, client_for):
    _record(people, 0, 0, "15")
    _record(people, 0, 1, "12.5")  # 9 + 5 = 14
    response = client_for(people["guardian"]).post(f"{BASE}/calculate-average", {
        "studentId": people["students"][0].pk, "courseId": people["course"], "periodId": people["period"]},
        format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["average"], body["rawAverage"], body["passed"], body["complete"]) == ("14", "14.0000", True, True)
    assert [(b["weight"], b["value"], b["contribution"]) for b in body["breakdown"]] == [
        ("60.00", "15", "9.0000"), ("40.00", "12.5", "5.0000")]
    assert body["alerts"] == []


@pytest.mark.parametrize(("who", "status"), [("other_guardian", 404), ("student1", 404), ("auxiliary", 403)])
def test_calculate_average_scope(people, client_for, who, status):
    _record(people)
    user = people["students"][1] if who == "student1" else people[who]
    response = client_for(user).post(f"{BASE}/calculate-average", {
        "studentId": people["students"][0].pk, "courseId": people["course"], "periodId": people["period"]},
        format="json")
    assert response.status_code == status


# --- evaluation plans ------------------------------------------------------------------------------------------


def test_create_plan_weights_not_100_is_422(people, client_for):
    response = client_for(people["director"]).post(f"{BASE}/evaluation-plans/", {
        "courseId": people["course"], "periodId": people["period"], "sectionId": people["section"],
        "components": [{"name": "Examen", "kind": "EXAM", "weight": "50"}, {"name": "Tareas", "kind": "ASSIGNMENT",
                                                                           "weight": "49"}]}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "weights_must_sum_100"


@pytest.mark.parametrize(("who", "section_scoped", "status"), [
    ("director", False, 201), ("teacher", True, 201), ("teacher", False, 403), ("stranger_teacher", True, 403),
    ("guardian", True, 403), ("secretary", True, 403)])
def test_create_plan_permissions(people, client_for, school, who, section_scoped, status):
    course = school.add_course(people["section"], "Arte")
    school.assign_teacher(people["teacher"].pk, people["section"], course)
    response = client_for(people[who]).post(f"{BASE}/evaluation-plans/", {
        "courseId": course, "periodId": people["period"], "sectionId": people["section"] if section_scoped else None,
        "components": [{"name": "Examen", "kind": "EXAM", "weight": "100"}]}, format="json")
    assert response.status_code == status, response.content
    if status == 201:
        assert response.json()["components"][0]["weight"] == "100.00"


def test_plan_detail_update_and_delete(people, client_for):
    plan, client = people["plan"], client_for(people["director"])
    assert client.get(f"{BASE}/evaluation-plans/{plan.pk}/").json()["name"] == "Plan"
    first, second = people["components"]
    response = client.patch(f"{BASE}/evaluation-plans/{plan.pk}/", {"components": [
        {"id": first, "name": "Examen", "kind": "EXAM", "weight": "70"},
        {"id": second, "name": "Tareas", "kind": "ASSIGNMENT", "weight": "30"}]}, format="json")
    assert response.status_code == 200
    assert [c["weight"] for c in response.json()["components"]] == ["70.00", "30.00"]
    assert client_for(people["guardian"]).delete(f"{BASE}/evaluation-plans/{plan.pk}/").status_code == 403
    _record(people)
    assert client.delete(f"{BASE}/evaluation-plans/{plan.pk}/").status_code == 409
    GradeEntry.objects.all().delete()
    GradeHistory.objects.all().delete()
    assert client.delete(f"{BASE}/evaluation-plans/{plan.pk}/").status_code == 204
    assert client.get(f"{BASE}/evaluation-plans/{plan.pk}/").status_code == 404


def test_plan_list_filters_and_bounded_queries(people, client_for, school, django_assert_max_num_queries):
    for i in range(6):
        course = school.add_course(people["section"], f"Extra {i}")
        make_plan(course, people["period"], [("A", "EXAM", 50), ("B", "PROJECT", 50)])
    client = client_for(people["guardian"])
    for size in (2, 7):
        with django_assert_max_num_queries(6):
            response = client.get(f"{BASE}/evaluation-plans/?page_size={size}&periodId={people['period']}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
    response = client.get(f"{BASE}/evaluation-plans/?courseId={people['course']}")
    assert [p["id"] for p in response.json()["results"]] == [people["plan"].pk]
    assert client.get(f"{BASE}/evaluation-plans/?courseId=abc").status_code == 400


# --- periods ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("director", 200), ("admin", 200), ("teacher", 403), ("secretary", 403),
                                             ("guardian", 403)])
def test_close_period_permissions(people, client_for, who, status):
    response = client_for(people[who]).post(f"{BASE}/periods/{people['period']}/close", {"note": "Fin"}, format="json")
    assert response.status_code == status
    assert PeriodClosure.objects.filter(is_closed=True).exists() == (status == 200)


def test_close_twice_is_409_and_unknown_period_404(people, client_for):
    client = client_for(people["director"])
    assert client.post(f"{BASE}/periods/{people['period']}/close", {}, format="json").status_code == 200
    assert client.post(f"{BASE}/periods/{people['period']}/close", {}, format="json").status_code == 409
    assert client.post(f"{BASE}/periods/987654/close", {}, format="json").status_code == 404


@pytest.mark.parametrize(("who", "status"), [("director", 200), ("admin", 403), ("teacher", 403), ("guardian", 403)])
def test_reopen_period_is_director_only(people, client_for, who, status):
    client_for(people["director"]).post(f"{BASE}/periods/{people['period']}/close", {}, format="json")
    response = client_for(people[who]).post(f"{BASE}/periods/{people['period']}/reopen", {"reason": "Recuperación"},
                                            format="json")
    assert response.status_code == status
    assert PeriodClosure.objects.get().is_closed == (status != 200)


def test_superuser_may_reopen_and_reason_is_required(people, client_for):
    client_for(people["director"]).post(f"{BASE}/periods/{people['period']}/close", {}, format="json")
    root = StaffFactory(user_type=UserType.ADMIN, is_superuser=True)
    response = client_for(root).post(f"{BASE}/periods/{people['period']}/reopen", {"reason": ""}, format="json")
    assert response.status_code == 400
    response = client_for(root).post(f"{BASE}/periods/{people['period']}/reopen", {"reason": "Ajuste"}, format="json")
    assert response.status_code == 200
    assert response.json()["reason"] == "Ajuste"


# --- competencies --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("teacher", 200), ("stranger_teacher", 403), ("guardian", 403)])
def test_competency_evaluation_permissions(people, client_for, who, status):
    response = client_for(people[who]).post(f"{BASE}/competency-evaluations", {
        "studentId": people["students"][0].pk, "courseId": people["course"], "periodId": people["period"],
        "competency": "Resuelve problemas de cantidad", "level": "AD"}, format="json")
    assert response.status_code == status
    if status == 200:
        assert response.json()["level"] == "AD"


def test_openapi_documents_the_grades_endpoints(client_for, people):
    schema = client_for(people["admin"]).get("/api/schema/?format=json").json()
    for path in ("/api/v1/grades/calculate-average", "/api/v1/grades/student/{student_id}/period/{period_id}",
                 "/api/v1/grades/entries/bulk", "/api/v1/grades/periods/{period_id}/reopen",
                 "/api/v1/grades/evaluation-plans/"):
        assert path in schema["paths"], path


def test_report_card_is_translated(people, client_for):
    student, client = people["students"][0], client_for(people["director"])
    url = f"{BASE}/student/{student.pk}/period/{people['period']}/report-card"
    assert "Libreta de notas" in client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Report card" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize(("method", "path"), [
    ("post", "calculate-average"), ("get", "student/1/period/1"), ("get", "student/1/period/1/report-card"),
    ("post", "entries"), ("post", "entries/bulk"), ("get", "entries/1"), ("patch", "entries/1"),
    ("get", "entries/1/history"), ("get", "evaluation-plans/"), ("post", "evaluation-plans/"),
    ("get", "evaluation-plans/1/"), ("patch", "evaluation-plans/1/"), ("delete", "evaluation-plans/1/"),
    ("post", "periods/1/close"), ("post", "periods/1/reopen"), ("post", "competency-evaluations")])
def test_anonymous_callers_get_401(api_client, method, path):
    response = getattr(api_client, method)(f"{BASE}/{path}", {}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_teacher_manages_only_their_own_section_plan(people, client_for):
    client = client_for(people["teacher"])
    body = {"components": [{"name": "Examen", "kind": "EXAM", "weight": "100"}]}
    course_wide = client.patch(f"{BASE}/evaluation-plans/{people['plan'].pk}/", body, format="json")
    assert course_wide.status_code == 403
    own = make_plan(people["course"], people["period"], [("Examen", "EXAM", 50), ("Tareas", "ASSIGNMENT", 50)],
                    section_id=people["section"])
    response = client.patch(f"{BASE}/evaluation-plans/{own.pk}/", body, format="json")
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["components"]] == ["Examen"]
    stranger = client_for(people["stranger_teacher"]).patch(f"{BASE}/evaluation-plans/{own.pk}/", body, format="json")
    assert stranger.status_code == 403
