"""Tenant isolation of the assignments context: two schools; school A's director, secretary and teacher
name school B's ids in the path, the query and the body and get 404 (exactly like an unknown id), and
nothing of B changes. Network staff, superusers and the service token still reach both schools."""

from __future__ import annotations

from datetime import time

import pytest
from rest_framework.test import APIClient

from apps.assignments import contracts, services
from apps.assignments.models import ScheduleBlock, TeacherAssignment, TeacherWorkload
from apps.auth.contracts import principal_of
from apps.auth.tokens import issue_pair
from common.errors import NotFound
from common.tenancy import SYSTEM, Scope
from tests.assignments import factories
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assignments"
A, B = 1, 2


_school = factories.school_with_a_block


@pytest.fixture
def schools():
    return {A: _school(A), B: _school(B)}


@pytest.fixture
def callers(schools):
    return {
        "director": StaffFactory(user_type="DIRECTOR", institution_id=A),
        "secretary": StaffFactory(user_type="SECRETARY", institution_id=A),
        "teacher": schools[A]["teacher"],
    }


def _fingerprint() -> list:
    return [
        list(TeacherAssignment.objects.filter(institution_id=B).order_by("pk").values()),
        list(ScheduleBlock.objects.filter(institution_id=B).order_by("pk").values()),
        list(TeacherWorkload.objects.filter(institution_id=B).order_by("pk").values("pk", "weekly_minutes")),
    ]


def _bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_pair(principal_of(user)).access}")
    return client


# --- reads -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["director", "secretary", "teacher"])
def test_school_a_reads_of_school_b_ids_in_the_path_answer_404(schools, callers, client_for, role):
    b = schools[B]
    client = client_for(callers[role])

    urls = [f"{BASE}/{b['assignment'].pk}", f"{BASE}/schedule-blocks/{b['block'].pk}",
            f"{BASE}/teacher/{b['teacher'].pk}/courses", f"{BASE}/teacher/{b['teacher'].pk}/timetable",
            f"{BASE}/teacher/{b['teacher'].pk}/workload", f"{BASE}/section/{b['section'].pk}/teachers",
            f"{BASE}/section/{b['section'].pk}/timetable"]
    answers = {url: client.get(url) for url in urls}

    assert {url: r.status_code for url, r in answers.items()} == {url: 404 for url in urls}
    for response in answers.values():
        assert str(b["section"].code) not in response.content.decode()


@pytest.mark.parametrize("role", ["director", "secretary"])
def test_school_a_lists_show_no_school_b_row_and_b_filters_answer_404(schools, callers, client_for, role):
    a, b = schools[A], schools[B]
    client = client_for(callers[role])

    assignments = client.get(f"{BASE}/")
    blocks = client.get(f"{BASE}/schedule-blocks/")
    by_b_section = client.get(f"{BASE}/", {"section_id": b["section"].pk})
    by_b_teacher = client.get(f"{BASE}/schedule-blocks/", {"teacher_id": b["teacher"].pk})
    by_b_assignment = client.get(f"{BASE}/schedule-blocks/", {"assignment_id": b["assignment"].pk})
    removed_too = client.get(f"{BASE}/", {"include_removed": "true"})

    assert [r["id"] for r in assignments.json()["results"]] == [a["assignment"].pk]
    assert [r["id"] for r in blocks.json()["results"]] == [a["block"].pk]
    assert by_b_section.status_code == 404 and by_b_section.json()["error"]["code"] == "section_not_found"
    assert by_b_teacher.status_code == 404 and by_b_teacher.json()["error"]["code"] == "teacher_not_found"
    assert by_b_assignment.status_code == 200 and by_b_assignment.json()["results"] == []
    assert [r["id"] for r in removed_too.json()["results"]] == [a["assignment"].pk]


