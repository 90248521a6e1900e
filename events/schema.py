"""Versioned payload schemas (pydantic). A context declares its payloads in its events.py:

    @event_payload("student.enrolled", version="1.0")
    class StudentEnrolled(EventPayload):
        enrollment_id: str
        ...

Fields are snake_case in Python and camelCase on the wire (the seed's envelope style).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from events.catalogue import spec


class EventPayload(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class InvalidEventPayload(ValueError):
    pass


@dataclass(frozen=True)
class RegisteredSchema:
    event_type: str
    version: str
    model: type[EventPayload]


_registry: dict[str, dict[str, RegisteredSchema]] = {}


def event_payload(event_type: str, *, version: str = "1.0"):
    spec(event_type)  # unknown types fail at import time

    def register(model: type[EventPayload]) -> type[EventPayload]:
        _registry.setdefault(event_type, {})[version] = RegisteredSchema(event_type, version, model)
        return model

    return register


@contextmanager
def registered(event_type: str, model: type[EventPayload], *, version: str) -> Iterator[type[EventPayload]]:
    """Register `model` for (event_type, version) for the length of the block, then restore what was
    there before. For tests: a test-only schema never leaks into `latest()` for the rest of the run."""
    spec(event_type)
    versions = _registry.setdefault(event_type, {})
    previous = versions.get(version)
    versions[version] = RegisteredSchema(event_type, version, model)
    try:
        yield model
    finally:
        if previous is None:
            versions.pop(version, None)
            if not versions:
                _registry.pop(event_type, None)
        else:
            versions[version] = previous


def latest(event_type: str) -> RegisteredSchema:
    spec(event_type)
    versions = _registry.get(event_type)
    if not versions:
        raise InvalidEventPayload(f"no payload schema is registered for '{event_type}'")
    return versions[max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))]


def schema_for(event_type: str, version: str) -> RegisteredSchema:
    try:
        return _registry[event_type][version]
    except KeyError:
        raise InvalidEventPayload(f"no schema for '{event_type}' version {version}") from None


def validate(event_type: str, payload: EventPayload | dict, version: str | None = None) -> tuple[str, dict]:
    """Validate a payload; return (version, wire dict). Raises InvalidEventPayload at the call site."""
    registered = schema_for(event_type, version) if version else latest(event_type)
    try:
        model = payload if isinstance(payload, registered.model) else registered.model.model_validate(
            payload.model_dump(by_alias=True) if isinstance(payload, BaseModel) else payload)
    except ValidationError as exc:
        raise InvalidEventPayload(f"invalid payload for '{event_type}': {exc}") from exc
    return registered.version, model.model_dump(mode="json", by_alias=True)


def registered_types() -> set[str]:
    return set(_registry)
