"""The role matrix and object-scope rules of apps.auth.contracts, with the lookups they make through the
users, academic and assignments contracts faked (the shared `fake_contract` fixture)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIRequestFactory

from apps.academic.contracts import AcademicContract
from apps.assignments.contracts import AssignmentsContract
from apps.auth.contracts import (
    ALL_PERMISSIONS,
    ROLE_PERMISSIONS,
    Principal,
    can_act_on_section,
    can_read_section,
    can_read_student,
    has_permission,
    principal_for_user_id,
    requires,
    visible_section_ids,
    visible_student_ids,
)
from apps.users.contracts import UsersContract, UserSecurityDTO
from common import contracts as common_contracts

STUDENT, OTHER_STUDENT, SIBLING = 100, 200, 101
GUARDIAN, TEACHER = 10, 20
SECTION_A, SECTION_B = 1, 2
COURSE_MATH, COURSE_ART = 7, 8


@pytest.fixture
def scope(fake_contract):
    """A small school: guardian 10 has students 100 and 101; teacher 20 teaches math in section 1.
    Student 100 and 101 are in section 1, student 200 in section 2."""
    fake_contract(UsersContract, "guardian_student_ids",
                  lambda *, guardian_id: frozenset({GUARDIAN: {STUDENT, SIBLING}}.get(guardian_id, ())))
    fake_contract(AssignmentsContract, "teacher_section_ids",
                  lambda *, teacher_id: frozenset({TEACHER: {SECTION_A}}.get(teacher_id, ())))
    fake_contract(AssignmentsContract, "teacher_section_course_pairs",
                  lambda *, teacher_id: frozenset({TEACHER: {(SECTION_A, COURSE_MATH)}}.get(teacher_id, ())))
    fake_contract(AcademicContract, "active_section_ids_of_student",
                  lambda *, student_id: frozenset({STUDENT: {SECTION_A}, SIBLING: {SECTION_A},
                                                   OTHER_STUDENT: {SECTION_B}}.get(student_id, ())))


def p(user_type: str, user_id: int = 1, superuser: bool = False) -> Principal:
    return Principal(user_id=user_id, user_type=user_type, institution_id=1, is_superuser=superuser)


# --- roles → permissions ---------------------------------------------------------------------


@pytest.mark.parametrize(("role", "permission", "expected"), [
    ("ADMIN", "events.operate", True),
    ("DIRECTOR", "events.operate", False),
    ("DIRECTOR", "grades.period.reopen", True),
    ("SECRETARY", "grades.record", False),
    ("SECRETARY", "enrollment.manage", True),
    ("AUXILIARY", "attendance.mark", True),
    ("AUXILIARY", "grades.read", False),
    ("TEACHER", "grades.record", True),
    ("TEACHER", "users.manage", False),
    ("PSYCHOLOGIST", "welfare.read", True),
    ("ADMIN", "welfare.read", False),  # the psychologist alone reads welfare records
    ("PARENT", "attendance.justify.submit", True),
    ("PARENT", "grades.record", False),
    ("STUDENT", "grades.read", True),
    ("STUDENT", "attendance.justify.submit", False),
])
def test_role_matrix(role, permission, expected):
    assert has_permission(p(role), permission) is expected


def test_unknown_role_and_anonymous_hold_nothing():
    assert p("JANITOR").permissions == frozenset()
    assert has_permission(None, "institution.read") is False


def test_superuser_holds_admin_permissions_on_top_of_own_role():
    principal = p("TEACHER", superuser=True)
    assert ROLE_PERMISSIONS["ADMIN"] <= principal.permissions
    assert principal.is_staff_role


def test_all_permissions_is_the_union_of_the_matrix():
    assert ALL_PERMISSIONS == frozenset().union(*ROLE_PERMISSIONS.values())
    assert "welfare.manage" in ALL_PERMISSIONS


# --- object scope ------------------------------------------------------------------------------


STAFF_AND_PSYCHOLOGIST = ["ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY", "PSYCHOLOGIST"]
SCHOOL, OTHER_SCHOOL = 1, 2  # p(...) principals belong to SCHOOL


def security(user_id: int, user_type: str = "STUDENT", institution_id: int | None = None,
             is_active: bool = True) -> UserSecurityDTO:
    return UserSecurityDTO(id=user_id, code=None, user_type=user_type, institution_id=institution_id,
                           is_active=is_active, is_superuser=False, first_name="", last_name="", email="")


@pytest.fixture
def schools(fake_contract):
    """Student 100 and section 1 are in the principals' school; student 200 and section 2 in another."""
    fake_contract(UsersContract, "user_security_summary", lambda *, user_id: security(
        user_id, institution_id={STUDENT: SCHOOL, OTHER_STUDENT: OTHER_SCHOOL}.get(user_id)))
    fake_contract(AcademicContract, "section_institution_id",
                  lambda *, section_id: {SECTION_A: SCHOOL, SECTION_B: OTHER_SCHOOL}.get(section_id))
    fake_contract(AcademicContract, "institution_section_ids",
                  lambda *, institution_id: frozenset({SCHOOL: {SECTION_A}, OTHER_SCHOOL: {SECTION_B}}.get(
                      institution_id, ())))


