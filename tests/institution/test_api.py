from datetime import date

import pytest

from apps.institution.models import CalendarYear, Campus, Holiday, Institution, InstitutionConfig
from tests.institution.factories import CampusFactory, HolidayFactory, InstitutionFactory, calendar_year
from tests.users.factories import GuardianFactory, PsychologistFactory, StaffFactory, StudentFactory, TeacherFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/institution"
ROLES = ["ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY", "TEACHER", "PSYCHOLOGIST", "PARENT", "STUDENT"]
MANAGERS = {"ADMIN", "DIRECTOR"}


def make_user(role: str, institution_id: int | None):
    factories = {"TEACHER": TeacherFactory, "PSYCHOLOGIST": PsychologistFactory, "PARENT": GuardianFactory,
                 "STUDENT": StudentFactory}
    if role in factories:
        return factories[role](institution_id=institution_id)
    return StaffFactory(user_type=role, institution_id=institution_id)


@pytest.fixture
def school():
    inst = InstitutionFactory()
    campus = CampusFactory(institution=inst, code="CENTRAL", is_main=True)
    cal = calendar_year(inst, date.today().year, start=date(date.today().year, 1, 1),
                        end=date(date.today().year, 12, 31))
    holiday = HolidayFactory(institution=inst, date=date(date.today().year, 7, 28))
    return {"inst": inst, "campus": campus, "cal": cal, "period": cal.periods.order_by("number").first(),
            "holiday": holiday}


def read_calls(s):
    return [f"{BASE}/{s['inst'].pk}", f"{BASE}/config", f"{BASE}/campuses", f"{BASE}/campuses/{s['campus'].pk}",
            f"{BASE}/academic-calendar/current", f"{BASE}/academic-calendar/years",
            f"{BASE}/academic-calendar/years/{s['cal'].pk}", f"{BASE}/academic-calendar/periods/{s['period'].pk}",
            f"{BASE}/academic-calendar/holidays", f"{BASE}/"]


def write_calls(s):
    year = date.today().year
    return [
        ("patch", f"{BASE}/{s['inst'].pk}", {"city": "Callao"}, 200),
        ("patch", f"{BASE}/config", {"consecutive_absences_alert": 4}, 200),
        ("post", f"{BASE}/campuses", {"code": "ANEXO", "name": "Anexo"}, 201),
        ("patch", f"{BASE}/campuses/{s['campus'].pk}", {"address": "Jr. Nuevo 1"}, 200),
        ("post", f"{BASE}/academic-calendar/years", {"year": year + 1, "start_date": f"{year + 1}-03-01",
                                                     "end_date": f"{year + 1}-12-15"}, 201),
        ("patch", f"{BASE}/academic-calendar/periods/{s['period'].pk}", {"name": "Primer bimestre"}, 200),
        ("post", f"{BASE}/academic-calendar/holidays", {"date": f"{year}-08-30", "name": "Santa Rosa"}, 201),
        ("delete", f"{BASE}/academic-calendar/holidays/{s['holiday'].pk}", None, 204),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_its_institution(role, school, client_for):
    client = client_for(make_user(role, school["inst"].pk))
    for url in read_calls(school):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)


def test_anonymous_callers_are_rejected(school, api_client):
    for url in read_calls(school):
        assert api_client.get(url).status_code == 401, url
    for method, url, body, _status in write_calls(school):
        assert getattr(api_client, method)(url, body, format="json").status_code == 401, url


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_and_directors_write(role, school, client_for):
    client = client_for(make_user(role, school["inst"].pk))
    for method, url, body, expected in write_calls(school):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == (expected if role in MANAGERS else 403), (url, response.content)
    if role not in MANAGERS:
        school["inst"].refresh_from_db()
        assert school["inst"].city == "Lima" and Holiday.objects.filter(pk=school["holiday"].pk).exists()
        assert not Campus.objects.filter(code="ANEXO").exists()


