import pytest

from apps.auth import contracts as auth
from apps.users import contracts
from common.tenancy import SYSTEM
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def test_get_user_and_get_users():
    student = StudentFactory(first_name="Valeria", last_name="Quispe", institution_id=3)
    dto = contracts.get_user(scope=SYSTEM, user_id=student.pk)

    assert (dto.id, dto.code, dto.user_type, dto.full_name, dto.institution_id) == (
        student.pk, student.code, "STUDENT", "Valeria Quispe", 3)
    assert contracts.get_user(scope=SYSTEM, user_id=student.pk + 999) is None
    teacher = TeacherFactory()
    assert set(contracts.get_users(scope=SYSTEM, user_ids=[student.pk, teacher.pk, 999999])) == {student.pk, teacher.pk}


def test_get_users_is_one_query(django_assert_num_queries):
    ids = [StudentFactory().pk for _ in range(5)]
    with django_assert_num_queries(1):
        assert len(contracts.get_users(scope=SYSTEM, user_ids=ids)) == 5


def test_guardians_of_lists_the_primary_contact_first():
    student = StudentFactory()
    GuardianLinkFactory(student=student, relationship="FATHER", is_primary_contact=False)
    mother = GuardianLinkFactory(student=student, relationship="MOTHER", is_primary_contact=True, notify_sms=False)

    guardians = contracts.guardians_of(scope=SYSTEM, student_id=student.pk)
    assert [g.relationship for g in guardians] == ["MOTHER", "FATHER"]
    assert guardians[0].guardian.id == mother.guardian_id and guardians[0].is_primary_contact
    assert not guardians[0].notify_sms and guardians[0].notify_email


def test_guardians_of_students_in_one_query(django_assert_num_queries):
    shared = GuardianFactory()
    kids = [StudentFactory() for _ in range(4)]
    for kid in kids:
        GuardianLinkFactory(student=kid, guardian=shared)
        GuardianLinkFactory(student=kid)
    lonely = StudentFactory()
    with django_assert_num_queries(1):
        result = contracts.guardians_of_students(scope=SYSTEM, student_ids=[k.pk for k in kids] + [lonely.pk])
    assert result[lonely.pk] == [] and all(len(result[k.pk]) == 2 for k in kids)


def test_student_ids_of_guardian_and_bulk_validate():
    guardian = GuardianFactory()
    kids = [GuardianLinkFactory(guardian=guardian).student_id for _ in range(2)]
    inactive = StudentFactory(is_active=False)

    assert contracts.student_ids_of_guardian(scope=SYSTEM, guardian_id=guardian.pk) == sorted(kids)
    results = contracts.bulk_validate(scope=SYSTEM, user_ids=[kids[0], inactive.pk, 999999, kids[0]])
    assert [(r.user_id, r.exists, r.is_active, r.user_type) for r in results] == [
        (kids[0], True, True, "STUDENT"), (inactive.pk, True, False, "STUDENT"), (999999, False, False, None)]


def test_find_users_by_document():
    student = StudentFactory(document_number="71234567")
    assert [u.id for u in contracts.find_users_by_document(scope=SYSTEM, document_number=" 71234567 ")] == [student.pk]


def test_auths_rules_read_a_guardians_active_children_through_the_contract():
    guardian = GuardianFactory()
    kid = GuardianLinkFactory(guardian=guardian).student
    withdrawn = GuardianLinkFactory(guardian=guardian, student=StudentFactory(is_active=False)).student
    principal = auth.Principal(user_id=guardian.pk, user_type="PARENT", institution_id=None)

    assert auth.can_read_student(principal, kid.pk)
    assert not auth.can_read_student(principal, StudentFactory().pk)
    assert auth.visible_student_ids(principal) == frozenset({kid.pk})
    assert contracts.guardian_student_ids(guardian_id=guardian.pk) == frozenset({kid.pk})
    assert withdrawn.pk not in contracts.guardian_student_ids(guardian_id=guardian.pk)


def test_check_credentials():
    user = StudentFactory(username="vquispe", password="secret-pass-123")
    assert contracts.check_credentials(username="vquispe", password="secret-pass-123") == user.pk
    assert contracts.check_credentials(username=user.code, password="secret-pass-123") == user.pk
    assert contracts.check_credentials(username="vquispe", password="wrong") is None
    assert contracts.check_credentials(username="nobody", password="secret-pass-123") is None
    user.is_active = False
    user.save()
    assert contracts.check_credentials(username="vquispe", password="secret-pass-123") is None


def test_user_security_summary():
    user = TeacherFactory(institution_id=7, first_name="Luz")
    summary = contracts.user_security_summary(user_id=user.pk)
    assert summary == contracts.UserSecurityDTO(
        id=user.pk, code=user.code, user_type="TEACHER", institution_id=7, is_active=True, is_superuser=False,
        first_name="Luz", last_name=user.last_name, email=user.email)
    assert contracts.user_security_summary(user_id=user.pk + 999) is None
    assert auth.principal_for_user_id(user.pk) == auth.Principal(user_id=user.pk, user_type="TEACHER",
                                                                 institution_id=7)
