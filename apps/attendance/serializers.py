"""Wire shapes of the attendance API (camelCase keys, as the seed's payloads)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.attendance.models import AttendanceRecord, AttendanceStatus, Justification, PatternAlert

EXCEPTION_CHOICES = [(s, s) for s in (AttendanceStatus.ABSENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED)]


class ExceptionRowSerializer(serializers.Serializer):
    studentId = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=EXCEPTION_CHOICES)
    arrivalTime = serializers.TimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")

    def validate(self, attrs):
        if attrs.get("arrivalTime") is not None and attrs["status"] != AttendanceStatus.LATE:
            raise serializers.ValidationError({"arrivalTime": [_("An arrival time is only recorded for LATE.")]})
        return attrs


class MarkPresentInputSerializer(serializers.Serializer):
    """What the view parses: rows stay dicts here and are validated one by one, so errors name the row."""

    sectionId = serializers.IntegerField(min_value=1)
    date = serializers.DateField()
    sessionNumber = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                             max_value=16)
    exceptions = serializers.ListField(child=serializers.DictField(), required=False, default=list,
                                       max_length=500)


class MarkPresentSerializer(MarkPresentInputSerializer):
    """The documented request shape; rows are validated one by one so errors can name the row."""

    exceptions = ExceptionRowSerializer(many=True, required=False)


class MarkingResultSerializer(serializers.Serializer):
    sectionId = serializers.IntegerField(source="section_id")
    date = serializers.DateField()
    sessionNumber = serializers.IntegerField(source="session_number", allow_null=True)
    total = serializers.IntegerField()
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    late = serializers.IntegerField()
    excused = serializers.IntegerField()
    isUpdate = serializers.BooleanField(source="is_update")
    alerts = serializers.ListField(child=serializers.DictField())


class RecordSerializer(serializers.ModelSerializer):
    studentId = serializers.IntegerField(source="student_id")
    sectionId = serializers.IntegerField(source="section_id")
    enrollmentId = serializers.IntegerField(source="enrollment_id", allow_null=True)
    sessionNumber = serializers.IntegerField(source="session_number", allow_null=True)
    arrivalTime = serializers.TimeField(source="arrival_time", allow_null=True)
    markedBy = serializers.IntegerField(source="marked_by_id", allow_null=True)
    markedAt = serializers.DateTimeField(source="marked_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = AttendanceRecord
        fields = ["id", "studentId", "sectionId", "enrollmentId", "date", "sessionNumber", "status", "arrivalTime",
                  "note", "markedBy", "markedAt", "updatedAt"]


class SheetRowSerializer(serializers.Serializer):
    studentId = serializers.IntegerField(source="student_id")
    studentCode = serializers.CharField(source="student_code", allow_null=True)
    studentName = serializers.CharField(source="student_name", allow_null=True)
    onRoster = serializers.BooleanField(source="on_roster")
    attendanceId = serializers.IntegerField(source="attendance_id", allow_null=True)
    status = serializers.CharField(allow_null=True)
    arrivalTime = serializers.TimeField(source="arrival_time", allow_null=True)
    note = serializers.CharField(allow_blank=True)
    markedBy = serializers.IntegerField(source="marked_by", allow_null=True)
    updatedAt = serializers.DateTimeField(source="updated_at", allow_null=True)


class SheetSerializer(serializers.Serializer):
    sectionId = serializers.IntegerField(source="section_id")
    sectionCode = serializers.CharField(source="section_code", allow_null=True)
    date = serializers.DateField()
    sessionNumber = serializers.IntegerField(source="session_number", allow_null=True)
    marked = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    students = SheetRowSerializer(many=True)


class CountsSerializer(serializers.Serializer):
    schoolDays = serializers.IntegerField(source="school_days")
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    late = serializers.IntegerField()
    excused = serializers.IntegerField()
    attendanceRate = serializers.DecimalField(source="attendance_rate", max_digits=4, decimal_places=1,
                                              allow_null=True)
    absenceRate = serializers.DecimalField(source="absence_rate", max_digits=4, decimal_places=1, allow_null=True)


class PeriodCountsSerializer(CountsSerializer):
    periodId = serializers.IntegerField(source="period_id")
    name = serializers.CharField()
    number = serializers.IntegerField()
    startDate = serializers.DateField(source="start_date")
    endDate = serializers.DateField(source="end_date")


class SummarySerializer(serializers.Serializer):
    studentId = serializers.IntegerField(source="student_id")
    periods = PeriodCountsSerializer(many=True)
    total = CountsSerializer()
    currentAbsenceStreak = serializers.IntegerField(source="current_absence_streak")
    longestAbsenceStreak = serializers.IntegerField(source="longest_absence_streak")


class JustificationCreateSerializer(serializers.Serializer):
    studentId = serializers.IntegerField(min_value=1)
    startDate = serializers.DateField()
    endDate = serializers.DateField()
    reason = serializers.CharField(max_length=2000)
    attachmentReference = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class JustificationSerializer(serializers.ModelSerializer):
    studentId = serializers.IntegerField(source="student_id")
    sectionId = serializers.IntegerField(source="section_id", allow_null=True)
    guardianId = serializers.IntegerField(source="guardian_id")
    startDate = serializers.DateField(source="start_date")
    endDate = serializers.DateField(source="end_date")
    attachmentReference = serializers.CharField(source="attachment_reference")
    reviewedBy = serializers.IntegerField(source="reviewed_by_id", allow_null=True)
    reviewedAt = serializers.DateTimeField(source="reviewed_at", allow_null=True)
    reviewNote = serializers.CharField(source="review_note")
    excusedRecords = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Justification
        fields = ["id", "studentId", "sectionId", "guardianId", "startDate", "endDate", "reason",
                  "attachmentReference", "status", "reviewedBy", "reviewedAt", "reviewNote", "excusedRecords",
                  "createdAt"]

    def get_excusedRecords(self, obj) -> int:
        annotated = getattr(obj, "records_count", None)
        return annotated if annotated is not None else obj.records.count()


class AlertSerializer(serializers.ModelSerializer):
    studentId = serializers.IntegerField(source="student_id")
    sectionId = serializers.IntegerField(source="section_id")
    periodId = serializers.IntegerField(source="period_id", allow_null=True)
    occurrenceKey = serializers.CharField(source="occurrence_key")
    triggeredOn = serializers.DateField(source="triggered_on")
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = PatternAlert
        fields = ["id", "studentId", "sectionId", "periodId", "pattern", "occurrenceKey", "value", "threshold",
                  "triggeredOn", "createdAt"]