def test_another_institution_is_invisible(school, client_for):
    other = InstitutionFactory()
    other_campus = CampusFactory(institution=other)
    other_cal = calendar_year(other, 2026)
    other_holiday = HolidayFactory(institution=other)
    director = client_for(make_user("DIRECTOR", school["inst"].pk))

    for url in [f"{BASE}/{other.pk}", f"{BASE}/config?institution={other.pk}",
                f"{BASE}/campuses?institution={other.pk}", f"{BASE}/campuses/{other_campus.pk}",
                f"{BASE}/academic-calendar/years/{other_cal.pk}",
                f"{BASE}/academic-calendar/periods/{other_cal.periods.first().pk}"]:
        assert director.get(url).status_code == 404, url
    assert director.patch(f"{BASE}/{other.pk}", {"city": "Cusco"}, format="json").status_code == 404
    assert director.patch(f"{BASE}/campuses/{other_campus.pk}", {"name": "X"}, format="json").status_code == 404
    assert director.delete(f"{BASE}/academic-calendar/holidays/{other_holiday.pk}").status_code == 404
    assert director.post(f"{BASE}/campuses", {"institution": other.pk, "code": "X", "name": "X"},
                         format="json").status_code == 404
    listed = director.get(f"{BASE}/").json()
    assert [i["id"] for i in listed] == [school["inst"].pk]
    other.refresh_from_db()
    assert other.city == "Lima" and Holiday.objects.filter(pk=other_holiday.pk).exists()


def test_network_staff_pass_institution_and_create_institutions(school, client_for):
    network_admin = client_for(make_user("ADMIN", None))
    response = network_admin.get(f"{BASE}/config", {"institution": school["inst"].pk})
    assert response.status_code == 200 and response.json()["institution"] == school["inst"].pk

    created = network_admin.post(f"{BASE}/", {"code": "IE-0999", "name": "I.E. Nueva", "city": "Arequipa"},
                                 format="json")
    assert created.status_code == 201, created.content
    inst = Institution.objects.get(code="IE-0999")
    assert InstitutionConfig.objects.filter(institution=inst).exists()
    assert network_admin.get(f"{BASE}/config").status_code == 400  # which institution?


