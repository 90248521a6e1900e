"""Starting enrollments: each request runs StudentEnrollmentSaga on the workers."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.academic import contracts as academic
from apps.enrollment.sagas import STUDENT_ENROLLMENT
from common.errors import NotFound, ValidationFailed
from events.saga import engine
from events.saga.models import SagaInstance

ENROLLMENT_TYPES = ("REGULAR", "TRANSFER_IN", "REPEATER")


def enrollment_request(*, student_id: int, section_id: int, enrollment_type: str = "REGULAR",
                       enrollment_date: date | None = None, previous_institution: str | None = None,
                       idempotency_key: str | None = None) -> tuple[SagaInstance, bool]:
    """Start enrolling a student in a section. Returns (saga, created); the same idempotency key
    returns the saga the first request started. Refusals that need no other context's state
    (unknown section, bad type) answer at once; the rest is the saga's to decide."""
    if enrollment_type not in ENROLLMENT_TYPES:
        choices = ", ".join(ENROLLMENT_TYPES)
        raise ValidationFailed(fields={"enrollment_type": [_("Must be one of %(types)s.") % {"types": choices}]})
    if enrollment_type == "TRANSFER_IN" and not previous_institution:
        raise ValidationFailed(fields={"previous_institution": [_("Required for a transfer from another school.")]})
    if academic.get_section(section_id=section_id) is None:
        raise NotFound(_("The section does not exist."), code="section_not_found")
    data = {
        "student_id": student_id,
        "section_id": section_id,
        "enrollment_type": enrollment_type,
        "enrollment_date": (enrollment_date or timezone.localdate()).isoformat(),
        "previous_institution": previous_institution or None,
    }
    return engine.start(STUDENT_ENROLLMENT, data=data,
                        idempotency_key=f"enrollment:{idempotency_key}" if idempotency_key else None)
