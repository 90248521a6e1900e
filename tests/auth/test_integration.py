"""Integration endpoints (django-ninja): validate-token, user-permissions, check-permission.
Who may call them (each role × each endpoint), what they answer, and bad input."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.academic.contracts import AcademicContract
from apps.assignments.contracts import AssignmentsContract
from apps.auth.contracts import ROLE_PERMISSIONS
from common.contracts import RemoteUnavailable
from tests.auth.conftest import bearer, service_client
from tests.users.factories import (
    GuardianFactory,
    GuardianLinkFactory,
    PsychologistFactory,
    StaffFactory,
    StudentFactory,
    TeacherFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY", "TEACHER", "PSYCHOLOGIST", "PARENT", "STUDENT"]
STAFF = {"ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY"}


def make_user(role: str):
    if role in STAFF:
        return StaffFactory(user_type=role)
    return UserFactory(user_type=role)


@pytest.fixture
def as_role(tokens_for):
    """as_role(role) -> (user, client with that user's bearer access token from a real login)."""
    counter = iter(range(1, 250))

    def make(role: str):
        user = make_user(role)
        return user, bearer(tokens_for(user, ip=f"10.20.0.{next(counter)}")["access"])

    return make


# --- authentication: anonymous, wrong service token, service token ------------------------------------


def _calls(user_id: int):
    return [
        ("post", "/api/v1/auth/validate-token", {"token": "x"}),
        ("get", f"/api/v1/auth/user-permissions/{user_id}", None),
        ("post", "/api/v1/auth/check-permission", {"userId": user_id, "permission": "grades.read"}),
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("headers", [{}, {"HTTP_X_SERVICE_TOKEN": "wrong"}, {"HTTP_X_SERVICE_TOKEN": ""},
                                     {"HTTP_AUTHORIZATION": "Bearer"}, {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}])
def test_integration_endpoints_refuse_unauthenticated_callers(index, headers):
    method, url, body = _calls(StudentFactory().pk)[index]
    client = APIClient()

    response = getattr(client, method)(url, body, format="json", **headers) if body else client.get(url, **headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_empty_configured_service_token_authenticates_nobody(settings):
    settings.SERVICE_TOKEN = ""
    response = APIClient().post("/api/v1/auth/validate-token", {"token": "x"}, format="json", HTTP_X_SERVICE_TOKEN="")

    assert response.status_code == 401


@pytest.mark.parametrize("index", [0, 1, 2])
def test_the_service_token_may_call_every_integration_endpoint(index):
    method, url, body = _calls(StudentFactory().pk)[index]
    client = service_client()

    response = getattr(client, method)(url, body, format="json") if body else client.get(url)

    assert response.status_code == 200


# --- the matrix: each role × each endpoint (about themself / about someone else) ------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_role_may_validate_a_token(as_role, tokens_for, role):
    _user, client = as_role(role)
    other = tokens_for(TeacherFactory(), ip="10.30.0.1")["access"]

    response = client.post("/api/v1/auth/validate-token", {"token": other}, format="json")

    assert response.status_code == 200
    assert response.json()["valid"] is True


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_read_their_own_permissions(as_role, role):
    user, client = as_role(role)

    response = client.get(f"/api/v1/auth/user-permissions/{user.pk}")

    assert response.status_code == 200
    assert response.json() == {"userId": user.pk, "userType": role, "isActive": True, "roles": [role],
                               "permissions": sorted(ROLE_PERMISSIONS[role])}


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_may_read_someone_elses_permissions(as_role, role):
    _user, client = as_role(role)
    other = TeacherFactory()

    response = client.get(f"/api/v1/auth/user-permissions/{other.pk}")

    if role in STAFF:
        assert response.status_code == 200
        assert response.json()["userType"] == "TEACHER"
    else:
        assert response.status_code == 404  # someone else's security data: not even its existence
        assert response.json()["error"]["code"] == "user_not_found"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_check_their_own_permission(as_role, role):
    user, client = as_role(role)

    response = client.post("/api/v1/auth/check-permission", {"userId": user.pk, "permission": "institution.read"},
                           format="json")

    assert response.status_code == 200
    expected = "institution.read" in ROLE_PERMISSIONS[role]
    assert response.json() == {"allowed": expected, "reason": "granted" if expected else "missing_permission"}


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_may_check_someone_elses_permission(as_role, role):
    _user, client = as_role(role)
    other = TeacherFactory()

    response = client.post("/api/v1/auth/check-permission", {"userId": other.pk, "permission": "grades.record"},
                           format="json")

    assert response.status_code == (200 if role in STAFF else 404)


# --- what they answer ------------------------------------------------------------------------------------


def test_user_permissions_of_an_unknown_user_is_404():
    response = service_client().get("/api/v1/auth/user-permissions/987654")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "user_not_found"


def test_user_permissions_of_a_deactivated_user_lists_none():
    user = TeacherFactory(is_active=False)

    body = service_client().get(f"/api/v1/auth/user-permissions/{user.pk}").json()

    assert body == {"userId": user.pk, "userType": "TEACHER", "isActive": False, "roles": ["TEACHER"], "permissions": []}


def test_a_non_numeric_user_id_is_400():
    response = service_client().get("/api/v1/auth/user-permissions/abc")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["fields"]) == {"userId"}


@pytest.fixture
def school(fake_contract):
    """Teacher teaches math (course 7) in section 1; the guardian's child is in section 1; another
    family's child is in section 2. Real users; the assignments and academic lookups are stand-ins."""
    teacher, guardian = TeacherFactory(), GuardianFactory()
    child, other_child = StudentFactory(), StudentFactory()
    GuardianLinkFactory(guardian=guardian, student=child)
    GuardianLinkFactory(student=other_child)
    sections = {child.pk: [1], other_child.pk: [2]}
    fake_contract(AssignmentsContract, "teacher_section_ids",
                  lambda *, teacher_id: frozenset({1} if teacher_id == teacher.pk else ()))
    fake_contract(AssignmentsContract, "teacher_section_course_pairs",
                  lambda *, teacher_id: frozenset({(1, 7)} if teacher_id == teacher.pk else ()))
    fake_contract(AcademicContract, "active_section_ids_of_student",
                  lambda *, student_id: frozenset(sections.get(student_id, ())))
    return {"teacher": teacher, "guardian": guardian, "child": child, "other_child": other_child,
            "psychologist": PsychologistFactory()}


def check(**payload):
    response = service_client().post("/api/v1/auth/check-permission", payload, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_parent_reads_their_own_child_but_not_another_familys(school):
    guardian = school["guardian"].pk

    assert check(userId=guardian, permission="grades.read", studentId=school["child"].pk) == {
        "allowed": True, "reason": "granted"}
    assert check(userId=guardian, permission="grades.read", studentId=school["other_child"].pk) == {
        "allowed": False, "reason": "student_out_of_scope"}


def test_a_teacher_writes_to_their_section_and_course_only(school):
    teacher = school["teacher"].pk

    assert check(userId=teacher, permission="grades.record", sectionId=1, courseId=7)["allowed"] is True
    assert check(userId=teacher, permission="grades.record", sectionId=1, courseId=8) == {
        "allowed": False, "reason": "section_out_of_scope"}
    assert check(userId=teacher, permission="attendance.mark", sectionId=2) == {
        "allowed": False, "reason": "section_out_of_scope"}
    assert check(userId=teacher, permission="grades.read", studentId=school["child"].pk)["allowed"] is True
    assert check(userId=teacher, permission="grades.read", studentId=school["other_child"].pk)["allowed"] is False


def test_a_student_reads_only_themself(school):
    child = school["child"].pk

    assert check(userId=child, permission="grades.read", studentId=child)["allowed"] is True
    assert check(userId=child, permission="grades.read", studentId=school["other_child"].pk)["allowed"] is False


def test_the_psychologist_reads_welfare_and_the_role_matrix_comes_first(school):
    psychologist = school["psychologist"].pk

    assert check(userId=psychologist, permission="welfare.read", studentId=school["other_child"].pk)["allowed"] is True
    assert check(userId=school["teacher"].pk, permission="welfare.read", studentId=school["child"].pk) == {
        "allowed": False, "reason": "missing_permission"}


def test_unknown_and_deactivated_users_are_never_allowed():
    retired = StaffFactory(user_type="DIRECTOR", is_active=False)

    assert check(userId=987654, permission="grades.read") == {"allowed": False, "reason": "user_not_found"}
    assert check(userId=retired.pk, permission="grades.read") == {"allowed": False, "reason": "user_inactive"}


def test_an_unavailable_scope_lookup_fails_closed(fake_contract):
    teacher = TeacherFactory()

    def away(*, teacher_id):
        raise RemoteUnavailable("teacher-assignment: timed out")

    fake_contract(AssignmentsContract, "teacher_section_ids", away)

    assert check(userId=teacher.pk, permission="attendance.mark", sectionId=1) == {
        "allowed": False, "reason": "scope_unavailable"}


# --- bad input: 400 with field errors ----------------------------------------------------------------------


@pytest.mark.parametrize(("payload", "fields"), [
    ({}, {"token"}),
    ({"token": ""}, {"token"}),
    ({"token": "x" * 5000}, {"token"}),
    ({"token": 12}, {"token"}),
])
def test_bad_validate_token_input_is_400(payload, fields):
    response = service_client().post("/api/v1/auth/validate-token", payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["details"]["fields"]) == fields


@pytest.mark.parametrize(("payload", "fields"), [
    ({}, {"userId", "permission"}),
    ({"userId": "abc", "permission": "grades.read"}, {"userId"}),
    ({"userId": 0, "permission": "grades.read"}, {"userId"}),
    ({"userId": 1, "permission": ""}, {"permission"}),
    ({"userId": 1, "permission": "grades.teleport"}, {"permission"}),
    ({"userId": 1, "permission": "grades.record", "courseId": 3}, {"courseId"}),
    ({"userId": 1, "permission": "grades.record", "sectionId": -1}, {"sectionId"}),
    ({"userId": 1, "permission": "grades.read", "studentId": "x"}, {"studentId"}),
])
def test_bad_check_permission_input_is_400(payload, fields):
    response = service_client().post("/api/v1/auth/check-permission", payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["details"]["fields"]) == fields


def test_a_malformed_json_body_is_400():
    response = service_client().post("/api/v1/auth/check-permission", "{not json", content_type="application/json")

    assert response.status_code == 400


def test_integration_endpoints_are_in_the_integration_openapi():
    schema = APIClient().get("/api/v1/integration/openapi.json").json()

    for path in ("/api/v1/auth/validate-token", "/api/v1/auth/user-permissions/{userId}", "/api/v1/auth/check-permission"):
        assert path in schema["paths"]
