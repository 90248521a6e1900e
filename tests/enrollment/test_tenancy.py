"""The enrollment saga is tenant-safe: the student, the section and the acting user belong to one
school. The request refuses another school's student or section like an unknown id (404), the saga
re-checks when it runs and refuses with a coded reason, compensating so nothing is left behind, and
the saga list/detail show a school only its own sagas."""

from __future__ import annotations

import pytest

from apps.academic.models import Enrollment, Section
from apps.attendance.models import AttendanceRecord, StudentAttendanceProfile
from apps.enrollment.sagas import STUDENT_ENROLLMENT
from apps.grades.models import GradeRecord
from events.saga import engine
from events.saga.models import SagaInstance, SagaStatus
from tests.enrollment.conftest import YEAR, build_school
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/academic/enrollments"


@pytest.fixture
def schools(db):
    return build_school(capacity=30), build_school(capacity=31)


def seats(section_id: int) -> int:
    return Enrollment.objects.filter(Enrollment.holds_seat(), section_id=section_id).count()


def assert_nothing_left(student_id: int, *section_ids: int, seats_before: dict[int, int]) -> None:
    assert not Enrollment.objects.filter(student_id=student_id).exclude(status=Enrollment.Status.INVALID).exists()
    assert not Enrollment.objects.filter(student_id=student_id, status__in=Enrollment.OPEN_STATUSES).exists()
    assert not GradeRecord.objects.filter(student_id=student_id).exists()
    assert not AttendanceRecord.objects.filter(student_id=student_id).exists()
    assert not StudentAttendanceProfile.objects.filter(student_id=student_id).exists()
    assert {section_id: seats(section_id) for section_id in section_ids} == seats_before


def run_saga(data: dict, django_capture_on_commit_callbacks) -> SagaInstance:
    base = {"enrollment_type": "REGULAR", "enrollment_date": f"{YEAR}-03-02", "previous_institution": None}
    with django_capture_on_commit_callbacks(execute=True):
        saga, _ = engine.start(STUDENT_ENROLLMENT, data={**base, **data})
    saga.refresh_from_db()
    return saga


# --- at request time (the API) -------------------------------------------------------------------


