"""The enrollment contract answers the same in-process and over HTTP (tests/contract_remote.py). A request of
another school is unknown (None) on both paths, never a refusal that names it."""

from __future__ import annotations

import uuid

import pytest

from apps.enrollment import contracts as enrollment
from apps.enrollment.contract_impl import LocalEnrollment
from apps.enrollment.contracts import EnrollmentContract, EnrollmentRequestDTO
from apps.enrollment.sagas import STUDENT_ENROLLMENT
from common.tenancy import SYSTEM, Scope
from events.saga.models import SagaInstance, SagaStatus
from tests.contract_remote import assert_local_and_remote_agree, assert_table_covers, each_case, go_remote
from tests.contract_remote import fresh_delegation as _fresh_delegation  # noqa: F401 (autouse fixture)

A, B = 31, 32  # two schools of the network (the saga's data names its school)


def _request(institution_id: int, *, status: str = SagaStatus.RUNNING, enrollment_id: int | None = None,
             last_error: str = "") -> str:
    data = {"student_id": 500 + institution_id, "section_id": 600 + institution_id, "institution_id": institution_id}
    if enrollment_id is not None:
        data["enrollment_id"] = enrollment_id
    saga = SagaInstance.objects.create(saga_type=STUDENT_ENROLLMENT, status=status, data=data,
                                       correlation_id=str(uuid.uuid4()), last_error=last_error)
    return str(saga.id)


def _world() -> dict:
    return {"a_running": _request(A), "a_done": _request(A, status=SagaStatus.COMPLETED, enrollment_id=77),
            "a_failed": _request(A, status=SagaStatus.COMPENSATED, last_error="ValidateUserExists: student_inactive"),
            "b_running": _request(B)}


# (method, kwargs built from the world): every method of the interface, answers and refusals.
CASES = [
    ("get_enrollment_request", lambda w: {"scope": Scope.school(A), "saga_id": w["a_running"]}),
    ("get_enrollment_request", lambda w: {"scope": SYSTEM, "saga_id": w["a_done"]}),
    ("get_enrollment_request", lambda w: {"scope": Scope.school(A), "saga_id": w["a_failed"]}),
    ("get_enrollment_request", lambda w: {"scope": Scope.school(A), "saga_id": w["b_running"]}),  # foreign: None
    ("get_enrollment_request", lambda w: {"scope": SYSTEM, "saga_id": str(uuid.uuid4())}),  # unknown: None
    ("get_enrollment_request", lambda w: {"scope": SYSTEM, "saga_id": "not-a-saga"}),  # malformed: None
]


def test_the_table_calls_every_method_of_the_interface_and_every_method_is_idempotent():
    assert_table_covers(EnrollmentContract, CASES)


@each_case(CASES)
@pytest.mark.django_db(transaction=True)
def test_local_and_remote_answers_agree(method, make_kwargs, live_server, settings):
    kwargs = make_kwargs(_world())

    assert_local_and_remote_agree(settings, live_server, EnrollmentContract, LocalEnrollment,
                                  lambda: getattr(enrollment, method)(**dict(kwargs)))  # no refusal expected


@pytest.mark.django_db(transaction=True)
def test_remote_answers_are_typed_dtos_and_foreign_requests_are_unknown(live_server, settings):
    world = _world()
    go_remote(settings, live_server, EnrollmentContract)

    done = enrollment.get_enrollment_request(scope=Scope.school(A), saga_id=world["a_done"])
    running = enrollment.get_enrollment_request(scope=Scope.school(B), saga_id=world["b_running"])

    assert done == EnrollmentRequestDTO(saga_id=world["a_done"], status="COMPLETED", student_id=500 + A,
                                        section_id=600 + A, enrollment_id=77, last_error="")
    assert running.enrollment_id is None and running.status == "RUNNING"
    assert enrollment.get_enrollment_request(scope=Scope.school(B), saga_id=world["a_done"]) is None
