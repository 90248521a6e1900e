"""The notifications context's contract, implemented in-process (apps.notifications.contracts is the
interface; this is what its module functions and RPC endpoints call here)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.notifications import directory, services
from apps.notifications.contracts import NotificationsContract, TemplateContext
from common.errors import NotFound
from common.tenancy import Scope


def welcome_key_prefix(enrollment_id: int) -> str:
    """One welcome per enrollment, guardian and channel, whoever asks (the saga's last step or the
    student.enrolled handler): message keys are f"welcome:{enrollment_id}:{guardian_id}:{channel}"."""
    return f"welcome:{enrollment_id}"


def _student_context(student_id: int, section_id: int | None, *, scope: Scope) -> tuple[dict, int | None]:
    """The student's and section's names for the templates, and the school the messages belong to.
    For a school-scoped caller, a student or section of another school (or an unknown one) is a 404;
    network-wide (the saga, handlers, the service token) an unknown one just leaves its names empty."""
    student = directory.get_user(student_id, scope=scope)
    section = directory.get_section(section_id, scope=scope) if section_id else None
    if not scope.is_network:
        if student is None:
            raise NotFound(_("Student not found."), code="student_not_found")
        if section_id and section is None:
            raise NotFound(_("Section not found."), code="section_not_found")
    institution_id = getattr(student, "institution_id", None) or getattr(section, "institution_id", None)
    school = directory.get_institution(institution_id)
    context = {
        "student_id": student_id,
        "student_name": getattr(student, "full_name", "") or "",
        "student_first_name": getattr(student, "first_name", "") or "",
        "section_id": section_id,
        "section_name": getattr(section, "name", "") or "",
        "section_code": getattr(section, "code", "") or "",
        "school_name": getattr(school, "name", "") or "",
    }
    return context, institution_id


class LocalNotifications(NotificationsContract):
    def send_welcome(self, *, scope: Scope, enrollment_id: int, student_id: int, section_id: int,
                     idempotency_key: str) -> list[int]:
        context, institution_id = _student_context(student_id, section_id, scope=scope)
        context["enrollment_id"] = enrollment_id
        recipients = services.recipients_for_guardians(directory.guardians_of(student_id, scope=scope))
        messages = services.notify(recipients=recipients, template_key="welcome", context=context,
                                   key_prefix=welcome_key_prefix(enrollment_id), student_id=student_id,
                                   institution_id=institution_id)
        return [m.pk for m in messages]

    def notify_guardians(self, *, scope: Scope, student_id: int, template_key: str, context: TemplateContext,
                         idempotency_key: str) -> list[int]:
        base, institution_id = _student_context(student_id, context.get("section_id"), scope=scope)
        recipients = services.recipients_for_guardians(directory.guardians_of(student_id, scope=scope))
        messages = services.notify(recipients=recipients, template_key=template_key, context={**base, **context},
                                   key_prefix=idempotency_key, student_id=student_id, institution_id=institution_id)
        return [m.pk for m in messages]

    def notify_users(self, *, scope: Scope, user_ids: list[int], template_key: str, context: TemplateContext,
                     idempotency_key: str) -> list[int]:
        if not scope.is_network and set(user_ids) - set(directory.get_users(list(user_ids), scope=scope)):
            raise NotFound(_("User not found."), code="user_not_found")
        recipients = services.recipients_for_users(user_ids, scope=scope, allow_sms=False)
        messages = services.notify(recipients=recipients, template_key=template_key, context=context,
                                   key_prefix=idempotency_key, student_id=context.get("student_id"))
        return [m.pk for m in messages]
