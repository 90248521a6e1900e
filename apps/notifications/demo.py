"""Demo data: stock templates (es, en), a welcome per guardian, a few absence notices (sent through
the console channels) and an unread in-app notice. Idempotent (messages are keyed)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.notifications import directory, seed_templates, services
from apps.notifications.models import Message, MessageStatus, NotificationTemplate
from common.tenancy import SYSTEM


def seed(school: dict) -> None:
    seed_templates.load(NotificationTemplate)
    student_ids = list(school.get("student_ids") or [])
    guardians = directory.guardians_of_students(student_ids[:12], scope=SYSTEM)
    enrollment_ids = list(school.get("enrollment_ids") or [])
    today = timezone.localdate().isoformat()
    with transaction.atomic():
        for index, student_id in enumerate(student_ids[:12]):
            recipients = services.recipients_for_guardians(guardians.get(student_id, []))
            if not recipients:
                continue
            context = {"student_name": _name(student_id), "school_name": "", "section_name": ""}
            enrollment = enrollment_ids[index] if index < len(enrollment_ids) else f"demo-{student_id}"
            services.notify(recipients=recipients, template_key="welcome", context=context,
                            key_prefix=f"welcome:{enrollment}", student_id=student_id,
                            institution_id=school.get("institution_id"))
            if index < 3:
                services.notify(recipients=recipients, template_key="absence_recorded",
                                context={**context, "date": today}, key_prefix=f"absence:demo-{student_id}",
                                student_id=student_id, institution_id=school.get("institution_id"))
    # The console backends accept everything: mark what is still queued as handed over.
    for message_id in Message.objects.filter(status=MessageStatus.REQUESTED).values_list("id", flat=True)[:500]:
        services.message_deliver(message_id=message_id)
    admin_id = school.get("director_id") or school.get("admin_id")
    if admin_id:
        services.message_request(
            recipient_user_id=admin_id, channel="INAPP", template_key="bulk", language="es",
            subject="Bienvenido a PRS1", body_text="Las notificaciones de la escuela demo ya están activas.",
            body_html="", to_address="", idempotency_key="demo:inapp:welcome",
            institution_id=school.get("institution_id"))
        message = Message.objects.get(idempotency_key="demo:inapp:welcome")
        services.message_deliver(message_id=message.pk)


def _name(student_id: int) -> str:
    user = directory.get_user(student_id, scope=SYSTEM)
    return getattr(user, "full_name", "") or ""
