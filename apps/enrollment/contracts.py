"""The enrollment process manager's public face."""

from __future__ import annotations

from dataclasses import dataclass

from apps.enrollment import selectors
from common.tenancy import Scope


@dataclass(frozen=True)
class EnrollmentRequestDTO:
    saga_id: str
    status: str
    student_id: int
    section_id: int
    enrollment_id: int | None
    last_error: str


def get_enrollment_request(*, scope: Scope, saga_id: str) -> EnrollmentRequestDTO | None:
    saga = selectors.enrollment_request(scope=scope, saga_id=saga_id)
    if saga is None:
        return None
    return EnrollmentRequestDTO(saga_id=str(saga.id), status=saga.status, student_id=saga.data["student_id"],
                                section_id=saga.data["section_id"], enrollment_id=saga.data.get("enrollment_id"),
                                last_error=saga.last_error)
