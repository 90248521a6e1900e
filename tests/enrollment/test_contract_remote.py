"""The enrollment contract answers the same locally and over HTTP (common.contracts): every method of
EnrollmentContract is called in-process, then through its RPC endpoint on a live server (service token,
scope in X-PRS1-Scope), and both answers must agree. A request of another school is unknown (None) on
both paths, never a refusal that names it."""

from __future__ import annotations

import uuid

import pytest

from apps.enrollment import contracts as enrollment
from apps.enrollment.contract_impl import LocalEnrollment
from apps.enrollment.contracts import EnrollmentContract, EnrollmentRequestDTO
from apps.enrollment.sagas import STUDENT_ENROLLMENT
from common import contracts
from common.tenancy import SYSTEM, Scope
from events.saga.models import SagaInstance, SagaStatus

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


@pytest.fixture(autouse=True)
def _fresh_delegation(settings):
    # One process plays both sides: the live server thread serves the RPC endpoints from this database,
    # so the router that keeps a split-out process off a remote context's tables stays out of the way.
    settings.DATABASE_ROUTERS = []
    contracts.reset()
    yield
    contracts.reset()


def _go_remote(settings, live_server) -> None:
    settings.PRS1_REMOTE_CONTEXTS = f"enrollment={live_server.url}"
    contracts.reset()
    assert contracts.is_remote(EnrollmentContract)


def test_the_table_calls_every_method_of_the_interface_and_every_method_is_idempotent():
    assert {method for method, _ in CASES} == set(contracts.methods_of(EnrollmentContract))
    assert all(spec.idempotent for spec in contracts.methods_of(EnrollmentContract).values())


@pytest.mark.parametrize(("method", "make_kwargs"), CASES, ids=[f"{m}-{i}" for i, (m, _) in enumerate(CASES)])
@pytest.mark.django_db(transaction=True)
def test_local_and_remote_answers_agree(method, make_kwargs, live_server, settings):
    kwargs = make_kwargs(_world())

    assert isinstance(contracts.resolve(EnrollmentContract), LocalEnrollment)
    local = getattr(enrollment, method)(**dict(kwargs))
    _go_remote(settings, live_server)
    remote = getattr(enrollment, method)(**dict(kwargs))

    assert remote == local
    assert type(remote) is type(local)


@pytest.mark.django_db(transaction=True)
def test_remote_answers_are_typed_dtos_and_foreign_requests_are_unknown(live_server, settings):
    world = _world()
    _go_remote(settings, live_server)

    done = enrollment.get_enrollment_request(scope=Scope.school(A), saga_id=world["a_done"])
    running = enrollment.get_enrollment_request(scope=Scope.school(B), saga_id=world["b_running"])

    assert done == EnrollmentRequestDTO(saga_id=world["a_done"], status="COMPLETED", student_id=500 + A,
                                        section_id=600 + A, enrollment_id=77, last_error="")
    assert running.enrollment_id is None and running.status == "RUNNING"
    assert enrollment.get_enrollment_request(scope=Scope.school(B), saga_id=world["a_done"]) is None
