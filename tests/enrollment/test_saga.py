"""StudentEnrollmentSaga in-process (eager Celery): API, permissions, every failure point, and a
property over random failure points. The same saga on a real worker: test_saga_worker.py."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from apps.academic import contracts as academic
from apps.academic import services as academic_services
from apps.attendance import contracts as attendance
from apps.enrollment.sagas import STUDENT_ENROLLMENT, StudentEnrollmentSaga
from apps.grades import contracts as grades
from common.tenancy import SYSTEM
from events.models import OutboxEvent
from events.saga import engine
from events.saga.models import SagaInstance, SagaStatus, StepStatus
from tests.enrollment.conftest import YEAR, build_school
from tests.users.factories import GuardianFactory, StaffFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/academic/enrollments"
STEPS = [step.name for step in StudentEnrollmentSaga.steps]


def welcome_messages(enrollment_id):
    from apps.notifications.models import Message

    return Message.objects.filter(idempotency_key__startswith=f"welcome:{enrollment_id}:")


def assert_welcomed_once(enrollment_id, student):
    """Every guardian is welcomed, and no guardian twice on one channel (saga step + handler)."""
    from apps.users.models import GuardianLink

    sent = list(welcome_messages(enrollment_id).values_list("recipient_user_id", "channel"))
    guardians = set(GuardianLink.objects.filter(student=student).values_list("guardian_id", flat=True))
    assert {recipient for recipient, _ in sent} == guardians
    assert len(sent) == len(set(sent))


def enrolled_events(enrollment_id):
    return OutboxEvent.objects.filter(event_type="student.enrolled", aggregate_id=str(enrollment_id))


def assert_fully_enrolled(saga, school):
    enrollment_id = saga.data["enrollment_id"]
    enrollment = academic.get_enrollment(scope=SYSTEM, enrollment_id=enrollment_id)
    assert enrollment.status == "ACTIVE" and enrollment.section_id == school.section_id
    assert grades.grade_record_count(scope=SYSTEM, enrollment_id=enrollment_id) == len(school.course_ids) * len(school.period_ids)
    assert attendance.has_attendance_record(scope=SYSTEM, enrollment_id=enrollment_id)
    assert enrolled_events(enrollment_id).count() == 1


def assert_fully_compensated(saga, school, student_id):
    enrollment_id = saga.data.get("enrollment_id")
    assert academic.active_enrollment(scope=SYSTEM, student_id=student_id) is None
    if enrollment_id is not None:
        assert academic.get_enrollment(scope=SYSTEM, enrollment_id=enrollment_id) is None
        assert grades.grade_record_count(scope=SYSTEM, enrollment_id=enrollment_id) == 0
        assert not attendance.has_attendance_record(scope=SYSTEM, enrollment_id=enrollment_id)
        assert not enrolled_events(enrollment_id).exists()
    assert student_id not in academic.section_student_ids(scope=SYSTEM, section_id=school.section_id)


def post_enrollment(client, student_id, section_id, **extra):
    return client.post(URL, {"student_id": student_id, "section_id": section_id, **extra.pop("body", {})},
                       format="json", **extra)


# --- the API ---------------------------------------------------------------------------------------


def test_enrolling_answers_202_with_a_status_url_and_the_saga_completes(school, client_for,
                                                                        django_capture_on_commit_callbacks):
    student = school.new_student()
    client = client_for(school.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_enrollment(client, student.pk, school.section_id)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status_url"].endswith(f"/api/v1/academic/enrollments/sagas/{body['saga_id']}")
    assert response["Location"] == body["status_url"]

    status = client.get(body["status_url"]).json()
    assert status["status"] == SagaStatus.COMPLETED
    assert [step["name"] for step in status["steps"]] == STEPS
    assert all(step["status"] == StepStatus.SUCCEEDED for step in status["steps"])
    assert status["enrollment_code"].startswith(f"ENR-{school_year(school)}-")
    saga = SagaInstance.objects.get(id=body["saga_id"])
    assert_fully_enrolled(saga, school)
    assert_welcomed_once(saga.data["enrollment_id"], student)


def school_year(school):
    return academic.get_section(scope=SYSTEM, section_id=school.section_id).year


def test_the_same_idempotency_key_starts_one_saga(school, client_for, django_capture_on_commit_callbacks):
    student = school.new_student()
    client = client_for(school.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        first = post_enrollment(client, student.pk, school.section_id, HTTP_IDEMPOTENCY_KEY="req-42")
        second = post_enrollment(client, student.pk, school.section_id, HTTP_IDEMPOTENCY_KEY="req-42")
    assert first.status_code == 202 and second.status_code == 200
    assert first.json()["saga_id"] == second.json()["saga_id"]
    assert SagaInstance.objects.filter(saga_type=STUDENT_ENROLLMENT).count() == 1


@pytest.mark.parametrize("user_type", ["ADMIN", "DIRECTOR", "SECRETARY"])
def test_academic_staff_may_enroll(school, client_for, user_type, django_capture_on_commit_callbacks):
    student = school.new_student(guardians=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_enrollment(client_for(StaffFactory(user_type=user_type)), student.pk, school.section_id)
    assert response.status_code == 202


@pytest.mark.parametrize("make_user", [TeacherFactory, GuardianFactory, StudentFactory,
                                       lambda: StaffFactory(user_type="AUXILIARY")])
def test_others_may_not_enroll_or_read_enrollment_requests(school, client_for, make_user):
    student = school.new_student(guardians=0)
    client = client_for(make_user())
    assert post_enrollment(client, student.pk, school.section_id).status_code == 403
    assert client.get(f"{URL}/sagas").status_code == 403
    assert not SagaInstance.objects.exists()


def test_anonymous_callers_are_refused(school, api_client):
    assert post_enrollment(api_client, 1, school.section_id).status_code == 401
    assert api_client.get(f"{URL}/sagas").status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"student_id": "x"}, "student_id"),
    ({"enrollment_type": "VIP"}, "enrollment_type"),
    ({"enrollment_date": "2026-13-45"}, "enrollment_date"),
    ({"enrollment_type": "TRANSFER_IN"}, "previous_institution"),
])
def test_bad_input_is_refused_with_field_errors_and_starts_nothing(school, client_for, body, field):
    student = school.new_student(guardians=0)
    response = client_for(school.secretary).post(
        URL, {"student_id": student.pk, "section_id": school.section_id, **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]["fields"]
    assert not SagaInstance.objects.exists()


def test_an_unknown_section_is_404_and_starts_nothing(school, client_for):
    student = school.new_student(guardians=0)
    response = post_enrollment(client_for(school.secretary), student.pk, 999999)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "section_not_found"
    assert not SagaInstance.objects.exists()


def test_an_unknown_saga_is_404(school, client_for):
    response = client_for(school.secretary).get(f"{URL}/sagas/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404


def test_the_list_runs_a_bounded_number_of_queries(school, client_for, django_capture_on_commit_callbacks,
                                                   django_assert_max_num_queries):
    client = client_for(school.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            post_enrollment(client, school.new_student(guardians=0).pk, school.section_id)
    for page_size in (1, 3):
        with django_assert_max_num_queries(6):
            response = client.get(f"{URL}/sagas", {"page_size": page_size})
        assert len(response.json()["results"]) == page_size


# --- failures ------------------------------------------------------------------------------------


def run(student_id, section_id, django_capture_on_commit_callbacks, faults=None):
    data = {"student_id": student_id, "section_id": section_id, "enrollment_type": "REGULAR",
            "enrollment_date": f"{YEAR}-03-02", "previous_institution": None}
    if faults:
        data["_faults"] = faults
    with django_capture_on_commit_callbacks(execute=True):
        saga, _ = engine.start(STUDENT_ENROLLMENT, data=data)
    saga.refresh_from_db()
    return saga


@pytest.mark.parametrize("step", STEPS)
def test_a_failure_at_each_step_ends_fully_enrolled_or_fully_compensated(school, step, settings,
                                                                         django_capture_on_commit_callbacks):
    settings.SAGA_FAULT_INJECTION = True
    student = school.new_student()
    saga = run(student.pk, school.section_id, django_capture_on_commit_callbacks, faults={step: "fail"})
    if step == "SendWelcomeNotification":
        assert saga.status == SagaStatus.COMPLETED
        assert saga.steps.get(name=step).status == StepStatus.SKIPPED
        assert_fully_enrolled(saga, school)
    else:
        assert saga.status == SagaStatus.COMPENSATED
        assert saga.steps.get(name=step).status in (StepStatus.COMPENSATED, StepStatus.FAILED)
        assert_fully_compensated(saga, school, student.pk)


def test_an_inactive_student_is_refused_and_compensated(school, django_capture_on_commit_callbacks):
    student = school.new_student(active=False)
    saga = run(student.pk, school.section_id, django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPENSATED
    assert "student_inactive" in saga.steps.get(name="ValidateUserExists").last_error or \
        "not active" in saga.steps.get(name="ValidateUserExists").last_error
    assert_fully_compensated(saga, school, student.pk)


def test_a_full_section_is_refused_at_assign_to_section_and_compensated(django_capture_on_commit_callbacks, db):
    school = build_school(capacity=1)
    first, second = school.new_student(guardians=0), school.new_student(guardians=0)
    assert run(first.pk, school.section_id, django_capture_on_commit_callbacks).status == SagaStatus.COMPLETED
    saga = run(second.pk, school.section_id, django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPENSATED
    assert saga.steps.get(name="AssignToSection").status in (StepStatus.FAILED, StepStatus.COMPENSATED)
    assert_fully_compensated(saga, school, second.pk)


def test_a_transient_failure_is_retried_and_the_saga_completes(school, settings, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    calls = {"n": 0}
    real = grades.initialize_grade_records

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] < 3:
            raise TimeoutError("grades briefly unavailable")
        return real(**kwargs)

    monkeypatch.setattr(grades, "initialize_grade_records", flaky)
    saga = run(school.new_student().pk, school.section_id, django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPLETED
    assert saga.steps.get(name="InitializeGrades").attempts == 3
    assert_fully_enrolled(saga, school)


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.sampled_from([*STEPS, None]), st.sampled_from(["fail", "transient"])),
                     min_size=1, max_size=4))
def test_random_failure_points_never_leave_partial_state(school, settings, plan, django_capture_on_commit_callbacks):
    settings.SAGA_FAULT_INJECTION = True
    academic_services.section_update(scope=SYSTEM, section_id=school.section_id, capacity=1000)  # room for every example
    for step, mode in plan:
        student = school.new_student(guardians=1)
        saga = run(student.pk, school.section_id, django_capture_on_commit_callbacks,
                   faults={step: mode} if step else None)
        if saga.status == SagaStatus.COMPLETED:
            assert_fully_enrolled(saga, school)
        else:
            assert saga.status == SagaStatus.COMPENSATED, (step, mode, saga.last_error)
            assert_fully_compensated(saga, school, student.pk)
