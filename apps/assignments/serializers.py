"""Request and response shapes of the assignments API.

Names of people and sections come from their contexts (`users.get_users`, `academic.get_sections`),
fetched once per page by the view and passed in the serializer context (`teachers`, `sections`,
`headcounts`): the query count does not grow with the page size.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.assignments.models import DayOfWeek, ScheduleBlock, TeacherAssignment


class AssignmentSerializer(serializers.ModelSerializer):
    teacher_name = serializers.SerializerMethodField()
    teacher_code = serializers.SerializerMethodField()
    section_code = serializers.SerializerMethodField()
    section_active_students = serializers.SerializerMethodField(
        help_text=_("Active students of the section (headcount projection); null until known."))

    class Meta:
        model = TeacherAssignment
        fields = ["id", "teacher_id", "teacher_name", "teacher_code", "course_id", "section_id", "section_code",
                  "section_active_students", "academic_year_id", "institution_id", "is_active", "assigned_at",
                  "removed_at", "removal_reason"]

    def get_teacher_name(self, obj) -> str | None:
        teacher = self.context.get("teachers", {}).get(obj.teacher_id)
        return teacher.full_name if teacher else None

    def get_teacher_code(self, obj) -> str | None:
        teacher = self.context.get("teachers", {}).get(obj.teacher_id)
        return teacher.code if teacher else None

    def get_section_code(self, obj) -> str | None:
        section = self.context.get("sections", {}).get(obj.section_id)
        return section.code if section else None

    def get_section_active_students(self, obj) -> int | None:
        return self.context.get("headcounts", {}).get(obj.section_id)


class AssignmentCreateSerializer(serializers.Serializer):
    teacher_id = serializers.IntegerField(min_value=1)
    course_id = serializers.IntegerField(min_value=1)
    section_id = serializers.IntegerField(min_value=1)


class AssignmentRemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ScheduleBlockSerializer(serializers.ModelSerializer):
    start_time = serializers.TimeField(format="%H:%M")
    end_time = serializers.TimeField(format="%H:%M")
    day_name = serializers.CharField(source="get_day_of_week_display", read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)

    class Meta:
        model = ScheduleBlock
        fields = ["id", "assignment_id", "teacher_id", "section_id", "course_id", "academic_year_id", "room",
                  "day_of_week", "day_name", "start_time", "end_time", "duration_minutes", "created_at"]


class ScheduleBlockCreateSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField(min_value=1)
    day_of_week = serializers.ChoiceField(choices=DayOfWeek.choices)
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    room = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["end_time"] <= attrs["start_time"]:
            raise serializers.ValidationError({"end_time": [_("The block must end after it starts.")]})
        for key in ("start_time", "end_time"):
            if attrs[key].second or attrs[key].microsecond:
                raise serializers.ValidationError({key: [_("Times are whole minutes (HH:MM).")]})
        return attrs


class ConflictSerializer(serializers.Serializer):
    block_id = serializers.IntegerField()
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=["teacher", "room", "section"]))
    assignment_id = serializers.IntegerField()
    teacher_id = serializers.IntegerField()
    section_id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    room = serializers.CharField()
    day_of_week = serializers.IntegerField()
    start_time = serializers.CharField()
    end_time = serializers.CharField()


class SectionTeacherSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField()
    teacher_id = serializers.IntegerField()
    teacher_name = serializers.CharField(allow_null=True)
    teacher_code = serializers.CharField(allow_null=True)
    course_id = serializers.IntegerField()
    course_code = serializers.CharField(allow_null=True)
    course_name = serializers.CharField(allow_null=True)
    weekly_minutes = serializers.IntegerField()


class SectionTeachersSerializer(serializers.Serializer):
    section_id = serializers.IntegerField()
    section_code = serializers.CharField(allow_null=True)
    academic_year_id = serializers.IntegerField(allow_null=True)
    active_students = serializers.IntegerField(allow_null=True)
    teachers = SectionTeacherSerializer(many=True)


class TeacherCourseSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    course_code = serializers.CharField(allow_null=True)
    course_name = serializers.CharField(allow_null=True)
    section_id = serializers.IntegerField()
    section_code = serializers.CharField(allow_null=True)
    academic_year_id = serializers.IntegerField()
    active_students = serializers.IntegerField(allow_null=True)
    weekly_minutes = serializers.IntegerField()


class TeacherCoursesSerializer(serializers.Serializer):
    teacher_id = serializers.IntegerField()
    courses = TeacherCourseSerializer(many=True)


class TimetableBlockSerializer(serializers.Serializer):
    block_id = serializers.IntegerField()
    assignment_id = serializers.IntegerField()
    start_time = serializers.CharField()
    end_time = serializers.CharField()
    room = serializers.CharField(allow_blank=True)
    teacher_id = serializers.IntegerField()
    teacher_name = serializers.CharField(allow_null=True)
    section_id = serializers.IntegerField()
    section_code = serializers.CharField(allow_null=True)
    course_id = serializers.IntegerField()
    course_name = serializers.CharField(allow_null=True)


class TimetableDaySerializer(serializers.Serializer):
    day_of_week = serializers.IntegerField()
    day_name = serializers.CharField()
    blocks = TimetableBlockSerializer(many=True)


class TimetableSerializer(serializers.Serializer):
    owner = serializers.ChoiceField(choices=["teacher", "section"])
    owner_id = serializers.IntegerField()
    academic_year_id = serializers.IntegerField(allow_null=True)
    slots = serializers.ListField(child=serializers.CharField(), help_text=_("Distinct start–end times, in order."))
    days = TimetableDaySerializer(many=True)


class WorkloadYearSerializer(serializers.Serializer):
    academic_year_id = serializers.IntegerField()
    weekly_hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    max_weekly_hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    remaining_hours = serializers.DecimalField(max_digits=6, decimal_places=2)


class WorkloadSerializer(serializers.Serializer):
    teacher_id = serializers.IntegerField()
    years = WorkloadYearSerializer(many=True)
