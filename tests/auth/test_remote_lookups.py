"""Auth's rules read users, academic and assignments through their contracts: with those three contexts
served by another process (real HTTP to a live server's RPC endpoints), every rule answers exactly as
in-process, and the lookups really went over the wire."""

from __future__ import annotations

import pytest

from apps.auth.contracts import (
    Principal,
    can_act_on_section,
    can_read_section,
    can_read_student,
    principal_for_user_id,
    visible_section_ids,
    visible_student_ids,
)
from common import contracts
from tests.assignments.factories import AssignmentFactory, course, enroll, section
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StaffFactory, StudentFactory, TeacherFactory

SCHOOL, OTHER_SCHOOL = 1, 2


def _world() -> dict:
    """School 1: a teacher teaching one course in section `own`, a student enrolled there with a guardian,
    a director. School 2: a section and a student of its own."""
    own, foreign = section(institution_id=SCHOOL), section(institution_id=OTHER_SCHOOL)
    taught = course(institution_id=SCHOOL)
    teacher = TeacherFactory(institution_id=SCHOOL)
    AssignmentFactory(teacher_id=teacher.pk, section_id=own.pk, course_id=taught.pk)
    student, stranger = StudentFactory(institution_id=SCHOOL), StudentFactory(institution_id=OTHER_SCHOOL)
    enroll(student_id=student.pk, section_row=own)
    enroll(student_id=stranger.pk, section_row=foreign)
    guardian = GuardianFactory(institution_id=SCHOOL)
    GuardianLinkFactory(guardian=guardian, student=student)
    director = StaffFactory(user_type="DIRECTOR", institution_id=SCHOOL)
    return {"own": own.pk, "foreign": foreign.pk, "course": taught.pk, "teacher": teacher.pk, "student": student.pk,
            "stranger": stranger.pk, "guardian": guardian.pk, "director": director.pk}


def _answers(w: dict) -> dict:
    teacher = Principal(user_id=w["teacher"], user_type="TEACHER", institution_id=SCHOOL)
    parent = Principal(user_id=w["guardian"], user_type="PARENT", institution_id=SCHOOL)
    student = Principal(user_id=w["student"], user_type="STUDENT", institution_id=SCHOOL)
    director = principal_for_user_id(w["director"])  # users.user_security_summary
    return {
        "director": director,
        "teacher reads student": can_read_student(teacher, w["student"]),
        "teacher reads stranger": can_read_student(teacher, w["stranger"]),
        "teacher acts on course": can_act_on_section(teacher, w["own"], w["course"]),
        "teacher acts on other course": can_act_on_section(teacher, w["own"], w["course"] + 1),
        "teacher reads foreign section": can_read_section(teacher, w["foreign"]),
        "teacher sections": visible_section_ids(teacher),
        "parent reads child": can_read_student(parent, w["student"]),
        "parent reads stranger": can_read_student(parent, w["stranger"]),
        "parent students": visible_student_ids(parent),
        "parent sections": visible_section_ids(parent),
        "student sections": visible_section_ids(student),
        "director reads stranger": can_read_student(director, w["stranger"]),
        "director acts on own": can_act_on_section(director, w["own"]),
        "director acts on foreign": can_act_on_section(director, w["foreign"]),
        "director sections": visible_section_ids(director),
    }


@pytest.mark.django_db(transaction=True)
def test_the_rules_answer_the_same_with_users_academic_and_assignments_served_elsewhere(live_server, settings,
                                                                                      monkeypatch):
    # One process plays both sides: the live server thread serves the RPC endpoints from this database, so
    # the router that keeps a split-out process off a remote context's tables stays out of the way.
    settings.DATABASE_ROUTERS = []
    w = _world()
    local = _answers(w)
    assert local["teacher acts on course"] and local["parent reads child"] and local["director acts on own"]
    assert not local["teacher reads stranger"] and not local["director acts on foreign"]

    settings.PRS1_REMOTE_CONTEXTS = ",".join(f"{name}={live_server.url}" for name in ("users", "academic",
                                                                                     "assignments"))
    contracts.reset()
    called: list[str] = []
    post = contracts.RemoteContract._post

    def spy(self, path, body, headers):
        called.append(path)
        return post(self, path, body, headers)

    monkeypatch.setattr(contracts.RemoteContract, "_post", spy)
    try:
        remote = _answers(w)
    finally:
        contracts.reset()

    assert remote == local
    assert {path.split("/")[4] for path in called} == {"users", "academic", "assignments"}
