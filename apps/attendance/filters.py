"""Query-string filters of the attendance list endpoints (camelCase parameters)."""

from __future__ import annotations

import django_filters

from apps.attendance.models import (
    AlertPattern,
    AttendanceRecord,
    AttendanceStatus,
    Justification,
    JustificationStatus,
    PatternAlert,
)
from common.filters import IdFilter, SmallIntFilter


class RecordFilter(django_filters.FilterSet):
    studentId = IdFilter(field_name="student_id")
    sectionId = IdFilter(field_name="section_id")
    status = django_filters.ChoiceFilter(choices=AttendanceStatus.choices)
    date = django_filters.DateFilter(field_name="date")
    dateFrom = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    dateTo = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    sessionNumber = SmallIntFilter(field_name="session_number")

    class Meta:
        model = AttendanceRecord
        fields: list[str] = []


class JustificationFilter(django_filters.FilterSet):
    studentId = IdFilter(field_name="student_id")
    sectionId = IdFilter(field_name="section_id")
    status = django_filters.ChoiceFilter(choices=JustificationStatus.choices)

    class Meta:
        model = Justification
        fields: list[str] = []


class AlertFilter(django_filters.FilterSet):
    studentId = IdFilter(field_name="student_id")
    sectionId = IdFilter(field_name="section_id")
    periodId = IdFilter(field_name="period_id")
    pattern = django_filters.ChoiceFilter(choices=AlertPattern.choices)

    class Meta:
        model = PatternAlert
        fields: list[str] = []
