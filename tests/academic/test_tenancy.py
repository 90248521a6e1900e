"""Academic is tenant-safe by construction: school A's staff never read or change school B's
years, grade levels, courses, curriculum, sections, rosters or enrollments (a B id answers 404 like
an unknown one, or the same field error in a body); one student holds one open enrollment per
calendar year across the whole install; only network staff move a student to another school."""

from __future__ import annotations

import datetime
import threading
from types import SimpleNamespace

import pytest
from django.db import connection

from apps.academic import services
from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section
from apps.users.models import User
from common.errors import Conflict
from common.tenancy import SYSTEM
from events.models import OutboxEvent
from tests.academic.factories import (
    AcademicYearFactory,
    CourseFactory,
    CurriculumEntryFactory,
    EnrollmentFactory,
    InstitutionFactory,
    SectionFactory,
)
from tests.users.factories import StaffFactory, StudentFactory

API = "/api/v1/academic"


def build(tag: str):
    institution = InstitutionFactory(name=f"I.E. {tag}")
    year = AcademicYearFactory(institution_id=institution.pk, year=2026)
    section = SectionFactory(academic_year=year, name="5A", code=f"SEC-2026-5A-{tag}")
    other_section = SectionFactory(academic_year=year, name="5B", code=f"SEC-2026-5B-{tag}")
    course = CourseFactory(grade_level=section.grade_level, code=f"MAT-{tag}")
    entry = CurriculumEntryFactory(course=course, academic_year=year)
    student = StudentFactory(institution_id=institution.pk)
    enrollment = EnrollmentFactory(section=section, student_id=student.pk)
    director = StaffFactory(user_type="DIRECTOR", institution_id=institution.pk)
    return SimpleNamespace(institution=institution, year=year, section=section, other_section=other_section,
                           level=section.grade_level, course=course, entry=entry, student=student,
                           enrollment=enrollment, director=director)


@pytest.fixture
def world(db):
    return SimpleNamespace(a=build("A"), b=build("B"))


def fingerprint(school) -> tuple:
    return (
        tuple(AcademicYear.objects.filter(institution_id=school.institution.pk).values_list(
            "id", "status", "start_date", "end_date").order_by("id")),
        tuple(GradeLevel.objects.filter(institution_id=school.institution.pk).values_list(
            "id", "name", "order").order_by("id")),
        tuple(Course.objects.filter(institution_id=school.institution.pk).values_list(
            "id", "name", "hours_per_week").order_by("id")),
        tuple(CurriculumEntry.objects.filter(academic_year__institution_id=school.institution.pk).values_list(
            "id", flat=True).order_by("id")),
        tuple(Section.objects.filter(institution_id=school.institution.pk).values_list(
            "id", "capacity", "tutor_id", "shift").order_by("id")),
        tuple(Enrollment.objects.filter(institution_id=school.institution.pk).values_list(
            "id", "status", "section_id", "end_date", "promotion_decision").order_by("id")),
    )


# --- lists: only the caller's school ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["years", "grade-levels", "courses", "curriculum", "sections"])
def test_lists_show_only_the_callers_school(world, client_for, path):
    rows = client_for(world.a.director).get(f"{API}/{path}").json()["results"]
    ids = {row["id"] for row in rows}
    b_ids = {"years": {world.b.year.pk}, "grade-levels": {world.b.level.pk}, "courses": {world.b.course.pk},
             "curriculum": {world.b.entry.pk}, "sections": {world.b.section.pk, world.b.other_section.pk}}[path]
    assert ids and not ids & b_ids


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["academic_year={b.year.pk}", "grade_level={b.level.pk}", "year=2026&grade_level={b.level.pk}"])
def test_filters_naming_another_schools_rows_never_widen_the_list(world, client_for, query):
    body = client_for(world.a.director).get(f"{API}/sections?{query.format(b=world.b)}").json()
    assert body["count"] == 0


@pytest.mark.django_db
def test_network_staff_list_every_school(world, client_for):
    network = StaffFactory(user_type="ADMIN", institution_id=None)
    ids = {row["id"] for row in client_for(network).get(f"{API}/sections").json()["results"]}
    assert {world.a.section.pk, world.b.section.pk} <= ids


# --- single objects: 404 like an unknown id, nothing changes ----------------------------------------