def test_a_school_naming_another_schools_section_gets_404_and_starts_nothing(schools, client_for):
    a, b = schools
    student = a.new_student(guardians=0)
    response = client_for(a.secretary).post(URL, {"student_id": student.pk, "section_id": b.section_id}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "section_not_found"
    assert not SagaInstance.objects.exists()


def test_a_school_naming_another_schools_student_gets_404_like_an_unknown_one(schools, client_for):
    a, b = schools
    foreign = b.new_student(guardians=0)
    client = client_for(a.secretary)
    response = client.post(URL, {"student_id": foreign.pk, "section_id": a.section_id}, format="json")
    unknown = client.post(URL, {"student_id": 987654321, "section_id": a.section_id}, format="json")
    assert response.status_code == unknown.status_code == 404
    assert response.json()["error"] == unknown.json()["error"]
    assert not SagaInstance.objects.exists()


def test_network_staff_naming_a_student_and_a_section_of_two_schools_is_refused(schools, client_for):
    a, b = schools
    student = a.new_student(guardians=0)
    network = StaffFactory(user_type="ADMIN", institution_id=None)
    response = client_for(network).post(URL, {"student_id": student.pk, "section_id": b.section_id}, format="json")
    assert response.status_code == 422 and response.json()["error"]["code"] == "student_other_institution"
    assert not SagaInstance.objects.exists()


def test_the_saga_records_its_school_and_actor(schools, client_for, django_capture_on_commit_callbacks):
    a, _b = schools
    student = a.new_student(guardians=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(a.secretary).post(URL, {"student_id": student.pk, "section_id": a.section_id},
                                                format="json")
    assert response.status_code == 202
    saga = SagaInstance.objects.get(id=response.json()["saga_id"])
    assert saga.data["institution_id"] == a.institution_id and saga.data["actor_id"] == a.secretary.pk
    assert saga.status == SagaStatus.COMPLETED


# --- the saga list and detail are scoped -----------------------------------------------------------


def test_a_school_lists_and_reads_only_its_own_sagas(schools, client_for, django_capture_on_commit_callbacks):
    a, b = schools
    with django_capture_on_commit_callbacks(execute=True):
        mine = client_for(a.secretary).post(URL, {"student_id": a.new_student(guardians=0).pk,
                                                  "section_id": a.section_id}, format="json").json()["saga_id"]
        theirs = client_for(b.secretary).post(URL, {"student_id": b.new_student(guardians=0).pk,
                                                    "section_id": b.section_id}, format="json").json()["saga_id"]
    client = client_for(a.secretary)
    listed = [row["saga_id"] for row in client.get(f"{URL}/sagas").json()["results"]]
    assert listed == [mine]
    assert client.get(f"{URL}/sagas?student_id={SagaInstance.objects.get(id=theirs).data['student_id']}").json()[
        "count"] == 0
    assert client.get(f"{URL}/sagas/{theirs}").status_code == 404
    assert client.get(f"{URL}/sagas/{mine}").status_code == 200
    network = client_for(StaffFactory(user_type="ADMIN", institution_id=None))
    assert {row["saga_id"] for row in network.get(f"{URL}/sagas").json()["results"]} == {mine, theirs}


def test_the_same_idempotency_key_in_two_schools_starts_two_sagas(schools, client_for,
                                                                  django_capture_on_commit_callbacks):
    a, b = schools
    with django_capture_on_commit_callbacks(execute=True):
        first = client_for(a.secretary).post(URL, {"student_id": a.new_student(guardians=0).pk,
                                                   "section_id": a.section_id}, format="json",
                                             HTTP_IDEMPOTENCY_KEY="same-key")
        second = client_for(b.secretary).post(URL, {"student_id": b.new_student(guardians=0).pk,
                                                    "section_id": b.section_id}, format="json",
                                              HTTP_IDEMPOTENCY_KEY="same-key")
    assert first.status_code == second.status_code == 202
    assert first.json()["saga_id"] != second.json()["saga_id"]
    assert second.json()["section_id"] == b.section_id


# --- inside the saga (started directly: the saga does not trust its input) --------------------------


def test_saga_refuses_a_student_of_school_a_in_a_section_of_school_b(schools, django_capture_on_commit_callbacks):
    a, b = schools
    student = a.new_student(guardians=0)
    before = {a.section_id: seats(a.section_id), b.section_id: seats(b.section_id)}
    saga = run_saga({"student_id": student.pk, "section_id": b.section_id, "institution_id": b.institution_id},
                    django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPENSATED
    assert "student_other_institution" in saga.last_error
    assert_nothing_left(student.pk, a.section_id, b.section_id, seats_before=before)


def test_saga_refuses_a_student_of_school_b_in_a_section_of_school_a(schools, django_capture_on_commit_callbacks):
    a, b = schools
    student = b.new_student(guardians=0)
    before = {a.section_id: seats(a.section_id), b.section_id: seats(b.section_id)}
    saga = run_saga({"student_id": student.pk, "section_id": a.section_id}, django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPENSATED
    assert "student_other_institution" in saga.last_error
    assert_nothing_left(student.pk, a.section_id, b.section_id, seats_before=before)


def test_saga_refuses_an_actor_of_school_a_enrolling_in_school_b(schools, django_capture_on_commit_callbacks):
    a, b = schools
    student = b.new_student(guardians=0)
    before = {a.section_id: seats(a.section_id), b.section_id: seats(b.section_id)}
    saga = run_saga({"student_id": student.pk, "section_id": b.section_id, "institution_id": b.institution_id,
                     "actor_id": a.secretary.pk}, django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPENSATED
    assert "actor_other_institution" in saga.last_error
    assert_nothing_left(student.pk, a.section_id, b.section_id, seats_before=before)


def test_saga_refuses_a_section_outside_the_school_it_was_asked_for(schools, django_capture_on_commit_callbacks):
    a, b = schools
    student = b.new_student(guardians=0)
    before = {a.section_id: seats(a.section_id), b.section_id: seats(b.section_id)}
    saga = run_saga({"student_id": student.pk, "section_id": b.section_id, "institution_id": a.institution_id},
                    django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPENSATED
    assert "section_other_institution" in saga.last_error
    assert_nothing_left(student.pk, a.section_id, b.section_id, seats_before=before)


def test_saga_refuses_a_student_who_moved_school_after_the_request(schools, client_for, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    """ValidateUserExists re-reads the student: one moved between CreateEnrollment and it is refused,
    and the pending enrollment CreateEnrollment opened is compensated away."""
    from apps.academic import contracts as academic
    from apps.users.models import User

    a, b = schools
    student = a.new_student(guardians=0)
    before = {a.section_id: seats(a.section_id), b.section_id: seats(b.section_id)}
    real_open = academic.enrollment_open

    def open_then_move(**kwargs):
        opened = real_open(**kwargs)
        User.objects.filter(pk=student.pk).update(institution_id=b.institution_id)
        return opened

    monkeypatch.setattr(academic, "enrollment_open", open_then_move)
    saga = run_saga({"student_id": student.pk, "section_id": a.section_id, "institution_id": a.institution_id,
                     "actor_id": a.secretary.pk}, django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPENSATED
    assert "ValidateUserExists" in saga.last_error and "student_other_institution" in saga.last_error
    assert_nothing_left(student.pk, a.section_id, b.section_id, seats_before=before)
    assert Section.objects.filter(pk=a.section_id).exists()


def test_a_network_actor_may_enroll_in_any_school(schools, django_capture_on_commit_callbacks):
    _a, b = schools
    student = b.new_student(guardians=0)
    network = StaffFactory(user_type="ADMIN", institution_id=None)
    saga = run_saga({"student_id": student.pk, "section_id": b.section_id, "institution_id": b.institution_id,
                     "actor_id": network.pk}, django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPLETED
    assert Enrollment.objects.get(student_id=student.pk).status == Enrollment.Status.ACTIVE
