from __future__ import annotations

from datetime import time

import pytest
from rest_framework.test import APIClient

from apps.assignments import services
from apps.assignments.models import ScheduleBlock, TeacherAssignment
from apps.auth.contracts import principal_of
from apps.auth.tokens import issue_pair
from common.tenancy import SYSTEM
from events.models import OutboxEvent
from tests.assignments import factories
from tests.users.factories import GuardianLinkFactory, StaffFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assignments"


@pytest.fixture
def director():
    return StaffFactory(user_type="DIRECTOR", institution_id=1)


@pytest.fixture
def timetable(school):
    """Teacher 0 teaches course 0 in the section, Monday 08:00–09:30 in Aula 1."""
    assignment = services.assignment_create(scope=SYSTEM, teacher_id=school["teachers"][0].pk, course_id=school["courses"][0].pk,
                                            section_id=school["section"].pk)
    block = services.schedule_block_create(scope=SYSTEM, assignment_id=assignment.pk, day_of_week=1, start_time=time(8),
                                           end_time=time(9, 30), room="Aula 1")
    return {**school, "assignment": assignment, "block": block}


# --- writes: only academic management staff -------------------------------------------------------------


@pytest.mark.parametrize("user_type, expected", [
    ("ADMIN", 201), ("DIRECTOR", 201), ("SECRETARY", 403), ("AUXILIARY", 403), ("TEACHER", 403), ("PARENT", 403),
    ("STUDENT", 403), ("PSYCHOLOGIST", 403),
])
def test_who_may_assign_a_teacher(school, client_for, user_type, expected):
    caller = StaffFactory(user_type=user_type, institution_id=1, is_staff=False)
    body = {"teacher_id": school["teachers"][0].pk, "course_id": school["courses"][0].pk,
            "section_id": school["section"].pk}

    response = client_for(caller).post(f"{BASE}/", body, format="json")

    assert response.status_code == expected, response.content
    assert TeacherAssignment.objects.count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert response.json()["section_code"] == school["section"].code
        assert response.json()["teacher_name"] == school["teachers"][0].get_full_name()


def test_anonymous_callers_are_refused(api_client, timetable):
    for url in (f"{BASE}/", f"{BASE}/schedule-blocks/", f"{BASE}/teacher/{timetable['teachers'][0].pk}/courses",
                f"{BASE}/section/{timetable['section'].pk}/timetable"):
        assert api_client.get(url).status_code == 401


def test_assign_bad_input_is_400_and_a_wrong_user_422(school, client_for, director):
    client = client_for(director)

    bad = client.post(f"{BASE}/", {"teacher_id": "x", "section_id": school["section"].pk}, format="json")
    student = StudentFactory(institution_id=1)
    not_teacher = client.post(f"{BASE}/", {"teacher_id": student.pk, "course_id": school["courses"][0].pk,
                                           "section_id": school["section"].pk}, format="json")

    assert bad.status_code == 400
    assert set(bad.json()["error"]["details"]["fields"]) == {"teacher_id", "course_id"}
    assert not_teacher.status_code == 422 and not_teacher.json()["error"]["code"] == "not_an_active_teacher"
    assert not TeacherAssignment.objects.exists()


def test_remove_an_assignment(timetable, client_for, director):
    url = f"{BASE}/{timetable['assignment'].pk}"

    refused = client_for(timetable["teachers"][0]).delete(url)
    removed = client_for(director).delete(url, {"reason": "Cambio de plana"}, format="json")
    again = client_for(director).delete(url)

    assert refused.status_code == 403
    assert removed.status_code == 200 and removed.json()["is_active"] is False
    assert removed.json()["removal_reason"] == "Cambio de plana"
    assert again.status_code == 409 and again.json()["error"]["code"] == "assignment_already_removed"
    assert not ScheduleBlock.objects.exists()


