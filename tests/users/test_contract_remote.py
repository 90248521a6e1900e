"""The users contract answers the same in-process and over HTTP, DTOs or refusals (tests/contract_remote.py)."""

from __future__ import annotations

import httpx
import pytest

from apps.users import contracts as users
from apps.users.contract_impl import LocalUsers
from apps.users.contracts import GuardianDTO, UserDTO, UsersContract, UserSecurityDTO
from apps.users.models import User
from common import contracts
from common.errors import NotFound, PermissionDenied
from common.tenancy import SYSTEM, Scope
from tests.academic.factories import InstitutionFactory
from tests.contract_remote import answer, assert_local_and_remote_agree, assert_table_covers, each_case, go_remote
from tests.contract_remote import fresh_delegation as _fresh_delegation  # noqa: F401 (autouse fixture)
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StudentFactory, TeacherFactory


def _world() -> dict:
    """Two schools: A with a guardian of two children (one withdrawn), a lonely student and a teacher;
    B with a guardian and a child."""
    a, b = InstitutionFactory().pk, InstitutionFactory().pk
    a_guardian = GuardianFactory(institution_id=a)
    a_student = StudentFactory(institution_id=a, username="vquispe", password="secret-pass-123",
                               document_number="71234567")
    withdrawn = StudentFactory(institution_id=a, is_active=False)
    GuardianLinkFactory(guardian=a_guardian, student=a_student)
    GuardianLinkFactory(guardian=a_guardian, student=withdrawn, relationship="FATHER", is_primary_contact=False)
    b_guardian = GuardianFactory(institution_id=b)
    b_student = StudentFactory(institution_id=b, document_number="81234567")
    GuardianLinkFactory(guardian=b_guardian, student=b_student)
    return {"A": a, "B": b, "a_guardian": a_guardian.pk, "a_student": a_student.pk, "withdrawn": withdrawn.pk,
            "a_code": a_student.code, "lonely": StudentFactory(institution_id=a).pk,
            "a_teacher": TeacherFactory(institution_id=a, first_name="Luz").pk, "b_guardian": b_guardian.pk,
            "b_student": b_student.pk}


# (method, kwargs built from the world): every method of the interface, answers and refusals.
CASES = [
    ("get_user", lambda w: {"scope": Scope.school(w["A"]), "user_id": w["a_student"]}),
    ("get_user", lambda w: {"scope": Scope.school(w["A"]), "user_id": w["b_student"]}),  # None, like unknown
    ("get_users", lambda w: {"scope": Scope.school(w["A"]), "user_ids": [w["a_student"], w["b_student"], 999999]}),
    ("get_users", lambda w: {"scope": SYSTEM, "user_ids": [w["a_teacher"], w["b_guardian"]]}),
    ("guardians_of", lambda w: {"scope": Scope.school(w["A"]), "student_id": w["a_student"]}),
    ("guardians_of", lambda w: {"scope": Scope.school(w["A"]), "student_id": w["b_student"]}),  # []
    ("guardians_of_students", lambda w: {"scope": Scope.school(w["A"]),
                                         "student_ids": [w["a_student"], w["lonely"], w["b_student"]]}),
    ("student_ids_of_guardian", lambda w: {"scope": Scope.school(w["A"]), "guardian_id": w["a_guardian"]}),
    ("student_ids_of_guardian", lambda w: {"scope": Scope.school(w["B"]), "guardian_id": w["a_guardian"]}),  # []
    ("bulk_validate", lambda w: {"scope": Scope.school(w["A"]), "user_ids": [
        w["a_student"], w["withdrawn"], w["b_student"], 999999, w["a_student"]]}),
    ("find_users_by_document", lambda w: {"scope": Scope.school(w["A"]), "document_number": " 71234567 "}),
    ("find_users_by_document", lambda w: {"scope": Scope.school(w["A"]), "document_number": "81234567"}),  # []
    ("user_move_institution", lambda w: {"scope": SYSTEM, "user_id": w["lonely"], "institution_id": w["B"],
                                         "reason": "transfer"}),  # the repeat changes nothing: same DTO
    ("user_move_institution", lambda w: {"scope": Scope.school(w["A"]), "user_id": w["a_student"],
                                         "institution_id": w["B"]}),  # 403 network_scope_required
    ("user_move_institution", lambda w: {"scope": SYSTEM, "user_id": 999999, "institution_id": w["B"]}),  # 404
    ("user_move_institution", lambda w: {"scope": SYSTEM, "user_id": w["a_student"],
                                         "institution_id": 999999}),  # 400: unknown school
    ("guardian_student_ids", lambda w: {"guardian_id": w["a_guardian"]}),  # the active child only
    ("guardian_student_ids", lambda w: {"guardian_id": 999999}),
    ("check_credentials", lambda w: {"username": "vquispe", "password": "secret-pass-123"}),
    ("check_credentials", lambda w: {"username": w["a_code"], "password": "secret-pass-123"}),
    ("check_credentials", lambda w: {"username": "vquispe", "password": "wrong"}),
    ("user_security_summary", lambda w: {"user_id": w["a_teacher"]}),
    ("user_security_summary", lambda w: {"user_id": 999999}),
]


