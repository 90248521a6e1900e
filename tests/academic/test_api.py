"""The academic HTTP API: who may call what, scope, bad input, bounded queries."""

from __future__ import annotations

import datetime

import pytest

from apps.academic.models import AcademicYear, Course, Enrollment, Section
from events.models import OutboxEvent
from tests.academic.factories import CourseFactory, EnrollmentFactory, InstitutionFactory, SectionFactory
from tests.users.factories import GuardianFactory, PsychologistFactory, StaffFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/academic"


@pytest.fixture
def staff(school):
    return {role: StaffFactory(user_type=role, institution_id=school.institution.pk)
            for role in ("ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY")}


# --- writes: only academic staff -----------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), [
    ("ADMIN", 201), ("DIRECTOR", 201), ("SECRETARY", 201), ("AUXILIARY", 403), ("TEACHER", 403), ("PARENT", 403),
    ("STUDENT", 403), ("PSYCHOLOGIST", 403),
])
def test_only_academic_staff_create_sections(school, client_for, role, expected):
    factory = {"TEACHER": TeacherFactory, "PARENT": GuardianFactory, "STUDENT": StudentFactory,
               "PSYCHOLOGIST": PsychologistFactory}.get(role)
    user = factory(institution_id=school.institution.pk) if factory else StaffFactory(
        user_type=role, institution_id=school.institution.pk)
    response = client_for(user).post(f"{API}/sections", {
        "academic_year_id": school.year.pk, "grade_level_id": school.levels[4].pk, "name": "4A", "capacity": 25,
        "tutor_id": school.tutor.pk, "shift": "MORNING"}, format="json")
    assert response.status_code == expected, response.content
    assert Section.objects.filter(code="SEC-2026-4A").exists() == (expected == 201)
    if expected == 201:
        assert response.json()["code"] == "SEC-2026-4A" and response.json()["available_seats"] == 25
        assert OutboxEvent.objects.filter(event_type="section.created").count() == 1


def test_anonymous_is_refused(school, api_client):
    assert api_client.get(f"{API}/sections/{school.s5a.pk}").status_code == 401
    assert api_client.post(f"{API}/years", {}, format="json").status_code == 401


def test_section_create_bad_input_is_400_and_duplicate_is_409(school, client_for, staff):
    client = client_for(staff["SECRETARY"])
    bad = client.post(f"{API}/sections", {"academic_year_id": school.year.pk, "grade_level_id": school.levels[4].pk,
                                          "name": "A4!", "capacity": 0}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["details"]["fields"]) == {"name", "capacity"}
    dup = client.post(f"{API}/sections", {"academic_year_id": school.year.pk, "grade_level_id": school.levels[5].pk,
                                          "name": "5A", "capacity": 20}, format="json")
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "section_exists"
    assert Section.objects.count() == 2


def test_year_lifecycle_over_the_api(school, client_for, staff):
    client = client_for(staff["DIRECTOR"])
    created = client.post(f"{API}/years", {"year": 2027, "start_date": "2027-03-01", "end_date": "2027-12-17"},
                          format="json")
    assert created.status_code == 201 and created.json()["status"] == "PLANNING"
    assert created.json()["institution_id"] == school.institution.pk
    year_id = created.json()["id"]
    conflict = client.post(f"{API}/years/{year_id}/start")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "active_year_exists"
    assert client.post(f"{API}/years/{school.year.pk}/close").json()["status"] == "CLOSED"
    assert client.post(f"{API}/years/{year_id}/start").json()["status"] == "ACTIVE"
    bad_dates = client.patch(f"{API}/years/{year_id}", {"end_date": "2027-01-01"}, format="json")
    assert bad_dates.status_code == 400
    assert AcademicYear.objects.get(pk=year_id).end_date == datetime.date(2027, 12, 17)


