"""The generic saga engine, driven through its Celery task (eager in this module)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from common.errors import Conflict
from events.saga import SagaDefinition, Step, TransientStepError, engine
from events.saga.definition import register
from events.saga.models import SagaInstance, SagaStatus, StepStatus

pytestmark = pytest.mark.django_db


class Script:
    """A test saga of four steps whose behaviour each test scripts."""

    def __init__(self):
        self.calls: list[str] = []
        self.fail_at: dict[str, list[BaseException]] = {}  # step -> exceptions to raise, in order
        self.compensation_fails: dict[str, int] = {}

    def action(self, name):
        def run(ctx):
            self.calls.append(f"do:{name}")
            queue = self.fail_at.get(name)
            if queue:
                raise queue.pop(0)
            return {f"{name}_done": ctx.idempotency_key}
        return run

    def compensation(self, name):
        def undo(ctx):
            self.calls.append(f"undo:{name}")
            if self.compensation_fails.get(name, 0) > 0:
                self.compensation_fails[name] -= 1
                raise RuntimeError("compensation down")
        return undo


@pytest.fixture
def script():
    s = Script()
    register(SagaDefinition(
        name="test.four_steps",
        max_attempts=3,
        steps=(
            Step("create", s.action("create"), s.compensation("create")),
            Step("validate", s.action("validate"), s.compensation("validate")),
            Step("assign", s.action("assign"), s.compensation("assign")),
            Step("welcome", s.action("welcome"), critical=False),
        ),
    ))
    return s


def run_saga(django_capture_on_commit_callbacks, **kwargs) -> SagaInstance:
    with django_capture_on_commit_callbacks(execute=True):
        saga, _ = engine.start("test.four_steps", data={"student_id": 7}, **kwargs)
    saga.refresh_from_db()
    return saga


def statuses(saga):
    return list(saga.steps.order_by("position").values_list("name", "status"))


def test_all_steps_succeed_in_order_and_outputs_are_merged(script, django_capture_on_commit_callbacks):
    saga = run_saga(django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPLETED
    assert script.calls == ["do:create", "do:validate", "do:assign", "do:welcome"]
    assert saga.data["student_id"] == 7
    assert saga.data["assign_done"] == f"saga:{saga.id}:assign"
    assert all(status == StepStatus.SUCCEEDED for _, status in statuses(saga))
    assert saga.finished_at is not None and saga.lease_owner == ""


@pytest.mark.parametrize(("failing", "undone"), [
    ("create", ["undo:create"]),
    ("validate", ["undo:validate", "undo:create"]),
    ("assign", ["undo:assign", "undo:validate", "undo:create"]),
])
def test_a_business_failure_compensates_in_reverse_order(script, django_capture_on_commit_callbacks, failing, undone):
    script.fail_at[failing] = [Conflict("refused", code="section_full")]
    saga = run_saga(django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPENSATED
    assert script.calls[script.calls.index(f"do:{failing}") + 1:] == undone
    assert script.calls.count(f"do:{failing}") == 1  # business errors are not retried
    assert "section_full" not in saga.last_error and failing in saga.last_error
    step = saga.steps.get(name=failing)
    assert step.status == StepStatus.COMPENSATED and "refused" in step.last_error


def test_a_transient_error_is_retried_then_the_step_succeeds(script, django_capture_on_commit_callbacks):
    script.fail_at["validate"] = [TransientStepError("timeout"), TimeoutError("again")]
    saga = run_saga(django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPLETED
    assert script.calls.count("do:validate") == 3
    assert saga.steps.get(name="validate").attempts == 3


def test_transient_errors_beyond_the_limit_fail_the_step_and_compensate(script, django_capture_on_commit_callbacks):
    script.fail_at["assign"] = [TransientStepError("down")] * 3
    saga = run_saga(django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPENSATED
    assert script.calls.count("do:assign") == 3
    assert script.calls[-3:] == ["undo:assign", "undo:validate", "undo:create"]


def test_a_non_critical_failure_is_logged_and_the_saga_completes(script, django_capture_on_commit_callbacks, caplog):
    script.fail_at["welcome"] = [RuntimeError("smtp down")]
    with caplog.at_level(logging.WARNING, logger="events.saga.engine"):
        saga = run_saga(django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.COMPLETED
    assert saga.steps.get(name="welcome").status == StepStatus.SKIPPED
    assert not any(call.startswith("undo:") for call in script.calls)
    assert any("non-critical" in record.message for record in caplog.records)


def test_the_same_idempotency_key_starts_one_saga(script, django_capture_on_commit_callbacks):
    first = run_saga(django_capture_on_commit_callbacks, idempotency_key="req-1")
    second = run_saga(django_capture_on_commit_callbacks, idempotency_key="req-1")
    assert first.id == second.id
    assert SagaInstance.objects.filter(idempotency_key="req-1").count() == 1
    assert script.calls.count("do:create") == 1


def test_a_compensation_that_keeps_failing_leaves_the_saga_failed_until_an_operator_retries(
        script, django_capture_on_commit_callbacks):
    script.fail_at["assign"] = [Conflict("refused")]
    script.compensation_fails["validate"] = 3
    saga = run_saga(django_capture_on_commit_callbacks)
    assert saga.status == SagaStatus.FAILED
    assert saga.steps.get(name="validate").status == StepStatus.COMPENSATION_FAILED
    assert "undo:create" not in script.calls  # stops at the failed compensation, in order

    with django_capture_on_commit_callbacks(execute=True):
        call_command("sagas", "retry", str(saga.id))
    saga.refresh_from_db()
    assert saga.status == SagaStatus.COMPENSATED
    assert script.calls[-2:] == ["undo:validate", "undo:create"]


def test_another_worker_holding_the_lease_keeps_this_one_out(script, django_capture_on_commit_callbacks):
    register(SagaDefinition(name="test.idle", steps=(Step("only", lambda ctx: None),)))
    saga = SagaInstance.objects.create(saga_type="test.idle", correlation_id="c-1", lease_owner="other",
                                       lease_expires_at=timezone.now() + timedelta(seconds=60))
    saga.steps.create(position=0, name="only")
    assert engine.advance(str(saga.id), owner="me") is None
    assert str(saga.id) not in engine.stale_saga_ids()

    SagaInstance.objects.filter(id=saga.id).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert str(saga.id) in engine.stale_saga_ids()
    assert engine.advance(str(saga.id), owner="me") == SagaStatus.COMPLETED


def test_operator_can_compensate_a_running_saga_and_list_it(script, django_capture_on_commit_callbacks, capsys):
    saga = SagaInstance.objects.create(saga_type="test.four_steps", correlation_id="c-2", data={})
    for position, name in enumerate(["create", "validate", "assign", "welcome"]):
        saga.steps.create(position=position, name=name,
                          status=StepStatus.SUCCEEDED if position == 0 else StepStatus.PENDING)
    call_command("sagas", "list")
    assert str(saga.id) in capsys.readouterr().out
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sagas", "compensate", str(saga.id), "--reason", "parent cancelled")
    saga.refresh_from_db()
    assert saga.status == SagaStatus.COMPENSATED
    assert script.calls == ["undo:create"]
    call_command("sagas", "show", str(saga.id))
    assert "operator: parent cancelled" in capsys.readouterr().out


def test_the_command_refuses_bad_input_with_a_one_line_reason(script):
    with pytest.raises(CommandError, match="is not a saga id"):
        call_command("sagas", "show", "nope")
    with pytest.raises(CommandError, match="no saga"):
        call_command("sagas", "retry", "00000000-0000-0000-0000-000000000000")


def test_fault_injection_is_inert_unless_enabled(script, django_capture_on_commit_callbacks, settings):
    settings.SAGA_FAULT_INJECTION = False
    with django_capture_on_commit_callbacks(execute=True):
        saga, _ = engine.start("test.four_steps", data={"_faults": {"validate": "fail"}})
    saga.refresh_from_db()
    assert saga.status == SagaStatus.COMPLETED


def test_injected_faults_fail_a_step_or_its_compensation(script, django_capture_on_commit_callbacks, settings):
    settings.SAGA_FAULT_INJECTION = True
    with django_capture_on_commit_callbacks(execute=True):
        saga, _ = engine.start("test.four_steps", data={"_faults": {"assign": "fail", "create": "fail_compensation"}})
    saga.refresh_from_db()
    assert saga.status == SagaStatus.FAILED
    assert saga.steps.get(name="assign").status == StepStatus.COMPENSATED
    assert saga.steps.get(name="create").status == StepStatus.COMPENSATION_FAILED
    assert "injected compensation failure" in saga.last_error
