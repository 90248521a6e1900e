"""Payloads of the events the users context publishes (topic user-events).

Ids are integers (`userId`) with the public code beside them (`userCode`), per docs/CONVENTIONS.md.
"""

from __future__ import annotations

from datetime import date

from events import EventPayload, event_payload


@event_payload("user.created", version="1.0")
class UserCreated(EventPayload):
    user_id: int
    user_code: str
    user_type: str
    institution_id: int | None
    first_name: str
    last_name: str
    email: str
    phone: str
    document_type: str
    birth_date: date | None
    preferred_language: str


@event_payload("user.updated", version="1.0")
class UserUpdated(EventPayload):
    user_id: int
    user_code: str
    user_type: str
    institution_id: int | None
    changed_fields: list[str]


@event_payload("user.deactivated", version="1.0")
class UserDeactivated(EventPayload):
    user_id: int
    user_code: str
    user_type: str
    institution_id: int | None
    reason: str | None


@event_payload("user.role.changed", version="1.0")
class UserRoleChanged(EventPayload):
    user_id: int
    user_code: str
    institution_id: int | None
    previous_user_type: str
    new_user_type: str


@event_payload("student.parent.linked", version="1.0")
class StudentParentLinked(EventPayload):
    student_id: int
    student_code: str
    guardian_id: int
    guardian_code: str
    relationship: str
    is_primary_contact: bool
    may_pick_up: bool
    institution_id: int | None
