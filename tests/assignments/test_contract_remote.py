"""The assignments contract answers the same in-process and over HTTP, DTOs or refusals
(tests/contract_remote.py)."""

from __future__ import annotations

from datetime import time

import pytest

from apps.assignments import contracts as assignments
from apps.assignments.contract_impl import LocalAssignments
from apps.assignments.contracts import AssignmentsContract, AvailabilityDTO, ConflictDTO
from common.errors import NotFound, ValidationFailed
from common.tenancy import SYSTEM, Scope
from tests.assignments import factories
from tests.contract_remote import answer, assert_local_and_remote_agree, assert_table_covers, each_case, go_remote
from tests.contract_remote import fresh_delegation as _fresh_delegation  # noqa: F401 (autouse fixture)

A, B = 1, 2


_school = factories.school_with_a_block


def _block(d: dict, **overrides) -> dict:
    """A proposed block for school `d`'s teacher and section (Tuesday 10:00–11:00 unless overridden)."""
    return {"teacher_id": d["teacher"].pk, "section_id": d["section"].pk,
            "academic_year_id": d["section"].academic_year_id, "day_of_week": 2, "start_time": time(10),
            "end_time": time(11), **overrides}


# (method, kwargs built from the two schools): every method of the interface, answers and refusals.
CASES = [
    ("teachers_of_section", lambda s: {"scope": SYSTEM, "section_id": s[A]["section"].pk}),
    ("teachers_of_section", lambda s: {"scope": Scope.school(A), "section_id": s[B]["section"].pk}),
    ("assignments_of_teacher", lambda s: {"scope": Scope.school(A), "teacher_id": s[A]["teacher"].pk}),
    ("assignments_of_teacher", lambda s: {"scope": SYSTEM, "teacher_id": s[B]["teacher"].pk,
                                          "academic_year_id": s[B]["section"].academic_year_id}),
    ("is_teacher_of", lambda s: {"scope": Scope.school(A), "teacher_id": s[A]["teacher"].pk,
                                 "section_id": s[A]["section"].pk, "course_id": s[A]["course"].pk}),
    ("is_teacher_of", lambda s: {"scope": Scope.school(A), "teacher_id": s[B]["teacher"].pk,
                                 "section_id": s[B]["section"].pk}),
    ("check_availability", lambda s: {"scope": Scope.school(A), **_block(s[A])}),
    ("check_availability", lambda s: {"scope": Scope.school(A), **_block(s[A], day_of_week=1, start_time=time(9),
                                                                         end_time=time(10), room="Aula 1")}),
    ("check_availability", lambda s: {"scope": SYSTEM, **_block(s[A], day_of_week=1, start_time=time(8),
                                                                end_time=time(9), institution_id=A,
                                                                exclude_block_id=s[A]["block"].pk)}),
    ("check_availability", lambda s: {"scope": Scope.school(A), **_block(s[B])}),  # 404 section_not_found
    ("check_availability", lambda s: {"scope": Scope.school(A), **_block(s[A], exclude_block_id=s[B]["block"].pk)}),
    ("check_availability", lambda s: {"scope": Scope.school(A), **_block(s[A], end_time=time(9))}),  # 400
    ("teacher_section_ids", lambda s: {"teacher_id": s[A]["teacher"].pk}),
    ("teacher_section_course_pairs", lambda s: {"teacher_id": s[B]["teacher"].pk}),
]


def test_the_table_calls_every_method_of_the_interface():
    assert_table_covers(AssignmentsContract, CASES, idempotent=False)


@each_case(CASES)
@pytest.mark.django_db(transaction=True)
def test_local_and_remote_answers_agree(method, make_kwargs, live_server, settings):
    schools = {A: _school(A), B: _school(B)}
    kwargs = make_kwargs(schools)

    assert_local_and_remote_agree(settings, live_server, AssignmentsContract, LocalAssignments,
                                  lambda: answer(assignments, method, kwargs))


@pytest.mark.django_db(transaction=True)
def test_remote_answers_are_typed_dtos_and_errors_keep_class_and_code(live_server, settings):
    schools = {A: _school(A), B: _school(B)}
    go_remote(settings, live_server, AssignmentsContract)

    busy = assignments.check_availability(scope=Scope.school(A), **_block(schools[A], day_of_week=1,
                                                                           start_time=time(9), end_time=time(10),
                                                                           room="Aula 1"))
    assert isinstance(busy, AvailabilityDTO) and not busy.available
    [conflict] = busy.conflicts
    assert conflict == ConflictDTO(
        block_id=schools[A]["block"].pk, kinds=("teacher", "room", "section"),
        assignment_id=schools[A]["assignment"].pk, teacher_id=schools[A]["teacher"].pk,
        section_id=schools[A]["section"].pk, course_id=schools[A]["course"].pk, room="Aula 1", day_of_week=1,
        start_time=time(8), end_time=time(9, 30))
    with pytest.raises(NotFound) as foreign:
        assignments.check_availability(scope=Scope.school(A), **_block(schools[B]))
    assert (foreign.value.code, foreign.value.status_code) == ("section_not_found", 404)
    with pytest.raises(ValidationFailed) as invalid:
        assignments.check_availability(scope=Scope.school(A), **_block(schools[A], end_time=time(9)))
    assert invalid.value.status_code == 400 and set(invalid.value.details["fields"]) == {"end_time"}