LOOKUPS = [(UsersContract, "guardian_student_ids"), (UsersContract, "user_security_summary"),
           (AcademicContract, "active_section_ids_of_student"), (AcademicContract, "section_institution_id"),
           (AcademicContract, "institution_section_ids"), (AssignmentsContract, "teacher_section_ids"),
           (AssignmentsContract, "teacher_section_course_pairs")]


@pytest.fixture
def no_lookups(fake_contract):
    """Every lookup the rules may make fails the test if it is made."""

    def refuse(**kwargs):
        raise AssertionError(f"unexpected lookup {kwargs}")

    for interface, method in LOOKUPS:
        fake_contract(interface, method, refuse)


@pytest.mark.parametrize("role", STAFF_AND_PSYCHOLOGIST)
def test_staff_and_psychologist_read_the_students_of_their_own_school_only(schools, role):
    assert can_read_student(p(role), STUDENT) is True
    assert can_read_student(p(role), OTHER_STUDENT) is False  # another school of the network
    assert visible_student_ids(p(role)) is None  # not restricted by student...
    assert visible_section_ids(p(role)) == {SECTION_A}  # ...but to the sections of their school


@pytest.mark.parametrize("role", STAFF_AND_PSYCHOLOGIST)
def test_network_staff_and_superusers_read_any_student_without_a_lookup(no_lookups, role):
    network = Principal(user_id=1, user_type=role, institution_id=None)
    assert can_read_student(network, OTHER_STUDENT) is True
    assert can_read_student(p(role, superuser=True), OTHER_STUDENT) is True
    assert visible_student_ids(network) is None
    assert visible_section_ids(network) is None and visible_section_ids(p(role, superuser=True)) is None


def test_student_reads_only_themself(scope):
    assert can_read_student(p("STUDENT", STUDENT), STUDENT) is True
    assert can_read_student(p("STUDENT", STUDENT), SIBLING) is False
    assert visible_student_ids(p("STUDENT", STUDENT)) == {STUDENT}
    assert visible_section_ids(p("STUDENT", STUDENT)) == {SECTION_A}


def test_parent_reads_own_children_only(scope):
    parent = p("PARENT", GUARDIAN)
    assert can_read_student(parent, STUDENT) is True
    assert can_read_student(parent, SIBLING) is True
    assert can_read_student(parent, OTHER_STUDENT) is False  # another family's child
    assert visible_student_ids(parent) == {STUDENT, SIBLING}
    assert visible_section_ids(parent) == {SECTION_A}


def test_another_parent_sees_nothing(scope):
    stranger = p("PARENT", 11)
    assert can_read_student(stranger, STUDENT) is False
    assert visible_student_ids(stranger) == frozenset()
    assert visible_section_ids(stranger) == frozenset()


def test_teacher_reads_students_of_their_sections_only(scope):
    teacher = p("TEACHER", TEACHER)
    assert can_read_student(teacher, STUDENT) is True
    assert can_read_student(teacher, OTHER_STUDENT) is False
    assert visible_section_ids(teacher) == {SECTION_A}
    assert visible_student_ids(teacher) == frozenset()  # teachers list students through their sections


def test_teacher_acts_only_on_their_sections_and_courses(scope):
    teacher = p("TEACHER", TEACHER)
    assert can_act_on_section(teacher, SECTION_A) is True
    assert can_act_on_section(teacher, SECTION_A, COURSE_MATH) is True
    assert can_act_on_section(teacher, SECTION_A, COURSE_ART) is False  # same section, a course not theirs
    assert can_act_on_section(teacher, SECTION_B) is False  # a section not theirs
    assert can_act_on_section(p("TEACHER", 21), SECTION_A) is False


@pytest.mark.parametrize("role", ["ADMIN", "DIRECTOR", "SECRETARY"])
def test_academic_staff_act_on_any_section_and_course_of_their_own_school(schools, role):
    assert can_act_on_section(p(role), SECTION_A, COURSE_ART) is True
    assert can_act_on_section(p(role), SECTION_B, COURSE_ART) is False  # another school's section
    assert can_act_on_section(p(role, superuser=True), SECTION_B, COURSE_ART) is True


def test_auxiliary_takes_daily_attendance_but_never_acts_on_a_course(schools):
    assert can_act_on_section(p("AUXILIARY"), SECTION_A) is True
    assert can_act_on_section(p("AUXILIARY"), SECTION_A, COURSE_ART) is False
    assert can_act_on_section(p("AUXILIARY"), SECTION_B) is False