def test_staff_of_another_institution_cannot_touch_or_see(school, client_for):
    other = StaffFactory(user_type="DIRECTOR", institution_id=InstitutionFactory().pk)
    client = client_for(other)
    assert client.get(f"{API}/sections/{school.s5a.pk}").status_code == 404
    assert client.patch(f"{API}/sections/{school.s5a.pk}", {"capacity": 40}, format="json").status_code == 404
    assert client.get(f"{API}/sections").json()["count"] == 0
    assert client.post(f"{API}/years", {"institution_id": school.institution.pk, "year": 2031,
                                        "start_date": "2031-03-01", "end_date": "2031-12-01"},
                       format="json").status_code == 404  # another school is unknown here (never 403)
    assert Section.objects.get(pk=school.s5a.pk).capacity == 2


def test_course_crud_and_curriculum(school, client_for, staff):
    client = client_for(staff["SECRETARY"])
    created = client.post(f"{API}/courses", {
        "grade_level_id": school.levels[5].pk, "code": "MAT-P5", "name": "Matemática", "area": "Matemática",
        "competencies": ["Resuelve problemas de cantidad"], "hours_per_week": 6}, format="json")
    assert created.status_code == 201, created.content
    course_id = created.json()["id"]
    assert client.get(f"{API}/courses/{course_id}").json()["competencies"] == ["Resuelve problemas de cantidad"]
    assert client.patch(f"{API}/courses/{course_id}", {"hours_per_week": 7}, format="json").json()["hours_per_week"] == 7
    entry = client.post(f"{API}/curriculum", {"academic_year_id": school.year.pk, "course_id": course_id}, format="json")
    assert entry.status_code == 201 and entry.json()["course_code"] == "MAT-P5"
    assert OutboxEvent.objects.filter(event_type="course.assigned").count() == 1
    assert [c["id"] for c in client.get(f"{API}/sections/{school.s5a.pk}/courses").json()] == [course_id]
    in_use = client.delete(f"{API}/courses/{course_id}")
    assert in_use.status_code == 409 and in_use.json()["error"]["code"] == "in_use"
    assert client.delete(f"{API}/curriculum/{entry.json()['id']}").status_code == 204
    assert client.delete(f"{API}/courses/{course_id}").status_code == 204
    assert not Course.objects.filter(pk=course_id).exists()
    assert client.get(f"{API}/courses/999999").status_code == 404


def test_grade_level_crud(school, client_for, staff):
    client = client_for(staff["ADMIN"])
    created = client.post(f"{API}/grade-levels", {"level": "SECUNDARIA", "number": 1, "name": "1.º de secundaria",
                                                  "order": 7}, format="json")
    assert created.status_code == 201
    dup = client.post(f"{API}/grade-levels", {"level": "SECUNDARIA", "number": 1, "name": "x", "order": 8},
                      format="json")
    assert dup.status_code == 409
    listed = client.get(f"{API}/grade-levels", {"level": "SECUNDARIA"}).json()
    assert [g["name"] for g in listed["results"]] == ["1.º de secundaria"]
    assert client.delete(f"{API}/grade-levels/{school.levels[5].pk}").status_code == 409  # sections use it


# --- reads: scope --------------------------------------------------------------------------------


def test_teacher_reads_only_their_sections(school, client_for, teacher_sections):
    teacher = TeacherFactory(institution_id=school.institution.pk)
    teacher_sections[teacher.pk] = {school.s5a.pk}
    client = client_for(teacher)
    assert client.get(f"{API}/sections/{school.s5a.pk}").status_code == 200
    assert client.get(f"{API}/sections/{school.s5b.pk}").status_code == 404
    assert [s["code"] for s in client.get(f"{API}/sections").json()["results"]] == ["SEC-2026-5A"]
    assert client.get(f"{API}/sections/{school.s5b.pk}/roster").status_code == 404
    assert client.patch(f"{API}/sections/{school.s5a.pk}", {"capacity": 40}, format="json").status_code == 403


