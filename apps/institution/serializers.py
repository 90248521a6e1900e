from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from apps.institution.models import (
    LITERAL_VALUES,
    NOTIFICATION_CHANNELS,
    CalendarYear,
    Campus,
    Holiday,
    Institution,
    InstitutionConfig,
    Level,
    Period,
    PeriodType,
    ScaleKind,
)


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ("id", "code", "name", "city", "address", "phone", "email", "timezone", "is_active", "created_at",
                  "updated_at")
        read_only_fields = ("id", "created_at", "updated_at")


class InstitutionCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    timezone = serializers.CharField(max_length=64, required=False, default="America/Lima")


class InstitutionUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=16, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False)
    is_active = serializers.BooleanField(required=False)


class CampusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campus
        fields = ("id", "institution", "code", "name", "address", "is_main", "is_active")
        read_only_fields = fields


class CampusCreateSerializer(serializers.Serializer):
    institution = serializers.IntegerField(required=False, help_text="Defaults to the caller's institution.")
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    is_main = serializers.BooleanField(required=False, default=False)


class CampusUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    is_main = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class GradingScaleSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    kind = serializers.ChoiceField(choices=ScaleKind.choices)
    pass_mark = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True)
    pass_literal = serializers.ChoiceField(choices=[(v, v) for v in LITERAL_VALUES], required=False, default="A")
    decimals = serializers.IntegerField(min_value=0, max_value=2, required=False, default=0)


class ConfigSerializer(serializers.ModelSerializer):
    institution = serializers.IntegerField(source="institution_id", read_only=True)
    grading_scales = GradingScaleSerializer(many=True, read_only=True)

    class Meta:
        model = InstitutionConfig
        fields = ("institution", "period_type", "school_days", "notification_channels", "consecutive_absences_alert",
                  "absence_rate_alert_percent", "performance_drop_threshold", "grading_scales")
        read_only_fields = fields


class ConfigUpdateSerializer(serializers.Serializer):
    period_type = serializers.ChoiceField(choices=PeriodType.choices, required=False)
    school_days = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=7), min_length=1,
                                        required=False)
    notification_channels = serializers.ListField(child=serializers.ChoiceField(choices=NOTIFICATION_CHANNELS),
                                                  required=False)
    consecutive_absences_alert = serializers.IntegerField(min_value=1, max_value=60, required=False)
    absence_rate_alert_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("1"),
                                                          max_value=Decimal("100"), required=False)
    performance_drop_threshold = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0.01"),
                                                          required=False)
    grading_scales = GradingScaleSerializer(many=True, required=False)


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ("id", "number", "name", "start_date", "end_date")
        read_only_fields = fields


class PeriodUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)


class CalendarYearSerializer(serializers.ModelSerializer):
    periods = PeriodSerializer(many=True, read_only=True)

    class Meta:
        model = CalendarYear
        fields = ("id", "institution", "year", "start_date", "end_date", "period_type", "periods")
        read_only_fields = fields


class CalendarYearCreateSerializer(serializers.Serializer):
    institution = serializers.IntegerField(required=False, help_text="Defaults to the caller's institution.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    period_type = serializers.ChoiceField(choices=PeriodType.choices, required=False,
                                          help_text="Defaults to the institution's configuration.")
    generate_periods = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs):
        if attrs["end_date"] <= attrs["start_date"]:
            raise serializers.ValidationError({"end_date": ["The year must end after it starts."]})
        return attrs


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ("id", "institution", "date", "name")
        read_only_fields = fields


class HolidayCreateSerializer(serializers.Serializer):
    institution = serializers.IntegerField(required=False, help_text="Defaults to the caller's institution.")
    date = serializers.DateField()
    name = serializers.CharField(max_length=120)


class CurrentCalendarSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    today = serializers.DateField()
    calendar_year = CalendarYearSerializer(allow_null=True)
    current_period = PeriodSerializer(allow_null=True)
    holidays = HolidaySerializer(many=True)
    is_school_day = serializers.BooleanField()
