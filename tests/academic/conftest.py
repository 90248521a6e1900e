"""Fixtures of the academic tests: a small school with a year, three grades and two sections."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from apps.academic.models import AcademicYear, GradeLevel, Section
from apps.assignments.contracts import AssignmentsContract
from apps.users.contracts import UsersContract
from tests.academic.factories import AcademicYearFactory, InstitutionFactory
from tests.users.factories import StudentFactory, TeacherFactory


@pytest.fixture
def school(db):
    institution = InstitutionFactory()
    year = AcademicYearFactory(institution_id=institution.pk, year=2026, status=AcademicYear.Status.ACTIVE,
                               start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 12, 18))
    levels = {n: GradeLevel.objects.create(institution_id=institution.pk, level=GradeLevel.Level.PRIMARIA, number=n,
                                           name=f"{n}.º de primaria", order=n) for n in (4, 5, 6)}
    tutor = TeacherFactory(institution_id=institution.pk)
    s5a = Section.objects.create(institution_id=institution.pk, academic_year=year, grade_level=levels[5], name="5A",
                                 code="SEC-2026-5A", capacity=2, tutor_id=tutor.pk)
    s5b = Section.objects.create(institution_id=institution.pk, academic_year=year, grade_level=levels[5], name="5B",
                                 code="SEC-2026-5B", capacity=30)
    students = [StudentFactory(institution_id=institution.pk) for _ in range(3)]
    return SimpleNamespace(institution=institution, year=year, levels=levels, tutor=tutor, s5a=s5a, s5b=s5b,
                           students=students)


@pytest.fixture
def teacher_sections(fake_contract):
    """Stand-in for the assignments contract's `teacher_section_ids` (auth's rules): {teacher_id: {section ids}}."""
    mapping: dict[int, set[int]] = {}
    fake_contract(AssignmentsContract, "teacher_section_ids",
                  lambda *, teacher_id: frozenset(mapping.get(teacher_id, ())))
    return mapping


@pytest.fixture
def guardian_students(fake_contract):
    """Stand-in for the users contract's `guardian_student_ids` (auth's rules): {guardian_id: {student ids}}."""
    mapping: dict[int, set[int]] = {}
    fake_contract(UsersContract, "guardian_student_ids", lambda *, guardian_id: frozenset(mapping.get(guardian_id, ())))
    return mapping
