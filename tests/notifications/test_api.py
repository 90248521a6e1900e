"""API: permission matrix, bad input, inbox, bulk sends, webhook signatures, query counts."""

from __future__ import annotations

import urllib.parse
from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.notifications import directory, services
from apps.notifications.models import BulkSend, Message, MessageStatus, NotificationTemplate
from events.models import OutboxEvent
from tests.notifications.factories import MessageFactory
from tests.users.factories import (
    GuardianFactory,
    GuardianLinkFactory,
    StaffFactory,
    StudentFactory,
    TeacherFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SEND = "/api/v1/notifications/send-immediate"
WEBHOOK = "/api/v1/notifications/webhooks/sms"


def _role(user_type):
    if user_type == "TEACHER":
        return TeacherFactory()
    if user_type == "PARENT":
        return GuardianFactory()
    if user_type == "STUDENT":
        return StudentFactory()
    return StaffFactory(user_type=user_type)


@pytest.mark.parametrize(("user_type", "expected"), [
    ("ADMIN", 202), ("DIRECTOR", 202), ("SECRETARY", 202), ("AUXILIARY", 403), ("TEACHER", 403), ("PARENT", 403),
    ("STUDENT", 403),
])
def test_send_immediate_permission_matrix(client_for, user_type, expected, django_capture_on_commit_callbacks):
    target = GuardianFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(_role(user_type)).post(SEND, {"user_ids": [target.pk], "subject": "Hola", "body": "Aviso"},
                                                     format="json")
    assert response.status_code == expected
    assert BulkSend.objects.count() == (1 if expected == 202 else 0)


def test_send_immediate_anonymous_is_401(api_client):
    assert api_client.post(SEND, {"user_ids": [1], "subject": "a", "body": "b"}, format="json").status_code == 401


def test_send_immediate_to_users_runs_the_bulk_and_reports_progress(client_for, django_capture_on_commit_callbacks,
                                                                     mailoutbox):
    director = StaffFactory(user_type="DIRECTOR")
    people = [GuardianFactory(preferred_language="es"), GuardianFactory(preferred_language="en")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(director).post(SEND, {
            "user_ids": [p.pk for p in people], "subject": "Reunión {{ recipient_name }}", "body": "Mañana <18:00>",
            "channels": ["EMAIL", "INAPP"]}, format="json")
    assert response.status_code == 202
    bulk_id = response.json()["bulk_id"]
    assert response["Location"] == f"/api/v1/notifications/bulk/{bulk_id}"

    progress = client_for(director).get(f"/api/v1/notifications/bulk/{bulk_id}").json()
    assert progress | {"created_at": None, "completed_at": None} == {
        "bulk_id": bulk_id, "status": "COMPLETED", "total": 4, "sent": 4, "failed": 0, "pending": 0,
        "created_at": None, "completed_at": None}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    assert any(m.subject == f"Reunión {people[0].get_full_name()}" for m in mailoutbox)
    completed = OutboxEvent.objects.get(event_type="bulk.notification.completed")
    assert completed.envelope["payload"] == {**completed.envelope["payload"], "bulkId": bulk_id, "total": 4, "sent": 4,
                                             "failed": 0}


def test_send_immediate_to_the_guardians_of_a_section(client_for, monkeypatch, django_capture_on_commit_callbacks):
    # academic has no test factories yet: the section roster comes from a stand-in of its contract.
    student = StudentFactory()
    mother, father = GuardianFactory(), GuardianFactory()
    GuardianLinkFactory(student=student, guardian=mother, notify_sms=False)
    GuardianLinkFactory(student=student, guardian=father, notify_sms=False, relationship="FATHER")
    monkeypatch.setattr(directory, "get_section", lambda section_id, scope: SimpleNamespace(id=section_id, tutor_id=None))
    monkeypatch.setattr(directory, "section_student_ids", lambda section_id, scope: [student.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(StaffFactory()).post(SEND, {"section_id": 12, "template_key": "bulk",
                                                           "channels": ["INAPP"]}, format="json")
    assert response.status_code == 202
    assert set(Message.objects.values_list("recipient_user_id", "channel")) == {(mother.pk, "INAPP"), (father.pk, "INAPP")}


@pytest.mark.parametrize(("body", "field"), [
    ({"subject": "a", "body": "b"}, "non_field_errors"),
    ({"user_ids": [1], "section_id": 3, "subject": "a", "body": "b"}, "non_field_errors"),
    ({"user_ids": [1]}, "non_field_errors"),
    ({"user_ids": ["x"], "subject": "a", "body": "b"}, "user_ids"),
    ({"user_ids": [1], "subject": "a", "body": "b", "channels": ["FAX"]}, "channels"),
    ({"user_ids": [1], "template_key": "nope"}, "template_key"),
    ({"user_ids": [1], "subject": "{% if %}", "body": "b"}, "subject"),
])
def test_send_immediate_bad_input_is_400_with_field_errors(client_for, body, field):
    staff = StaffFactory()
    if body.get("user_ids") == [1]:
        body = {**body, "user_ids": [staff.pk]}
    response = client_for(staff).post(SEND, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["details"]["fields"]
    assert BulkSend.objects.count() == 0


def test_bulk_progress_permissions_and_404(client_for, api_client):
    bulk = BulkSend.objects.create(requested_by_id=1, subject="s", body="b", channels=["INAPP"])
    url = f"/api/v1/notifications/bulk/{bulk.pk}"
    assert client_for(StaffFactory(user_type="SECRETARY")).get(url).status_code == 200
    assert client_for(TeacherFactory()).get(url).status_code == 403
    assert client_for(GuardianFactory()).get(url).status_code == 403
    assert api_client.get(url).status_code == 401
    assert client_for(StaffFactory()).get("/api/v1/notifications/bulk/999999").status_code == 404


def test_template_detail_permissions_and_content(client_for, api_client):
    template = NotificationTemplate.objects.get(key="absence_recorded", language="en")
    url = f"/api/v1/notifications/templates/{template.pk}"
    response = client_for(StaffFactory(user_type="DIRECTOR")).get(url)
    assert response.status_code == 200
    assert response.json()["key"] == "absence_recorded" and response.json()["language"] == "en"
    assert "{{ student_name }}" in response.json()["subject"]
    assert client_for(GuardianFactory()).get(url).status_code == 403
    assert client_for(TeacherFactory()).get(url).status_code == 403
    assert api_client.get(url).status_code == 401
    missing = client_for(StaffFactory()).get("/api/v1/notifications/templates/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "template_not_found"


@pytest.mark.parametrize("page_size", [2, 10])
def test_template_list_bounded_queries(client_for, django_assert_max_num_queries, page_size):
    client = client_for(StaffFactory())
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/notifications/templates?page_size={page_size}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, NotificationTemplate.objects.count())
    filtered = client.get("/api/v1/notifications/templates?key=welcome").json()
    assert {t["language"] for t in filtered["results"]} == {"es", "en"}


@pytest.mark.parametrize("page_size", [2, 20])
def test_inbox_lists_only_my_delivered_inapp_messages_with_bounded_queries(
        client_for, django_assert_max_num_queries, page_size):
    me, other = GuardianFactory(), GuardianFactory()
    mine = [MessageFactory(recipient_user_id=me.pk) for _ in range(5)]
    MessageFactory(recipient_user_id=other.pk)
    MessageFactory(recipient_user_id=me.pk, status=MessageStatus.REQUESTED)
    MessageFactory(recipient_user_id=me.pk, channel="EMAIL", to_address="x@example.pe")
    client = client_for(me)
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/notifications/inbox?page_size={page_size}")
    body = response.json()
    assert response.status_code == 200 and body["count"] == 5
    assert [r["id"] for r in body["results"]] == [m.pk for m in reversed(mine)][:page_size]


def test_mark_read_and_unread_count(client_for, api_client):
    me, other = GuardianFactory(), GuardianFactory()
    first, second = MessageFactory(recipient_user_id=me.pk), MessageFactory(recipient_user_id=me.pk)
    theirs = MessageFactory(recipient_user_id=other.pk)
    client = client_for(me)
    assert client.get("/api/v1/notifications/inbox/unread-count").json() == {"unread": 2}

    response = client.post(f"/api/v1/notifications/inbox/{first.pk}/read")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert client.post(f"/api/v1/notifications/inbox/{first.pk}/read").status_code == 200  # idempotent
    assert client.get("/api/v1/notifications/inbox/unread-count").json() == {"unread": 1}
    unread = client.get("/api/v1/notifications/inbox?unread=true").json()
    assert [r["id"] for r in unread["results"]] == [second.pk]

    assert client.post(f"/api/v1/notifications/inbox/{theirs.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert api_client.get("/api/v1/notifications/inbox").status_code == 401
    assert api_client.get("/api/v1/notifications/inbox/unread-count").status_code == 401
    assert api_client.post(f"/api/v1/notifications/inbox/{first.pk}/read").status_code == 401


def _sent_sms(sid="SM00000000000000000000000000000001"):
    return MessageFactory(channel="SMS", to_address="+51987000000", status=MessageStatus.SENT, provider_message_id=sid)


def _post_webhook(api_client, fields, *, signature=None, secret=None):
    raw = urllib.parse.urlencode(fields)
    headers = {}
    if signature is not False:
        headers["HTTP_X_PRS1_SIGNATURE"] = signature or services.webhook_signature(raw.encode(), secret)
    return api_client.generic("POST", WEBHOOK, raw, content_type="application/x-www-form-urlencoded", **headers)


def test_webhook_with_valid_signature_marks_delivered_once(api_client):
    message = _sent_sms()
    fields = {"MessageSid": message.provider_message_id, "MessageStatus": "delivered"}
    response = _post_webhook(api_client, fields)
    assert response.status_code == 200 and response.json() == {"result": "delivered"}
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.delivered_at is not None
    assert _post_webhook(api_client, fields).json() == {"result": "ignored"}
    assert OutboxEvent.objects.filter(event_type="notification.delivered").count() == 1


def test_webhook_undelivered_marks_failed(api_client):
    message = _sent_sms()
    response = _post_webhook(api_client, {"MessageSid": message.provider_message_id, "MessageStatus": "undelivered",
                                          "ErrorCode": "30003"})
    assert response.json() == {"result": "failed"}
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "30003" in message.last_error


@pytest.mark.parametrize("signature", [False, "deadbeef", "wrong-secret"])
def test_webhook_rejects_missing_or_bad_signature(api_client, signature):
    message = _sent_sms()
    fields = {"MessageSid": message.provider_message_id, "MessageStatus": "delivered"}
    if signature == "wrong-secret":
        response = _post_webhook(api_client, fields, secret="not-the-secret")
    else:
        response = _post_webhook(api_client, fields, signature=signature)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_webhook_bad_input_with_valid_signature_is_400(api_client):
    response = _post_webhook(api_client, {"MessageSid": "SM1"})
    assert response.status_code == 400
    assert "MessageStatus" in response.json()["error"]["details"]["fields"]


def test_endpoints_are_in_the_openapi_schema(client_for):
    schema = client_for(UserFactory()).get(reverse("schema"), {"format": "json"}).json()
    for path in ["/api/v1/notifications/send-immediate", "/api/v1/notifications/templates/{template_id}",
                 "/api/v1/notifications/inbox", "/api/v1/notifications/inbox/{message_id}/read",
                 "/api/v1/notifications/inbox/unread-count", "/api/v1/notifications/bulk/{bulk_id}",
                 "/api/v1/notifications/webhooks/sms"]:
        assert path in schema["paths"], path


def test_bulk_counts_failed_messages_and_completes(client_for, sms_provider, django_capture_on_commit_callbacks):
    sms_provider.mode = "error400"
    person = GuardianFactory(phone="+51987000070")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(StaffFactory()).post(SEND, {"user_ids": [person.pk], "subject": "S", "body": "B",
                                                           "channels": ["SMS", "INAPP"]}, format="json")
    progress = client_for(StaffFactory()).get(response.json()["progress_url"]).json()
    assert (progress["status"], progress["total"], progress["sent"], progress["failed"]) == ("COMPLETED", 2, 1, 1)
    event = OutboxEvent.objects.get(event_type="bulk.notification.completed")
    assert (event.envelope["payload"]["sent"], event.envelope["payload"]["failed"]) == (1, 1)


def test_webhook_accepts_the_sha256_prefixed_signature(api_client):
    message = _sent_sms()
    fields = {"MessageSid": message.provider_message_id, "MessageStatus": "failed"}
    signature = "sha256=" + services.webhook_signature(urllib.parse.urlencode(fields).encode())
    assert _post_webhook(api_client, fields, signature=signature).json() == {"result": "failed"}
