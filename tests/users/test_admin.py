"""Admin: staff create an institution, a campus, a teacher, a student with two guardians, find people by document,
and import a file of students and guardians."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.institution.models import Campus, Institution
from apps.users.models import GuardianLink, User
from events.models import OutboxEvent
from tests.institution.factories import InstitutionFactory
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True, user_type="ADMIN"))
    return client


def inline_management(prefix="guardian_links", total=0, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def add_person(client, institution, **fields):
    data = {"username": fields.pop("username"), "usable_password": "true", "password1": "Clave-Segura-2026",
            "password2": "Clave-Segura-2026", "institution_id": str(institution.pk), "document_type": "DNI",
            "email": "", "phone": "", "birth_date": "", **fields, **inline_management()}
    response = client.post("/admin/users/user/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return User.objects.get(username=data["username"])


def change_data(user, **extra):
    return {"username": user.username, "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "is_active": "on", "user_type": user.user_type,
            "institution_id": str(user.institution_id or ""), "document_type": user.document_type,
            "document_number": user.document_number, "phone": user.phone, "birth_date": "",
            "preferred_language": "es", **extra}


def test_staff_set_up_a_school_in_the_admin(admin_client):
    response = admin_client.post("/admin/institution/institution/add/", {
        "code": "IE-0345678", "name": "I.E. San Martín de Porres", "city": "Lima", "address": "", "phone": "",
        "email": "", "timezone": "America/Lima", "is_active": "on",
        "config-TOTAL_FORMS": "0", "config-INITIAL_FORMS": "0", "config-MIN_NUM_FORMS": "0",
        "config-MAX_NUM_FORMS": "1", "grading_scales-TOTAL_FORMS": "0", "grading_scales-INITIAL_FORMS": "0",
        "grading_scales-MIN_NUM_FORMS": "0", "grading_scales-MAX_NUM_FORMS": "1000",
        "campuses-TOTAL_FORMS": "1", "campuses-INITIAL_FORMS": "0", "campuses-MIN_NUM_FORMS": "0",
        "campuses-MAX_NUM_FORMS": "1000", "campuses-0-code": "CENTRAL", "campuses-0-name": "Sede central",
        "campuses-0-address": "", "campuses-0-is_main": "on", "campuses-0-is_active": "on"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    inst = Institution.objects.get(code="IE-0345678")
    assert Campus.objects.get(institution=inst).is_main and hasattr(inst, "config")

    teacher = add_person(admin_client, inst, username="docente", user_type="TEACHER", first_name="Luz",
                         last_name="Ccori", document_number="41234567")
    assert teacher.code.startswith("USR-") and teacher.check_password("Clave-Segura-2026")
    student = add_person(admin_client, inst, username="alumna", user_type="STUDENT", first_name="Valeria",
                         last_name="Quispe", document_number="71234567")
    mother = add_person(admin_client, inst, username="mama", user_type="PARENT", first_name="Rosa",
                        last_name="Mamani", document_number="40111222")
    father = add_person(admin_client, inst, username="papa", user_type="PARENT", first_name="Jorge",
                        last_name="Quispe", document_number="40333444")
    assert OutboxEvent.objects.filter(event_type="user.created").count() == 4

    response = admin_client.post(f"/admin/users/user/{student.pk}/change/", change_data(student, **{
        **inline_management(total=2),
        "guardian_links-0-guardian": str(mother.pk), "guardian_links-0-relationship": "MOTHER",
        "guardian_links-0-is_primary_contact": "on", "guardian_links-0-may_pick_up": "on",
        "guardian_links-0-notify_email": "on",
        "guardian_links-1-guardian": str(father.pk), "guardian_links-1-relationship": "FATHER",
        "guardian_links-1-may_pick_up": "on"}))
    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"][0].formset.errors
    assert set(GuardianLink.objects.filter(student=student).values_list("guardian__username", flat=True)) == {
        "mama", "papa"}
    assert OutboxEvent.objects.filter(event_type="student.parent.linked").count() == 2

    found = admin_client.get("/admin/users/user/", {"q": "71234567"})
    assert found.status_code == 200
    assert list(found.context["cl"].queryset) == [student]


def test_the_admin_refuses_a_bad_document_and_a_teacher_as_guardian(admin_client):
    inst = InstitutionFactory()
    response = admin_client.post("/admin/users/user/add/", {
        "username": "malo", "usable_password": "true", "password1": "Clave-Segura-2026",
        "password2": "Clave-Segura-2026", "institution_id": str(inst.pk), "document_type": "DNI",
        "document_number": "123", "user_type": "STUDENT", "first_name": "A", "last_name": "B", "phone": "999",
        **inline_management()})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "document_number" in errors and "phone" in errors
    assert not User.objects.filter(username="malo").exists()

    student, teacher = StudentFactory(institution_id=inst.pk), UserFactory(user_type="TEACHER")
    response = admin_client.post(f"/admin/users/user/{student.pk}/change/", change_data(student, **{
        **inline_management(total=1), "guardian_links-0-guardian": str(teacher.pk),
        "guardian_links-0-relationship": "FATHER"}))
    assert response.status_code == 200 and not GuardianLink.objects.exists()


def test_role_change_and_deactivation_in_the_admin_publish_events(admin_client):
    inst = InstitutionFactory()
    person = UserFactory(user_type="TEACHER", institution_id=inst.pk)
    data = change_data(person, user_type="AUXILIARY", **inline_management())
    data.pop("is_active")
    response = admin_client.post(f"/admin/users/user/{person.pk}/change/", data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user_type == "AUXILIARY" and not person.is_active and person.deactivated_at is not None
    assert OutboxEvent.objects.filter(event_type="user.role.changed", aggregate_id=str(person.pk)).exists()
    assert OutboxEvent.objects.filter(event_type="user.deactivated", aggregate_id=str(person.pk)).exists()


def test_the_admin_imports_a_file_all_or_nothing(admin_client):
    inst = InstitutionFactory()
    page = admin_client.get("/admin/users/user/import-people/")
    assert page.status_code == 200 and b"student_document_number" in page.content
    header = "student_document_number,student_first_name,student_last_name,guardian1_document_number," \
             "guardian1_first_name,guardian1_last_name,guardian1_relationship\n"
    bad = header + "71234567,Valeria,Quispe,40111222,Rosa,Mamani,MOTHER\n7123,Diego,Quispe,,,,\n"
    response = admin_client.post("/admin/users/user/import-people/", {
        "institution": str(inst.pk), "file": SimpleUploadedFile("people.csv", bad.encode())})
    assert response.status_code == 200
    assert [(e.row, e.field) for e in response.context["report"].errors] == [(3, "student_document_number")]
    assert b"import-error" in response.content and not User.objects.filter(user_type="STUDENT").exists()

    good = header + "71234567,Valeria,Quispe,40111222,Rosa,Mamani,MOTHER\n71234568,Diego,Quispe,40111222,,,MOTHER\n"
    response = admin_client.post("/admin/users/user/import-people/", {
        "institution": str(inst.pk), "file": SimpleUploadedFile("people.csv", good.encode())})
    assert response.status_code == 302
    assert User.objects.filter(user_type="STUDENT").count() == 2
    assert GuardianLink.objects.filter(guardian__document_number="40111222").count() == 2


def test_the_guardian_link_admin_finds_families_by_document(admin_client):
    guardian = GuardianFactory(document_number="40999888")
    StudentFactory()
    response = admin_client.get("/admin/users/guardianlink/", {"q": "40999888"})
    assert response.status_code == 200 and list(response.context["cl"].queryset) == []
    link = GuardianLinkFactory(guardian=guardian)
    response = admin_client.get("/admin/users/guardianlink/", {"q": "40999888"})
    assert list(response.context["cl"].queryset) == [link]


def test_staff_without_superuser_status_cannot_grant_themselves_power():
    staff = UserFactory(username="secre", is_staff=True, user_type="SECRETARY")
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client = Client()
    client.force_login(staff)
    data = change_data(staff, is_superuser="on", **inline_management())
    data["is_staff"] = "on"
    response = client.post(f"/admin/users/user/{staff.pk}/change/", data)
    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.is_superuser and staff.is_staff
