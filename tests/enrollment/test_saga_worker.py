"""StudentEnrollmentSaga on a real Celery worker (prefork, Redis broker, PostgreSQL): every failure
point, and a worker killed with SIGKILL in the middle of a saga."""

from __future__ import annotations

import pytest

from apps.enrollment.sagas import STUDENT_ENROLLMENT, StudentEnrollmentSaga
from events.saga import engine
from events.saga.models import SagaInstance, SagaStatus, StepStatus
from prs1.celery import app as celery_app
from tests.enrollment.conftest import YEAR, build_school
from tests.enrollment.test_saga import assert_fully_compensated, assert_fully_enrolled, assert_welcomed_once
from tests.enrollment.worker import Worker, running_worker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _stock_templates():
    """Transactional tests flush the tables between tests, data-migration rows included: put back
    the stock notification templates the welcome needs (serialized_rollback clashes with the
    content types that earlier flushes recreate)."""
    from apps.notifications.models import NotificationTemplate
    from apps.notifications.seed_templates import load

    load(NotificationTemplate)

FINAL = (SagaStatus.COMPLETED, SagaStatus.COMPENSATED, SagaStatus.FAILED)


@pytest.fixture
def queued():
    """Tasks go through Redis to the worker instead of running in this process."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


def start(school, student, faults=None) -> str:
    data = {"student_id": student.pk, "section_id": school.section_id, "enrollment_type": "REGULAR",
            "enrollment_date": f"{YEAR}-03-02", "previous_institution": None}
    if faults:
        data["_faults"] = faults
    saga, _ = engine.start(STUDENT_ENROLLMENT, data=data)
    return str(saga.id)


def finished(saga_id: str) -> SagaInstance | None:
    saga = SagaInstance.objects.get(id=saga_id)
    return saga if saga.status in FINAL else None


def test_every_failure_point_ends_enrolled_or_compensated_on_a_real_worker(queued):
    school = build_school()
    cases = [(step.name, school.new_student()) for step in StudentEnrollmentSaga.steps]
    cases.append((None, school.new_student()))
    with running_worker(concurrency=2):
        saga_ids = [start(school, student, {step: "fail"} if step else None) for step, student in cases]
        sagas = [wait_for(lambda sid=sid: finished(sid), timeout=90, message=f"saga {sid}") for sid in saga_ids]
        # let the student.enrolled subscribers (also on the worker) finish before checking
        wait_for(lambda: not _pending_deliveries(), timeout=60, message="event deliveries")
    for (step, student), saga in zip(cases, sagas, strict=True):
        if step in (None, "SendWelcomeNotification"):
            assert saga.status == SagaStatus.COMPLETED, (step, saga.last_error)
            assert_fully_enrolled(saga, school)
            if step is None:
                assert_welcomed_once(saga.data["enrollment_id"], student)
        else:
            assert saga.status == SagaStatus.COMPENSATED, (step, saga.last_error)
            assert_fully_compensated(saga, school, student.pk)


def _pending_deliveries() -> bool:
    from events.bus import handlers_for
    from events.models import InboxDelivery, OutboxEvent

    expected = sum(len(handlers_for(e.event_type)) for e in OutboxEvent.objects.filter(event_type="student.enrolled"))
    done = InboxDelivery.objects.filter(event_id__in=OutboxEvent.objects.filter(
        event_type="student.enrolled").values("event_id")).count()
    return done < expected


def test_a_worker_killed_mid_saga_is_replaced_and_the_saga_completes(queued):
    school = build_school()
    student = school.new_student()
    worker = Worker(concurrency=1).start()
    try:
        saga_id = start(school, student, {"InitializeAttendance": "sleep:3"})
        wait_for(lambda: SagaInstance.objects.get(id=saga_id).steps.filter(
            name="InitializeAttendance", status=StepStatus.RUNNING).exists(), timeout=60, message="the slow step")
        worker.kill()  # SIGKILL: no shutdown, the lease stays held until it expires
    finally:
        worker.stop()
    saga = SagaInstance.objects.get(id=saga_id)
    assert saga.status == SagaStatus.RUNNING and saga.lease_owner

    with running_worker(concurrency=1):
        # what the periodic task does once the lease (3 s in tests) has expired
        wait_for(lambda: saga_id in engine.stale_saga_ids(), timeout=30, message="the lease to expire")
        from events.saga.tasks import resume_stale_sagas

        resume_stale_sagas.delay()
        saga = wait_for(lambda: finished(saga_id), timeout=90, message="the resumed saga")
        wait_for(lambda: not _pending_deliveries(), timeout=60, message="event deliveries")
    assert saga.status == SagaStatus.COMPLETED, saga.last_error
    assert saga.steps.get(name="InitializeAttendance").attempts == 2
    assert_fully_enrolled(saga, school)
    assert_welcomed_once(saga.data["enrollment_id"], student)
