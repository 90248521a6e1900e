from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from apps.enrollment.services import ENROLLMENT_TYPES
from events.saga.models import SagaInstance, SagaStep


class EnrollmentRequestInputSerializer(serializers.Serializer):
    student_id = serializers.IntegerField(min_value=1)
    section_id = serializers.IntegerField(min_value=1)
    enrollment_type = serializers.ChoiceField(choices=ENROLLMENT_TYPES, default="REGULAR")
    enrollment_date = serializers.DateField(required=False)
    previous_institution = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)


class SagaStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = SagaStep
        fields = ("position", "name", "status", "attempts", "compensation_attempts", "last_error", "started_at",
                  "finished_at", "compensated_at")


class EnrollmentRequestSerializer(serializers.ModelSerializer):
    saga_id = serializers.UUIDField(source="id")
    status_url = serializers.SerializerMethodField()
    student_id = serializers.IntegerField(source="data.student_id")
    section_id = serializers.IntegerField(source="data.section_id")
    enrollment_id = serializers.SerializerMethodField()
    enrollment_code = serializers.SerializerMethodField()
    steps = SagaStepSerializer(many=True, read_only=True)

    class Meta:
        model = SagaInstance
        fields = ("saga_id", "status", "status_url", "student_id", "section_id", "enrollment_id", "enrollment_code",
                  "last_error", "created_at", "finished_at", "steps")

    def get_status_url(self, saga) -> str:
        path = reverse("enrollment:enrollment-request-detail", kwargs={"saga_id": saga.id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_enrollment_id(self, saga) -> int | None:
        return saga.data.get("enrollment_id")

    def get_enrollment_code(self, saga) -> str | None:
        return saga.data.get("enrollment_code")
