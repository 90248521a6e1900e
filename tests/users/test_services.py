from datetime import date

import pytest

from apps.users import services
from apps.users.models import GuardianLink, User, UserCodeCounter
from common.errors import Conflict, NotFound, ValidationFailed
from events.models import OutboxEvent
from tests.institution.factories import InstitutionFactory
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db
ENVELOPE_KEYS = {"eventId", "eventType", "eventVersion", "timestamp", "sourceService", "correlationId", "aggregateId",
                 "aggregateType", "payload", "metadata"}


def events_of(event_type: str) -> list[dict]:
    return [row.envelope for row in OutboxEvent.objects.filter(event_type=event_type).order_by("created_at")]


@pytest.fixture
def inst():
    return InstitutionFactory()


def create(inst, **overrides) -> User:
    values = {"user_type": "STUDENT", "first_name": "Valeria", "last_name": "Quispe Mamani",
              "institution_id": inst.pk, "document_type": "DNI", "document_number": "71234567",
              "phone": "+51987654321", "email": "Valeria@Example.pe", "birth_date": date(2014, 5, 12)}
    return services.user_create(**{**values, **overrides})


def test_user_create_assigns_code_username_and_publishes_user_created(inst):
    user = create(inst)
    year = date.today().year

    assert user.code.startswith(f"USR-{year}-") and len(user.code) == len(f"USR-{year}-000001")
    assert user.username == user.code.lower() and user.email == "valeria@example.pe"
    assert not user.has_usable_password()
    [envelope] = events_of("user.created")
    assert set(envelope) == ENVELOPE_KEYS
    assert envelope["sourceService"] == "MS-VG-0002" and envelope["aggregateType"] == "User"
    assert envelope["aggregateId"] == str(user.pk)
    assert envelope["payload"]["userId"] == user.pk and envelope["payload"]["userCode"] == user.code
    assert envelope["payload"]["userType"] == "STUDENT" and envelope["payload"]["institutionId"] == inst.pk
    assert envelope["payload"]["birthDate"] == "2014-05-12"


def test_codes_are_consecutive_and_skip_numbers_taken_elsewhere(inst):
    year = date.today().year
    UserFactory(code=f"USR-{year}-000500")
    UserFactory(code=f"USR-{year}-X99999")  # not a system code: ignored
    first = create(inst, document_number="10000001")
    second = create(inst, document_number="10000002")

    assert first.code == f"USR-{year}-000501" and second.code == f"USR-{year}-000502"
    assert UserCodeCounter.objects.get(year=year).last_value == 502
    assert services.reserve_codes(2, year=2030) == ["USR-2030-000001", "USR-2030-000002"]


def test_the_client_cannot_choose_the_code(inst):
    with pytest.raises(TypeError):
        services.user_create(user_type="STUDENT", first_name="A", last_name="B", code="USR-2026-999999")


@pytest.mark.parametrize(("doc_type", "number", "valid"), [
    ("DNI", "12345678", True), ("DNI", "1234567", False), ("DNI", "123456789", False), ("DNI", "1234567A", False),
    ("CE", "001234567", True), ("CE", "AB12345678CD", True), ("CE", "12345678", False), ("CE", "1234567890123", False),
    ("PASSPORT", "AB1234", True), ("PASSPORT", "ab123456789z", True), ("PASSPORT", "AB123", False),
    ("PASSPORT", "AB-12345", False),
])
def test_identity_documents_are_validated(doc_type, number, valid, inst):
    if valid:
        assert create(inst, document_type=doc_type, document_number=number).document_number == number.upper()
    else:
        with pytest.raises(ValidationFailed) as exc:
            create(inst, document_type=doc_type, document_number=number)
        assert "document_number" in exc.value.details["fields"]
        assert not User.objects.exists() and not OutboxEvent.objects.exists()


@pytest.mark.parametrize(("phone", "valid"), [("+51987654321", True), ("+14155552671", True), ("987654321", False),
                                              ("+51 987 654 321", False), ("+0123456789", False), ("", True)])
def test_phones_must_be_e164(phone, valid, inst):
    if valid:
        assert create(inst, phone=phone).phone == phone
    else:
        with pytest.raises(ValidationFailed) as exc:
            create(inst, phone=phone)
        assert list(exc.value.details["fields"]) == ["phone"]


def test_documents_are_unique_per_institution(inst):
    create(inst)
    with pytest.raises(ValidationFailed) as exc:
        create(inst, first_name="Otra")
    assert "document_number" in exc.value.details["fields"]
    other = InstitutionFactory()
    assert create(other).institution_id == other.pk  # same document, another school
    assert User.objects.filter(document_number="71234567").count() == 2


def test_create_reports_every_bad_field_at_once_and_checks_the_institution(inst):
    with pytest.raises(ValidationFailed) as exc:
        services.user_create(user_type="WIZARD", first_name=" ", last_name="", institution_id=inst.pk + 99,
                             email="not-an-email", password="123")
    assert {"user_type", "first_name", "last_name", "institution", "email", "password"} <= set(
        exc.value.details["fields"])


def test_passwords_are_hashed_and_checked(inst):
    user = create(inst, password="clave-segura-2026", username="vquispe")
    assert user.password != "clave-segura-2026" and user.check_password("clave-segura-2026")
    assert services.verify_credentials(username="vquispe", password="clave-segura-2026") == user
    assert services.verify_credentials(username=user.code, password="clave-segura-2026") == user
    assert services.verify_credentials(username="vquispe", password="wrong") is None


