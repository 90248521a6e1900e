"""The admin is scoped per school: generated over every registered admin (admin.site._registry), so a new
admin is covered (or fails the registry test) without new test code.

School A's staff member (is_staff, every Django model permission, no superuser flag) must see and change only
A's rows in every changelist, filter, autocomplete, action and change view; a superuser sees both schools."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from common.admin import OperatorAdminMixin, TenantAdminMixin, TenantInlineMixin

pytestmark = pytest.mark.django_db

#: Install-wide screens with no school: network-wide callers only. A new admin must be a TenantAdmin or be
#: listed here with its reason.
OPERATOR_ONLY = {
    "auth.Group": "groups grant install-wide permissions",
    "token_blacklist.OutstandingToken": "refresh tokens of every school's people, no school column",
    "token_blacklist.BlacklistedToken": "revoked refresh tokens, no school column",
    "events.OutboxEvent": "the event plumbing of the whole install",
    "events.InboxDelivery": "the event plumbing of the whole install",
    "events.DeadLetter": "the event plumbing of the whole install",
    "sagas.SagaInstance": "every saga of every kind (enrollment sagas are scoped under Enrollment requests)",
    "assignments.SectionHeadcount": "a projection with no school column (counts are on the Section changelist)",
    "attendance.StudentAttendanceProfile": "kept by enrollment events, no school column",
    "notifications.NotificationTemplate": "templates are shared by every school of the install",
    "notifications.NotificationPreference": "a person's own choices, no school column",
}

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
TENANT = [pytest.param(model, model_admin, id=model._meta.label) for model, model_admin in REGISTRY
          if isinstance(model_admin, TenantAdminMixin)]
OPERATOR = [pytest.param(model, model_admin, id=model._meta.label) for model, model_admin in REGISTRY
            if model._meta.label in OPERATOR_ONLY]
INLINES = [pytest.param(model_admin, inline, id=f"{type(model_admin).__name__}.{inline.__name__}")
           for _model, model_admin in REGISTRY if isinstance(model_admin, TenantAdminMixin)
           for inline in model_admin.inlines]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _request_for(user, rf):
    request = rf.get("/admin/")
    request.user = user
    return request


# --- the registry: every admin is scoped or an explicit operator screen --------------------------------------------

def test_every_registered_admin_is_a_tenant_admin_or_a_listed_operator_screen():
    unscoped = [model._meta.label for model, model_admin in REGISTRY
                if not isinstance(model_admin, TenantAdminMixin)
                and not (model._meta.label in OPERATOR_ONLY and isinstance(model_admin, OperatorAdminMixin))]
    assert unscoped == []
    assert set(OPERATOR_ONLY) <= {model._meta.label for model, _ in REGISTRY}  # no stale entry


def test_every_inline_of_a_tenant_admin_is_scoped_too():
    assert [f"{type(model_admin).__name__}.{inline.__name__}" for _model, model_admin in REGISTRY
            if isinstance(model_admin, TenantAdminMixin)
            for inline in model_admin.inlines if not issubclass(inline, TenantInlineMixin)] == []


# --- changelists, change views, filters: generated per tenant admin --------------------------------------------------

@pytest.mark.parametrize(("model", "model_admin"), TENANT)
def test_school_staff_see_only_their_schools_rows_in_the_changelist(model, model_admin, schools, admin_client):
    a, b = schools
    assert a.rows[model] and b.rows[model], "the fixture must hold rows of both schools"

    response = admin_client(a.staff).get(_url(model, "changelist"))

    assert response.status_code == 200
    assert set(response.context["cl"].queryset.values_list("pk", flat=True)) == a.rows[model]
    assert "BETA" not in response.content.decode()  # no row, filter choice or name of school B


@pytest.mark.parametrize(("model", "model_admin"), TENANT)
def test_the_filters_of_a_changelist_offer_no_other_schools_values(model, model_admin, schools, admin_client):
    a, b = schools
    b_values = {str(value) for value in b.ids.values()} - {str(value) for value in a.ids.values()}

    response = admin_client(a.staff).get(_url(model, "changelist"))

    offered = set()
    for spec in response.context["cl"].filter_specs:
        for choice in spec.choices(response.context["cl"]):
            for key, value in parse_qsl(choice["query_string"].lstrip("?")):
                if any(kind in key for kind in ("institution", "section", "student", "teacher", "course", "period",
                                                "academic_year", "grade_level", "record", "plan", "guardian")):
                    offered.add(value)
    assert not offered & b_values


@pytest.mark.parametrize(("model", "model_admin"), TENANT)
def test_another_schools_row_is_unknown_in_the_change_delete_and_history_views(model, model_admin, schools,
                                                                                admin_client):
    a, b = schools
    client = admin_client(a.staff)
    foreign = min(b.rows[model])

    for view in ("change", "delete", "history"):
        response = client.get(_url(model, view, foreign))
        unknown = client.get(_url(model, view, 2**62))
        # Exactly like an unknown id: Django goes back to the admin index (or refuses the view for every row).
        assert (response.status_code, getattr(response, "url", None)) == (
            unknown.status_code, getattr(unknown, "url", None)), view
        assert response.status_code in (302, 403), view
    assert client.get(_url(model, "change", foreign)).url == reverse("admin:index")
    own = client.get(_url(model, "change", min(a.rows[model])))
    assert own.status_code == 200 and "BETA" not in own.content.decode()


@pytest.mark.parametrize(("model", "model_admin"), TENANT)
def test_an_action_over_all_rows_reaches_only_the_schools_rows(model, model_admin, schools, admin_client,
                                                               monkeypatch):
    a, b = schools
    seen = []

    def probe(modeladmin, request, queryset):
        seen.append(set(queryset.values_list("pk", flat=True)))

    original = type(model_admin).get_actions
    monkeypatch.setattr(type(model_admin), "get_actions", lambda self, request: {
        **original(self, request), "probe": (probe, "probe", "probe")})
    client = admin_client(a.staff)
    url = _url(model, "changelist")

    client.post(url, {"action": "probe", "select_across": "1", "index": "0",
                      ACTION_CHECKBOX_NAME: [str(min(a.rows[model]))]})
    client.post(url, {"action": "probe", "select_across": "0", "index": "0",
                      ACTION_CHECKBOX_NAME: [str(pk) for pk in b.rows[model]]})

    assert seen[0] == a.rows[model]  # "select all" is all of the school's rows
    assert seen[1:] in ([], [set()])  # B's ids posted by hand select nothing


@pytest.mark.parametrize(("model", "model_admin"), TENANT)
def test_a_superuser_sees_every_schools_rows(model, model_admin, schools, superuser, admin_client):
    a, b = schools

    response = admin_client(superuser).get(_url(model, "changelist"))

    assert response.status_code == 200
    assert set(response.context["cl"].queryset.values_list("pk", flat=True)) >= a.rows[model] | b.rows[model]


@pytest.mark.parametrize(("model_admin", "inline"), INLINES)
def test_inlines_hold_only_the_schools_rows(model_admin, inline, schools, rf):
    a, b = schools
    inline_admin = inline(model_admin.model, admin.site)

    pks = set(inline_admin.get_queryset(_request_for(a.staff, rf)).values_list("pk", flat=True))

    assert pks and not pks & b.rows[inline.model]


# --- autocomplete: every autocomplete field of the registry ----------------------------------------------------------

AUTOCOMPLETE = [pytest.param(model, name, id=f"{model._meta.label}.{name}") for model, model_admin in REGISTRY
                for name in model_admin.autocomplete_fields]


@pytest.mark.parametrize(("model", "field_name"), AUTOCOMPLETE)
def test_autocomplete_offers_no_other_schools_rows(model, field_name, schools, admin_client, superuser):
    a, b = schools
    remote = model._meta.get_field(field_name).related_model
    params = {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field_name}

    mine = admin_client(a.staff).get("/admin/autocomplete/", params)
    everyone = admin_client(superuser).get("/admin/autocomplete/", params)

    ids = {int(result["id"]) for result in mine.json()["results"]}
    assert mine.status_code == 200 and ids and ids <= a.rows[remote]
    assert {int(result["id"]) for result in everyone.json()["results"]} & b.rows[remote]
    searched = admin_client(a.staff).get("/admin/autocomplete/", {**params, "term": "BETA"})
    assert searched.json()["results"] == []


# --- operator screens -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("model", "model_admin"), OPERATOR)
def test_operator_screens_are_closed_to_school_staff_and_open_to_a_superuser(model, model_admin, schools,
                                                                             superuser, admin_client):
    a, _b = schools

    assert admin_client(a.staff).get(_url(model, "changelist")).status_code == 403
    assert admin_client(superuser).get(_url(model, "changelist")).status_code == 200


def test_the_admin_index_lists_no_operator_screen_for_school_staff(schools, admin_client):
    a, _b = schools

    apps = admin_client(a.staff).get(reverse("admin:index")).context["app_list"]

    listed = {f"{app['app_label']}.{m['object_name']}" for app in apps for m in app["models"]}
    assert listed and not listed & {label for label in OPERATOR_ONLY}
    assert "academic.Section" in listed


def test_staff_with_no_school_and_no_network_role_see_no_admin_page(db, admin_client):
    from django.contrib.auth.models import Permission

    from tests.users.factories import TeacherFactory

    nobody = TeacherFactory(is_staff=True, institution_id=None)
    nobody.user_permissions.set(Permission.objects.all())

    response = admin_client(nobody).get(reverse("admin:index"))

    assert response.status_code == 200 and response.context["app_list"] == []


# --- saving: the school is forced, foreign choices and ids are form errors -------------------------------------------

def test_a_row_created_by_school_staff_belongs_to_their_school_whatever_the_form_says(schools, admin_client):
    from apps.institution.models import Holiday

    a, b = schools

    response = admin_client(a.staff).post(_url(Holiday, "add"), {
        "institution": b.institution_id, "date": f"{date.today().year}-10-08", "name": "Combate de Angamos"})

    assert response.status_code == 302
    assert Holiday.objects.get(name="Combate de Angamos").institution_id == a.institution_id


def test_a_school_column_of_integers_is_forced_too(schools, admin_client):
    from apps.academic.models import GradeLevel

    a, b = schools

    response = admin_client(a.staff).post(_url(GradeLevel, "add"), {
        "institution_id": b.institution_id, "level": "SECUNDARIA", "number": 1, "name": "1.º de secundaria",
        "order": 77})

    assert response.status_code == 302
    assert GradeLevel.objects.get(name="1.º de secundaria").institution_id == a.institution_id


def test_another_schools_row_is_not_a_valid_choice_in_a_form(schools, admin_client):
    from apps.academic.models import Course

    a, b = schools

    response = admin_client(a.staff).post(_url(Course, "add"), {
        "grade_level": b.ids["grade_level"], "code": "HIS5", "name": "Historia", "area": "Historia",
        "hours_per_week": 2, "competencies": "[]"})

    assert response.status_code == 200 and "grade_level" in response.context["adminform"].form.errors
    assert not Course.objects.filter(code="HIS5").exists()


def test_another_schools_id_typed_into_a_form_is_refused(schools, admin_client):
    from apps.attendance.models import AttendanceRecord

    a, b = schools
    before = AttendanceRecord.objects.count()

    response = admin_client(a.staff).post(_url(AttendanceRecord, "add"), {
        "student_id": b.ids["student"], "section_id": b.ids["section"], "date": date.today().isoformat(),
        "status": "PRESENT", "note": ""})

    errors = response.context["adminform"].form.errors
    assert response.status_code == 200 and {"student_id", "section_id"} <= set(errors)
    assert "Not found in your school." in str(errors["section_id"])
    assert AttendanceRecord.objects.count() == before


def test_deleting_every_row_of_a_changelist_leaves_the_other_school_untouched(schools, admin_client):
    from apps.institution.models import Holiday

    a, b = schools

    admin_client(a.staff).post(_url(Holiday, "changelist"), {
        "action": "delete_selected", "select_across": "1", "index": "0", "post": "yes",
        ACTION_CHECKBOX_NAME: [str(min(a.rows[Holiday]))]})

    assert not Holiday.objects.filter(institution_id=a.institution_id).exists()
    assert set(Holiday.objects.values_list("pk", flat=True)) == b.rows[Holiday]


def test_school_staff_cannot_reach_a_superusers_account_of_their_school(schools, admin_client):
    from apps.users.models import User
    from tests.users.factories import StaffFactory

    a, _b = schools
    boss = StaffFactory(is_superuser=True, institution_id=a.institution_id)

    client = admin_client(a.staff)

    assert client.get(_url(User, "change", boss.pk)).url == reverse("admin:index")
    assert client.get(f"/admin/users/user/{boss.pk}/password/").status_code == 404
    assert boss.pk not in set(client.get(_url(User, "changelist")).context["cl"].queryset.values_list("pk", flat=True))


def test_an_enrollment_in_another_schools_section_is_refused_in_the_admin(schools, admin_client):
    from apps.enrollment.models import EnrollmentRequest

    a, b = schools
    before = EnrollmentRequest.objects.count()

    response = admin_client(a.staff).post(_url(EnrollmentRequest, "add"), {
        "student_id": a.ids["student"], "section_id": b.ids["section"], "enrollment_type": "REGULAR"})

    assert response.status_code == 200 and "section_id" in response.context["form"].errors
    assert EnrollmentRequest.objects.count() == before


def test_the_section_timetable_of_another_school_is_unknown(schools, admin_client):
    a, b = schools
    client = admin_client(a.staff)

    assert client.get(f"/admin/assignments/teacherassignment/timetable/section/{a.ids['section']}/").status_code == 200
    assert client.get(f"/admin/assignments/teacherassignment/timetable/section/{b.ids['section']}/").status_code == 404
    assert client.get(f"/admin/assignments/teacherassignment/timetable/teacher/{b.ids['teacher']}/").status_code == 404