def foreign_calls(b):
    today = "2026-06-01"
    return [
        ("get", f"years/{b.year.pk}", None), ("patch", f"years/{b.year.pk}", {"end_date": "2026-12-20"}),
        ("delete", f"years/{b.year.pk}", None), ("post", f"years/{b.year.pk}/start", None),
        ("post", f"years/{b.year.pk}/close", None),
        ("get", f"grade-levels/{b.level.pk}", None), ("patch", f"grade-levels/{b.level.pk}", {"name": "X"}),
        ("delete", f"grade-levels/{b.level.pk}", None),
        ("get", f"courses/{b.course.pk}", None), ("patch", f"courses/{b.course.pk}", {"hours_per_week": 1}),
        ("delete", f"courses/{b.course.pk}", None), ("delete", f"curriculum/{b.entry.pk}", None),
        ("get", f"sections/{b.section.pk}", None), ("patch", f"sections/{b.section.pk}", {"capacity": 99}),
        ("delete", f"sections/{b.other_section.pk}", None), ("get", f"sections/{b.section.pk}/roster", None),
        ("get", f"sections/{b.section.pk}/courses", None),
        ("get", f"enrollments/{b.enrollment.pk}", None), ("get", f"enrollments/student/{b.student.pk}", None),
        ("post", f"enrollments/{b.enrollment.pk}/transfer", {"target_section_id": b.other_section.pk,
                                                             "effective_date": today}),
        ("post", f"enrollments/{b.enrollment.pk}/withdraw", {"effective_date": today}),
        ("post", f"enrollments/{b.enrollment.pk}/promotion-decision", {"promotion_decision": "REPEATS"}),
        ("post", f"enrollments/{b.enrollment.pk}/transfer-school", {"target_section_id": b.other_section.pk}),
    ]


@pytest.mark.django_db
def test_every_operation_on_another_schools_object_answers_404_and_changes_nothing(world, client_for):
    client = client_for(world.a.director)
    before = fingerprint(world.b)
    for method, path, body in foreign_calls(world.b):
        response = getattr(client, method)(f"{API}/{path}", body, format="json")
        assert response.status_code == 404, (method, path, response.status_code, response.content)
        assert "I.E. B" not in response.content.decode() and world.b.section.code not in response.content.decode()
    assert fingerprint(world.b) == before


@pytest.mark.django_db
def test_a_withdrawn_foreign_enrollment_answers_404_not_a_state_error(world, client_for):
    """A 422 naming the state (enrollment_not_active) would confirm the foreign row exists."""
    Enrollment.objects.filter(pk=world.b.enrollment.pk).update(status=Enrollment.Status.WITHDRAWN)
    client = client_for(world.a.director)
    for action, body in (("withdraw", {}), ("transfer", {"target_section_id": world.a.other_section.pk}),
                         ("promotion-decision", {"promotion_decision": "REPEATS"})):
        response = client.post(f"{API}/enrollments/{world.b.enrollment.pk}/{action}", body, format="json")
        assert response.status_code == 404 and response.json()["error"]["code"] == "enrollment_not_found"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "body"), [
    ("sections", lambda a, b: {"academic_year_id": b.year.pk, "grade_level_id": b.level.pk, "name": "9Z",
                               "capacity": 10}),
    ("sections", lambda a, b: {"academic_year_id": a.year.pk, "grade_level_id": b.level.pk, "name": "9Z",
                               "capacity": 10}),
    ("courses", lambda a, b: {"grade_level_id": b.level.pk, "code": "ZZ-1", "name": "Z", "area": "Z",
                              "hours_per_week": 2}),
    ("curriculum", lambda a, b: {"academic_year_id": b.year.pk, "course_id": b.course.pk}),
    ("curriculum", lambda a, b: {"academic_year_id": a.year.pk, "course_id": b.course.pk}),
    ("years", lambda a, b: {"institution_id": b.institution.pk, "year": 2031, "start_date": "2031-03-01",
                            "end_date": "2031-12-01"}),
])
def test_creates_naming_another_schools_rows_are_refused_like_unknown_ids(world, client_for, path, body):
    client = client_for(world.a.director)
    before_a, before_b = fingerprint(world.a), fingerprint(world.b)
    response = client.post(f"{API}/{path}", body(world.a, world.b), format="json")
    assert response.status_code in (400, 404), response.content
    assert fingerprint(world.a) == before_a and fingerprint(world.b) == before_b


