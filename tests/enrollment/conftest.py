"""A real small school, built through each context's own services (no fakes): the saga under
test calls every context's real contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from apps.academic import services as academic_services
from apps.institution import services as institution_services
from apps.users.models import GuardianLink
from common.tenancy import SYSTEM
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StaffFactory, StudentFactory, TeacherFactory

YEAR = date.today().year


@dataclass
class School:
    institution_id: int
    academic_year_id: int
    section_id: int
    course_ids: list[int]
    period_ids: list[int]
    secretary: object
    tutor: object

    def new_student(self, *, guardians: int = 2, active: bool = True):
        student = StudentFactory(institution_id=self.institution_id, is_active=active)
        for index in range(guardians):
            guardian = GuardianFactory(institution_id=self.institution_id,
                                       preferred_language="es" if index == 0 else "en")
            GuardianLinkFactory(student=student, guardian=guardian, is_primary_contact=index == 0,
                                relationship=GuardianLink.Relationship.MOTHER if index == 0
                                else GuardianLink.Relationship.FATHER,
                                notify_email=True, notify_sms=index == 0)
        return student


def build_school(*, capacity: int = 30) -> School:
    institution = institution_services.institution_create(code=f"IE-SAGA-{capacity}", name="I.E. Saga")
    calendar = institution_services.calendar_year_create(institution_id=institution.pk, year=YEAR,
                                                         start_date=date(YEAR, 1, 2), end_date=date(YEAR, 12, 20))
    year = academic_services.academic_year_create(institution_id=institution.pk, year=YEAR,
                                                  start_date=date(YEAR, 1, 2), end_date=date(YEAR, 12, 20))
    academic_services.academic_year_start(scope=SYSTEM, academic_year_id=year.pk)
    level = academic_services.grade_level_create(institution_id=institution.pk, level="PRIMARIA", number=5,
                                                 name="5.º de primaria", order=5)
    course_ids = []
    for code, name in (("MAT5", "Matemática"), ("COM5", "Comunicación")):
        course = academic_services.course_create(scope=SYSTEM, grade_level_id=level.pk, code=code, name=name, area=name,
                                                 hours_per_week=5, competencies=["Resuelve problemas"])
        academic_services.curriculum_add_course(scope=SYSTEM, academic_year_id=year.pk, course_id=course.pk)
        course_ids.append(course.pk)
    tutor = TeacherFactory(institution_id=institution.pk)
    section = academic_services.section_create(scope=SYSTEM, academic_year_id=year.pk, grade_level_id=level.pk, name="5A",
                                               capacity=capacity, tutor_id=tutor.pk)
    secretary = StaffFactory(user_type="SECRETARY", institution_id=institution.pk)
    return School(institution_id=institution.pk, academic_year_id=year.pk, section_id=section.pk,
                  course_ids=course_ids, period_ids=list(calendar.periods.values_list("pk", flat=True)),
                  secretary=secretary, tutor=tutor)


@pytest.fixture
def school(db) -> School:
    return build_school()
