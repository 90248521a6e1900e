"""The envelope (seed shape, metadata from the HTTP request and from Celery tasks), the catalogue
checks at the call site, and the transactional outbox."""

from __future__ import annotations

import json
import re

import pytest
from celery import shared_task
from django.db import transaction
from django.http import JsonResponse
from django.test import override_settings
from django.urls import path

from events import context, kafka, publish, schema, task_context
from events.catalogue import TOPICS, UnknownEventType
from events.models import OutboxEvent
from events.schema import InvalidEventPayload
from tests.events.conftest import TEST_VERSION, ProbePayload
from tests.users.factories import UserFactory

SEED_EXAMPLE = json.loads("""{
  "eventId": "evt-2025-000001", "eventType": "student.enrolled", "eventVersion": "1.0",
  "timestamp": "2025-08-26T10:00:00Z", "sourceService": "MS-VG-0003", "correlationId": "enroll-2025-0001",
  "aggregateId": "ENR-2025-000001", "aggregateType": "StudentEnrollment",
  "payload": {"enrollmentId": "ENR-2025-000001"},
  "metadata": {"triggeredBy": "USR-ADMIN-001", "ipAddress": "192.168.1.100", "userAgent": "Mozilla/5.0...",
               "requestId": "req-2025-000001"}
}""")
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def publish_probe(seq: int = 1, *, aggregate_id: object = 7, event_type: str = "user.created") -> dict:
    return publish(event_type, aggregate_id=aggregate_id, aggregate_type="User",
                   payload=ProbePayload(seq=seq), version=TEST_VERSION)


def view_that_publishes(request):
    with transaction.atomic():
        env = publish_probe(aggregate_id=request.user.pk if request.user.is_authenticated else 1)
    return JsonResponse(env)


urlpatterns = [path("publish/", view_that_publishes)]


@shared_task(name="tests.events.publish_from_task")
def publish_from_task(seq: int) -> str:
    with transaction.atomic():
        return publish_probe(seq)["eventId"]


def test_the_catalogue_has_the_seeds_30_event_types_in_6_topics():
    seed = {topic: types for topic, types in TOPICS.items() if topic != "inventory-events"}  # issue 17's, not the seed's
    assert len(seed) == 6
    assert sum(len(types) for types in seed.values()) == 30
    assert "student.enrolled" in TOPICS["academic-events"]


@pytest.mark.django_db
def test_envelope_has_the_seeds_keys_in_order_with_a_utc_timestamp(probe_schema):
    with context.bind(context.RequestContext(correlation_id="corr-1", request_id="req-1", triggered_by="USR-1",
                                             ip_address="10.0.0.1", user_agent="pytest")):
        env = publish_probe(seq=3, aggregate_id=42)

    wire = json.loads(kafka.encode(OutboxEvent.objects.get(event_id=env["eventId"]).envelope))
    assert list(wire) == list(SEED_EXAMPLE)
    assert list(wire["metadata"]) == list(SEED_EXAMPLE["metadata"])
    assert ISO_UTC.match(wire["timestamp"])
    assert wire["eventType"] == "user.created" and wire["eventVersion"] == TEST_VERSION
    assert wire["sourceService"] == "MS-VG-0002"
    assert wire["aggregateId"] == "42" and wire["aggregateType"] == "User"
    assert wire["correlationId"] == "corr-1"
    assert wire["payload"] == {"seq": 3, "label": "probe", "fail": False}
    assert wire["metadata"] == {"triggeredBy": "USR-1", "ipAddress": "10.0.0.1", "userAgent": "pytest",
                                "requestId": "req-1"}


