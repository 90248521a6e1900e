"""Starting enrollments: each request runs StudentEnrollmentSaga on the workers.

Tenancy: the student, the section and the acting user belong to one school. A school-scoped caller
naming another school's student or section gets 404 exactly like an unknown id; a network-wide
caller naming a student and a section of two schools is refused (422 `student_other_institution`).
The saga data carries the school (`institution_id`) and the acting user (`actor_id`): the saga
checks them again when it runs, and the saga lists are scoped by that school."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.academic import contracts as academic
from apps.enrollment.sagas import STUDENT_ENROLLMENT, TenancyRefusal
from apps.users import contracts as users
from common.errors import NotFound, ValidationFailed
from common.tenancy import Scope
from events.saga import engine
from events.saga.models import SagaInstance

ENROLLMENT_TYPES = ("REGULAR", "TRANSFER_IN", "REPEATER")


def enrollment_request(*, scope: Scope, student_id: int, section_id: int, enrollment_type: str = "REGULAR",
                       enrollment_date: date | None = None, previous_institution: str | None = None,
                       idempotency_key: str | None = None, actor_id: int | None = None) -> tuple[SagaInstance, bool]:
    """Start enrolling a student in a section. Returns (saga, created); the same idempotency key
    returns the saga the first request started. Refusals that need no other context's state
    (unknown or foreign section or student, bad type) answer at once; the rest is the saga's to decide."""
    if enrollment_type not in ENROLLMENT_TYPES:
        choices = ", ".join(ENROLLMENT_TYPES)
        raise ValidationFailed(fields={"enrollment_type": [_("Must be one of %(types)s.") % {"types": choices}]})
    if enrollment_type == "TRANSFER_IN" and not previous_institution:
        raise ValidationFailed(fields={"previous_institution": [_("Required for a transfer from another school.")]})
    section = academic.get_section(scope=scope, section_id=section_id)
    if section is None:
        raise NotFound(_("The section does not exist."), code="section_not_found")
    student = users.get_user(scope=scope, user_id=student_id)
    if student is None or not scope.allows(student.institution_id):
        raise NotFound(_("The student does not exist."), code="student_not_found")
    if student.institution_id != section.institution_id:  # only a network-wide caller sees both schools
        raise TenancyRefusal(_("The student belongs to another school."), code="student_other_institution")
    data = {
        "student_id": student_id,
        "section_id": section_id,
        "institution_id": section.institution_id,
        "actor_id": actor_id,
        "enrollment_type": enrollment_type,
        "enrollment_date": (enrollment_date or timezone.localdate()).isoformat(),
        "previous_institution": previous_institution or None,
    }
    if idempotency_key and not scope.is_network:  # one school's key never finds another school's saga
        idempotency_key = f"{scope.as_header()}:{idempotency_key}"
    return engine.start(STUDENT_ENROLLMENT, data=data,
                        idempotency_key=f"enrollment:{idempotency_key}" if idempotency_key else None)