@pytest.mark.parametrize("role", ["PARENT", "STUDENT", "PSYCHOLOGIST", "JANITOR"])
def test_other_roles_act_on_no_section(scope, role):
    assert can_act_on_section(p(role, GUARDIAN), SECTION_A) is False


def test_anonymous_has_no_scope():
    assert can_read_student(None, STUDENT) is False
    assert can_act_on_section(None, SECTION_A) is False
    assert visible_student_ids(None) == frozenset()
    assert visible_section_ids(None) == frozenset()


# --- the lookups: contract calls --------------------------------------------------------------------


def test_an_unavailable_lookup_fails_loudly_not_open(fake_contract):
    def away(**kwargs):
        raise common_contracts.RemoteUnavailable("user-management: timed out")

    fake_contract(UsersContract, "guardian_student_ids", away)
    fake_contract(AssignmentsContract, "teacher_section_ids", away)
    with pytest.raises(common_contracts.RemoteUnavailable):
        can_read_student(p("PARENT", GUARDIAN), STUDENT)
    with pytest.raises(common_contracts.RemoteUnavailable):
        can_act_on_section(p("TEACHER", TEACHER), SECTION_A)


def test_with_assignments_served_elsewhere_a_teachers_sections_come_over_its_rpc_endpoint(settings, monkeypatch):
    settings.PRS1_REMOTE_CONTEXTS = "assignments=http://assignments.invalid"
    common_contracts.reset()
    calls = []

    def post(self, path, body, headers):
        calls.append((path, body, headers.get(common_contracts.SCOPE_HEADER)))
        return {"result": [SECTION_A]}

    monkeypatch.setattr(common_contracts.RemoteContract, "_post", post)
    try:
        assert can_act_on_section(p("TEACHER", TEACHER), SECTION_A) is True
        assert can_act_on_section(p("TEACHER", TEACHER), SECTION_B) is False
    finally:
        common_contracts.reset()
    assert calls[0] == ("/api/v1/rpc/assignments/teacher_section_ids", {"teacher_id": TEACHER}, None)


def test_an_empty_answer_means_no_scope(fake_contract):
    fake_contract(UsersContract, "guardian_student_ids", lambda *, guardian_id: frozenset())
    assert can_read_student(p("PARENT", GUARDIAN), STUDENT) is False


def test_principal_for_user_id_reads_the_users_security_summary(fake_contract):
    fake_contract(UsersContract, "user_security_summary", lambda *, user_id: {
        5: security(5, "TEACHER", institution_id=3),
        6: security(6, "PARENT", institution_id=3, is_active=False),
    }.get(user_id))
    assert principal_for_user_id(5) == Principal(user_id=5, user_type="TEACHER", institution_id=3)
    assert principal_for_user_id(6) is None  # deactivated
    assert principal_for_user_id(7) is None  # unknown


# --- the DRF permission class ----------------------------------------------------------------------


class _User:
    is_authenticated = True

    def __init__(self, user_type):
        self.pk, self.user_type, self.institution_id, self.is_superuser = 1, user_type, 1, False


def _allowed(permission_class, user) -> bool:
    request = APIRequestFactory().get("/")
    request.user = user
    return permission_class().has_permission(request, None)


def test_requires_all_listed_permissions():
    both = requires("grades.read", "grades.record")
    assert _allowed(both, _User("TEACHER")) is True
    assert _allowed(both, _User("STUDENT")) is False  # has grades.read only


def test_requires_any_of():
    either = requires(any_of=["grades.manage", "attendance.mark"])
    assert _allowed(either, _User("AUXILIARY")) is True
    assert _allowed(either, _User("PARENT")) is False


def test_requires_refuses_anonymous():
    from django.contrib.auth.models import AnonymousUser

    assert _allowed(requires("institution.read"), AnonymousUser()) is False


def test_whole_section_records_are_for_staff_of_the_school_and_the_sections_teachers(scope, schools):
    assert can_read_section(p("DIRECTOR"), SECTION_A) is True
    assert can_read_section(p("PSYCHOLOGIST"), SECTION_A) is True
    assert can_read_section(p("DIRECTOR"), SECTION_B) is False  # another school
    assert can_read_section(p("TEACHER", TEACHER), SECTION_A) is True
    assert can_read_section(p("TEACHER", TEACHER), SECTION_B) is False
    # a day's sheet lists every classmate: families read only their own rows
    assert can_read_section(p("PARENT", GUARDIAN), SECTION_A) is False
    assert can_read_section(p("STUDENT", STUDENT), SECTION_A) is False
    assert can_read_section(None, SECTION_A) is False
