"""Tenant isolation of the institution context: two schools; school A's director, secretary and teacher name
school B's ids in the path, the query and the body and get 404 (exactly like an unknown id), and nothing
of B changes. Network staff and superusers still reach both; only they create institutions."""

from __future__ import annotations

from datetime import date

import pytest

from apps.institution import selectors, services
from apps.institution.models import CalendarYear, Campus, Holiday, Institution, InstitutionConfig, Period
from common.errors import NotFound
from common.tenancy import SYSTEM, Scope
from tests.institution.factories import CampusFactory, HolidayFactory, InstitutionFactory, calendar_year
from tests.users.factories import StaffFactory, TeacherFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/institution"
YEAR = date.today().year


def _school() -> dict:
    inst = InstitutionFactory()
    cal = calendar_year(inst, YEAR, start=date(YEAR, 1, 1), end=date(YEAR, 12, 31))
    return {"inst": inst, "campus": CampusFactory(institution=inst), "cal": cal,
            "period": cal.periods.order_by("number").first(),
            "holiday": HolidayFactory(institution=inst, date=date(YEAR, 7, 28))}


@pytest.fixture
def schools():
    return {"A": _school(), "B": _school()}


def _caller(role: str, institution_id):
    if role == "teacher":
        return TeacherFactory(institution_id=institution_id)
    return StaffFactory(user_type=role.upper(), institution_id=institution_id)


def _fingerprint(inst: Institution) -> list:
    return [
        list(Institution.objects.filter(pk=inst.pk).values()),
        list(InstitutionConfig.objects.filter(institution=inst).values()),
        list(Campus.objects.filter(institution=inst).order_by("pk").values()),
        list(CalendarYear.objects.filter(institution=inst).order_by("pk").values()),
        list(Period.objects.filter(calendar_year__institution=inst).order_by("pk").values()),
        list(Holiday.objects.filter(institution=inst).order_by("pk").values()),
    ]


@pytest.mark.parametrize("role", ["director", "secretary", "teacher"])
def test_school_a_reads_of_school_b_ids_answer_404(schools, client_for, role):
    a, b = schools["A"], schools["B"]
    client = client_for(_caller(role, a["inst"].pk))
    other = b["inst"].pk

    urls = [f"{BASE}/{other}", f"{BASE}/config?institution={other}", f"{BASE}/campuses?institution={other}",
            f"{BASE}/campuses/{b['campus'].pk}", f"{BASE}/academic-calendar/current?institution={other}",
            f"{BASE}/academic-calendar/years?institution={other}", f"{BASE}/academic-calendar/years/{b['cal'].pk}",
            f"{BASE}/academic-calendar/periods/{b['period'].pk}",
            f"{BASE}/academic-calendar/holidays?institution={other}"]
    answers = {url: client.get(url) for url in urls}
    listed = client.get(f"{BASE}/")

    assert {url: r.status_code for url, r in answers.items()} == {url: 404 for url in urls}
    assert [i["id"] for i in listed.json()] == [a["inst"].pk]
    for response in [*answers.values(), listed]:
        assert b["inst"].name not in response.content.decode()


def test_a_foreign_id_answers_exactly_like_an_unknown_one(schools, client_for):
    client = client_for(_caller("director", schools["A"]["inst"].pk))

    for foreign, unknown in [(f"{BASE}/{schools['B']['inst'].pk}", f"{BASE}/987654321"),
                             (f"{BASE}/academic-calendar/periods/{schools['B']['period'].pk}",
                              f"{BASE}/academic-calendar/periods/987654321")]:
        foreign_answer, unknown_answer = client.get(foreign), client.get(unknown)
        assert foreign_answer.status_code == unknown_answer.status_code == 404
        assert foreign_answer.json() == unknown_answer.json()


