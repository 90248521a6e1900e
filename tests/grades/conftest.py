"""Fixtures of the grades tests.

Grades reads sections, courses, periods and grading scales only through the academic and
institution contracts. While those contexts are written in parallel (academic has no migrations yet),
these tests stand in for the contract functions grades calls with an in-memory `FakeSchool` that
returns the contexts' own DTO classes; the grades code under test is unchanged. The lookups auth's
rules make through the assignments (teacher ↔ section/course) and academic (student → sections)
contracts are faked with the shared `fake_contract` fixture; guardian links use the real users contract.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest

from apps.academic import contracts as academic
from apps.assignments.contracts import AssignmentsContract
from apps.grades import services
from apps.institution import contracts as institution
from common.tenancy import SYSTEM
from tests.academic.factories import AcademicYearFactory, CourseFactory, CurriculumEntryFactory, SectionFactory
from tests.institution.factories import InstitutionFactory, calendar_year

_ids = itertools.count(5000)


@dataclass
class FakeSchool:
    institution_id: int = 77
    year: int = 2026
    sections: dict = field(default_factory=dict)
    courses: dict = field(default_factory=dict)
    section_courses: dict = field(default_factory=dict)
    periods: dict = field(default_factory=dict)
    scales: dict = field(default_factory=dict)
    drop_threshold: Decimal = Decimal("3")
    teacher_pairs: dict = field(default_factory=dict)
    student_sections: dict = field(default_factory=dict)
    enrollments: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)

    def __post_init__(self):
        self.set_scale("SECUNDARIA", "VIGESIMAL", pass_mark=Decimal("11"))
        self.set_scale("PRIMARIA", "LITERAL", pass_mark="A")
        self.set_scale("INICIAL", "PERCENT", pass_mark=Decimal("60"))

    # --- building ------------------------------------------------------------------------------
    def set_scale(self, level: str, kind: str, *, pass_mark, decimals: int = 0):
        if kind == "LITERAL":
            dto = institution.GradingScaleDTO(level=level, kind=kind, min_value=None, max_value=None,
                                              pass_mark=pass_mark, literal_values=("AD", "A", "B", "C"), decimals=0)
        else:
            high = Decimal(20) if kind == "VIGESIMAL" else Decimal(100)
            dto = institution.GradingScaleDTO(level=level, kind=kind, min_value=Decimal(0), max_value=high,
                                              pass_mark=pass_mark, literal_values=(), decimals=decimals)
        self.scales[level] = dto

    def add_period(self, number: int, *, institution_id: int | None = None) -> int:
        """A period of the school (or, with `institution_id`, of another school of the network)."""
        pid = next(_ids)
        self.periods[pid] = institution.PeriodDTO(
            id=pid, year=self.year, number=number, name=f"{'I' * number} Bimestre",
            start_date=date(self.year, 3 + 2 * (number - 1), 1), end_date=date(self.year, 4 + 2 * (number - 1), 28),
            institution_id=institution_id or self.institution_id, calendar_year_id=1)
        return pid

    def add_section(self, *, level: str = "SECUNDARIA", name: str = "3A", tutor_id: int | None = None,
                    institution_id: int | None = None) -> int:
        """A section of the school (or, with `institution_id`, of another school; its courses follow it)."""
        sid = next(_ids)
        self.sections[sid] = academic.SectionDTO(
            id=sid, code=f"SEC-{self.year}-{name}-{sid}", name=name, institution_id=institution_id or self.institution_id,
            academic_year_id=1, year=self.year, grade_level_id=1, level=level, grade_number=3, capacity=40,
            tutor_id=tutor_id, campus_id=None, shift="MORNING")
        self.section_courses[sid] = []
        return sid

    def add_course(self, section_id: int, name: str = "Matemática", competencies=("Resuelve problemas de cantidad",)) -> int:
        cid = next(_ids)
        self.courses[cid] = academic.CourseDTO(
            id=cid, code=f"C-{cid}", name=name, area=name, grade_level_id=1, hours_per_week=4,
            competencies=tuple(competencies), institution_id=self.sections[section_id].institution_id)
        self.section_courses[section_id].append(cid)
        return cid

    def assign_teacher(self, teacher_id: int, section_id: int, course_id: int) -> None:
        self.teacher_pairs.setdefault(teacher_id, set()).add((section_id, course_id))

    def add_enrollment(self, student_id: int, section_id: int) -> int:
        """An enrollment of the student in the section (no grade records yet)."""
        enrollment_id = next(_ids)
        section = self.sections[section_id]
        self.enrollments[enrollment_id] = academic.EnrollmentDTO(
            id=enrollment_id, code=f"ENR-{self.year}-{enrollment_id:06d}", student_id=student_id, section_id=section_id,
            section_code=section.code, academic_year_id=1, year=self.year, institution_id=section.institution_id,
            enrollment_type="NEW", previous_institution=None, enrollment_date=date(self.year, 3, 1), status="ACTIVE",
            seat_assigned=True, start_date=date(self.year, 3, 1), end_date=None, saga_id=None)
        self.student_sections.setdefault(student_id, set()).add(section_id)
        return enrollment_id

    def enroll(self, student_id: int, section_id: int) -> int:
        enrollment_id = self.add_enrollment(student_id, section_id)
        services.grade_records_initialize(scope=SYSTEM, enrollment_id=enrollment_id, student_id=student_id,
                                          section_id=section_id)
        return enrollment_id

    # --- the contract functions grades calls (a `scope` those contracts may take is accepted) -------
    def get_enrollment(self, *, enrollment_id, **_scope):
        self.calls.append("get_enrollment")
        return self.enrollments.get(enrollment_id)

    def get_section(self, *, section_id, **_scope):
        self.calls.append("get_section")
        return self.sections.get(section_id)

    def get_sections(self, *, section_ids, **_scope):
        self.calls.append("get_sections")
        return {i: self.sections[i] for i in section_ids if i in self.sections}

    def get_course(self, *, course_id, **_scope):
        self.calls.append("get_course")
        return self.courses.get(course_id)

    def courses_of_section(self, *, section_id, **_scope):
        self.calls.append("courses_of_section")
        return [self.courses[c] for c in self.section_courses.get(section_id, [])]

    def get_period(self, *, period_id, **_scope):
        self.calls.append("get_period")
        return self.periods.get(period_id)

    def periods_of_year(self, *, institution_id, year, **_scope):
        self.calls.append("periods_of_year")
        return sorted((p for p in self.periods.values() if p.institution_id == institution_id and p.year == year),
                      key=lambda p: p.number)

    def grading_scale(self, *, institution_id, level, **_scope):
        self.calls.append("grading_scale")
        return self.scales[level]

    def performance_alert_rules(self, *, institution_id, **_scope):
        return institution.PerformanceAlertRulesDTO(drop_threshold=self.drop_threshold)

    def get_institution(self, *, institution_id, **_scope):
        return institution.InstitutionDTO(id=institution_id, code="IE-77", name="I.E. San Martín",
                                          timezone="America/Lima", city="Lima", is_active=True)


@pytest.fixture
def school(monkeypatch, fake_contract) -> FakeSchool:
    fake = FakeSchool()
    for name in ("get_section", "get_sections", "get_course", "courses_of_section", "get_enrollment"):
        monkeypatch.setattr(academic, name, getattr(fake, name))
    for name in ("get_period", "periods_of_year", "grading_scale", "performance_alert_rules", "get_institution"):
        monkeypatch.setattr(institution, name, getattr(fake, name))
    fake_contract(AssignmentsContract, "teacher_section_course_pairs",
                  lambda *, teacher_id: frozenset(fake.teacher_pairs.get(teacher_id, ())))
    fake_contract(AssignmentsContract, "teacher_section_ids",
                  lambda *, teacher_id: frozenset(s for s, _c in fake.teacher_pairs.get(teacher_id, ())))
    fake_contract(academic.AcademicContract, "active_section_ids_of_student",
                  lambda *, student_id: frozenset(fake.student_sections.get(student_id, ())))
    return fake


def make_plan(course_id: int, period_id: int, components, *, section_id: int | None = None):
    """components: [(name, kind, weight)] → the plan (created as the system)."""
    return services.evaluation_plan_create(
        scope=SYSTEM, actor=None, course_id=course_id, period_id=period_id, section_id=section_id, name="Plan",
        components=[services.ComponentInput(name=n, kind=k, weight=Decimal(str(w))) for n, k, w in components])


def component_ids(plan) -> list[int]:
    return list(plan.components.order_by("position").values_list("id", flat=True))


@pytest.fixture
def real_section():
    """A real institution (with its 2026 calendar) and a 5th-grade primary section with two courses."""
    school = InstitutionFactory()
    calendar_year(school, 2026)
    year = AcademicYearFactory(institution_id=school.pk, year=2026)
    section = SectionFactory(academic_year=year, institution_id=school.pk)
    courses = []
    for code, name in (("MAT-5", "Matemática"), ("COM-5", "Comunicación")):
        course = CourseFactory(institution_id=school.pk, grade_level=section.grade_level, code=code, name=name)
        CurriculumEntryFactory(course=course, academic_year=year)
        courses.append(course)
    periods = institution.periods_of_year(institution_id=school.pk, year=2026)
    assert periods, "the calendar year generates its periods"
    return {"section": section, "courses": courses, "periods": periods, "institution": school}
