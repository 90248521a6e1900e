"""Factories of the academic context (years, grade levels, courses, sections, enrollments)."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section
from apps.institution.models import Institution


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"IE-{n:07d}")
    name = factory.Sequence(lambda n: f"I.E. Demo {n}")


class AcademicYearFactory(DjangoModelFactory):
    class Meta:
        model = AcademicYear

    institution_id = factory.LazyFunction(lambda: InstitutionFactory().pk)
    year = 2026
    status = AcademicYear.Status.ACTIVE
    start_date = factory.LazyAttribute(lambda o: datetime.date(o.year, 3, 2))
    end_date = factory.LazyAttribute(lambda o: datetime.date(o.year, 12, 18))


class GradeLevelFactory(DjangoModelFactory):
    class Meta:
        model = GradeLevel

    institution_id = factory.LazyFunction(lambda: InstitutionFactory().pk)
    level = GradeLevel.Level.PRIMARIA
    number = factory.Sequence(lambda n: n % 6 + 1)
    name = factory.LazyAttribute(lambda o: f"{o.number}.º de {o.level.lower()}")
    order = factory.LazyAttribute(lambda o: o.number + (10 if o.level == GradeLevel.Level.SECUNDARIA else 0))


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    grade_level = factory.SubFactory(GradeLevelFactory)
    institution_id = factory.SelfAttribute("grade_level.institution_id")
    code = factory.Sequence(lambda n: f"CRS-{n:04d}")
    name = "Matemática"
    area = "Matemática"
    competencies = factory.LazyFunction(lambda: ["Resuelve problemas de cantidad"])
    hours_per_week = 6


class CurriculumEntryFactory(DjangoModelFactory):
    class Meta:
        model = CurriculumEntry

    course = factory.SubFactory(CourseFactory)
    academic_year = factory.SubFactory(AcademicYearFactory, institution_id=factory.SelfAttribute("..course.institution_id"))


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section

    academic_year = factory.SubFactory(AcademicYearFactory)
    institution_id = factory.SelfAttribute("academic_year.institution_id")
    grade_level = factory.LazyAttribute(lambda o: GradeLevel.objects.get_or_create(
        institution_id=o.institution_id, level=GradeLevel.Level.PRIMARIA, number=5,
        defaults={"name": "5.º de primaria", "order": 5})[0])
    name = factory.Sequence(lambda n: f"5{chr(ord('A') + n % 26)}{'' if n < 26 else chr(ord('A') + n // 26 % 26)}")
    code = factory.LazyAttribute(lambda o: f"SEC-{o.academic_year.year}-{o.name}")
    capacity = 30


class EnrollmentFactory(DjangoModelFactory):
    """An ACTIVE enrollment (seat taken) unless told otherwise."""

    class Meta:
        model = Enrollment

    section = factory.SubFactory(SectionFactory)
    academic_year = factory.SelfAttribute("section.academic_year")
    year = factory.SelfAttribute("academic_year.year")
    institution_id = factory.SelfAttribute("section.institution_id")
    student_id = factory.Sequence(lambda n: 900000 + n)
    code = factory.Sequence(lambda n: f"ENR-2026-{800000 + n:06d}")
    enrollment_date = factory.LazyAttribute(lambda o: o.academic_year.start_date)
    start_date = factory.LazyAttribute(lambda o: o.academic_year.start_date)
    status = Enrollment.Status.ACTIVE
    seat_assigned_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))
