"""List filters of the academic API (django-filter; documented in the OpenAPI schema)."""

from __future__ import annotations

import django_filters

from apps.academic.models import AcademicYear, Course, CurriculumEntry, GradeLevel, Section
from common.filters import IdFilter, SmallIntFilter


class AcademicYearFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AcademicYear.Status.choices)
    year = SmallIntFilter()

    class Meta:
        model = AcademicYear
        fields = ["status", "year"]


class GradeLevelFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=GradeLevel.Level.choices)

    class Meta:
        model = GradeLevel
        fields = ["level"]


class CourseFilter(django_filters.FilterSet):
    grade_level = IdFilter(field_name="grade_level_id")
    level = django_filters.ChoiceFilter(field_name="grade_level__level", choices=GradeLevel.Level.choices)
    area = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Course
        fields = ["grade_level", "level", "area"]


class CurriculumFilter(django_filters.FilterSet):
    academic_year = IdFilter(field_name="academic_year_id")
    year = SmallIntFilter(field_name="academic_year__year")
    grade_level = IdFilter(field_name="course__grade_level_id")

    class Meta:
        model = CurriculumEntry
        fields = ["academic_year", "year", "grade_level"]


class SectionFilter(django_filters.FilterSet):
    academic_year = IdFilter(field_name="academic_year_id")
    year = SmallIntFilter(field_name="academic_year__year")
    grade_level = IdFilter(field_name="grade_level_id")
    level = django_filters.ChoiceFilter(field_name="grade_level__level", choices=GradeLevel.Level.choices)
    campus = IdFilter(field_name="campus_id")
    shift = django_filters.ChoiceFilter(choices=Section.Shift.choices)
    tutor = IdFilter(field_name="tutor_id")

    class Meta:
        model = Section
        fields = ["academic_year", "year", "grade_level", "level", "campus", "shift", "tutor"]
