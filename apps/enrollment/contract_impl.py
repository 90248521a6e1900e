"""The enrollment context's contract, implemented in-process (apps.enrollment.contracts is the interface;
this is what its module functions and RPC endpoints call here)."""

from __future__ import annotations

import uuid

from apps.enrollment import selectors
from apps.enrollment.contracts import EnrollmentContract, EnrollmentRequestDTO
from common.tenancy import Scope


class LocalEnrollment(EnrollmentContract):
    def get_enrollment_request(self, *, scope: Scope, saga_id: str) -> EnrollmentRequestDTO | None:
        try:
            uuid.UUID(str(saga_id))
        except ValueError:
            return None  # not a saga id: unknown
        saga = selectors.enrollment_request(scope=scope, saga_id=saga_id)
        if saga is None:
            return None
        return EnrollmentRequestDTO(saga_id=str(saga.id), status=saga.status, student_id=saga.data["student_id"],
                                    section_id=saga.data["section_id"], enrollment_id=saga.data.get("enrollment_id"),
                                    last_error=saga.last_error)
