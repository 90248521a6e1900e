import pytest

from apps.users.models import GuardianLink, User
from events.models import OutboxEvent
from tests.institution.factories import InstitutionFactory
from tests.users.factories import (
    GuardianFactory,
    GuardianLinkFactory,
    PsychologistFactory,
    StaffFactory,
    StudentFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/users"
ROLES = ["ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY", "TEACHER", "PSYCHOLOGIST", "PARENT", "STUDENT"]
READERS = {"ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY", "PSYCHOLOGIST"}
MANAGERS = {"ADMIN", "DIRECTOR", "SECRETARY"}


def make_user(role: str, institution_id):
    factories = {"TEACHER": TeacherFactory, "PSYCHOLOGIST": PsychologistFactory, "PARENT": GuardianFactory,
                 "STUDENT": StudentFactory}
    if role in factories:
        return factories[role](institution_id=institution_id)
    return StaffFactory(user_type=role, institution_id=institution_id)


@pytest.fixture
def family():
    inst = InstitutionFactory()
    student = StudentFactory(institution_id=inst.pk, first_name="Valeria", last_name="Quispe",
                             document_number="71234567")
    guardian = GuardianFactory(institution_id=inst.pk)
    GuardianLinkFactory(student=student, guardian=guardian, relationship="MOTHER")
    spare = GuardianFactory(institution_id=inst.pk)
    return {"inst": inst, "student": student, "guardian": guardian, "spare": spare}


def test_read_matrix(family, client_for):
    inst, student = family["inst"], family["student"]
    for role in ROLES:
        user = make_user(role, inst.pk)
        client = client_for(user)
        allowed = role in READERS
        assert client.get(f"{BASE}/").status_code == (200 if allowed else 403), role
        assert client.get(f"{BASE}/type/STUDENT").status_code == (200 if allowed else 403), role
        assert client.get(f"{BASE}/{student.pk}").status_code == (200 if allowed else 404), role
        assert client.get(f"{BASE}/{student.pk}/guardians").status_code == (200 if allowed else 404), role
        assert client.get(f"{BASE}/{user.pk}").status_code == 200, role  # everybody reads themself
        assert client.post(f"{BASE}/bulk-validate", {"user_ids": [student.pk]},
                           format="json").status_code == (200 if allowed else 403), role
        assert client.get(f"{BASE}/me/children").status_code == (200 if role == "PARENT" else 403), role


def test_anonymous_callers_get_401(family, api_client):
    student = family["student"]
    for url in (f"{BASE}/", f"{BASE}/type/STUDENT", f"{BASE}/{student.pk}", f"{BASE}/me/children",
                f"{BASE}/{student.pk}/guardians"):
        assert api_client.get(url).status_code == 401, url
    assert api_client.post(f"{BASE}/", {}, format="json").status_code == 401
    assert api_client.post(f"{BASE}/bulk-validate", {"user_ids": [1]}, format="json").status_code == 401


def test_a_student_reads_only_themself(family, client_for):
    student, other = family["student"], StudentFactory(institution_id=family["inst"].pk)
    client = client_for(student)
    assert client.get(f"{BASE}/{student.pk}").status_code == 200
    assert client.get(f"{BASE}/{student.pk}/guardians").status_code == 200
    assert client.get(f"{BASE}/{other.pk}").status_code == 404


def test_a_parent_reads_their_children_but_not_another_familys(family, client_for):
    client = client_for(family["guardian"])
    other_child = GuardianLinkFactory(student=StudentFactory(institution_id=family["inst"].pk)).student

    response = client.get(f"{BASE}/{family['student'].pk}")
    assert response.status_code == 200 and response.json()["code"] == family["student"].code
    assert client.get(f"{BASE}/{other_child.pk}").status_code == 404
    assert client.get(f"{BASE}/{other_child.pk}/guardians").status_code == 404
    assert client.get(f"{BASE}/{family['spare'].pk}").status_code == 404  # another parent


def test_write_matrix(family, client_for):
    inst = family["inst"]
    # Factory rows first: the service's codes continue after the highest code already stored.
    cast = [(make_user(role, inst.pk), StudentFactory(institution_id=inst.pk), GuardianFactory(institution_id=inst.pk))
            for role in ROLES]
    for n, (role, (caller, target, guardian)) in enumerate(zip(ROLES, cast, strict=True)):
        client = client_for(caller)
        ok = role in MANAGERS
        created = client.post(f"{BASE}/", {"user_type": "STUDENT", "first_name": "Ana", "last_name": "Rojas",
                                           "document_number": f"6000000{n}"}, format="json")
        assert created.status_code == (201 if ok else 403), (role, created.content)
        assert client.patch(f"{BASE}/{target.pk}", {"first_name": "Ana"},
                            format="json").status_code == (200 if ok else 403), role
        link = client.post(f"{BASE}/{target.pk}/guardians", {"guardian_id": guardian.pk, "relationship": "FATHER"},
                           format="json")
        assert link.status_code == (201 if ok else 403), role
        if ok:
            assert client.delete(f"{BASE}/{target.pk}/guardians/{guardian.pk}").status_code == 204
        else:
            GuardianLinkFactory(student=target, guardian=guardian)
            assert client.delete(f"{BASE}/{target.pk}/guardians/{guardian.pk}").status_code == 403
        assert client.delete(f"{BASE}/{target.pk}").status_code == (200 if ok else 403), role
        target.refresh_from_db()
        assert target.is_active is not ok
        assert (target.first_name == "Ana") is ok
    assert User.objects.filter(first_name="Ana", last_name="Rojas").count() == len(MANAGERS)


def test_create_assigns_the_code_and_ignores_a_client_code(family, client_for):
    client = client_for(make_user("SECRETARY", family["inst"].pk))
    response = client.post(f"{BASE}/", {"user_type": "TEACHER", "first_name": "Luz", "last_name": "Ccori",
                                        "document_type": "CE", "document_number": "ab1234567",
                                        "code": "USR-1999-000001", "password": "clave-segura-2026"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] != "USR-1999-000001" and body["code"].startswith("USR-")
    assert body["institution"] == family["inst"].pk and body["document_number"] == "AB1234567"
    assert "password" not in body
    assert User.objects.get(pk=body["id"]).check_password("clave-segura-2026")
    assert OutboxEvent.objects.filter(event_type="user.created", aggregate_id=str(body["id"])).exists()


def test_role_change_and_deactivation_through_the_api_publish_events(family, client_for):
    admin = client_for(make_user("ADMIN", family["inst"].pk))
    teacher = TeacherFactory(institution_id=family["inst"].pk)
    assert admin.patch(f"{BASE}/{teacher.pk}", {"user_type": "AUXILIARY"}, format="json").status_code == 200
    response = admin.delete(f"{BASE}/{teacher.pk}", {"reason": "Fin de contrato"}, format="json")

    assert response.status_code == 200 and response.json()["is_active"] is False
    assert OutboxEvent.objects.filter(event_type="user.role.changed", aggregate_id=str(teacher.pk)).count() == 1
    deactivated = OutboxEvent.objects.get(event_type="user.deactivated", aggregate_id=str(teacher.pk))
    assert deactivated.envelope["payload"]["reason"] == "Fin de contrato"
    assert User.objects.filter(pk=teacher.pk).exists()


def test_only_admins_manage_directors_and_admins(family, client_for):
    secretary = client_for(make_user("SECRETARY", family["inst"].pk))
    director = make_user("DIRECTOR", family["inst"].pk)
    teacher = TeacherFactory(institution_id=family["inst"].pk)

    created = secretary.post(f"{BASE}/", {"user_type": "DIRECTOR", "first_name": "A", "last_name": "B"},
                             format="json")
    assert created.status_code == 403
    assert secretary.patch(f"{BASE}/{director.pk}", {"first_name": "X"}, format="json").status_code == 403
    assert secretary.patch(f"{BASE}/{teacher.pk}", {"user_type": "ADMIN"}, format="json").status_code == 403
    assert secretary.delete(f"{BASE}/{director.pk}").status_code == 403
    director.refresh_from_db()
    teacher.refresh_from_db()
    assert director.is_active and director.first_name != "X" and teacher.user_type == "TEACHER"
    admin = client_for(make_user("ADMIN", family["inst"].pk))
    assert admin.patch(f"{BASE}/{director.pk}", {"first_name": "X"}, format="json").status_code == 200


def test_nobody_deactivates_themself(family, client_for):
    director = make_user("DIRECTOR", family["inst"].pk)
    assert client_for(director).delete(f"{BASE}/{director.pk}").status_code in (400, 403)
    director.refresh_from_db()
    assert director.is_active


def test_staff_see_only_their_institution(family, client_for):
    other = InstitutionFactory()
    stranger = StudentFactory(institution_id=other.pk)
    client = client_for(make_user("DIRECTOR", family["inst"].pk))

    assert client.get(f"{BASE}/{stranger.pk}").status_code == 404
    assert client.patch(f"{BASE}/{stranger.pk}", {"first_name": "X"}, format="json").status_code == 404
    ids = {u["id"] for u in client.get(f"{BASE}/", {"page_size": 200}).json()["results"]}
    assert family["student"].pk in ids and stranger.pk not in ids
    created = client.post(f"{BASE}/", {"user_type": "STUDENT", "first_name": "A", "last_name": "B",
                                       "institution": other.pk}, format="json")
    assert created.status_code == 404 and created.json()["error"]["code"] == "institution_not_found"
    [result] = client.post(f"{BASE}/bulk-validate", {"user_ids": [stranger.pk]}, format="json").json()
    assert result["exists"] is False


def test_list_filters_and_search(family, client_for):
    inst = family["inst"]
    TeacherFactory(institution_id=inst.pk, first_name="Hugo", last_name="Ramos", email="hugo@x.pe")
    StudentFactory(institution_id=inst.pk, is_active=False, first_name="Diego")
    client = client_for(make_user("SECRETARY", inst.pk))

    def names(**params):
        return sorted(u["first_name"] for u in client.get(f"{BASE}/", params).json()["results"])

    assert names(user_type="TEACHER") == ["Hugo"]
    assert names(is_active="false") == ["Diego"]
    assert names(search="ramos") == ["Hugo"]
    assert names(search="7123") == ["Valeria"]  # document number prefix
    assert names(search=family["student"].code) == ["Valeria"]
    assert names(search="hugo@x.pe") == ["Hugo"]
    assert names(search="valeria quispe") == ["Valeria"]
    teachers = client.get(f"{BASE}/type/teacher").json()["results"]
    assert [u["first_name"] for u in teachers] == ["Hugo"]
    bad = client.get(f"{BASE}/type/WIZARD")
    assert bad.status_code == 400 and "user_type" in bad.json()["error"]["details"]["fields"]


@pytest.mark.parametrize("url", ["/", "/type/STUDENT"])
def test_list_query_count_is_bounded(url, family, client_for, django_assert_max_num_queries):
    client = client_for(make_user("ADMIN", family["inst"].pk))
    StudentFactory.create_batch(3, institution_id=family["inst"].pk)
    with django_assert_max_num_queries(4):
        small = client.get(BASE + url, {"page_size": 2})
    StudentFactory.create_batch(20, institution_id=family["inst"].pk)
    with django_assert_max_num_queries(4):
        large = client.get(BASE + url, {"page_size": 20})
    assert len(small.json()["results"]) == 2 and len(large.json()["results"]) == 20


def test_my_children_lists_siblings_in_one_call(family, client_for, django_assert_max_num_queries):
    guardian = family["guardian"]
    brother = StudentFactory(institution_id=family["inst"].pk, first_name="Diego", last_name="Quispe")
    GuardianLinkFactory(student=brother, guardian=guardian, relationship="MOTHER")
    client = client_for(guardian)
    with django_assert_max_num_queries(2):
        response = client.get(f"{BASE}/me/children")
    children = response.json()
    assert [c["first_name"] for c in children] == ["Diego", "Valeria"]
    assert children[0]["code"] == brother.code and children[0]["relationship"] == "MOTHER"
    for _ in range(5):
        GuardianLinkFactory(student=StudentFactory(), guardian=guardian)
    with django_assert_max_num_queries(2):
        assert len(client.get(f"{BASE}/me/children").json()) == 7


@pytest.mark.parametrize(("body", "field"), [
    ({"user_type": "STUDENT", "first_name": "A", "last_name": "B", "document_number": "123"}, "document_number"),
    ({"user_type": "STUDENT", "first_name": "A", "last_name": "B", "phone": "987654321"}, "phone"),
    ({"user_type": "STUDENT", "first_name": "A", "last_name": "B", "document_number": "71234567"},
     "document_number"),  # taken
    ({"user_type": "WIZARD", "first_name": "A", "last_name": "B"}, "user_type"),
    ({"user_type": "STUDENT", "last_name": "B"}, "first_name"),
    ({"user_type": "STUDENT", "first_name": "A", "last_name": "B", "email": "nope"}, "email"),
    ({"user_type": "STUDENT", "first_name": "A", "last_name": "B", "password": "123"}, "password"),
])
def test_create_bad_input_is_400_and_changes_nothing(body, field, family, client_for):
    client = client_for(make_user("SECRETARY", family["inst"].pk))
    users, outbox = User.objects.count(), OutboxEvent.objects.count()
    response = client.post(f"{BASE}/", body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["details"]["fields"]
    assert (User.objects.count(), OutboxEvent.objects.count()) == (users, outbox)


@pytest.mark.parametrize(("body", "field"), [
    ({"document_number": "1234"}, "document_number"), ({"phone": "+51 9"}, "phone"),
    ({"user_type": "X"}, "user_type"), ({"first_name": ""}, "first_name"),
])
def test_update_bad_input_is_400_and_changes_nothing(body, field, family, client_for):
    client = client_for(make_user("DIRECTOR", family["inst"].pk))
    student = family["student"]
    response = client.patch(f"{BASE}/{student.pk}", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["details"]["fields"]
    before = (student.document_number, student.phone, student.user_type, student.first_name)
    student.refresh_from_db()
    assert (student.document_number, student.phone, student.user_type, student.first_name) == before
    assert not OutboxEvent.objects.filter(event_type="user.updated").exists()


def test_guardian_link_bad_input(family, client_for):
    client = client_for(make_user("SECRETARY", family["inst"].pk))
    student, teacher = family["student"], TeacherFactory(institution_id=family["inst"].pk)
    url = f"{BASE}/{student.pk}/guardians"
    assert client.post(url, {"guardian_id": teacher.pk, "relationship": "FATHER"},
                       format="json").status_code == 400
    assert client.post(url, {"guardian_id": family["spare"].pk, "relationship": "COUSIN"},
                       format="json").status_code == 400
    assert client.post(url, {"relationship": "FATHER"}, format="json").status_code == 400
    duplicate = client.post(url, {"guardian_id": family["guardian"].pk, "relationship": "MOTHER"}, format="json")
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "guardian_already_linked"
    assert client.delete(f"{BASE}/{student.pk}/guardians/{family['spare'].pk}").status_code == 404
    assert GuardianLink.objects.filter(student=student).count() == 1


def test_guardian_link_through_the_api(family, client_for):
    client = client_for(make_user("SECRETARY", family["inst"].pk))
    student, spare = family["student"], family["spare"]
    response = client.post(f"{BASE}/{student.pk}/guardians", {"guardian_id": spare.pk, "relationship": "FATHER",
                                                              "is_primary_contact": True, "notify_sms": False},
                           format="json")
    assert response.status_code == 201, response.content
    assert response.json()["guardian"]["id"] == spare.pk and response.json()["notify_sms"] is False
    listed = client.get(f"{BASE}/{student.pk}/guardians").json()
    assert [g["relationship"] for g in listed] == ["FATHER", "MOTHER"]
    event = OutboxEvent.objects.get(event_type="student.parent.linked")
    assert event.envelope["payload"]["guardianId"] == spare.pk


def test_bulk_validate_with_the_service_token(family, api_client, settings):
    settings.SERVICE_TOKEN = "s3rvice"
    inactive = StudentFactory(is_active=False)
    response = api_client.post(f"{BASE}/bulk-validate", {"user_ids": [family["student"].pk, inactive.pk, 999999]},
                               format="json", HTTP_X_SERVICE_TOKEN="s3rvice")
    assert response.status_code == 200
    assert [(r["exists"], r["is_active"], r["user_type"]) for r in response.json()] == [
        (True, True, "STUDENT"), (True, False, "STUDENT"), (False, False, None)]
    assert api_client.post(f"{BASE}/bulk-validate", {"user_ids": [1]}, format="json",
                           HTTP_X_SERVICE_TOKEN="wrong").status_code in (401, 403)
    bad = api_client.post(f"{BASE}/bulk-validate", {"user_ids": []}, format="json", HTTP_X_SERVICE_TOKEN="s3rvice")
    assert bad.status_code == 400 and "user_ids" in bad.json()["error"]["details"]["fields"]


def test_validate_credentials_only_with_the_service_token(family, api_client, client_for, settings):
    settings.SERVICE_TOKEN = "s3rvice"
    user = StudentFactory(username="vquispe", password="secret-pass-123")
    url = f"{BASE}/validate-credentials"
    body = {"username": "vquispe", "password": "secret-pass-123"}

    ok = api_client.post(url, body, format="json", HTTP_X_SERVICE_TOKEN="s3rvice")
    assert ok.status_code == 200 and ok.json()["valid"] is True and ok.json()["user"]["id"] == user.pk
    wrong = api_client.post(url, {**body, "password": "x"}, format="json", HTTP_X_SERVICE_TOKEN="s3rvice")
    assert wrong.json() == {"valid": False, "user": None}
    assert api_client.post(url, body, format="json").status_code == 403
    assert api_client.post(url, body, format="json", HTTP_X_SERVICE_TOKEN="nope").status_code == 403
    assert client_for(make_user("ADMIN", None)).post(url, body, format="json").status_code == 403
    assert api_client.get(url, body, HTTP_X_SERVICE_TOKEN="s3rvice").status_code == 405  # never in a URL
    missing = api_client.post(url, {"username": "vquispe"}, format="json", HTTP_X_SERVICE_TOKEN="s3rvice")
    assert missing.status_code == 400 and "password" in missing.json()["error"]["details"]["fields"]
    settings.SERVICE_TOKEN = ""
    assert api_client.post(url, body, format="json", HTTP_X_SERVICE_TOKEN="").status_code == 403


def test_openapi_documents_the_users_paths_and_the_service_token(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in ("/api/v1/users/{user_id}", "/api/v1/users/type/{user_type}", "/api/v1/users/bulk-validate",
                 "/api/v1/users/me/children", "/api/v1/users/{user_id}/guardians"):
        assert path in paths, path
    credentials = paths["/api/v1/users/validate-credentials"]
    assert set(credentials) == {"post"} and "X-Service-Token" in credentials["post"]["description"]
