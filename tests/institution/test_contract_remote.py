"""The institution contract answers the same in-process and over HTTP (tests/contract_remote.py): every
method, its DTOs (Decimal, date, tuple, frozenset) and its refusals. Every method is a read, so both sides
ask the same world."""

from __future__ import annotations

from datetime import date

import pytest

from apps.institution import contracts as institution
from apps.institution.contract_impl import LocalInstitution
from apps.institution.contracts import InstitutionContract
from common.tenancy import SYSTEM, Scope
from tests.contract_remote import answer, assert_local_and_remote_agree, assert_table_covers, each_case
from tests.contract_remote import fresh_delegation as _fresh_delegation  # noqa: F401 (autouse fixture)
from tests.institution.factories import CampusFactory, HolidayFactory, InstitutionFactory, calendar_year


def _world() -> dict:
    a, b = InstitutionFactory(name="School A"), InstitutionFactory(name="ZZB School")
    calendar_year(a, 2026)
    HolidayFactory(institution=a, date=date(2026, 6, 29))
    return {"a": a.pk, "b": b.pk, "a_campus": CampusFactory(institution=a).pk, "b_campus": CampusFactory(institution=b).pk,
            "a_period": institution.periods_of_year(institution_id=a.pk, year=2026)[1].id}


# (method, kwargs built from the world): every method of the interface, answers and refusals.
CASES = [
    ("get_institution", lambda w: {"institution_id": w["a"]}),
    ("get_institution", lambda w: {"institution_id": w["b"] + 1000}),  # None
    ("get_campus", lambda w: {"scope": Scope.school(w["a"]), "campus_id": w["a_campus"]}),
    ("get_campus", lambda w: {"scope": Scope.school(w["a"]), "campus_id": w["b_campus"]}),  # foreign: None
    ("get_campus", lambda w: {"scope": SYSTEM, "campus_id": w["b_campus"]}),
    ("list_institutions", lambda w: {}),
    ("list_institutions", lambda w: {"active_only": False}),
    ("grading_scale", lambda w: {"institution_id": w["a"], "level": "SECUNDARIA"}),
    ("grading_scale", lambda w: {"institution_id": w["a"], "level": "PRIMARIA"}),
    ("grading_scale", lambda w: {"institution_id": w["a"], "level": "UNIVERSIDAD"}),  # a 400 remotely
    ("current_period", lambda w: {"institution_id": w["a"], "on": date(2026, 5, 4)}),
    ("current_period", lambda w: {"institution_id": w["a"], "on": date(2026, 1, 15)}),  # summer: None
    ("periods_of_year", lambda w: {"institution_id": w["a"], "year": 2026}),
    ("periods_of_year", lambda w: {"institution_id": w["b"], "year": 2026}),  # []
    ("get_period", lambda w: {"period_id": w["a_period"]}),
    ("get_period", lambda w: {"period_id": w["a_period"] + 1000}),
    ("attendance_alert_rules", lambda w: {"institution_id": w["a"]}),
    ("performance_alert_rules", lambda w: {"institution_id": w["a"]}),
    ("notification_channels", lambda w: {"institution_id": w["a"]}),
    ("is_school_day", lambda w: {"institution_id": w["a"], "day": date(2026, 6, 29)}),  # a holiday
    ("is_school_day", lambda w: {"institution_id": w["a"], "day": date(2026, 6, 30)}),
]


def test_the_table_calls_every_method_of_the_interface_and_every_method_is_idempotent():
    assert_table_covers(InstitutionContract, CASES)


@each_case(CASES)
@pytest.mark.django_db(transaction=True)
def test_local_and_remote_answers_agree(method, make_kwargs, live_server, settings):
    world = _world()
    if method == "grading_scale" and make_kwargs(world)["level"] == "UNIVERSIDAD":
        # in-process a programming error (ValueError); over HTTP the same refusal is a 400 invalid_argument
        with pytest.raises(ValueError):
            institution.grading_scale(**make_kwargs(world))
        return
    assert_local_and_remote_agree(settings, live_server, InstitutionContract, LocalInstitution,
                                  lambda: answer(institution, method, make_kwargs(world)))
