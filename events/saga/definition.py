"""Saga definitions: steps, their actions and compensations, and the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class TransientStepError(Exception):
    """A failure worth retrying (timeout, a dependency briefly down)."""


@dataclass(frozen=True)
class SagaContext:
    """What an action or compensation receives. `data` holds the saga's input plus the outputs
    of the steps that have succeeded so far (each action may return a dict merged into it)."""

    saga_id: str
    saga_type: str
    step_name: str
    data: dict[str, Any]
    correlation_id: str

    @property
    def idempotency_key(self) -> str:
        """Stable per saga and step: use it for every side effect of the step."""
        return f"saga:{self.saga_id}:{self.step_name}"


Action = Callable[[SagaContext], "dict[str, Any] | None"]
Compensation = Callable[[SagaContext], None]


@dataclass(frozen=True)
class Step:
    name: str
    action: Action
    compensation: Compensation | None = None
    # A non-critical step's failure is logged as a warning and the saga goes on (no compensation).
    critical: bool = True


@dataclass(frozen=True)
class SagaDefinition:
    name: str
    steps: tuple[Step, ...]
    max_attempts: int = 5  # per step, for transient errors
    transient_errors: tuple[type[BaseException], ...] = field(default=())

    def step_named(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)


_registry: dict[str, SagaDefinition] = {}


def register(definition: SagaDefinition) -> SagaDefinition:
    _registry[definition.name] = definition
    return definition


def definition_named(name: str) -> SagaDefinition:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"no saga definition named '{name}' is registered") from None
