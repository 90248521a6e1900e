"""The notifications contract answers the same in-process and over HTTP, the messages queued or refusals
(tests/contract_remote.py).

The methods send, so each side gets its own copy of the world (same shape, fresh ids), and answers are
compared by what the messages are (who, which channel, which template and school, what they say), not by
their ids."""

from __future__ import annotations

import pytest

from apps.notifications import contracts as notifications
from apps.notifications.contract_impl import LocalNotifications
from apps.notifications.contracts import NotificationsContract
from apps.notifications.models import Message, NotificationTemplate
from common.errors import BusinessRuleViolation, NotFound
from common.tenancy import SYSTEM, Scope
from tests.academic.factories import InstitutionFactory, SectionFactory
from tests.contract_remote import Refusal, answer, assert_local_and_remote_agree, assert_table_covers, each_case, go_remote
from tests.contract_remote import fresh_delegation as _fresh_delegation  # noqa: F401 (autouse fixture)
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StudentFactory, TeacherFactory

TEMPLATES = {
    "welcome": ("Bienvenida {{ student_first_name }}", "{{ student_name }}: {{ section_name }}, {{ school_name }}."),
    "remote_note": ("Aviso {{ date }}", "{{ recipient_name }}: {{ student_name }} {{ count }} {{ detail.kind }}."),
}


def _templates() -> None:
    # A transactional test starts from whatever the previous one left (the migration's templates may be gone).
    for key, (subject, body) in TEMPLATES.items():
        for language in ("es", "en"):
            NotificationTemplate.objects.update_or_create(key=key, language=language, defaults={
                "subject": subject, "body_text": body, "body_html": "", "sms_text": "", "is_active": True})


def _school(label: str, people: dict, schools: dict) -> dict:
    institution = InstitutionFactory(name=f"Colegio {label}")
    section = SectionFactory(academic_year__institution_id=institution.pk, name=f"5{label}",
                             code=f"SEC-{institution.pk}-5{label}")
    student = StudentFactory(institution_id=institution.pk, first_name="Ana", last_name=label)
    guardian = GuardianFactory(institution_id=institution.pk, first_name="Rosa", last_name=label, phone="")
    GuardianLinkFactory(student=student, guardian=guardian, notify_sms=False)
    teacher = TeacherFactory(institution_id=institution.pk, first_name="Luz", last_name=label)
    schools[institution.pk] = label
    people.update({guardian.pk: f"{label}-guardian", teacher.pk: f"{label}-teacher"})
    return {"id": institution.pk, "section": section.pk, "student": student.pk, "teacher": teacher.pk}


def _world() -> dict:
    people: dict[int, str] = {}
    schools: dict[int, str] = {}
    return {"A": _school("A", people, schools), "B": _school("B", people, schools), "people": people,
            "schools": schools}


CONTEXT = {"date": "2026-04-10", "count": 3, "detail": {"kind": "late", "minutes": [5, 10]}, "section_id": None}

# (method, kwargs built from one copy of the world): every method of the interface, answers and refusals.
CASES = [
    ("send_welcome", lambda w: {"scope": SYSTEM, "enrollment_id": 7, "student_id": w["A"]["student"],
                                "section_id": w["A"]["section"], "idempotency_key": "saga-1:welcome"}),
    ("send_welcome", lambda w: {"scope": Scope.school(w["A"]["id"]), "enrollment_id": 8,
                                "student_id": w["B"]["student"], "section_id": w["B"]["section"],
                                "idempotency_key": "k"}),  # 404 student_not_found
    ("send_welcome", lambda w: {"scope": Scope.school(w["A"]["id"]), "enrollment_id": 9,
                                "student_id": w["A"]["student"], "section_id": w["B"]["section"],
                                "idempotency_key": "k"}),  # 404 section_not_found
    ("notify_guardians", lambda w: {"scope": Scope.school(w["A"]["id"]), "student_id": w["A"]["student"],
                                    "template_key": "remote_note", "context": CONTEXT, "idempotency_key": "note:1"}),
    ("notify_guardians", lambda w: {"scope": Scope.school(w["A"]["id"]), "student_id": w["B"]["student"],
                                    "template_key": "remote_note", "context": {}, "idempotency_key": "note:2"}),  # 404
    ("notify_guardians", lambda w: {"scope": SYSTEM, "student_id": w["B"]["student"], "template_key": "no_such",
                                    "context": {}, "idempotency_key": "note:3"}),  # 422 template_missing
    ("notify_users", lambda w: {"scope": SYSTEM, "user_ids": [w["A"]["teacher"], w["B"]["teacher"]],
                                "template_key": "remote_note", "context": CONTEXT, "idempotency_key": "staff:1"}),
    ("notify_users", lambda w: {"scope": Scope.school(w["A"]["id"]), "user_ids": [w["A"]["teacher"], w["B"]["teacher"]],
                                "template_key": "remote_note", "context": CONTEXT,
                                "idempotency_key": "staff:2"}),  # 404 user_not_found, nothing sent
]


