"""A small school for attendance tests.

Attendance talks to academic (sections, rosters) and institution (calendar, periods, alert rules)
only through their contracts; the fixture below stands in for those contract functions with an
in-memory school (monkeypatched on the contract modules, so the attendance code under test runs
unchanged), and for the lookups auth's rules make through the academic and assignments contracts
(the shared `fake_contract` fixture). People are real
users (tests/users/factories.py) and the users contract is the real one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.academic import contracts as academic_contracts
from apps.assignments.contracts import AssignmentsContract
from apps.institution import contracts as institution_contracts
from tests.attendance.people import GuardianLinkFactory, StaffFactory, StudentFactory, TeacherFactory


def school_days_before(today: date, count: int) -> list[date]:
    """The `count` weekdays before `today` (oldest first)."""
    days, day = [], today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return list(reversed(days))


@dataclass
class School:
    institution_id: int = 1
    sections: dict[int, object] = field(default_factory=dict)
    rosters: dict[int, list[int]] = field(default_factory=dict)
    teacher_sections: dict[int, set[int]] = field(default_factory=dict)
    holidays: set[date] = field(default_factory=set)
    periods: list[object] = field(default_factory=list)
    enrollments: dict[int, object] = field(default_factory=dict)
    consecutive_absences: int = 3
    absence_rate_percent: float = 30.0

    def add_section(self, section_id: int, student_ids: list[int], *, teacher_id: int | None = None,
                    institution_id: int | None = None):
        """A section of the school (or, with `institution_id`, of another school of the network)."""
        self.sections[section_id] = academic_contracts.SectionDTO(
            id=section_id, code=f"SEC-2026-{section_id}", name=f"Sección {section_id}",
            institution_id=institution_id or self.institution_id, academic_year_id=1, year=timezone.localdate().year,
            grade_level_id=1, level="PRIMARIA", grade_number=5, capacity=45, tutor_id=teacher_id, campus_id=None,
            shift="MORNING")
        self.rosters[section_id] = list(student_ids)
        if teacher_id is not None:
            self.teacher_sections.setdefault(teacher_id, set()).add(section_id)

    def add_enrollment(self, enrollment_id: int, student_id: int, section_id: int) -> None:
        today = timezone.localdate()
        section = self.sections[section_id]
        self.enrollments[enrollment_id] = academic_contracts.EnrollmentDTO(
            id=enrollment_id, code=f"ENR-{today.year}-{enrollment_id:06d}", student_id=student_id,
            section_id=section_id, section_code=section.code, academic_year_id=1, year=today.year,
            institution_id=section.institution_id, enrollment_type="NEW", previous_institution=None,
            enrollment_date=today, status="ACTIVE", seat_assigned=True, start_date=today, end_date=None, saga_id=None)

    def sections_of(self, student_id: int) -> list[int]:
        return [sid for sid, roster in self.rosters.items() if student_id in roster]

    def period_on(self, day: date, institution_id: int | None = None):
        return next((p for p in self.periods if p.start_date <= day <= p.end_date
                     and (institution_id is None or p.institution_id == institution_id)), None)


@pytest.fixture
def school(monkeypatch, fake_contract) -> School:
    today = timezone.localdate()
    school = School()
    school.periods = [
        institution_contracts.PeriodDTO(id=11, year=today.year, number=1, name="I Bimestre",
                                        start_date=today - timedelta(days=200), end_date=today - timedelta(days=101),
                                        institution_id=school.institution_id, calendar_year_id=1),
        institution_contracts.PeriodDTO(id=12, year=today.year, number=2, name="II Bimestre",
                                        start_date=today - timedelta(days=100), end_date=today + timedelta(days=30),
                                        institution_id=school.institution_id, calendar_year_id=1),
    ]
    # The fakes accept a `scope` those contracts may take.
    patches = {
        (academic_contracts, "get_enrollment"): lambda *, enrollment_id, **_: school.enrollments.get(enrollment_id),
        (academic_contracts, "get_section"): lambda *, section_id, **_: school.sections.get(section_id),
        (academic_contracts, "section_student_ids"):
            lambda *, section_id, on=None, **_: list(school.rosters.get(section_id, [])),
        (academic_contracts, "student_section_on"):
            lambda *, student_id, on, **_: next(iter(school.sections_of(student_id)), None),
        (institution_contracts, "is_school_day"): lambda *, institution_id, day, **_: day.weekday() < 5
            and day not in school.holidays,
        (institution_contracts, "attendance_alert_rules"): lambda *, institution_id, **_:
            institution_contracts.AttendanceAlertRulesDTO(consecutive_absences=school.consecutive_absences,
                                                          absence_rate_percent=school.absence_rate_percent),
        (institution_contracts, "current_period"): lambda *, institution_id, on=None, **_: school.period_on(on or today,
                                                                                                      institution_id),
        (institution_contracts, "get_period"): lambda *, period_id, **_: next(
            (p for p in school.periods if p.id == period_id), None),
        (institution_contracts, "periods_of_year"): lambda *, institution_id, year, **_: [
            p for p in school.periods if p.institution_id == institution_id],
    }
    for (module, name), fake in patches.items():
        monkeypatch.setattr(module, name, fake)
    fake_contract(AssignmentsContract, "teacher_section_ids",
                  lambda *, teacher_id: frozenset(school.teacher_sections.get(teacher_id, ())))
    fake_contract(academic_contracts.AcademicContract, "active_section_ids_of_student",
                  lambda *, student_id: frozenset(school.sections_of(student_id)))
    return school


@pytest.fixture
def teacher(db):
    return TeacherFactory()


@pytest.fixture
def other_teacher(db):
    return TeacherFactory()


@pytest.fixture
def director(db):
    return StaffFactory(user_type="DIRECTOR")


@pytest.fixture
def auxiliary(db):
    return StaffFactory(user_type="AUXILIARY", is_staff=False)


@pytest.fixture
def students(db):
    return StudentFactory.create_batch(5)


@pytest.fixture
def section(school, students, teacher) -> int:
    """Section 1 with five students, taught by `teacher`."""
    school.add_section(1, [s.pk for s in students], teacher_id=teacher.pk)
    return 1


@pytest.fixture
def guardian_link(students):
    """A guardian of the first student."""
    return GuardianLinkFactory(student=students[0])


@pytest.fixture
def days():
    """Ten recent school days (weekdays before today), oldest first."""
    return school_days_before(timezone.localdate(), 10)