@pytest.mark.django_db
def test_payload_keys_are_camel_case_on_the_wire():
    class CamelPayload(schema.EventPayload):
        student_user_id: int
        previous_institution: str | None = None

    with schema.registered("student.transferred", CamelPayload, version=TEST_VERSION):
        env = publish("student.transferred", aggregate_id=1, aggregate_type="StudentEnrollment",
                      payload=CamelPayload(student_user_id=5), version=TEST_VERSION)
    assert env["payload"] == {"studentUserId": 5, "previousInstitution": None}


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_http_request_fills_correlation_and_metadata(client, probe_schema):
    user = UserFactory()
    client.force_login(user)

    response = client.get("/publish/", HTTP_X_REQUEST_ID="req-abc-1", HTTP_USER_AGENT="Mozilla/5.0 test",
                          REMOTE_ADDR="192.168.1.100")

    assert response.status_code == 200
    row = OutboxEvent.objects.get(event_id=response.json()["eventId"])
    assert row.envelope["metadata"] == {"triggeredBy": user.code, "ipAddress": "192.168.1.100",
                                        "userAgent": "Mozilla/5.0 test", "requestId": "req-abc-1"}
    assert row.correlation_id == "req-abc-1" == response["X-Correlation-ID"]
    assert response["X-Request-ID"] == "req-abc-1"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_http_correlation_header_is_kept_and_unsafe_ids_are_replaced(client, probe_schema):
    response = client.get("/publish/", HTTP_X_CORRELATION_ID="enroll-2025-0001", HTTP_X_REQUEST_ID="bad id;drop")

    env = OutboxEvent.objects.get(event_id=response.json()["eventId"]).envelope
    assert env["correlationId"] == "enroll-2025-0001"
    assert env["metadata"]["requestId"].startswith("req-") and env["metadata"]["requestId"] != "bad id;drop"
    assert env["metadata"]["triggeredBy"] is None


@pytest.mark.django_db
def test_celery_task_carries_the_callers_context(probe_schema):
    ctx = context.RequestContext(correlation_id="corr-task", request_id="req-task", triggered_by="USR-9",
                                 ip_address="10.1.1.1", user_agent="agent")
    headers: dict = {}
    with context.bind(ctx):
        task_context._attach_context(headers=headers)  # what before_task_publish does for a real send

    event_id = publish_from_task.apply(kwargs={"seq": 1}, headers=headers).get()

    env = OutboxEvent.objects.get(event_id=event_id).envelope
    assert env["correlationId"] == "corr-task"
    assert env["metadata"] == {"triggeredBy": "USR-9", "ipAddress": "10.1.1.1", "userAgent": "agent",
                               "requestId": "req-task"}
    assert context._current.get() is None  # unbound after the task


@pytest.mark.django_db
def test_task_without_context_gets_a_fresh_correlation_id(probe_schema):
    event_id = publish_from_task.apply(kwargs={"seq": 1}).get()

    env = OutboxEvent.objects.get(event_id=event_id).envelope
    assert env["correlationId"].startswith("corr-")
    assert env["metadata"]["requestId"] is None


@pytest.mark.django_db
def test_unknown_event_type_raises_and_writes_nothing(probe_schema):
    with pytest.raises(UnknownEventType):
        publish("student.teleported", aggregate_id=1, aggregate_type="User", payload={"seq": 1})
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{"seq": "not-a-number"}, {"seq": 1, "unexpected": True}, {}])
def test_invalid_payload_raises_and_writes_nothing(probe_schema, payload):
    with pytest.raises(InvalidEventPayload):
        publish("user.created", aggregate_id=1, aggregate_type="User", payload=payload, version=TEST_VERSION)
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_publishing_a_type_without_a_schema_version_raises(probe_schema):
    with pytest.raises(InvalidEventPayload):
        publish("user.created", aggregate_id=1, aggregate_type="User", payload={"seq": 1}, version="98.0")


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_leaves_no_row_and_no_delivery(probe_schema, handler_registry):
    calls = []
    handler_registry("user.created", lambda event: calls.append(event.event_id), context="evtest")

    with pytest.raises(RuntimeError), transaction.atomic():
        publish_probe()
        raise RuntimeError("the service failed after publishing")

    assert not OutboxEvent.objects.exists()
    assert calls == []


def test_registered_schema_is_removed_afterwards_and_does_not_shadow_latest():
    class Older(schema.EventPayload):
        x: int

    class Probe(schema.EventPayload):
        y: int

    before = dict(schema._registry.get("workload.updated", {}))  # the real schemas, if its context has any
    with schema.registered("workload.updated", Older, version="97.0"):
        with schema.registered("workload.updated", Probe, version=TEST_VERSION):
            assert schema.latest("workload.updated").model is Probe
        assert schema.latest("workload.updated").model is Older
        assert schema.latest("workload.updated").version == "97.0"
        with schema.registered("workload.updated", Probe, version="97.0"):
            assert schema.schema_for("workload.updated", "97.0").model is Probe
        assert schema.schema_for("workload.updated", "97.0").model is Older
    assert dict(schema._registry.get("workload.updated", {})) == before
    assert ("workload.updated" in schema.registered_types()) == bool(before)