def test_user_update_publishes_updated_and_role_changed(inst):
    user = create(inst, user_type="TEACHER")
    services.user_update(user_id=user.pk, phone="+51911111111", user_type="DIRECTOR")

    user.refresh_from_db()
    assert user.phone == "+51911111111" and user.user_type == "DIRECTOR"
    [updated] = events_of("user.updated")
    assert updated["payload"]["changedFields"] == ["phone", "user_type"]
    [role] = events_of("user.role.changed")
    assert role["payload"]["previousUserType"] == "TEACHER" and role["payload"]["newUserType"] == "DIRECTOR"
    assert set(role) == ENVELOPE_KEYS and role["aggregateId"] == str(user.pk)


def test_user_update_without_changes_publishes_nothing(inst):
    user = create(inst)
    services.user_update(user_id=user.pk, phone=user.phone)
    assert events_of("user.updated") == []


def test_user_update_validates_and_changes_nothing_on_error(inst):
    create(inst, document_number="11111111")
    user = create(inst, document_number="22222222")
    with pytest.raises(ValidationFailed) as exc:
        services.user_update(user_id=user.pk, document_number="11111111", phone="123")
    assert set(exc.value.details["fields"]) == {"document_number", "phone"}
    with pytest.raises(ValidationFailed):
        services.user_update(user_id=user.pk, code="USR-1")
    with pytest.raises(NotFound):
        services.user_update(user_id=user.pk + 999, phone="+51911111111")
    user.refresh_from_db()
    assert user.document_number == "22222222" and not events_of("user.updated")


def test_soft_deactivation_keeps_the_row_and_publishes_once(inst):
    user = create(inst, password="clave-segura-2026", username="vq")
    services.user_deactivate(user_id=user.pk, reason="Retiro")
    services.user_deactivate(user_id=user.pk, reason="Retiro")  # idempotent

    user.refresh_from_db()
    assert not user.is_active and user.deactivated_at is not None
    [envelope] = events_of("user.deactivated")
    assert envelope["payload"]["reason"] == "Retiro" and envelope["payload"]["userCode"] == user.code
    assert services.verify_credentials(username="vq", password="clave-segura-2026") is None
    services.user_update(user_id=user.pk, is_active=True)
    user.refresh_from_db()
    assert user.is_active and user.deactivated_at is None


def test_guardian_link_publishes_student_parent_linked_and_moves_the_primary_contact(inst):
    student = StudentFactory(institution_id=inst.pk)
    mother, father = GuardianFactory(institution_id=inst.pk), GuardianFactory(institution_id=inst.pk)
    services.guardian_link_create(student_id=student.pk, guardian_id=mother.pk, relationship="MOTHER",
                                  is_primary_contact=True)
    services.guardian_link_create(student_id=student.pk, guardian_id=father.pk, relationship="FATHER",
                                  is_primary_contact=True, notify_sms=False)

    links = {link.guardian_id: link for link in GuardianLink.objects.filter(student=student)}
    assert not links[mother.pk].is_primary_contact and links[father.pk].is_primary_contact
    assert not links[father.pk].notify_sms
    first, second = events_of("student.parent.linked")
    assert set(first) == ENVELOPE_KEYS and first["aggregateId"] == str(student.pk)
    assert first["payload"] == {"studentId": student.pk, "studentCode": student.code, "guardianId": mother.pk,
                                "guardianCode": mother.code, "relationship": "MOTHER", "isPrimaryContact": True,
                                "mayPickUp": True, "institutionId": inst.pk}
    assert second["payload"]["guardianId"] == father.pk


def test_guardian_link_refusals(inst):
    student, guardian = StudentFactory(), GuardianFactory()
    teacher = UserFactory(user_type="TEACHER")
    GuardianLinkFactory(student=student, guardian=guardian)
    with pytest.raises(Conflict):
        services.guardian_link_create(student_id=student.pk, guardian_id=guardian.pk, relationship="MOTHER")
    with pytest.raises(ValidationFailed) as not_parent:
        services.guardian_link_create(student_id=student.pk, guardian_id=teacher.pk, relationship="MOTHER")
    with pytest.raises(ValidationFailed) as not_student:
        services.guardian_link_create(student_id=teacher.pk, guardian_id=guardian.pk, relationship="UNCLE")
    with pytest.raises(NotFound):
        services.guardian_link_create(student_id=999999, guardian_id=guardian.pk, relationship="MOTHER")

    assert "guardian_id" in not_parent.value.details["fields"]
    assert {"student", "relationship"} <= set(not_student.value.details["fields"])
    assert GuardianLink.objects.count() == 1 and not events_of("student.parent.linked")


def test_guardian_link_delete_publishes_user_updated(inst):
    link = GuardianLinkFactory()
    services.guardian_link_delete(student_id=link.student_id, guardian_id=link.guardian_id)
    assert not GuardianLink.objects.exists()
    [envelope] = events_of("user.updated")
    assert envelope["payload"]["changedFields"] == ["guardians"] and envelope["aggregateId"] == str(link.student_id)
    with pytest.raises(NotFound):
        services.guardian_link_delete(student_id=link.student_id, guardian_id=link.guardian_id)


def test_a_student_with_guardians_cannot_change_type(inst):
    link = GuardianLinkFactory()
    with pytest.raises(ValidationFailed):
        services.user_update(user_id=link.student_id, user_type="TEACHER")