@pytest.mark.django_db
def test_a_section_transfer_to_another_schools_section_is_an_unknown_section(world, client_for):
    client = client_for(world.a.director)
    before_a, before_b = fingerprint(world.a), fingerprint(world.b)
    response = client.post(f"{API}/enrollments/{world.a.enrollment.pk}/transfer",
                           {"target_section_id": world.b.section.pk, "effective_date": "2026-06-01"}, format="json")
    assert response.status_code == 400 and "target_section_id" in response.json()["error"]["details"]["fields"]
    assert fingerprint(world.a) == before_a and fingerprint(world.b) == before_b


@pytest.mark.django_db
def test_a_tutor_from_another_school_is_refused(world, client_for):
    from tests.users.factories import TeacherFactory

    foreign_teacher = TeacherFactory(institution_id=world.b.institution.pk)
    response = client_for(world.a.director).patch(f"{API}/sections/{world.a.section.pk}",
                                                  {"tutor_id": foreign_teacher.pk}, format="json")
    assert response.status_code == 400
    assert Section.objects.get(pk=world.a.section.pk).tutor_id != foreign_teacher.pk


# --- one open enrollment per student and calendar year, across the install ------------------------


@pytest.mark.django_db
def test_a_student_active_in_one_school_cannot_open_an_enrollment_in_another_the_same_year(world):
    with pytest.raises(Conflict) as refused:
        services.enrollment_open(scope=SYSTEM, student_id=world.a.student.pk, section_id=world.b.section.pk,
                                 enrollment_type="REGULAR", enrollment_date=datetime.date(2026, 4, 1),
                                 previous_institution=None, saga_id=None)
    assert refused.value.code == "student_already_enrolled"
    assert refused.value.details == {}  # the other school's enrollment is not disclosed
    assert Enrollment.objects.filter(student_id=world.a.student.pk).count() == 1


