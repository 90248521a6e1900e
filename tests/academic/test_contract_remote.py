"""The academic contract answers the same in-process and over HTTP, DTOs or refusals (tests/contract_remote.py).

The saga steps write: the remote call repeats the local one on the same rows, so it must answer exactly
what the first call answered (they are idempotent, keyed by saga or enrollment) or refuse the same way."""

from __future__ import annotations

import itertools
from datetime import date
from types import SimpleNamespace

import pytest

from apps.academic import contracts as academic
from apps.academic import services
from apps.academic.contract_impl import LocalAcademic
from apps.academic.contracts import AcademicContract, EnrollmentDTO, SectionDTO
from apps.academic.models import Enrollment
from common import contracts
from common.errors import BusinessRuleViolation, Conflict, NotFound
from common.tenancy import SYSTEM, Scope
from tests.academic.factories import (
    AcademicYearFactory,
    CourseFactory,
    CurriculumEntryFactory,
    EnrollmentFactory,
    SectionFactory,
)
from tests.contract_remote import answer, assert_local_and_remote_agree, assert_table_covers, each_case, go_remote
from tests.contract_remote import fresh_delegation as _fresh_delegation  # noqa: F401 (autouse fixture)

A, B = "A", "B"
D = date(2026, 3, 2)
_students = itertools.count(700000)


def _open(section, *, seat: bool = False) -> int:
    opened = services.enrollment_open(scope=SYSTEM, student_id=next(_students), section_id=section.pk,
                                      enrollment_type="REGULAR", enrollment_date=D, previous_institution=None,
                                      saga_id=f"saga-{next(_students)}")
    if seat:
        services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=opened.pk)
    return opened.pk


def _school() -> SimpleNamespace:
    """A school with a year, sections 5A and 5B, a full section, a course of 5.º, an ACTIVE enrollment in 5A,
    a PENDING one in 5B without a seat, one with a seat, and one waiting for the full section."""
    year = AcademicYearFactory()
    s5a, s5b = SectionFactory(academic_year=year), SectionFactory(academic_year=year)
    full = SectionFactory(academic_year=year, capacity=1)
    EnrollmentFactory(section=full)
    course = CurriculumEntryFactory(course=CourseFactory(grade_level=s5a.grade_level), academic_year=year).course
    active = EnrollmentFactory(section=s5a)
    return SimpleNamespace(institution_id=year.institution_id, year=year.pk, s5a=s5a.pk, s5b=s5b.pk, full=full.pk,
                           course=course.pk, student=active.student_id, active=active.pk, pending=_open(s5b),
                           seated=_open(s5b, seat=True), waiting=_open(full), newcomer=next(_students))


def _new(s, section: str, **overrides) -> dict:
    """enrollment_open's arguments for school `s`'s newcomer in one of its sections."""
    return {"student_id": s.newcomer, "section_id": getattr(s, section), "enrollment_type": "REGULAR",
            "enrollment_date": D, "previous_institution": None, "saga_id": f"saga-new-{s.newcomer}", **overrides}


def _a(w) -> Scope:
    return Scope.school(w[A].institution_id)


# (method, kwargs built from the two schools): every method of the interface, answers and refusals.
CASES = [
    ("get_section", lambda w: {"scope": SYSTEM, "section_id": w[A].s5a}),
    ("get_section", lambda w: {"scope": _a(w), "section_id": w[B].s5a}),  # foreign: None
    ("get_sections", lambda w: {"scope": _a(w), "section_ids": [w[A].s5a, w[A].s5b, w[B].s5a]}),
    ("section_student_ids", lambda w: {"scope": _a(w), "section_id": w[A].s5a}),
    ("section_student_ids", lambda w: {"scope": SYSTEM, "section_id": w[A].s5a, "on": date(2026, 4, 1)}),
    ("section_student_ids", lambda w: {"scope": _a(w), "section_id": w[B].s5a}),  # foreign: []
    ("student_section_on", lambda w: {"scope": _a(w), "student_id": w[A].student, "on": date(2026, 4, 1)}),
    ("student_section_on", lambda w: {"scope": _a(w), "student_id": w[B].student, "on": date(2026, 4, 1)}),
    ("get_course", lambda w: {"scope": _a(w), "course_id": w[A].course}),
    ("get_course", lambda w: {"scope": _a(w), "course_id": w[B].course}),  # foreign: None
    ("get_courses", lambda w: {"scope": _a(w), "course_ids": [w[A].course, w[B].course]}),
    ("courses_of_section", lambda w: {"scope": SYSTEM, "section_id": w[A].s5a}),
    ("courses_of_section", lambda w: {"scope": _a(w), "section_id": w[B].s5a}),  # foreign: []
    ("active_enrollment", lambda w: {"scope": _a(w), "student_id": w[A].student}),
    ("active_enrollment", lambda w: {"scope": SYSTEM, "student_id": w[A].student, "academic_year_id": w[B].year}),
    ("active_enrollment", lambda w: {"scope": _a(w), "student_id": w[B].student}),  # foreign: None
    ("get_enrollment", lambda w: {"scope": _a(w), "enrollment_id": w[A].pending}),
    ("get_enrollment", lambda w: {"scope": _a(w), "enrollment_id": w[B].pending}),  # foreign: None
    ("active_section_ids_of_student", lambda w: {"student_id": w[B].student}),
    ("section_institution_id", lambda w: {"section_id": w[A].s5b}),
    ("section_institution_id", lambda w: {"section_id": 987654321}),  # unknown: None
    ("institution_section_ids", lambda w: {"institution_id": w[A].institution_id}),
    ("enrollment_open", lambda w: {"scope": _a(w), **_new(w[A], "s5b")}),  # the repeat: the same enrollment
    ("enrollment_open", lambda w: {"scope": _a(w), **_new(w[B], "s5b")}),  # 404 section_not_found
    ("enrollment_open", lambda w: {"scope": SYSTEM, **_new(w[A], "s5b", student_id=w[A].student)}),  # 409
    ("enrollment_open", lambda w: {"scope": SYSTEM, **_new(w[A], "s5b", enrollment_type="LATE")}),  # 400
    ("enrollment_assign_to_section", lambda w: {"scope": _a(w), "enrollment_id": w[A].pending}),
    ("enrollment_assign_to_section", lambda w: {"scope": SYSTEM, "enrollment_id": w[A].waiting}),  # 409 full
    ("enrollment_assign_to_section", lambda w: {"scope": _a(w), "enrollment_id": w[B].pending}),  # 404
    ("enrollment_activate", lambda w: {"scope": _a(w), "enrollment_id": w[A].seated}),
    ("enrollment_activate", lambda w: {"scope": _a(w), "enrollment_id": w[A].pending}),  # 422 no seat
    ("enrollment_activate", lambda w: {"scope": _a(w), "enrollment_id": w[B].seated}),  # 404
    ("enrollment_remove_from_section", lambda w: {"scope": _a(w), "enrollment_id": w[A].seated}),
    ("enrollment_mark_invalid", lambda w: {"scope": _a(w), "enrollment_id": w[A].pending, "reason": "no DNI"}),
    ("enrollment_mark_invalid", lambda w: {"scope": SYSTEM, "enrollment_id": w[A].active, "reason": "x"}),  # 422
    ("enrollment_discard", lambda w: {"scope": _a(w), "enrollment_id": w[A].pending}),
    ("enrollment_discard", lambda w: {"scope": _a(w), "enrollment_id": w[A].active}),  # 422 not pending
]