def test_school_a_director_writes_on_school_b_ids_answer_404_and_change_nothing(schools, client_for):
    b = schools["B"]
    other = b["inst"].pk
    client = client_for(_caller("director", schools["A"]["inst"].pk))
    before = _fingerprint(b["inst"])

    answers = [
        client.patch(f"{BASE}/{other}", {"city": "Cusco"}, format="json"),
        client.patch(f"{BASE}/config?institution={other}", {"consecutive_absences_alert": 9}, format="json"),
        client.post(f"{BASE}/campuses", {"institution": other, "code": "X", "name": "X"}, format="json"),
        client.patch(f"{BASE}/campuses/{b['campus'].pk}", {"name": "X"}, format="json"),
        client.post(f"{BASE}/academic-calendar/years", {"institution": other, "year": YEAR + 1,
                                                        "start_date": f"{YEAR + 1}-03-01",
                                                        "end_date": f"{YEAR + 1}-12-15"}, format="json"),
        client.patch(f"{BASE}/academic-calendar/periods/{b['period'].pk}", {"name": "X"}, format="json"),
        client.post(f"{BASE}/academic-calendar/holidays", {"institution": other, "date": f"{YEAR}-08-30",
                                                           "name": "X"}, format="json"),
        client.delete(f"{BASE}/academic-calendar/holidays/{b['holiday'].pk}"),
    ]

    assert [r.status_code for r in answers] == [404] * len(answers)
    assert _fingerprint(b["inst"]) == before


@pytest.mark.parametrize("caller", ["network_staff", "superuser"])
def test_network_staff_and_superusers_reach_both_schools(schools, client_for, caller):
    user = (StaffFactory(user_type="ADMIN", institution_id=None) if caller == "network_staff"
            else StaffFactory(user_type="DIRECTOR", institution_id=schools["A"]["inst"].pk, is_superuser=True))
    client = client_for(user)
    b = schools["B"]

    listed = client.get(f"{BASE}/")
    period = client.get(f"{BASE}/academic-calendar/periods/{b['period'].pk}")
    renamed = client.patch(f"{BASE}/campuses/{b['campus'].pk}", {"name": "Sede renombrada"}, format="json")
    created = client.post(f"{BASE}/", {"code": f"IE-NEW-{caller}", "name": "I.E. Nueva"}, format="json")

    assert {schools["A"]["inst"].pk, b["inst"].pk} <= {i["id"] for i in listed.json()}
    assert period.status_code == 200 and renamed.status_code == 200
    assert Campus.objects.get(pk=b["campus"].pk).name == "Sede renombrada"
    assert created.status_code == 201


def test_a_school_director_cannot_create_an_institution(schools, client_for):
    response = client_for(_caller("director", schools["A"]["inst"].pk)).post(
        f"{BASE}/", {"code": "IE-SNEAK", "name": "X"}, format="json")

    assert response.status_code == 403
    assert not Institution.objects.filter(code="IE-SNEAK").exists()


def test_services_and_selectors_reach_rows_only_through_the_scope(schools):
    a, b = schools["A"], schools["B"]
    scope_a = Scope.school(a["inst"].pk)

    for call in (lambda: services.period_update(scope=scope_a, period_id=b["period"].pk, name="X"),
                 lambda: services.holiday_delete(scope=scope_a, holiday_id=b["holiday"].pk),
                 lambda: services.campus_update(scope=scope_a, campus_id=b["campus"].pk, name="X"),
                 lambda: services.institution_update(scope=scope_a, institution_id=b["inst"].pk, city="X"),
                 lambda: services.config_update(scope=scope_a, institution_id=b["inst"].pk, school_days=[1]),
                 lambda: services.periods_generate(scope=scope_a, calendar_year_id=b["cal"].pk, replace=True),
                 lambda: selectors.period_detail(scope=scope_a, period_id=b["period"].pk)):
        with pytest.raises(NotFound):
            call()

    assert list(selectors.institutions(scope=scope_a)) == [a["inst"]]
    assert not selectors.holidays_of(b["inst"].pk, scope=scope_a).exists()
    assert selectors.holidays_of(b["inst"].pk, scope=SYSTEM).count() == 1
    assert not selectors.institutions(scope=Scope.nobody()).exists()


def test_get_campus_answers_only_within_the_scope(schools):
    from apps.institution import contracts

    a, b = schools["A"], schools["B"]

    own = contracts.get_campus(scope=Scope.school(a["inst"].pk), campus_id=a["campus"].pk)
    foreign = contracts.get_campus(scope=Scope.school(a["inst"].pk), campus_id=b["campus"].pk)
    system = contracts.get_campus(scope=SYSTEM, campus_id=b["campus"].pk)

    assert own is not None and own.institution_id == a["inst"].pk
    assert foreign is None
    assert system is not None and system.institution_id == b["inst"].pk