@pytest.mark.django_db
def test_the_next_calendar_year_is_a_different_year(world):
    next_year = AcademicYearFactory(institution_id=world.b.institution.pk, year=2027, status=AcademicYear.Status.PLANNING)
    section = SectionFactory(academic_year=next_year, name="6A", code="SEC-2027-6A-B")
    opened = services.enrollment_open(scope=SYSTEM, student_id=world.a.student.pk, section_id=section.pk,
                                      enrollment_type="REGULAR", enrollment_date=datetime.date(2027, 3, 2),
                                      previous_institution=None, saga_id=None)
    assert opened.year == 2027 and opened.status == Enrollment.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_schools_enrolling_the_same_student_at_once_one_wins_the_other_is_refused():
    a, b = build("A"), build("B")
    student = StudentFactory(institution_id=a.institution.pk)
    barrier = threading.Barrier(2)
    results: list[tuple[str, object]] = []
    lock = threading.Lock()

    def enroll(section_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            enrollment = services.enrollment_open(
                scope=SYSTEM, student_id=student.pk, section_id=section_id, enrollment_type="REGULAR",
                enrollment_date=datetime.date(2026, 4, 1), previous_institution=None, saga_id=None)
            outcome = ("ok", enrollment.pk)
        except Conflict as exc:
            outcome = ("conflict", exc.code)
        except Exception as exc:
            outcome = ("error", repr(exc))
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=enroll, args=(section_id,)) for section_id in (a.section.pk, b.section.pk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(kind for kind, _ in results) == ["conflict", "ok"], results
    assert [value for kind, value in results if kind == "conflict"] == ["student_already_enrolled"]
    rows = Enrollment.objects.filter(student_id=student.pk)
    assert rows.count() == 1 and rows.get().code  # the winner's row, complete; no partial row of the loser


# --- moving a student to another school: network staff only ----------------------------------------


@pytest.mark.django_db
def test_network_staff_transfer_a_student_to_another_school(world, client_for):
    network = StaffFactory(user_type="ADMIN", institution_id=None)
    seats_before = Enrollment.objects.filter(Enrollment.holds_seat(), section=world.b.other_section).count()
    response = client_for(network).post(f"{API}/enrollments/{world.a.enrollment.pk}/transfer-school",
                                        {"target_section_id": world.b.other_section.pk,
                                         "effective_date": "2026-06-01", "reason": "Mudanza"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    old = Enrollment.objects.get(pk=world.a.enrollment.pk)
    new = Enrollment.objects.get(pk=body["id"])
    assert old.status == Enrollment.Status.TRANSFERRED and old.end_date == datetime.date(2026, 6, 1)
    assert (new.status, new.enrollment_type, new.institution_id, new.section_id, new.previous_enrollment_id,
            new.year) == (Enrollment.Status.ACTIVE, Enrollment.Type.TRANSFER_IN, world.b.institution.pk,
                          world.b.other_section.pk, old.pk, 2026)
    assert new.previous_institution == "I.E. A"
    assert User.objects.get(pk=world.a.student.pk).institution_id == world.b.institution.pk
    assert Enrollment.objects.filter(Enrollment.holds_seat(), section=world.b.other_section).count() == seats_before + 1
    event = OutboxEvent.objects.get(event_type="student.transferred", aggregate_id=str(new.pk))
    payload = event.envelope["payload"]
    assert payload["institutionId"] == world.b.institution.pk
    assert payload["fromSectionId"] == world.a.section.pk and payload["toSectionId"] == world.b.other_section.pk
    # the new school now sees the student's enrollment; the old one still sees its closed row only
    assert client_for(world.b.director).get(f"{API}/enrollments/{new.pk}").status_code == 200
    assert client_for(world.a.director).get(f"{API}/enrollments/{new.pk}").status_code == 404


@pytest.mark.django_db
def test_school_staff_may_not_transfer_between_schools(world, client_for):
    client = client_for(world.a.director)
    before_a, before_b = fingerprint(world.a), fingerprint(world.b)
    own = client.post(f"{API}/enrollments/{world.a.enrollment.pk}/transfer-school",
                      {"target_section_id": world.b.section.pk}, format="json")
    foreign = client.post(f"{API}/enrollments/{world.b.enrollment.pk}/transfer-school",
                          {"target_section_id": world.a.other_section.pk}, format="json")
    assert own.status_code == 403 and own.json()["error"]["code"] == "network_scope_required"
    assert foreign.status_code == 404
    assert fingerprint(world.a) == before_a and fingerprint(world.b) == before_b
    assert User.objects.get(pk=world.a.student.pk).institution_id == world.a.institution.pk


@pytest.mark.django_db
def test_a_school_transfer_within_the_same_school_is_refused(world, client_for):
    network = StaffFactory(user_type="ADMIN", institution_id=None)
    before = fingerprint(world.a)
    response = client_for(network).post(f"{API}/enrollments/{world.a.enrollment.pk}/transfer-school",
                                        {"target_section_id": world.a.other_section.pk}, format="json")
    assert response.status_code == 400
    assert fingerprint(world.a) == before


@pytest.mark.django_db
def test_a_parent_without_a_school_reads_only_their_childs_enrollments(world, client_for, fake_contract):
    """Families reach their own rows through their ids (can_read_student), not through a school."""
    from apps.users.contracts import UsersContract
    from tests.users.factories import GuardianFactory

    parent = GuardianFactory(institution_id=None)
    fake_contract(UsersContract, "guardian_student_ids",
                  lambda *, guardian_id: frozenset({world.a.student.pk} if guardian_id == parent.pk else ()))
    client = client_for(parent)
    assert client.get(f"{API}/enrollments/{world.a.enrollment.pk}").status_code == 200
    history = client.get(f"{API}/enrollments/student/{world.a.student.pk}")
    assert history.status_code == 200 and [row["id"] for row in history.json()] == [world.a.enrollment.pk]
    assert client.get(f"{API}/enrollments/{world.b.enrollment.pk}").status_code == 404
    assert client.get(f"{API}/enrollments/student/{world.b.student.pk}").status_code == 404


@pytest.mark.django_db
def test_a_campus_of_another_school_is_refused_like_an_unknown_one(world, client_for):
    from tests.institution.factories import CampusFactory

    own, foreign = CampusFactory(institution=world.a.institution), CampusFactory(institution=world.b.institution)
    client = client_for(world.a.director)
    created = client.post(f"{API}/sections", {"academic_year_id": world.a.year.pk, "grade_level_id": world.a.level.pk,
                                              "name": "9Z", "capacity": 10, "campus_id": foreign.pk}, format="json")
    changed = client.patch(f"{API}/sections/{world.a.section.pk}", {"campus_id": foreign.pk}, format="json")
    unknown = client.patch(f"{API}/sections/{world.a.section.pk}", {"campus_id": 987654321}, format="json")
    assert created.status_code == changed.status_code == unknown.status_code == 400
    assert changed.json()["error"] == unknown.json()["error"]
    assert not Section.objects.filter(name="9Z").exists()
    assert Section.objects.get(pk=world.a.section.pk).campus_id != foreign.pk
    assert client.patch(f"{API}/sections/{world.a.section.pk}", {"campus_id": own.pk},
                        format="json").json()["campus_id"] == own.pk