def test_the_table_calls_every_method_of_the_interface_and_every_method_is_idempotent():
    assert_table_covers(AcademicContract, CASES)  # saga steps are keyed


@each_case(CASES)
@pytest.mark.django_db(transaction=True)
def test_local_and_remote_answers_agree(method, make_kwargs, live_server, settings):
    kwargs = make_kwargs({A: _school(), B: _school()})

    assert_local_and_remote_agree(settings, live_server, AcademicContract, LocalAcademic,
                                  lambda: answer(academic, method, kwargs))


@pytest.mark.django_db(transaction=True)
def test_remote_steps_land_answers_are_typed_and_errors_keep_class_and_code(live_server, settings):
    a, b = _school(), _school()
    go_remote(settings, live_server, AcademicContract)

    opened = academic.enrollment_open(scope=Scope.school(a.institution_id), **_new(a, "s5a"))
    seated = academic.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=opened.id)
    active = academic.enrollment_activate(scope=SYSTEM, enrollment_id=opened.id)

    assert isinstance(opened, EnrollmentDTO) and opened.status == "PENDING" and opened.enrollment_date == D
    assert seated.seat_assigned and active.status == "ACTIVE"
    row = Enrollment.objects.get(pk=opened.id)
    assert (row.student_id, row.status, row.saga_id) == (a.newcomer, "ACTIVE", f"saga-new-{a.newcomer}")
    sections = academic.get_sections(scope=SYSTEM, section_ids=[a.s5a, b.s5a])
    assert set(sections) == {a.s5a, b.s5a} and isinstance(sections[a.s5a], SectionDTO)
    assert academic.active_section_ids_of_student(student_id=a.newcomer) == frozenset({a.s5a})
    assert academic.institution_section_ids(institution_id=b.institution_id) == frozenset({b.s5a, b.s5b, b.full})
    with pytest.raises(Conflict) as full:
        academic.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=a.waiting)
    assert (full.value.code, full.value.status_code) == ("section_full", 409)
    with pytest.raises(NotFound) as foreign:
        academic.enrollment_activate(scope=Scope.school(a.institution_id), enrollment_id=b.seated)
    assert (foreign.value.code, foreign.value.status_code) == ("enrollment_not_found", 404)
    assert Enrollment.objects.get(pk=b.seated).status == "PENDING"
    with pytest.raises(BusinessRuleViolation) as not_pending:
        academic.enrollment_discard(scope=SYSTEM, enrollment_id=opened.id)
    assert not_pending.value.code == "enrollment_not_pending"
    assert Enrollment.objects.filter(pk=opened.id).exists()


@pytest.mark.django_db(transaction=True)
def test_auths_lookups_answer_only_network_wide_callers(live_server, settings):
    """institution_section_ids takes no scope (a @system_lookup for auth's rules): over RPC a service bound to
    one school may not use it at all, about any school; a network-wide caller gets the answer."""
    a, b = _school(), _school()
    go_remote(settings, live_server, AcademicContract)
    client = contracts.resolve(AcademicContract)
    spec = contracts.methods_of(AcademicContract)["institution_section_ids"]

    for institution_id in (a.institution_id, b.institution_id):
        with pytest.raises(NotFound):
            client.call(spec, {"scope": Scope.school(a.institution_id), "institution_id": institution_id})
    assert client.call(spec, {"institution_id": a.institution_id}) == frozenset({a.s5a, a.s5b, a.full})
