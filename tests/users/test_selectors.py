import pytest

from apps.users import selectors
from common.tenancy import SYSTEM
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def test_users_filters_by_institution_type_state_and_search():
    StudentFactory(institution_id=1, first_name="Valeria", last_name="Quispe", document_number="71234567")
    StudentFactory(institution_id=1, first_name="Diego", is_active=False)
    TeacherFactory(institution_id=1, first_name="Luz")
    StudentFactory(institution_id=2, first_name="Valeria")

    assert selectors.users(scope=SYSTEM, institution_id=1).count() == 3
    assert [u.first_name for u in selectors.users(scope=SYSTEM, institution_id=1, user_type="TEACHER")] == ["Luz"]
    assert [u.first_name for u in selectors.users(scope=SYSTEM, institution_id=1, is_active=False)] == ["Diego"]
    assert [u.first_name for u in selectors.users(scope=SYSTEM, institution_id=1, search="valeria 7123")] == ["Valeria"]
    assert selectors.users(scope=SYSTEM, search="valeria").count() == 2


def test_children_links_load_the_children_in_one_query(django_assert_num_queries):
    guardian = GuardianFactory()
    for _ in range(6):
        GuardianLinkFactory(guardian=guardian)
    with django_assert_num_queries(1):
        links = selectors.children_links(guardian.pk)
        names = [link.student.first_name for link in links]
    assert len(names) == 6


def test_links_of_students_load_the_guardians_in_one_query(django_assert_num_queries):
    students = [StudentFactory() for _ in range(4)]
    for student in students:
        GuardianLinkFactory(student=student)
        GuardianLinkFactory(student=student, is_primary_contact=False)
    with django_assert_num_queries(1):
        links = selectors.links_of_students([s.pk for s in students], scope=SYSTEM)
        codes = [link.guardian.code for link in links]
    assert len(codes) == 8


def test_student_ids_of_guardian_active_only():
    guardian = GuardianFactory()
    active = GuardianLinkFactory(guardian=guardian).student_id
    GuardianLinkFactory(guardian=guardian, student=StudentFactory(is_active=False))
    assert selectors.student_ids_of_guardian(guardian.pk, scope=SYSTEM, active_only=True) == [active]
    assert len(selectors.student_ids_of_guardian(guardian.pk, scope=SYSTEM)) == 2
