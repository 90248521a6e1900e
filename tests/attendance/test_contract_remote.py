"""The attendance contract answers the same in-process and over HTTP, results or refusals (tests/contract_remote.py).

The methods write, so each side gets its own copy of the world (same shape, fresh ids). Academic and
institution are the attendance tests' in-memory school (tests/attendance/conftest.py), shared by the live
server's thread."""

from __future__ import annotations

import pytest

from apps.attendance import contracts as attendance
from apps.attendance import services
from apps.attendance.contract_impl import LocalAttendance
from apps.attendance.contracts import AttendanceContract
from apps.attendance.models import AttendanceRecord, StudentAttendanceProfile
from common.errors import NotFound
from common.tenancy import SYSTEM, Scope
from tests.attendance.people import StudentFactory
from tests.contract_remote import answer, assert_local_and_remote_agree, assert_table_covers, each_case, go_remote
from tests.contract_remote import fresh_delegation as _fresh_delegation  # noqa: F401 (autouse fixture)
from tests.users import factories as users

A, B = 1, 2  # the fake school (tests/attendance/conftest.py) and another school of the network


def _world(school, days, base: int) -> dict:
    """Ids from `base`: a section per school; in A an enrolled student with attendance enabled and two
    marked days (absent on the first), and a new enrollment (not enabled yet); in B an enabled enrollment."""
    a_student, a_newcomer = StudentFactory(), StudentFactory()
    b_student = users.StudentFactory(institution_id=B)
    a_section, b_section = base + 1, base + 2
    school.add_section(a_section, [a_student.pk, a_newcomer.pk])
    school.add_section(b_section, [b_student.pk], institution_id=B)
    w = {"a_section": a_section, "b_section": b_section, "a_student": a_student.pk, "a_newcomer": a_newcomer.pk,
         "b_student": b_student.pk, "a_enabled": base + 1, "a_new": base + 2, "b_enabled": base + 3}
    school.add_enrollment(w["a_enabled"], a_student.pk, a_section)
    school.add_enrollment(w["a_new"], a_newcomer.pk, a_section)
    school.add_enrollment(w["b_enabled"], b_student.pk, b_section)
    services.attendance_initialize(scope=SYSTEM, enrollment_id=w["a_enabled"], student_id=a_student.pk,
                                   section_id=a_section)
    services.attendance_initialize(scope=SYSTEM, enrollment_id=w["b_enabled"], student_id=b_student.pk,
                                   section_id=b_section)
    services.attendance_mark_section(scope=SYSTEM, section_id=a_section, day=days[0], marked_by_id=None, exceptions=[
        services.ExceptionRow(student_id=a_student.pk, status="ABSENT")])
    services.attendance_mark_section(scope=SYSTEM, section_id=a_section, day=days[1], marked_by_id=None, exceptions=[])
    return w


# (method, kwargs built from one copy of the world): every method of the interface, answers and refusals.
CASES = [
    ("initialize_attendance", lambda w: {"scope": Scope.school(A), "enrollment_id": w["a_new"],
                                         "student_id": w["a_newcomer"], "section_id": w["a_section"]}),  # True
    ("initialize_attendance", lambda w: {"scope": SYSTEM, "enrollment_id": w["a_enabled"],
                                         "student_id": w["a_student"], "section_id": w["a_section"]}),  # False
    ("initialize_attendance", lambda w: {"scope": Scope.school(A), "enrollment_id": w["b_enabled"],
                                         "student_id": w["b_student"], "section_id": w["b_section"]}),  # 404
    ("initialize_attendance", lambda w: {"scope": Scope.school(A), "enrollment_id": w["a_new"],
                                         "student_id": w["b_student"], "section_id": w["a_section"]}),  # 404
    ("delete_attendance_records", lambda w: {"scope": Scope.school(A), "enrollment_id": w["a_enabled"]}),  # 3
    ("delete_attendance_records", lambda w: {"scope": SYSTEM, "enrollment_id": w["a_new"]}),  # 0
    ("delete_attendance_records", lambda w: {"scope": Scope.school(A), "enrollment_id": w["b_enabled"]}),  # 404
    ("has_attendance_record", lambda w: {"scope": Scope.school(A), "enrollment_id": w["a_enabled"]}),
    ("has_attendance_record", lambda w: {"scope": SYSTEM, "enrollment_id": w["a_new"]}),
    ("has_attendance_record", lambda w: {"scope": Scope.school(B), "enrollment_id": w["b_enabled"]}),
    ("has_attendance_record", lambda w: {"scope": Scope.school(A), "enrollment_id": w["b_enabled"]}),  # 404
]


def test_the_table_calls_every_method_of_the_interface_and_every_method_is_idempotent():
    assert_table_covers(AttendanceContract, CASES)  # keyed by enrollment


@each_case(CASES)
@pytest.mark.django_db(transaction=True)
def test_local_and_remote_answers_agree(method, make_kwargs, school, days, live_server, settings):
    here, there = _world(school, days, 100), _world(school, days, 200)

    assert_local_and_remote_agree(settings, live_server, AttendanceContract, LocalAttendance,
                                  lambda: answer(attendance, method, make_kwargs(here)),
                                  lambda: answer(attendance, method, make_kwargs(there)))


@pytest.mark.django_db(transaction=True)
def test_remote_writes_land_and_errors_keep_class_and_code(school, days, live_server, settings):
    world = _world(school, days, 100)
    go_remote(settings, live_server, AttendanceContract)

    assert attendance.initialize_attendance(scope=Scope.school(A), enrollment_id=world["a_new"],
                                            student_id=world["a_newcomer"], section_id=world["a_section"]) is True

    assert StudentAttendanceProfile.objects.filter(enrollment_id=world["a_new"], is_active=True).exists()
    assert attendance.has_attendance_record(scope=Scope.school(A), enrollment_id=world["a_new"]) is True
    with pytest.raises(NotFound) as foreign:
        attendance.delete_attendance_records(scope=Scope.school(A), enrollment_id=world["b_enabled"])
    assert (foreign.value.code, foreign.value.status_code) == ("enrollment_not_found", 404)
    assert StudentAttendanceProfile.objects.filter(enrollment_id=world["b_enabled"]).exists()
    assert attendance.delete_attendance_records(scope=SYSTEM, enrollment_id=world["a_enabled"]) == 3
    assert not AttendanceRecord.objects.filter(enrollment_id=world["a_enabled"]).exists()