def test_an_institution_admin_cannot_create_institutions(client_for, school):
    response = client_for(make_user("ADMIN", school["inst"].pk)).post(f"{BASE}/", {"code": "IE-X", "name": "X"},
                                                                       format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "network_admin_required"
    assert not Institution.objects.filter(code="IE-X").exists()


def test_config_shows_every_level_scale_and_the_alert_rules(school, client_for):
    body = client_for(make_user("PARENT", school["inst"].pk)).get(f"{BASE}/config").json()

    assert body["period_type"] == "BIMESTRE" and body["consecutive_absences_alert"] == 3
    assert body["absence_rate_alert_percent"] == "30.00" and body["performance_drop_threshold"] == "3.00"
    scales = {s["level"]: s for s in body["grading_scales"]}
    assert scales["SECUNDARIA"]["kind"] == "VIGESIMAL" and scales["SECUNDARIA"]["pass_mark"] == "11.00"
    assert scales["PRIMARIA"]["kind"] == "LITERAL"


def test_config_patch_updates_scales(school, client_for):
    client = client_for(make_user("DIRECTOR", school["inst"].pk))
    response = client.patch(f"{BASE}/config", {"period_type": "TRIMESTRE", "grading_scales": [
        {"level": "SECUNDARIA", "kind": "VIGESIMAL", "pass_mark": "13"}]}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period_type"] == "TRIMESTRE"
    assert {s["level"]: s["pass_mark"] for s in body["grading_scales"]}["SECUNDARIA"] == "13.00"


def test_current_calendar_shows_the_period_of_today(school, client_for):
    body = client_for(make_user("STUDENT", school["inst"].pk)).get(f"{BASE}/academic-calendar/current").json()
    today = date.today()

    assert body["calendar_year"]["year"] == today.year and len(body["calendar_year"]["periods"]) == 4
    current = body["current_period"]
    assert date.fromisoformat(current["start_date"]) <= today <= date.fromisoformat(current["end_date"])
    assert [h["name"] for h in body["holidays"]] == ["Fiestas Patrias"]


def test_current_calendar_without_a_calendar_year(client_for):
    inst = InstitutionFactory()
    body = client_for(make_user("TEACHER", inst.pk)).get(f"{BASE}/academic-calendar/current").json()
    assert body["calendar_year"] is None and body["current_period"] is None


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("post", "/campuses", {"code": "X"}, "name"),
    ("patch", "/config", {"notification_channels": ["fax"]}, "notification_channels"),
    ("patch", "/config", {"absence_rate_alert_percent": "150"}, "absence_rate_alert_percent"),
    ("patch", "/config", {"grading_scales": [{"level": "SECUNDARIA", "kind": "VIGESIMAL", "pass_mark": "30"}]},
     "grading_scales[0]"),
    ("post", "/academic-calendar/years", {"year": 2031, "start_date": "2031-12-01", "end_date": "2031-03-01"},
     "end_date"),
    ("post", "/academic-calendar/years", {"year": 2031, "start_date": "2031-03-01", "end_date": "2032-01-10"},
     "end_date"),
    ("post", "/academic-calendar/holidays", {"date": "not-a-date", "name": "X"}, "date"),
    ("patch", "/{inst}", {"phone": "12345"}, "phone"),
])
def test_bad_input_is_a_400_with_field_errors_and_changes_nothing(method, path, body, field, school, client_for):
    client = client_for(make_user("DIRECTOR", school["inst"].pk))
    before = (Campus.objects.count(), CalendarYear.objects.count(), Holiday.objects.count(),
              InstitutionConfig.objects.get(institution=school["inst"]).notification_channels,
              school["inst"].grading_scales.count())
    response = getattr(client, method)(BASE + path.format(inst=school["inst"].pk), body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["details"]["fields"]
    assert before == (Campus.objects.count(), CalendarYear.objects.count(), Holiday.objects.count(),
                      InstitutionConfig.objects.get(institution=school["inst"]).notification_channels,
                      school["inst"].grading_scales.count())


def test_overlapping_period_dates_are_refused(school, client_for):
    first, second = school["cal"].periods.order_by("number")[:2]
    response = client_for(make_user("ADMIN", school["inst"].pk)).patch(
        f"{BASE}/academic-calendar/periods/{first.pk}", {"end_date": second.end_date.isoformat()}, format="json")
    assert response.status_code == 400 and "start_date" in response.json()["error"]["details"]["fields"]
    old_end = first.end_date
    first.refresh_from_db()
    assert first.end_date == old_end


@pytest.mark.parametrize("url", ["/campuses", "/academic-calendar/years", "/academic-calendar/holidays"])
def test_list_endpoints_use_a_bounded_number_of_queries(url, school, client_for, django_assert_max_num_queries):
    client = client_for(make_user("SECRETARY", school["inst"].pk))
    for n in range(2):
        CampusFactory(institution=school["inst"])
        calendar_year(school["inst"], 2010 + n)
        HolidayFactory(institution=school["inst"], date=date(2026, 1, 1 + n))
    with django_assert_max_num_queries(8):
        small = client.get(BASE + url, {"page_size": 2})
    for n in range(10):
        CampusFactory(institution=school["inst"])
        calendar_year(school["inst"], 2012 + n)
        HolidayFactory(institution=school["inst"], date=date(2026, 2, 1 + n))
    with django_assert_max_num_queries(8):
        large = client.get(BASE + url, {"page_size": 20})
    assert small.status_code == large.status_code == 200
    assert len(large.json()["results"]) > len(small.json()["results"])


def test_openapi_documents_the_institution_paths(api_client, settings):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/institution/{institution_id}", "/api/v1/institution/config",
                 "/api/v1/institution/campuses", "/api/v1/institution/academic-calendar/current"):
        assert path in schema["paths"], path