def test_a_foreign_id_answers_exactly_like_an_unknown_one(schools, callers, client_for):
    client = client_for(callers["director"])

    foreign = client.get(f"{BASE}/{schools[B]['assignment'].pk}")
    unknown = client.get(f"{BASE}/987654321")

    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()


# --- writes ------------------------------------------------------------------------------------------------


def test_school_a_director_cannot_remove_or_book_on_school_b_assignments(schools, callers, client_for):
    b = schools[B]
    client = client_for(callers["director"])
    before = _fingerprint()

    remove = client.delete(f"{BASE}/{b['assignment'].pk}", {"reason": "x"}, format="json")
    delete_block = client.delete(f"{BASE}/schedule-blocks/{b['block'].pk}")
    book = client.post(f"{BASE}/schedule-blocks/", {"assignment_id": b["assignment"].pk, "day_of_week": 2,
                                                    "start_time": "10:00", "end_time": "11:00"}, format="json")

    assert (remove.status_code, delete_block.status_code, book.status_code) == (404, 404, 404)
    assert remove.json()["error"]["code"] == "assignment_not_found"
    assert delete_block.json()["error"]["code"] == "schedule_block_not_found"
    assert _fingerprint() == before


def test_booking_on_a_removed_school_b_assignment_is_404_not_a_422_naming_its_state(schools, callers, client_for):
    services.assignment_remove(scope=SYSTEM, assignment_id=schools[B]["assignment"].pk)
    before = _fingerprint()

    response = client_for(callers["director"]).post(
        f"{BASE}/schedule-blocks/", {"assignment_id": schools[B]["assignment"].pk, "day_of_week": 2,
                                     "start_time": "10:00", "end_time": "11:00"}, format="json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "assignment_not_found"
    assert "active" not in response.content.decode()
    assert _fingerprint() == before


@pytest.mark.parametrize("teacher_of, section_of, course_of, code", [
    (B, A, A, "teacher_not_found"), (A, B, A, "section_not_found"), (A, A, B, "course_not_found"),
])
def test_assigning_a_foreign_teacher_section_or_course_is_404(schools, callers, client_for, teacher_of, section_of,
                                                              course_of, code):
    extra_course = {A: factories.course(institution_id=A), B: schools[B]["course"]}  # A's course 0 is taken
    body = {"teacher_id": schools[teacher_of]["teacher"].pk, "section_id": schools[section_of]["section"].pk,
            "course_id": extra_course[course_of].pk}
    count = TeacherAssignment.objects.count()

    response = client_for(callers["director"]).post(f"{BASE}/", body, format="json")

    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == code
    assert TeacherAssignment.objects.count() == count


# --- the integration endpoint ------------------------------------------------------------------------------


def _proposal(school: dict, **changes) -> dict:
    return {"teacherId": school["teacher"].pk, "sectionId": school["section"].pk,
            "academicYearId": school["assignment"].academic_year_id, "dayOfWeek": 1, "startTime": "08:00",
            "endTime": "09:00", "room": "Aula 1", **changes}


@pytest.mark.parametrize("role", ["director", "secretary"])
def test_validate_availability_answers_404_about_another_schools_teacher_or_section(schools, callers, role):
    a, b = schools[A], schools[B]
    client = _bearer(callers[role])
    url = f"{BASE}/validate-availability"

    own = client.post(url, _proposal(a), format="json")
    foreign_teacher = client.post(url, _proposal(a, teacherId=b["teacher"].pk), format="json")
    foreign_section = client.post(url, _proposal(a, sectionId=b["section"].pk), format="json")
    foreign_all = client.post(url, _proposal(b), format="json")
    foreign_limit = client.post(url, _proposal(a, institutionId=B), format="json")
    foreign_block = client.post(url, _proposal(a, excludeBlockId=b["block"].pk), format="json")

    assert own.status_code == 200 and [c["blockId"] for c in own.json()["conflicts"]] == [a["block"].pk]
    assert [r.status_code for r in (foreign_teacher, foreign_section, foreign_all, foreign_limit, foreign_block)] \
        == [404] * 5
    assert "conflicts" not in foreign_all.json()


def test_a_service_token_acts_for_the_school_it_declares_and_network_wide_without(schools, settings):
    b = schools[B]
    declared_a = APIClient(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN, HTTP_X_PRS1_SCOPE=f"school:{A}")
    network = APIClient(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN)
    malformed = APIClient(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN, HTTP_X_PRS1_SCOPE="school:x")
    url = f"{BASE}/validate-availability"

    refused = declared_a.post(url, _proposal(b), format="json")
    answered = network.post(url, _proposal(b), format="json")
    bad = malformed.post(url, _proposal(b), format="json")

    assert refused.status_code == 404
    assert answered.status_code == 200 and [c["blockId"] for c in answered.json()["conflicts"]] == [b["block"].pk]
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_scope"


# --- network-wide callers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["network_staff", "superuser"])
def test_network_staff_and_superusers_reach_both_schools(schools, client_for, caller):
    user = (StaffFactory(user_type="ADMIN", institution_id=None) if caller == "network_staff"
            else StaffFactory(user_type="ADMIN", institution_id=A, is_superuser=True))
    client = client_for(user)
    b = schools[B]

    listed = client.get(f"{BASE}/")
    detail = client.get(f"{BASE}/{b['assignment'].pk}")
    teachers = client.get(f"{BASE}/section/{b['section'].pk}/teachers")
    workload = client.get(f"{BASE}/teacher/{b['teacher'].pk}/workload")
    deleted = client.delete(f"{BASE}/schedule-blocks/{b['block'].pk}")

    assert {r["id"] for r in listed.json()["results"]} == {schools[A]["assignment"].pk, b["assignment"].pk}
    assert detail.status_code == 200 and teachers.status_code == 200
    assert workload.json()["years"][0]["weekly_hours"] == "1.50"
    assert deleted.status_code == 204 and not ScheduleBlock.objects.filter(pk=b["block"].pk).exists()


# --- contracts and services --------------------------------------------------------------------------------


def test_contracts_return_nothing_of_a_school_the_scope_does_not_reach(schools):
    b = schools[B]
    scope_a = Scope.school(A)

    assert contracts.teachers_of_section(scope=scope_a, section_id=b["section"].pk) == []
    assert contracts.assignments_of_teacher(scope=scope_a, teacher_id=b["teacher"].pk) == []
    assert not contracts.is_teacher_of(scope=scope_a, teacher_id=b["teacher"].pk, section_id=b["section"].pk)
    assert [d.id for d in contracts.teachers_of_section(scope=SYSTEM, section_id=b["section"].pk)] == \
        [b["assignment"].pk]
    with pytest.raises(NotFound):
        contracts.check_availability(scope=scope_a, teacher_id=b["teacher"].pk, section_id=b["section"].pk,
                                     academic_year_id=b["assignment"].academic_year_id, day_of_week=2,
                                     start_time=time(8), end_time=time(9))


def test_a_school_scope_cannot_remove_another_schools_assignment_through_the_service(schools):
    with pytest.raises(NotFound):
        services.assignment_remove(scope=Scope.school(A), assignment_id=schools[B]["assignment"].pk)
    with pytest.raises(NotFound):
        services.schedule_block_delete(scope=Scope.nobody(), block_id=schools[B]["block"].pk)

    assert TeacherAssignment.objects.get(pk=schools[B]["assignment"].pk).is_active
    assert ScheduleBlock.objects.filter(pk=schools[B]["block"].pk).exists()


def test_every_row_carries_its_school(schools):
    assert set(TeacherAssignment.objects.values_list("institution_id", flat=True)) == {A, B}
    assert set(ScheduleBlock.objects.values_list("institution_id", flat=True)) == {A, B}
    assert set(TeacherWorkload.objects.values_list("institution_id", flat=True)) == {A, B}