def test_roster_and_dated_roster(school, client_for, staff):
    first = EnrollmentFactory(section=school.s5a, student_id=school.students[0].pk)
    EnrollmentFactory(section=school.s5b, student_id=school.students[1].pk)
    client = client_for(staff["AUXILIARY"])
    now = client.get(f"{API}/sections/{school.s5a.pk}/roster").json()
    assert [r["code"] for r in now["results"]] == [first.code]
    before = client.get(f"{API}/sections/{school.s5a.pk}/roster", {"on": "2026-01-10"}).json()
    assert before["results"] == []
    assert client.get(f"{API}/sections/{school.s5a.pk}/roster", {"on": "not-a-date"}).status_code == 400


def test_student_history_scope(school, client_for, guardian_students, teacher_sections, staff):
    child, stranger = school.students[0], school.students[1]
    EnrollmentFactory(section=school.s5a, student_id=child.pk)
    EnrollmentFactory(section=school.s5b, student_id=stranger.pk)
    parent = GuardianFactory(institution_id=school.institution.pk)
    guardian_students[parent.pk] = {child.pk}
    teacher = TeacherFactory(institution_id=school.institution.pk)
    teacher_sections[teacher.pk] = {school.s5a.pk}

    for user, student, expected in [
        (parent, child, 200), (parent, stranger, 404), (child, child, 200), (child, stranger, 404),
        (teacher, child, 200), (teacher, stranger, 404), (staff["SECRETARY"], stranger, 200),
    ]:
        response = client_for(user).get(f"{API}/enrollments/student/{student.pk}")
        assert response.status_code == expected, (user.user_type, student.pk)
        if expected == 200:
            assert [e["student_id"] for e in response.json()] == [student.pk]


def test_transfer_and_history_over_the_api(school, client_for, staff):
    student = school.students[0]
    enrollment = EnrollmentFactory(section=school.s5a, student_id=student.pk)
    client = client_for(staff["SECRETARY"])
    moved = client.post(f"{API}/enrollments/{enrollment.pk}/transfer", {
        "target_section_id": school.s5b.pk, "effective_date": "2026-06-01", "reason": "Cambio de turno"}, format="json")
    assert moved.status_code == 201, moved.content
    assert moved.json()["section_code"] == "SEC-2026-5B" and moved.json()["previous_enrollment_id"] == enrollment.pk
    history = client.get(f"{API}/enrollments/student/{student.pk}").json()
    assert [(h["section_code"], h["status"], h["end_date"]) for h in history] == [
        ("SEC-2026-5A", "TRANSFERRED", "2026-06-01"), ("SEC-2026-5B", "ACTIVE", None)]
    on_may = client.get(f"{API}/enrollments/student/{student.pk}", {"on": "2026-05-15"}).json()
    assert [h["section_code"] for h in on_may] == ["SEC-2026-5A"]
    again = client.post(f"{API}/enrollments/{enrollment.pk}/transfer", {"target_section_id": school.s5b.pk},
                        format="json")
    assert again.status_code == 422
    assert client.get(f"{API}/enrollments/{moved.json()['id']}").json()["status"] == "ACTIVE"


