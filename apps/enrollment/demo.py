"""Demo admissions: the applicants of the users demo go through StudentEnrollmentSaga, so the
admin's "Enrollment requests" shows completed sagas with their steps, and a compensated one
(a withdrawn, deactivated applicant refused at ValidateUserExists)."""

from __future__ import annotations

from apps.enrollment import services
from common.tenancy import SYSTEM


def seed(school: dict) -> None:
    section_ids = school.get("section_ids") or []
    if not section_ids:
        return
    for index, student_id in enumerate(school.get("applicant_ids", [])):
        # The idempotency key makes a second seed_demo find the same sagas instead of starting new ones.
        services.enrollment_request(scope=SYSTEM, student_id=student_id, section_id=section_ids[index % len(section_ids)],
                                    idempotency_key=f"demo-admission-{student_id}")