def test_booking_a_clashing_block_answers_409_naming_the_block(timetable, client_for, director):
    other = services.assignment_create(scope=SYSTEM, teacher_id=timetable["teachers"][1].pk, course_id=timetable["courses"][1].pk,
                                       section_id=factories.section().pk)
    block = timetable["block"]

    response = client_for(director).post(f"{BASE}/schedule-blocks/", {
        "assignment_id": other.pk, "day_of_week": 1, "start_time": "09:00", "end_time": "10:00", "room": "Aula 1",
    }, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "schedule_conflict"
    assert error["details"]["conflicts"] == [{
        "block_id": block.pk, "kinds": ["room"], "assignment_id": block.assignment_id, "teacher_id": block.teacher_id,
        "section_id": block.section_id, "course_id": block.course_id, "room": "Aula 1", "day_of_week": 1,
        "start_time": "08:00", "end_time": "09:30"}]
    assert OutboxEvent.objects.filter(event_type="schedule.conflict.detected").count() == 1
    assert ScheduleBlock.objects.count() == 1


def test_booking_and_deleting_blocks_needs_assignments_manage(timetable, client_for, director):
    body = {"assignment_id": timetable["assignment"].pk, "day_of_week": 2, "start_time": "08:00",
            "end_time": "09:00"}

    teacher = client_for(timetable["teachers"][0]).post(f"{BASE}/schedule-blocks/", body, format="json")
    secretary = client_for(StaffFactory(user_type="SECRETARY", institution_id=1)).post(
        f"{BASE}/schedule-blocks/", body, format="json")
    booked = client_for(director).post(f"{BASE}/schedule-blocks/", body, format="json")
    delete_refused = client_for(timetable["teachers"][0]).delete(f"{BASE}/schedule-blocks/{booked.json()['id']}")
    deleted = client_for(director).delete(f"{BASE}/schedule-blocks/{booked.json()['id']}")

    assert (teacher.status_code, secretary.status_code, booked.status_code) == (403, 403, 201)
    assert booked.json()["day_of_week"] == 2 and booked.json()["duration_minutes"] == 60
    assert (delete_refused.status_code, deleted.status_code) == (403, 204)
    assert ScheduleBlock.objects.count() == 1


@pytest.mark.parametrize("body, field", [
    ({"day_of_week": 9, "start_time": "08:00", "end_time": "09:00"}, "day_of_week"),
    ({"day_of_week": 1, "start_time": "10:00", "end_time": "09:00"}, "end_time"),
    ({"day_of_week": 1, "start_time": "nope", "end_time": "09:00"}, "start_time"),
])
def test_bad_blocks_are_400_and_nothing_changes(timetable, client_for, director, body, field):
    response = client_for(director).post(f"{BASE}/schedule-blocks/", {"assignment_id": timetable["assignment"].pk,
                                                                       **body}, format="json")

    assert response.status_code == 400 and field in response.json()["error"]["details"]["fields"]
    assert ScheduleBlock.objects.count() == 1


def test_workload_exceeded_is_409(timetable, client_for, director, settings):
    settings.ASSIGNMENTS_MAX_WEEKLY_HOURS = 2

    response = client_for(director).post(f"{BASE}/schedule-blocks/", {
        "assignment_id": timetable["assignment"].pk, "day_of_week": 3, "start_time": "08:00", "end_time": "09:00",
    }, format="json")

    assert response.status_code == 409 and response.json()["error"]["code"] == "workload_exceeded"


# --- reads: teachers read their own -------------------------------------------------------------------------


def test_a_teacher_lists_only_their_own_assignments_and_blocks(timetable, client_for):
    mine, theirs = timetable["teachers"]
    services.assignment_create(scope=SYSTEM, teacher_id=theirs.pk, course_id=timetable["courses"][1].pk,
                               section_id=timetable["section"].pk)

    assignments = client_for(mine).get(f"{BASE}/").json()["results"]
    blocks = client_for(mine).get(f"{BASE}/schedule-blocks/").json()["results"]
    asking_for_theirs = client_for(mine).get(f"{BASE}/", {"teacher_id": theirs.pk}).json()["results"]

    assert [a["teacher_id"] for a in assignments] == [mine.pk]
    assert [b["id"] for b in blocks] == [timetable["block"].pk]
    assert asking_for_theirs == []


@pytest.mark.parametrize("path", ["courses", "timetable", "workload"])
def test_a_teacher_reads_their_own_courses_timetable_and_workload_only(timetable, client_for, path):
    mine, theirs = timetable["teachers"]

    own = client_for(mine).get(f"{BASE}/teacher/{mine.pk}/{path}")
    other = client_for(mine).get(f"{BASE}/teacher/{theirs.pk}/{path}")
    staff = client_for(StaffFactory(user_type="AUXILIARY", institution_id=1)).get(f"{BASE}/teacher/{mine.pk}/{path}")
    parent = client_for(GuardianLinkFactory().guardian).get(f"{BASE}/teacher/{mine.pk}/{path}")

    assert (own.status_code, other.status_code, staff.status_code, parent.status_code) == (200, 404, 200, 403)
    assert own.json() == staff.json()


def test_teacher_courses_show_course_section_and_headcount(timetable, client_for):
    teacher = timetable["teachers"][0]
    factories.enroll(student_id=StudentFactory().pk, section_row=timetable["section"])
    services.section_headcount_refresh(section_id=timetable["section"].pk)

    [course] = client_for(teacher).get(f"{BASE}/teacher/{teacher.pk}/courses").json()["courses"]

    assert course["course_name"] == timetable["courses"][0].name
    assert course["section_code"] == timetable["section"].code
    assert course["active_students"] == 1 and course["weekly_minutes"] == 90


def test_section_teachers(timetable, client_for, director):
    section = timetable["section"]
    teacher_elsewhere = TeacherFactory(institution_id=1)

    by_director = client_for(director).get(f"{BASE}/section/{section.pk}/teachers")
    by_its_teacher = client_for(timetable["teachers"][0]).get(f"{BASE}/section/{section.pk}/teachers")
    by_outsider = client_for(teacher_elsewhere).get(f"{BASE}/section/{section.pk}/teachers")
    unknown = client_for(director).get(f"{BASE}/section/987654/teachers")

    assert by_director.status_code == 200 and by_its_teacher.json() == by_director.json()
    [row] = by_director.json()["teachers"]
    assert row["teacher_id"] == timetable["teachers"][0].pk and row["course_code"] == timetable["courses"][0].code
    assert (by_outsider.status_code, unknown.status_code) == (404, 404)


def test_section_timetable_is_open_to_its_students_and_their_guardians(timetable, client_for):
    section = timetable["section"]
    link = GuardianLinkFactory()
    factories.enroll(student_id=link.student_id, section_row=section)
    stranger = GuardianLinkFactory()
    factories.enroll(student_id=stranger.student_id, section_row=factories.section())
    url = f"{BASE}/section/{section.pk}/timetable"

    student = client_for(link.student).get(url)
    guardian = client_for(link.guardian).get(url)
    other_guardian = client_for(stranger.guardian).get(url)
    other_teacher = client_for(TeacherFactory(institution_id=1)).get(url)

    assert (student.status_code, guardian.status_code) == (200, 200)
    assert (other_guardian.status_code, other_teacher.status_code) == (404, 404)
    grid = guardian.json()
    assert [d["day_of_week"] for d in grid["days"]] == [1, 2, 3, 4, 5]
    [block] = grid["days"][0]["blocks"]
    assert (block["block_id"], block["start_time"], block["end_time"], block["room"]) == (
        timetable["block"].pk, "08:00", "09:30", "Aula 1")
    assert block["course_name"] == timetable["courses"][0].name and grid["slots"] == ["08:00–09:30"]


def test_teacher_workload_reports_hours_against_the_maximum(timetable, client_for):
    teacher = timetable["teachers"][0]

    body = client_for(teacher).get(f"{BASE}/teacher/{teacher.pk}/workload").json()

    assert body == {"teacher_id": teacher.pk, "years": [{
        "academic_year_id": timetable["section"].academic_year_id, "weekly_hours": "1.50",
        "max_weekly_hours": "30.00", "remaining_hours": "28.50"}]}


# --- bounded query counts ----------------------------------------------------------------------------------


def _many_assignments(count: int):
    for _ in range(count):
        assignment = factories.AssignmentFactory()
        factories.ScheduleBlockFactory(assignment=assignment)


@pytest.mark.parametrize("url", [f"{BASE}/", f"{BASE}/schedule-blocks/"])
def test_list_endpoints_run_a_bounded_number_of_queries(client_for, director, django_assert_max_num_queries, url):
    _many_assignments(12)
    client = client_for(director)

    for page_size in (2, 12):
        with django_assert_max_num_queries(8):
            response = client.get(url, {"page_size": page_size})
        assert response.status_code == 200 and len(response.json()["results"]) == page_size


# --- the integration endpoint -----------------------------------------------------------------------------------


def _bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_pair(principal_of(user)).access}")
    return client