def test_transfer_to_full_section_is_409(school, client_for, staff):
    EnrollmentFactory(section=school.s5a, student_id=1)
    EnrollmentFactory(section=school.s5a, student_id=2)
    mover = EnrollmentFactory(section=school.s5b, student_id=3)
    response = client_for(staff["DIRECTOR"]).post(f"{API}/enrollments/{mover.pk}/transfer",
                                                  {"target_section_id": school.s5a.pk}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "section_full"
    assert Enrollment.objects.filter(student_id=3).count() == 1


@pytest.mark.parametrize("role", ["TEACHER", "AUXILIARY"])
def test_non_academic_staff_cannot_transfer_or_withdraw(school, client_for, role, teacher_sections):
    enrollment = EnrollmentFactory(section=school.s5a, student_id=school.students[0].pk)
    user = (TeacherFactory if role == "TEACHER" else StaffFactory)(user_type=role, institution_id=school.institution.pk)
    teacher_sections[user.pk] = {school.s5a.pk}
    client = client_for(user)
    assert client.post(f"{API}/enrollments/{enrollment.pk}/withdraw", {"reason": "x"}, format="json").status_code == 403
    assert client.post(f"{API}/enrollments/{enrollment.pk}/transfer", {"target_section_id": school.s5b.pk},
                       format="json").status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == "ACTIVE"


def test_withdraw_and_promotion_decision(school, client_for, staff):
    enrollment = EnrollmentFactory(section=school.s5a, student_id=school.students[0].pk)
    client = client_for(staff["SECRETARY"])
    missing_reason = client.post(f"{API}/enrollments/{enrollment.pk}/withdraw", {}, format="json")
    assert missing_reason.status_code == 400
    unknown = client.post(f"{API}/enrollments/{enrollment.pk}/promotion-decision", {"promotion_decision": "MAYBE"},
                          format="json")
    assert unknown.status_code == 400 and "promotion_decision" in unknown.json()["error"]["details"]["fields"]
    decided = client.post(f"{API}/enrollments/{enrollment.pk}/promotion-decision", {"promotion_decision": "REPEATS"},
                          format="json")
    assert decided.json()["promotion_decision"] == "REPEATS"
    done = client.post(f"{API}/enrollments/{enrollment.pk}/withdraw",
                       {"effective_date": "2026-08-15", "reason": "Traslado"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "WITHDRAWN" and done.json()["end_date"] == "2026-08-15"


def test_enrollment_detail_scope(school, client_for, guardian_students):
    child = school.students[0]
    enrollment = EnrollmentFactory(section=school.s5a, student_id=child.pk)
    other = EnrollmentFactory(section=school.s5a, student_id=school.students[1].pk)
    assert client_for(child).get(f"{API}/enrollments/{enrollment.pk}").status_code == 200
    assert client_for(child).get(f"{API}/enrollments/{other.pk}").status_code == 404
    assert client_for(child).get(f"{API}/sections/{school.s5a.pk}").status_code == 403  # no academic.read


# --- bounded queries -----------------------------------------------------------------------------


def _count_queries(client, url, params, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit):
        response = client.get(url, params)
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("page_size", [2, 25])
def test_section_list_queries_are_bounded(school, client_for, staff, django_assert_max_num_queries, page_size):
    for i in range(25):
        section = SectionFactory(academic_year=school.year, name=f"{i}Z", code=f"SEC-2026-{i}Z")
        EnrollmentFactory(section=section)
    body = _count_queries(client_for(staff["ADMIN"]), f"{API}/sections", {"page_size": page_size, "year": 2026},
                          django_assert_max_num_queries, 5)
    assert len(body["results"]) == min(page_size, 27) and body["count"] == 27


@pytest.mark.parametrize("page_size", [2, 25])
def test_roster_course_and_history_lists_are_bounded(school, client_for, staff, django_assert_max_num_queries,
                                                      page_size):
    big = SectionFactory(academic_year=school.year, name="5Z", code="SEC-2026-5Z", capacity=40)
    for _ in range(30):
        EnrollmentFactory(section=big)
        CourseFactory(grade_level=school.levels[5], institution_id=school.institution.pk)
    client = client_for(staff["ADMIN"])
    roster = _count_queries(client, f"{API}/sections/{big.pk}/roster", {"page_size": page_size},
                            django_assert_max_num_queries, 5)
    assert len(roster["results"]) == page_size
    courses = _count_queries(client, f"{API}/courses", {"page_size": page_size}, django_assert_max_num_queries, 5)
    assert len(courses["results"]) == page_size
    _count_queries(client, f"{API}/years", {"page_size": page_size}, django_assert_max_num_queries, 5)
    _count_queries(client, f"{API}/curriculum", {"page_size": page_size}, django_assert_max_num_queries, 5)


def test_openapi_documents_the_seed_paths(client_for, staff):
    schema = client_for(staff["ADMIN"]).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/academic/sections/{section_id}", "/api/v1/academic/courses/{course_id}",
                 "/api/v1/academic/enrollments/student/{student_id}", "/api/v1/academic/sections/{section_id}/roster"):
        assert path in schema["paths"], path
