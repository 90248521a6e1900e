"""Tenancy of the users API and of auth's integration endpoints: school A's staff, given school B's people in
the path or the body, get a 404 (or an A-only answer) and nothing of B changes; a person of no school
(network staff) is seen network-wide only; network staff, superusers and the service token reach both."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.auth.contracts import principal_of
from apps.auth.tokens import issue_pair
from apps.users import contracts
from apps.users.models import GuardianLink, User
from common.tenancy import SYSTEM, Scope
from tests.academic.factories import InstitutionFactory, SectionFactory
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StaffFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/users"
PERMISSIONS = "/api/v1/auth/user-permissions"
CHECK = "/api/v1/auth/check-permission"


def _school():
    institution = InstitutionFactory()
    student = StudentFactory(institution_id=institution.pk)
    guardian = GuardianFactory(institution_id=institution.pk)
    GuardianLinkFactory(student=student, guardian=guardian)
    return {"id": institution.pk, "student": student, "guardian": guardian,
            "section": SectionFactory(academic_year__institution_id=institution.pk)}


@pytest.fixture
def world():
    return {"a": _school(), "b": _school(), "network": StaffFactory(user_type="ADMIN", institution_id=None)}


def _fingerprint(school):
    people = User.objects.filter(institution_id=school["id"])
    return (sorted(people.values_list("id", "first_name", "is_active", "user_type", "institution_id")),
            sorted(GuardianLink.objects.filter(student__institution_id=school["id"]).values_list("id", "guardian_id")))


@pytest.mark.parametrize("role", ["ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY", "PSYCHOLOGIST"])
def test_another_schools_people_are_404_for_every_read_and_write(world, client_for, role):
    a, b = world["a"], world["b"]
    client = client_for(StaffFactory(user_type=role, institution_id=a["id"]))
    student_b, guardian_b = b["student"], b["guardian"]
    before = _fingerprint(b)

    reads = [client.get(f"{BASE}/{student_b.pk}"), client.get(f"{BASE}/{student_b.pk}/guardians")]
    writes = [
        client.patch(f"{BASE}/{student_b.pk}", {"first_name": "X"}, format="json"),
        client.delete(f"{BASE}/{student_b.pk}", {"reason": "x"}, format="json"),
        client.post(f"{BASE}/{student_b.pk}/guardians", {"guardian_id": a["guardian"].pk, "relationship": "MOTHER"},
                    format="json"),
        client.delete(f"{BASE}/{student_b.pk}/guardians/{guardian_b.pk}"),
        client.post(f"{BASE}/{a['student'].pk}/guardians", {"guardian_id": guardian_b.pk, "relationship": "MOTHER"},
                    format="json"),
        client.post(f"{BASE}/", {"user_type": "STUDENT", "first_name": "A", "last_name": "B", "institution": b["id"]},
                    format="json"),
    ]

    assert [r.status_code for r in reads] == [404, 404]
    allowed = role in {"ADMIN", "DIRECTOR", "SECRETARY"}  # users.manage; the others are refused by role first
    assert [r.status_code for r in writes] == [404 if allowed else 403] * len(writes)
    assert _fingerprint(b) == before


@pytest.mark.parametrize("role", ["DIRECTOR", "AUXILIARY"])
def test_lists_and_bulk_validate_show_only_the_callers_school(world, client_for, role):
    a, b = world["a"], world["b"]
    client = client_for(StaffFactory(user_type=role, institution_id=a["id"]))

    listed = {u["id"] for u in client.get(f"{BASE}/", {"page_size": 200}).json()["results"]}
    by_type = {u["id"] for u in client.get(f"{BASE}/type/student", {"page_size": 200}).json()["results"]}
    filtered = client.get(f"{BASE}/", {"institution": b["id"]}).json()["results"]
    validated = client.post(f"{BASE}/bulk-validate", {"user_ids": [b["student"].pk, a["student"].pk,
                                                                   world["network"].pk]}, format="json").json()

    assert a["student"].pk in listed and b["student"].pk not in listed and world["network"].pk not in listed
    assert by_type == {a["student"].pk}
    assert filtered == []
    assert [v["exists"] for v in validated] == [False, True, False]


@pytest.mark.parametrize("who", ["network_staff", "superuser"])
def test_network_wide_callers_reach_both_schools_and_people_of_no_school(world, client_for, who):
    user = world["network"] if who == "network_staff" else \
        UserFactory(user_type="DIRECTOR", institution_id=world["a"]["id"], is_superuser=True)
    client = client_for(user)
    other_network = StaffFactory(user_type="SECRETARY", institution_id=None)

    for target in (world["a"]["student"], world["b"]["student"], other_network):
        assert client.get(f"{BASE}/{target.pk}").status_code == 200
    assert client.patch(f"{BASE}/{world['b']['student'].pk}", {"first_name": "Nuevo"}, format="json").status_code == 200
    created = client.post(f"{BASE}/", {"user_type": "STUDENT", "first_name": "A", "last_name": "B",
                                       "institution": world["b"]["id"]}, format="json")
    assert created.status_code == 201 and created.json()["institution"] == world["b"]["id"]


def test_school_staff_register_people_in_their_own_school_only(world, client_for):
    client = client_for(StaffFactory(user_type="SECRETARY", institution_id=world["a"]["id"]))
    created = client.post(f"{BASE}/", {"user_type": "STUDENT", "first_name": "A", "last_name": "B"}, format="json")
    assert created.status_code == 201 and created.json()["institution"] == world["a"]["id"]


def test_a_school_sees_no_person_of_no_school(world, client_for):
    client = client_for(StaffFactory(user_type="ADMIN", institution_id=world["a"]["id"]))
    assert client.get(f"{BASE}/{world['network'].pk}").status_code == 404
    assert client.patch(f"{BASE}/{world['network'].pk}", {"first_name": "X"}, format="json").status_code == 404


def test_a_guardian_reads_their_own_children_and_no_one_else(world, client_for):
    a, b = world["a"], world["b"]
    client = client_for(a["guardian"])
    assert client.get(f"{BASE}/{a['student'].pk}").status_code == 200
    assert client.get(f"{BASE}/{b['student'].pk}").status_code == 404
    assert [c["id"] for c in client.get(f"{BASE}/me/children").json()] == [a["student"].pk]


def test_contracts_answer_only_people_the_scope_reaches(world):
    a, b = world["a"], world["b"]
    scope = Scope.school(a["id"])
    assert contracts.get_user(scope=scope, user_id=b["student"].pk) is None
    assert set(contracts.get_users(scope=scope, user_ids=[a["student"].pk, b["student"].pk])) == {a["student"].pk}
    assert contracts.guardians_of(scope=scope, student_id=b["student"].pk) == []
    assert contracts.student_ids_of_guardian(scope=scope, guardian_id=b["guardian"].pk) == []
    assert contracts.get_user(scope=SYSTEM, user_id=b["student"].pk).institution_id == b["id"]
    assert contracts.get_user(scope=Scope.nobody(), user_id=a["student"].pk) is None


# --- auth's integration endpoints ----------------------------------------------------------------------


def _bearer(user, **headers) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_pair(principal_of(user)).access}", **headers)


@pytest.mark.parametrize("role", ["DIRECTOR", "SECRETARY"])
def test_integration_permissions_of_another_schools_user_are_404(world, role):
    a, b = world["a"], world["b"]
    client = _bearer(StaffFactory(user_type=role, institution_id=a["id"]))

    assert client.get(f"{PERMISSIONS}/{b['student'].pk}").status_code == 404
    assert client.get(f"{PERMISSIONS}/{world['network'].pk}").status_code == 404
    assert client.get(f"{PERMISSIONS}/{a['student'].pk}").status_code == 200
    foreign_user = client.post(CHECK, {"userId": b["guardian"].pk, "permission": "grades.read"},
                               content_type="application/json")
    foreign_student = client.post(CHECK, {"userId": a["guardian"].pk, "permission": "grades.read",
                                          "studentId": b["student"].pk}, content_type="application/json")
    foreign_section = client.post(CHECK, {"userId": a["guardian"].pk, "permission": "grades.read",
                                          "sectionId": b["section"].pk}, content_type="application/json")
    own = client.post(CHECK, {"userId": a["guardian"].pk, "permission": "grades.read",
                              "studentId": a["student"].pk}, content_type="application/json")

    assert [foreign_user.status_code, foreign_student.status_code, foreign_section.status_code] == [404, 404, 404]
    assert foreign_user.json()["error"]["code"] == "user_not_found"
    assert own.status_code == 200 and own.json() == {"allowed": True, "reason": "granted"}


def test_integration_a_person_asks_about_themself_whatever_their_school(world):
    network = world["network"]
    assert _bearer(network).get(f"{PERMISSIONS}/{network.pk}").status_code == 200
    guardian = world["a"]["guardian"]
    assert _bearer(guardian).get(f"{PERMISSIONS}/{guardian.pk}").status_code == 200


def test_integration_service_token_is_network_wide_unless_it_declares_a_school(world, settings):
    a, b = world["a"], world["b"]
    network = Client(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN)
    declared = Client(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN, HTTP_X_PRS1_SCOPE=f"school:{a['id']}")

    assert network.get(f"{PERMISSIONS}/{b['student'].pk}").status_code == 200
    assert declared.get(f"{PERMISSIONS}/{b['student'].pk}").status_code == 404
    assert declared.get(f"{PERMISSIONS}/{a['student'].pk}").status_code == 200
    assert declared.post(CHECK, {"userId": b["student"].pk, "permission": "grades.read"},
                         content_type="application/json").status_code == 404
    assert network.post(CHECK, {"userId": b["student"].pk, "permission": "grades.read"},
                        content_type="application/json").json()["reason"] == "granted"


@pytest.mark.parametrize("header", ["school:abc", "galaxy:1", "network:pirates"])
def test_malformed_scope_header_is_400_on_both_apis(world, settings, header):
    integration = Client(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN, HTTP_X_PRS1_SCOPE=header)
    drf = Client(HTTP_X_SERVICE_TOKEN=settings.SERVICE_TOKEN, HTTP_X_PRS1_SCOPE=header)

    ninja = integration.get(f"{PERMISSIONS}/{world['a']['student'].pk}")
    rest = drf.post(f"{BASE}/bulk-validate", {"user_ids": [world["a"]["student"].pk]},
                    content_type="application/json")

    for response in (ninja, rest):
        assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_scope"