def _messages(ids: list[int], world: dict) -> list[tuple]:
    """What the messages are, in the world's own words (ids differ between the two copies)."""
    rows = Message.objects.filter(pk__in=ids)
    assert rows.count() == len(ids)
    return sorted((world["people"][m.recipient_user_id], m.channel, m.template_key, world["schools"][m.institution_id],
                   m.subject, m.body_text) for m in rows)


def _answer(method: str, kwargs: dict, world: dict):
    """The messages queued, or the business error as a Refusal."""
    before = Message.objects.count()
    ids = answer(notifications, method, kwargs)
    if isinstance(ids, Refusal):
        assert Message.objects.count() == before  # a refusal queues nothing
        return ids
    assert type(ids) is list and all(type(i) is int for i in ids)
    return _messages(ids, world)


def test_the_table_calls_every_method_of_the_interface_and_every_method_is_idempotent():
    assert_table_covers(NotificationsContract, CASES)  # keyed sends


@each_case(CASES)
@pytest.mark.django_db(transaction=True)
def test_local_and_remote_answers_agree(method, make_kwargs, live_server, settings):
    _templates()
    here, there = _world(), _world()

    assert_local_and_remote_agree(settings, live_server, NotificationsContract, LocalNotifications,
                                  lambda: _answer(method, make_kwargs(here), here),
                                  lambda: _answer(method, make_kwargs(there), there))


@pytest.mark.django_db(transaction=True)
def test_remote_sends_land_once_and_errors_keep_class_and_code(live_server, settings):
    _templates()
    w = _world()
    a = w["A"]
    go_remote(settings, live_server, NotificationsContract)

    ids = notifications.notify_guardians(scope=Scope.school(a["id"]), student_id=a["student"],
                                         template_key="remote_note", context=CONTEXT, idempotency_key="note:9")
    again = notifications.notify_guardians(scope=Scope.school(a["id"]), student_id=a["student"],
                                           template_key="remote_note", context=CONTEXT, idempotency_key="note:9")

    assert sorted(again) == sorted(ids) and Message.objects.count() == len(ids) == 2  # email + in-app, once
    inapp = Message.objects.get(pk__in=ids, channel="INAPP")
    assert (inapp.subject, inapp.body_text, inapp.institution_id) == ("Aviso 2026-04-10", "Rosa A: Ana A 3 late.", a["id"])
    welcome = notifications.send_welcome(scope=SYSTEM, enrollment_id=5, student_id=a["student"],
                                         section_id=a["section"], idempotency_key="saga-5")
    assert notifications.send_welcome(scope=SYSTEM, enrollment_id=5, student_id=a["student"], section_id=a["section"],
                                      idempotency_key="handler-5") == welcome
    assert set(Message.objects.filter(pk__in=welcome).values_list("idempotency_key", flat=True)) == {
        f"welcome:5:{m.recipient_user_id}:{m.channel.lower()}" for m in Message.objects.filter(pk__in=welcome)}
    with pytest.raises(NotFound) as foreign:
        notifications.notify_users(scope=Scope.school(a["id"]), user_ids=[a["teacher"], w["B"]["teacher"]],
                                   template_key="remote_note", context={}, idempotency_key="staff:9")
    assert (foreign.value.code, foreign.value.status_code) == ("user_not_found", 404)
    with pytest.raises(BusinessRuleViolation) as missing:
        notifications.notify_guardians(scope=SYSTEM, student_id=a["student"], template_key="no_such", context={},
                                       idempotency_key="note:10")
    assert (missing.value.code, missing.value.status_code, missing.value.details) == (
        "template_missing", 422, {"template_key": "no_such"})
    assert Message.objects.count() == len(ids) + len(welcome)
