"""Tenancy of notifications: school A's senders, given school B's people, students, sections and bulk sends in
the path or the body (DRF API and integration API), get a 404 and nothing is recorded, queued or delivered;
messages and bulk sends carry their school; network staff, superusers and the service token reach both."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.auth.contracts import principal_of
from apps.auth.tokens import issue_pair
from apps.notifications import contracts, selectors, services
from apps.notifications.models import BulkSend, Message
from common.errors import NotFound
from common.tenancy import SYSTEM, Scope
from tests.academic.factories import EnrollmentFactory, InstitutionFactory, SectionFactory
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StaffFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db

SEND = "/api/v1/notifications/send-immediate"
WELCOME = "/api/v1/notifications/welcome"
NOTIFY = "/api/v1/notifications/notify-guardians"


def _school():
    institution = InstitutionFactory()
    section = SectionFactory(academic_year__institution_id=institution.pk)
    student = StudentFactory(institution_id=institution.pk)
    guardian = GuardianFactory(institution_id=institution.pk, phone="", email=f"g{student.pk}@example.pe")
    GuardianLinkFactory(student=student, guardian=guardian, notify_sms=False)
    EnrollmentFactory(section=section, student_id=student.pk)
    return {"id": institution.pk, "section": section, "student": student, "guardian": guardian}


@pytest.fixture
def world():
    return {"a": _school(), "b": _school()}


def _fingerprint(school):
    return (Message.objects.filter(institution_id=school["id"]).count(),
            Message.objects.filter(recipient_user_id=school["guardian"].pk).count(),
            BulkSend.objects.filter(institution_id=school["id"]).count())


def _staff(school, role):
    return StaffFactory(user_type=role, institution_id=school["id"])


def _bearer(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_pair(principal_of(user)).access}")


@pytest.mark.parametrize("role", ["ADMIN", "DIRECTOR", "SECRETARY"])
@pytest.mark.parametrize("target", ["user", "section", "mixed"])
def test_send_immediate_to_another_schools_people_or_section_is_404_and_queues_nothing(
        world, client_for, role, target, django_capture_on_commit_callbacks):
    a, b = world["a"], world["b"]
    body = {"user_ids": [b["guardian"].pk]} if target == "user" else \
        {"section_id": b["section"].pk} if target == "section" else {"user_ids": [a["guardian"].pk, b["guardian"].pk]}
    before_a, before_b = _fingerprint(a), _fingerprint(b)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(_staff(a, role)).post(SEND, {**body, "subject": "s", "body": "b"}, format="json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] in {"user_not_found", "section_not_found"}
    assert callbacks == []  # nothing queued
    assert (_fingerprint(a), _fingerprint(b)) == (before_a, before_b)


def test_send_immediate_within_the_school_records_the_school_on_bulk_and_messages(
        world, client_for, django_capture_on_commit_callbacks):
    a = world["a"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(_staff(a, "DIRECTOR")).post(
            SEND, {"section_id": a["section"].pk, "subject": "s", "body": "b", "channels": ["INAPP"]}, format="json")

    assert response.status_code == 202
    bulk = BulkSend.objects.get(pk=response.json()["bulk_id"])
    assert bulk.institution_id == a["id"]
    assert list(bulk.messages.values_list("recipient_user_id", "institution_id")) == [(a["guardian"].pk, a["id"])]


@pytest.mark.parametrize("who", ["network_staff", "superuser"])
def test_network_wide_senders_reach_both_schools(world, client_for, who, django_capture_on_commit_callbacks):
    user = StaffFactory(user_type="ADMIN", institution_id=None) if who == "network_staff" else \
        UserFactory(user_type="ADMIN", institution_id=world["a"]["id"], is_superuser=True)
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        for school in (world["a"], world["b"]):
            response = client.post(SEND, {"section_id": school["section"].pk, "subject": "s", "body": "b",
                                          "channels": ["INAPP"]}, format="json")
            assert response.status_code == 202
            assert BulkSend.objects.get(pk=response.json()["bulk_id"]).institution_id == school["id"]
            assert client.get(f"/api/v1/notifications/bulk/{response.json()['bulk_id']}").status_code == 200
    assert Message.objects.filter(recipient_user_id=world["b"]["guardian"].pk, institution_id=world["b"]["id"]).exists()


def test_another_schools_bulk_send_progress_is_404(world, client_for):
    b_bulk = BulkSend.objects.create(requested_by_id=1, subject="s", body="b", channels=["INAPP"],
                                     institution_id=world["b"]["id"])
    a_bulk = BulkSend.objects.create(requested_by_id=1, subject="s", body="b", channels=["INAPP"],
                                     institution_id=world["a"]["id"])
    client = client_for(_staff(world["a"], "SECRETARY"))

    assert client.get(f"/api/v1/notifications/bulk/{b_bulk.pk}").status_code == 404
    assert client.get(f"/api/v1/notifications/bulk/{a_bulk.pk}").status_code == 200
    assert list(selectors.bulk_sends_with_counts(scope=Scope.school(world["a"]["id"]))) == [a_bulk]


@pytest.mark.parametrize("role", ["DIRECTOR", "SECRETARY"])
@pytest.mark.parametrize("foreign", ["student", "section"])
def test_integration_welcome_and_notify_guardians_for_another_school_are_404(world, role, foreign,
                                                                            django_capture_on_commit_callbacks):
    a, b = world["a"], world["b"]
    student = b["student"] if foreign == "student" else a["student"]
    section = b["section"] if foreign == "section" else a["section"]
    client = _bearer(_staff(a, role))
    before = (_fingerprint(a), _fingerprint(b))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        welcome = client.post(WELCOME, {"enrollmentId": 5, "studentId": student.pk, "sectionId": section.pk,
                                        "idempotencyKey": "k1"}, content_type="application/json")
        notify = client.post(NOTIFY, {"studentId": student.pk, "templateKey": "absence_recorded",
                                      "context": {"date": "2026-04-10", "section_id": section.pk},
                                      "idempotencyKey": "k2"}, content_type="application/json")

    assert welcome.status_code == 404 and notify.status_code == 404
    assert {welcome.json()["error"]["code"], notify.json()["error"]["code"]} <= {"student_not_found",
                                                                                  "section_not_found"}
    assert callbacks == []
    assert (_fingerprint(a), _fingerprint(b)) == before


def test_integration_service_token_declaring_a_school_is_confined_to_it(world, settings,
                                                                         django_capture_on_commit_callbacks):
    a, b = world["a"], world["b"]
    client = Client(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN, HTTP_X_PRS1_SCOPE=f"school:{a['id']}")
    body = {"enrollmentId": 9, "sectionId": b["section"].pk, "studentId": b["student"].pk, "idempotencyKey": "k"}
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(WELCOME, body, content_type="application/json")
        own = client.post(WELCOME, {**body, "sectionId": a["section"].pk, "studentId": a["student"].pk},
                          content_type="application/json")
        network = Client(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN).post(WELCOME, body,
                                                                           content_type="application/json")

    assert refused.status_code == 404
    assert own.status_code == 200 and own.json()["messageIds"]
    assert set(Message.objects.filter(pk__in=own.json()["messageIds"]).values_list("institution_id", flat=True)) \
        == {a["id"]}
    assert network.status_code == 200 and network.json()["messageIds"]  # undeclared: network-wide "service"


def test_integration_malformed_scope_header_is_400(world, settings):
    client = Client(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN, HTTP_X_PRS1_SCOPE="school:abc")
    response = client.post(NOTIFY, {"studentId": world["a"]["student"].pk, "templateKey": "absence_recorded",
                                    "idempotencyKey": "k"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_scope"
    assert Message.objects.count() == 0


def test_contracts_refuse_a_foreign_student_or_person_for_a_school_scope(world):
    a, b = world["a"], world["b"]
    scope = Scope.school(a["id"])
    with pytest.raises(NotFound):
        contracts.notify_guardians(scope=scope, student_id=b["student"].pk, template_key="absence_recorded",
                                   context={}, idempotency_key="x")
    with pytest.raises(NotFound):
        contracts.notify_users(scope=scope, user_ids=[a["guardian"].pk, b["guardian"].pk], template_key="bulk",
                               context={"subject": "s", "body": "b"}, idempotency_key="y")
    assert Message.objects.count() == 0


def test_the_system_scope_sends_with_the_students_school(world, django_capture_on_commit_callbacks):
    b = world["b"]
    with django_capture_on_commit_callbacks(execute=True):
        ids = contracts.notify_guardians(scope=SYSTEM, student_id=b["student"].pk, template_key="absence_recorded",
                                         context={"date": "2026-04-10"}, idempotency_key="absence:1")
    assert ids and set(Message.objects.filter(pk__in=ids).values_list("institution_id", flat=True)) == {b["id"]}


def test_a_bulk_of_one_school_never_reaches_another_schools_people_when_it_runs(world):
    a, b = world["a"], world["b"]
    bulk = BulkSend.objects.create(requested_by_id=1, subject="s", body="b", channels=["INAPP"],
                                   recipient_user_ids=[a["guardian"].pk, b["guardian"].pk], institution_id=a["id"])
    services.bulk_send_run(bulk_id=bulk.pk)
    assert list(Message.objects.values_list("recipient_user_id", flat=True)) == [a["guardian"].pk]