def test_validate_availability_answers_the_conflicts(timetable, settings):
    client = APIClient()
    client.credentials(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN)
    block = timetable["block"]
    proposal = {"teacherId": timetable["teachers"][1].pk, "sectionId": factories.section().pk,
                "academicYearId": block.academic_year_id, "dayOfWeek": 1, "startTime": "09:00", "endTime": "10:00",
                "room": "Aula 1"}

    busy = client.post(f"{BASE}/validate-availability", proposal, format="json")
    free = client.post(f"{BASE}/validate-availability", {**proposal, "startTime": "09:30"}, format="json")

    assert busy.status_code == 200 and busy.json()["available"] is False
    assert [(c["blockId"], c["kinds"]) for c in busy.json()["conflicts"]] == [(block.pk, ["room"])]
    assert free.json() == {"available": True, "conflicts": [], "workloadExceeded": False,
                           "weeklyHoursAfter": "0.50", "maxWeeklyHours": "30"}
    assert not OutboxEvent.objects.filter(event_type="schedule.conflict.detected").exists()  # a question, not a try


def test_validate_availability_authentication(timetable, director):
    proposal = {"teacherId": timetable["teachers"][0].pk, "sectionId": timetable["section"].pk,
                "academicYearId": timetable["block"].academic_year_id, "dayOfWeek": 2, "startTime": "08:00",
                "endTime": "09:00"}
    url = f"{BASE}/validate-availability"

    anonymous = APIClient().post(url, proposal, format="json")
    wrong_token = APIClient(HTTP_X_SERVICE_TOKEN="nope").post(url, proposal, format="json")
    staff = _bearer(director).post(url, proposal, format="json")
    parent = _bearer(GuardianLinkFactory().guardian).post(url, proposal, format="json")
    bad = _bearer(director).post(url, {**proposal, "dayOfWeek": 8}, format="json")
    reversed_times = _bearer(director).post(url, {**proposal, "endTime": "07:00"}, format="json")

    assert (anonymous.status_code, wrong_token.status_code) == (401, 401)
    assert staff.status_code == 200 and staff.json()["available"] is True
    assert parent.status_code == 403
    assert (bad.status_code, reversed_times.status_code) == (400, 400)
