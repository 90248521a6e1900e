"""Request and response shapes of the academic API (no business rules here: services decide)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section

# --- academic years ---------------------------------------------------------------------------


class AcademicYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = AcademicYear
        fields = ["id", "institution_id", "year", "status", "start_date", "end_date"]


class AcademicYearCreateSerializer(serializers.Serializer):
    institution_id = serializers.IntegerField(required=False, help_text=_("Default: the caller's institution."))
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class AcademicYearUpdateSerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)


# --- grade levels -----------------------------------------------------------------------------


class GradeLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradeLevel
        fields = ["id", "institution_id", "level", "number", "name", "order"]


class GradeLevelCreateSerializer(serializers.Serializer):
    institution_id = serializers.IntegerField(required=False, help_text=_("Default: the caller's institution."))
    level = serializers.ChoiceField(choices=GradeLevel.Level.choices)
    number = serializers.IntegerField(min_value=0, max_value=12)
    name = serializers.CharField(max_length=60)
    order = serializers.IntegerField(min_value=0, max_value=100)


class GradeLevelUpdateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=GradeLevel.Level.choices, required=False)
    number = serializers.IntegerField(min_value=0, max_value=12, required=False)
    name = serializers.CharField(max_length=60, required=False)
    order = serializers.IntegerField(min_value=0, max_value=100, required=False)


# --- courses and curriculum -------------------------------------------------------------------


class CourseSerializer(serializers.ModelSerializer):
    grade_level_id = serializers.IntegerField(read_only=True)
    grade_level_name = serializers.CharField(source="grade_level.name", read_only=True)
    competencies = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Course
        fields = ["id", "institution_id", "code", "name", "area", "competencies", "hours_per_week", "grade_level_id",
                  "grade_level_name"]


class CourseCreateSerializer(serializers.Serializer):
    grade_level_id = serializers.IntegerField()
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=120)
    area = serializers.CharField(max_length=120)
    competencies = serializers.ListField(child=serializers.CharField(max_length=300), required=False, default=list)
    hours_per_week = serializers.IntegerField(min_value=1, max_value=40)


class CourseUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    area = serializers.CharField(max_length=120, required=False)
    competencies = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    hours_per_week = serializers.IntegerField(min_value=1, max_value=40, required=False)


class CurriculumEntrySerializer(serializers.ModelSerializer):
    academic_year_id = serializers.IntegerField(read_only=True)
    year = serializers.IntegerField(source="academic_year.year", read_only=True)
    course_id = serializers.IntegerField(read_only=True)
    course_code = serializers.CharField(source="course.code", read_only=True)
    course_name = serializers.CharField(source="course.name", read_only=True)
    grade_level_id = serializers.IntegerField(source="course.grade_level_id", read_only=True)
    hours_per_week = serializers.IntegerField(source="course.hours_per_week", read_only=True)

    class Meta:
        model = CurriculumEntry
        fields = ["id", "academic_year_id", "year", "course_id", "course_code", "course_name", "grade_level_id",
                  "hours_per_week"]


class CurriculumEntryCreateSerializer(serializers.Serializer):
    academic_year_id = serializers.IntegerField()
    course_id = serializers.IntegerField()


# --- sections ---------------------------------------------------------------------------------


class SectionSerializer(serializers.ModelSerializer):
    academic_year_id = serializers.IntegerField(read_only=True)
    year = serializers.IntegerField(source="academic_year.year", read_only=True)
    grade_level_id = serializers.IntegerField(read_only=True)
    level = serializers.CharField(source="grade_level.level", read_only=True)
    grade_number = serializers.IntegerField(source="grade_level.number", read_only=True)
    grade_level_name = serializers.CharField(source="grade_level.name", read_only=True)
    enrolled_count = serializers.IntegerField(read_only=True)
    available_seats = serializers.SerializerMethodField()

    class Meta:
        model = Section
        fields = ["id", "code", "name", "institution_id", "academic_year_id", "year", "grade_level_id", "level",
                  "grade_number", "grade_level_name", "capacity", "enrolled_count", "available_seats", "tutor_id",
                  "campus_id", "shift"]

    def get_available_seats(self, section: Section) -> int:
        return max(section.capacity - section.enrolled_count, 0)


class SectionCreateSerializer(serializers.Serializer):
    academic_year_id = serializers.IntegerField()
    grade_level_id = serializers.IntegerField()
    name = serializers.RegexField(r"^\d{1,2}[A-Za-z]{1,3}$", max_length=20, help_text=_("e.g. 5A"))
    capacity = serializers.IntegerField(min_value=1, max_value=200)
    tutor_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    campus_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    shift = serializers.ChoiceField(choices=Section.Shift.choices, default=Section.Shift.MORNING)


class SectionUpdateSerializer(serializers.Serializer):
    capacity = serializers.IntegerField(min_value=1, max_value=200, required=False)
    tutor_id = serializers.IntegerField(required=False, allow_null=True)
    campus_id = serializers.IntegerField(required=False)
    shift = serializers.ChoiceField(choices=Section.Shift.choices, required=False)


# --- enrollments ------------------------------------------------------------------------------


class EnrollmentSerializer(serializers.ModelSerializer):
    section_id = serializers.IntegerField(read_only=True)
    section_code = serializers.CharField(source="section.code", read_only=True)
    section_name = serializers.CharField(source="section.name", read_only=True)
    academic_year_id = serializers.IntegerField(read_only=True)
    year = serializers.IntegerField(source="academic_year.year", read_only=True)
    previous_enrollment_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Enrollment
        fields = ["id", "code", "student_id", "section_id", "section_code", "section_name", "academic_year_id", "year",
                  "enrollment_type", "previous_institution", "enrollment_date", "status", "status_reason",
                  "start_date", "end_date", "promotion_decision", "previous_enrollment_id"]


class TransferSerializer(serializers.Serializer):
    target_section_id = serializers.IntegerField()
    effective_date = serializers.DateField(required=False, help_text=_("Default: today."))
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer):
    effective_date = serializers.DateField(required=False, help_text=_("Default: today."))
    reason = serializers.CharField(max_length=300)


class PromotionDecisionSerializer(serializers.Serializer):
    promotion_decision = serializers.ChoiceField(choices=Enrollment.PromotionDecision.choices)


class OnDateSerializer(serializers.Serializer):
    on = serializers.DateField(required=False)
