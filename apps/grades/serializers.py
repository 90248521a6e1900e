"""Request parsing and response shapes of the grades API (camelCase on the wire, like the seed)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.grades.models import CompetencyLevel, ComponentKind, EvaluationComponent, EvaluationPlan, GradeHistory


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}], "example": "15.5"})
class ValueField(serializers.Field):
    """Accepts a JSON number or string; the scale decides (in the service) what is valid."""

    default_error_messages = {"invalid": _("A number or a letter (AD/A/B/C) is required.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        return str(data)

    def to_representation(self, value):
        return value


# --- requests ----------------------------------------------------------------------------------


class CalculateAverageRequest(serializers.Serializer):
    studentId = serializers.IntegerField(min_value=1)
    courseId = serializers.IntegerField(min_value=1)
    periodId = serializers.IntegerField(min_value=1)


class EntryCreateRequest(serializers.Serializer):
    studentId = serializers.IntegerField(min_value=1)
    componentId = serializers.IntegerField(min_value=1)
    value = ValueField()


class BulkRowRequest(serializers.Serializer):
    studentId = serializers.JSONField(help_text=_("The student's user id."))
    value = serializers.JSONField(help_text=_("The grade: a number, or a letter on LITERAL scales."))


class BulkRequest(serializers.Serializer):
    componentId = serializers.IntegerField(min_value=1)
    sectionId = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text=_("Required only when the request changes existing grades."))
    grades = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=200)


class EntryUpdateRequest(serializers.Serializer):
    value = ValueField()
    reason = serializers.CharField(allow_blank=True)


class ComponentRequest(serializers.Serializer):
    id = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=ComponentKind.choices)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)


class PlanCreateRequest(serializers.Serializer):
    courseId = serializers.IntegerField(min_value=1)
    periodId = serializers.IntegerField(min_value=1)
    sectionId = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    components = ComponentRequest(many=True)


class PlanUpdateRequest(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    components = ComponentRequest(many=True, required=False)


class PeriodCloseRequest(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PeriodReopenRequest(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class CompetencyEvaluationRequest(serializers.Serializer):
    studentId = serializers.IntegerField(min_value=1)
    courseId = serializers.IntegerField(min_value=1)
    periodId = serializers.IntegerField(min_value=1)
    competency = serializers.CharField(max_length=200)
    level = serializers.ChoiceField(choices=CompetencyLevel.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


# --- responses ---------------------------------------------------------------------------------


class BreakdownResponse(serializers.Serializer):
    componentId = serializers.IntegerField(source="component_id")
    name = serializers.CharField()
    kind = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    value = serializers.CharField(allow_null=True)
    points = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    contribution = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True)


class AverageResponse(serializers.Serializer):
    average = serializers.CharField(help_text=_("After the scale's rounding rule: '14', or 'AD' on LITERAL."))
    rawAverage = serializers.DecimalField(source="raw_average", max_digits=9, decimal_places=4)
    scale = serializers.CharField()
    passMark = serializers.CharField(source="pass_mark")
    passed = serializers.BooleanField()
    complete = serializers.BooleanField(help_text=_("False while a component has no grade yet."))
    coveredWeight = serializers.DecimalField(source="covered_weight", max_digits=6, decimal_places=2)
    breakdown = BreakdownResponse(many=True)


class CalculateAverageResponse(AverageResponse):
    studentId = serializers.IntegerField()
    courseId = serializers.IntegerField()
    periodId = serializers.IntegerField()
    alerts = serializers.ListField(child=serializers.CharField(),
                                   help_text=_("Performance alerts emitted by this calculation."))


class EntryResponse(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    studentId = serializers.IntegerField(source="record.student_id")
    sectionId = serializers.IntegerField(source="record.section_id")
    courseId = serializers.IntegerField(source="record.course_id")
    periodId = serializers.IntegerField(source="record.period_id")
    componentId = serializers.IntegerField(source="component_id")
    value = serializers.SerializerMethodField()
    recordedBy = serializers.IntegerField(source="recorded_by_id", allow_null=True)
    recordedAt = serializers.DateTimeField(source="recorded_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    def get_value(self, entry) -> str:
        return entry.literal_value or format(entry.numeric_value.normalize(), "f")


class BulkResponse(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    entries = EntryResponse(many=True)


class HistoryResponse(serializers.ModelSerializer):
    changedBy = serializers.IntegerField(source="changed_by_id", allow_null=True)
    changedAt = serializers.DateTimeField(source="changed_at")
    oldValue = serializers.CharField(source="old_value")
    newValue = serializers.CharField(source="new_value")

    class Meta:
        model = GradeHistory
        fields = ["id", "action", "oldValue", "newValue", "reason", "changedBy", "changedAt"]


class ComponentResponse(serializers.ModelSerializer):
    class Meta:
        model = EvaluationComponent
        fields = ["id", "name", "kind", "weight", "position"]


class PlanResponse(serializers.ModelSerializer):
    courseId = serializers.IntegerField(source="course_id")
    periodId = serializers.IntegerField(source="period_id")
    sectionId = serializers.IntegerField(source="section_id", allow_null=True)
    components = ComponentResponse(many=True)

    class Meta:
        model = EvaluationPlan
        fields = ["id", "name", "courseId", "periodId", "sectionId", "components"]


class ComponentLineResponse(serializers.Serializer):
    componentId = serializers.IntegerField(source="component_id")
    name = serializers.CharField()
    kind = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    entryId = serializers.IntegerField(source="entry_id", allow_null=True)
    value = serializers.CharField(allow_null=True)


class CompetencyLineResponse(serializers.Serializer):
    competency = serializers.CharField(source="0")
    level = serializers.CharField(source="1", allow_null=True)

    def to_representation(self, instance):
        name, level = instance
        return {"competency": name, "level": level}


class CourseReportResponse(serializers.Serializer):
    courseId = serializers.IntegerField(source="course_id")
    courseCode = serializers.CharField(source="course_code")
    courseName = serializers.CharField(source="course_name")
    sectionId = serializers.IntegerField(source="section_id")
    planId = serializers.IntegerField(source="plan_id", allow_null=True)
    components = ComponentLineResponse(many=True)
    average = AverageResponse(allow_null=True)
    competencies = CompetencyLineResponse(many=True)


class StudentPeriodReportResponse(serializers.Serializer):
    studentId = serializers.IntegerField(source="student_id")
    periodId = serializers.IntegerField(source="period_id")
    periodName = serializers.CharField(source="period_name")
    periodClosed = serializers.BooleanField(source="period_closed")
    scale = serializers.CharField(allow_null=True)
    passMark = serializers.CharField(source="pass_mark", allow_null=True)
    courses = CourseReportResponse(many=True)


class PeriodClosureResponse(serializers.Serializer):
    periodId = serializers.IntegerField(source="period_id")
    closed = serializers.BooleanField(source="is_closed")
    closedAt = serializers.DateTimeField(source="closed_at")
    closedBy = serializers.IntegerField(source="closed_by_id", allow_null=True)
    note = serializers.CharField()


class PeriodReopeningResponse(serializers.Serializer):
    periodId = serializers.IntegerField(source="closure.period_id")
    closed = serializers.BooleanField(source="closure.is_closed")
    reopenedBy = serializers.IntegerField(source="reopened_by_id")
    reopenedAt = serializers.DateTimeField(source="reopened_at")
    reason = serializers.CharField()


class CompetencyEvaluationResponse(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    studentId = serializers.IntegerField(source="record.student_id")
    courseId = serializers.IntegerField(source="record.course_id")
    periodId = serializers.IntegerField(source="record.period_id")
    competency = serializers.CharField()
    level = serializers.CharField()
    comment = serializers.CharField()
