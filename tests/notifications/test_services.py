"""Preferences, quiet hours, alert handlers, templates, stats command, admin preview, metrics, demo."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from apps.notifications import directory, rendering, selectors, services
from apps.notifications.models import Message, MessageStatus, NotificationPreference, NotificationTemplate
from common.tenancy import SYSTEM
from events import publish
from tests.notifications.factories import MessageFactory, PreferenceFactory
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StaffFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db
LIMA = ZoneInfo("America/Lima")


def test_quiet_hours_end_wraps_midnight():
    pref = NotificationPreference(user_id=1, quiet_hours_start=time(21), quiet_hours_end=time(7),
                                  timezone="America/Lima")
    late = datetime(2026, 4, 10, 22, 30, tzinfo=LIMA)
    assert services.quiet_hours_end(pref, late) == datetime(2026, 4, 11, 7, 0, tzinfo=LIMA)
    early = datetime(2026, 4, 11, 5, 0, tzinfo=LIMA)
    assert services.quiet_hours_end(pref, early) == datetime(2026, 4, 11, 7, 0, tzinfo=LIMA)
    assert services.quiet_hours_end(pref, datetime(2026, 4, 11, 12, 0, tzinfo=LIMA)) is None
    assert services.quiet_hours_end(NotificationPreference(user_id=1), late) is None


def test_sms_is_held_during_quiet_hours_and_email_is_not(settings, mailoutbox, django_capture_on_commit_callbacks):
    now = timezone.now().astimezone(LIMA)
    student = StudentFactory()
    guardian = GuardianFactory(phone="+51987000031")
    GuardianLinkFactory(student=student, guardian=guardian)
    PreferenceFactory(user_id=guardian.pk, quiet_hours_start=(now - timedelta(hours=1)).time(),
                      quiet_hours_end=(now + timedelta(hours=2)).time().replace(second=0, microsecond=0))
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=services.recipients_for_guardians(directory.guardians_of(student.pk, scope=SYSTEM)),
                        template_key="absence_recorded", context={"date": "2026-04-10"}, key_prefix="absence:q1")
    sms = Message.objects.get(channel="SMS")
    assert sms.status == MessageStatus.REQUESTED and sms.attempts == 0
    assert sms.next_attempt_at > timezone.now() + timedelta(minutes=110)
    assert Message.objects.get(channel="EMAIL").status == MessageStatus.DELIVERED
    assert len(mailoutbox) == 1
    assert services.due_message_ids() == []


def test_opt_out_and_guardian_flags_choose_the_channels():
    student = StudentFactory()
    g1 = GuardianFactory(phone="+51987000041")
    g2 = GuardianFactory(phone="+51987000042")
    GuardianLinkFactory(student=student, guardian=g1, notify_sms=False)
    GuardianLinkFactory(student=student, guardian=g2, relationship="FATHER")
    PreferenceFactory(user_id=g2.pk, email_enabled=False, inapp_enabled=False)
    links = directory.guardians_of(student.pk, scope=SYSTEM)
    recipients = {r.user_id: r.channels for r in services.recipients_for_guardians(links)}
    assert recipients == {g1.pk: {"EMAIL", "INAPP"}, g2.pk: {"SMS"}}


def test_notify_is_idempotent_per_key():
    student = StudentFactory()
    GuardianLinkFactory(student=student, guardian=GuardianFactory())
    recipients = services.recipients_for_guardians(directory.guardians_of(student.pk, scope=SYSTEM))
    first = services.notify(recipients=recipients, template_key="bulk", context={"subject": "a", "body": "b"},
                            key_prefix="k1")
    second = services.notify(recipients=recipients, template_key="bulk", context={"subject": "c", "body": "d"},
                             key_prefix="k1")
    assert [m.pk for m in first] == [m.pk for m in second]
    assert Message.objects.count() == len(first) == 3


def test_missing_template_is_a_business_rule_violation():
    from common.errors import BusinessRuleViolation

    recipients = services.recipients_for_users([GuardianFactory().pk], scope=SYSTEM)
    with pytest.raises(BusinessRuleViolation) as exc:
        services.notify(recipients=recipients, template_key="does_not_exist", context={}, key_prefix="x")
    assert exc.value.code == "template_missing"


def test_template_falls_back_to_spanish():
    NotificationTemplate.objects.create(key="only_es", language="es", subject="Hola", body_text="Texto")
    assert selectors.template_for(key="only_es", language="en").language == "es"


def _publish(event_type, payload):
    with transaction.atomic():
        publish(event_type, aggregate_id=payload.get("studentId", 1), aggregate_type="Student", payload=payload)


def test_performance_alert_reaches_guardians_and_the_section_tutor(monkeypatch, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    # academic has no test factories yet: the section (with its tutor) and the course come from stand-ins.
    student = StudentFactory(first_name="Rosa", last_name="Díaz")
    guardian = GuardianFactory(email="g@example.pe", phone="")
    GuardianLinkFactory(student=student, guardian=guardian)
    tutor = TeacherFactory(email="tutor@example.pe", preferred_language="en")
    monkeypatch.setattr(directory, "get_section", lambda section_id, scope: SimpleNamespace(
        id=section_id, tutor_id=tutor.pk, name="5A", code="SEC-2026-5A", institution_id=None))
    monkeypatch.setattr(directory, "get_course", lambda course_id, scope: SimpleNamespace(id=course_id, name="Matemática"))
    payload = {"studentId": student.pk, "courseId": 4, "periodId": 2, "sectionId": 9, "average": "9.50",
               "passMark": "11", "reason": "BELOW_PASS_MARK"}
    from events.schema import latest

    latest("student.performance.alert")  # grades declares the schema
    with django_capture_on_commit_callbacks(execute=True):
        _publish("student.performance.alert", payload)
    assert sorted(m.to[0] for m in mailoutbox) == ["g@example.pe", "tutor@example.pe"]
    tutor_mail = next(m for m in mailoutbox if m.to == ["tutor@example.pe"])
    assert tutor_mail.subject == "Performance alert: Rosa Díaz in Matemática"
    assert "9.50" in tutor_mail.body
    assert not Message.objects.filter(recipient_user_id=tutor.pk, channel="SMS").exists()


def test_attendance_pattern_alert_reaches_guardians(monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    student = StudentFactory()
    guardian = GuardianFactory(email="p@example.pe", phone="")
    GuardianLinkFactory(student=student, guardian=guardian)
    monkeypatch.setattr(directory, "get_section", lambda section_id, scope: SimpleNamespace(
        id=section_id, tutor_id=None, name="5A", code="SEC", institution_id=None))
    with django_capture_on_commit_callbacks(execute=True):
        _publish("attendance.pattern.alert", {"studentId": student.pk, "sectionId": 9, "periodId": None,
                                              "pattern": "CONSECUTIVE_ABSENCES", "value": "3", "threshold": "3"})
    assert [m.to for m in mailoutbox] == [["p@example.pe"]]
    assert "3 faltas consecutivas" in mailoutbox[0].body


def test_rendering_escapes_html_only():
    out = rendering.render(subject="{{ x }}", body_text="{{ x }}", body_html="<p>{{ x }}</p>", sms_text="",
                           context={"x": "<i>&"})
    assert (out.subject, out.body_text, out.sms_text) == ("<i>&", "<i>&", "<i>&")
    assert out.body_html == "<p>&lt;i&gt;&amp;</p>"
    assert "subject" in rendering.syntax_errors(subject="{% if %}", body="ok")


def test_stats_command_prints_rates_per_channel():
    MessageFactory.create_batch(19, channel="EMAIL", to_address="a@b.pe", status=MessageStatus.DELIVERED)
    MessageFactory(channel="EMAIL", to_address="a@b.pe", status=MessageStatus.FAILED)
    MessageFactory(channel="SMS", to_address="+51900000000", status=MessageStatus.FAILED)
    out = StringIO()
    today = timezone.localdate().isoformat()
    call_command("notifications_stats", "--from", today, "--to", today, stdout=out)
    lines = {line.split()[0]: line for line in out.getvalue().splitlines()[2:]}
    assert "95.0%" in lines["EMAIL"] and "BELOW (> 95%)" in lines["EMAIL"]
    assert "0.0%" in lines["SMS"] and "BELOW (> 98%)" in lines["SMS"]
    with pytest.raises(CommandError):
        call_command("notifications_stats", "--from", "yesterday")
    with pytest.raises(CommandError):
        call_command("notifications_stats", "--from", "2026-05-02", "--to", "2026-05-01")


def test_delivery_rate_gauge_is_exported(client):
    MessageFactory(channel="SMS", to_address="+51900000000", status=MessageStatus.DELIVERED)
    body = client.get("/metrics").content.decode()
    assert 'prs1_notifications_delivery_rate{channel="SMS"} 1.0' in body
    assert 'prs1_notifications_delivery_rate_target{channel="EMAIL"} 0.95' in body


def test_admin_preview_renders_the_sample_context(client):
    admin = StaffFactory(is_superuser=True)
    client.force_login(admin)
    template = NotificationTemplate.objects.get(key="welcome", language="es")
    response = client.get(f"/admin/notifications/notificationtemplate/{template.pk}/preview/")
    assert response.status_code == 200
    assert "Luis Quispe ha sido matriculado(a) en la sección 5.º A" in response.content.decode()
    change = client.get(f"/admin/notifications/notificationtemplate/{template.pk}/change/")
    assert f"/admin/notifications/notificationtemplate/{template.pk}/preview/" in change.content.decode()
    client.force_login(GuardianFactory())
    assert client.get(f"/admin/notifications/notificationtemplate/{template.pk}/preview/").status_code == 302


def test_admin_rejects_a_broken_template(client):
    client.force_login(StaffFactory(is_superuser=True))
    template = NotificationTemplate.objects.get(key="bulk", language="en")
    response = client.post(f"/admin/notifications/notificationtemplate/{template.pk}/change/", {
        "key": "bulk", "language": "en", "subject": "{% if %}", "body_text": "x", "body_html": "", "sms_text": "",
        "sample_context": "{}", "is_active": "on", "description": ""})
    assert response.status_code == 200  # the form is shown again with the error
    template.refresh_from_db()
    assert template.subject == "{{ subject }}"


def test_admin_message_list_filters(client):
    client.force_login(StaffFactory(is_superuser=True))
    MessageFactory(channel="EMAIL", to_address="z@example.pe", status=MessageStatus.FAILED)
    response = client.get("/admin/notifications/message/?channel__exact=EMAIL&status__exact=FAILED")
    assert response.status_code == 200 and "z@example.pe" in response.content.decode()


def test_admin_bulk_list_shows_progress_in_bounded_queries(client, django_assert_max_num_queries):
    from apps.notifications.models import BulkSend

    client.force_login(StaffFactory(is_superuser=True))
    for i in range(4):
        bulk = BulkSend.objects.create(requested_by_id=1, subject=f"s{i}", body="b", channels=["INAPP"], total=2)
        MessageFactory(bulk=bulk, status=MessageStatus.DELIVERED)
        MessageFactory(bulk=bulk, status=MessageStatus.REQUESTED)
    with django_assert_max_num_queries(12):
        response = client.get("/admin/notifications/bulksend/")
    assert response.status_code == 200
    assert response.content.decode().count("1 sent, 0 failed, 1 pending of 2") == 4
