"""The grades contract answers the same in-process and over HTTP, results or refusals (tests/contract_remote.py).

The methods write, so each side gets its own copy of the world (same shape, fresh ids). Academic and
institution are the grades tests' in-memory fakes (tests/grades/conftest.py), shared by the live server's
thread."""

from __future__ import annotations

import pytest

from apps.grades import contracts as grades
from apps.grades.contract_impl import LocalGrades
from apps.grades.contracts import GradesContract
from apps.grades.models import GradeRecord
from common.errors import NotFound
from common.tenancy import SYSTEM, Scope
from tests.contract_remote import answer, assert_local_and_remote_agree, assert_table_covers, each_case, go_remote
from tests.contract_remote import fresh_delegation as _fresh_delegation  # noqa: F401 (autouse fixture)
from tests.grades.people import StudentFactory
from tests.users import factories as users

A, B = 77, 78  # the fake school (tests/grades/conftest.py) and another school of the network


def _calendar(school) -> None:
    """Two periods of school A's year, one of B's (shared by both copies of the world)."""
    school.add_period(1)
    school.add_period(2)
    school.add_period(1, institution_id=B)


def _world(school) -> dict:
    """A section per school with two courses (A) or one (B); an enrolled student in each (grade records
    exist) and a new enrollment in A (none yet)."""
    a_section = school.add_section()
    school.add_course(a_section, "Matemática")
    school.add_course(a_section, "Comunicación")
    b_section = school.add_section(name="ZZB", institution_id=B)
    school.add_course(b_section, "ZZB Historia")
    a_student, a_newcomer = StudentFactory(), StudentFactory()
    b_student = users.StudentFactory(institution_id=B)
    return {"a_section": a_section, "b_section": b_section, "a_student": a_student.pk, "b_student": b_student.pk,
            "a_enrolled": school.enroll(a_student.pk, a_section), "b_enrolled": school.enroll(b_student.pk, b_section),
            "a_newcomer": a_newcomer.pk, "a_new": school.add_enrollment(a_newcomer.pk, a_section)}


# (method, kwargs built from one copy of the world): every method of the interface, answers and refusals.
CASES = [
    ("initialize_grade_records", lambda w: {"scope": SYSTEM, "enrollment_id": w["a_new"],
                                            "student_id": w["a_newcomer"], "section_id": w["a_section"]}),
    ("initialize_grade_records", lambda w: {"scope": Scope.school(A), "enrollment_id": w["a_enrolled"],
                                            "student_id": w["a_student"], "section_id": w["a_section"]}),  # 0: a repeat
    ("initialize_grade_records", lambda w: {"scope": Scope.school(A), "enrollment_id": w["b_enrolled"],
                                            "student_id": w["b_student"], "section_id": w["b_section"]}),  # 404
    ("delete_grade_records", lambda w: {"scope": Scope.school(A), "enrollment_id": w["a_enrolled"]}),
    ("delete_grade_records", lambda w: {"scope": SYSTEM, "enrollment_id": w["a_new"]}),  # nothing to delete
    ("delete_grade_records", lambda w: {"scope": Scope.school(A), "enrollment_id": w["b_enrolled"]}),  # 404
    ("grade_record_count", lambda w: {"scope": Scope.school(A), "enrollment_id": w["a_enrolled"]}),
    ("grade_record_count", lambda w: {"scope": SYSTEM, "enrollment_id": w["b_enrolled"]}),
    ("grade_record_count", lambda w: {"scope": Scope.school(B), "enrollment_id": w["b_enrolled"]}),
    ("grade_record_count", lambda w: {"scope": Scope.school(A), "enrollment_id": w["b_enrolled"]}),  # 404
]


def test_the_table_calls_every_method_of_the_interface_and_every_method_is_idempotent():
    assert_table_covers(GradesContract, CASES)  # saga steps keyed by enrollment


@each_case(CASES)
@pytest.mark.django_db(transaction=True)
def test_local_and_remote_answers_agree(method, make_kwargs, school, live_server, settings):
    _calendar(school)
    here, there = _world(school), _world(school)

    assert_local_and_remote_agree(settings, live_server, GradesContract, LocalGrades,
                                  lambda: answer(grades, method, make_kwargs(here)),
                                  lambda: answer(grades, method, make_kwargs(there)))


@pytest.mark.django_db(transaction=True)
def test_remote_writes_land_and_errors_keep_class_and_code(school, live_server, settings):
    _calendar(school)
    world = _world(school)
    go_remote(settings, live_server, GradesContract)

    created = grades.initialize_grade_records(scope=Scope.school(A), enrollment_id=world["a_new"],
                                              student_id=world["a_newcomer"], section_id=world["a_section"])

    assert created == 4  # two courses × two periods
    assert GradeRecord.objects.filter(enrollment_id=world["a_new"], institution_id=A).count() == 4
    assert grades.grade_record_count(scope=Scope.school(A), enrollment_id=world["a_new"]) == 4
    with pytest.raises(NotFound) as foreign:
        grades.delete_grade_records(scope=Scope.school(A), enrollment_id=world["b_enrolled"])
    assert (foreign.value.code, foreign.value.status_code) == ("enrollment_not_found", 404)
    assert GradeRecord.objects.filter(enrollment_id=world["b_enrolled"]).count() == 1
    assert grades.delete_grade_records(scope=SYSTEM, enrollment_id=world["a_new"]) == 4
    assert not GradeRecord.objects.filter(enrollment_id=world["a_new"]).exists()