def test_the_table_calls_every_method_of_the_interface_and_every_method_is_idempotent():
    assert_table_covers(UsersContract, CASES)
    assert not any(contracts.methods_of(UsersContract)[name].takes_scope
                   for name in ("guardian_student_ids", "check_credentials", "user_security_summary"))


@each_case(CASES)
@pytest.mark.django_db(transaction=True)
def test_local_and_remote_answers_agree(method, make_kwargs, live_server, settings):
    kwargs = make_kwargs(_world())

    assert_local_and_remote_agree(settings, live_server, UsersContract, LocalUsers,
                                  lambda: answer(users, method, kwargs))


@pytest.mark.django_db(transaction=True)
def test_remote_answers_are_typed_dtos_and_errors_keep_class_and_code(live_server, settings):
    w = _world()
    go_remote(settings, live_server, UsersContract)

    found = users.get_users(scope=Scope.school(w["A"]), user_ids={w["a_student"], w["b_student"]})
    assert list(found) == [w["a_student"]] and isinstance(found[w["a_student"]], UserDTO)
    [mother] = users.guardians_of(scope=SYSTEM, student_id=w["a_student"])
    assert isinstance(mother, GuardianDTO) and mother.guardian.id == w["a_guardian"] and mother.is_primary_contact
    assert users.guardian_student_ids(guardian_id=w["a_guardian"]) == frozenset({w["a_student"]})
    summary = users.user_security_summary(user_id=w["a_teacher"])
    assert isinstance(summary, UserSecurityDTO)
    assert (summary.user_type, summary.institution_id, summary.is_active, summary.is_superuser, summary.first_name) == (
        "TEACHER", w["A"], True, False, "Luz")
    moved = users.user_move_institution(scope=SYSTEM, user_id=w["lonely"], institution_id=w["B"])
    assert moved.institution_id == w["B"] == User.objects.get(pk=w["lonely"]).institution_id
    with pytest.raises(PermissionDenied) as refused:
        users.user_move_institution(scope=Scope.school(w["B"]), user_id=w["lonely"], institution_id=w["A"])
    assert (refused.value.code, refused.value.status_code) == ("network_scope_required", 403)
    assert User.objects.get(pk=w["lonely"]).institution_id == w["B"]
    with pytest.raises(NotFound) as unknown:
        users.user_move_institution(scope=SYSTEM, user_id=999999, institution_id=w["A"])
    assert (unknown.value.code, unknown.value.status_code) == ("user_not_found", 404)


@pytest.mark.django_db(transaction=True)
def test_a_service_bound_to_one_school_gets_no_security_summary_of_another(live_server, settings):
    w = _world()
    headers = {contracts.SERVICE_TOKEN_HEADER: settings.SERVICE_TOKEN, contracts.SCOPE_HEADER: f"school:{w['A']}"}

    def post(method: str, body: dict, expect: int = 200):
        response = httpx.post(f"{live_server.url}/api/v1/rpc/users/{method}", json=body, headers=headers)
        assert response.status_code == expect, response.text
        return response.json().get("result")

    # user_security_summary is one of auth's @system_lookup methods: network-wide callers only
    post("user_security_summary", {"user_id": w["a_teacher"]}, expect=404)
    post("user_security_summary", {"user_id": w["b_student"]}, expect=404)
    assert post("get_user", {"user_id": w["b_student"]}) is None  # scoped: like an unknown person
    del headers[contracts.SCOPE_HEADER]
    assert post("user_security_summary", {"user_id": w["b_student"]})["institution_id"] != w["A"]
