"""Attendance API (/api/v1/attendance/): thin views — parse, authorize, call a service or selector.

Every selector and service gets the caller's scope (`request_scope(request)`): another school's
section, period, justification or record answers 404 (or is simply not listed), like an unknown id.
The role rules (a teacher's sections, a guardian's children) apply on top of the scope."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.attendance import selectors, services
from apps.attendance.filters import AlertFilter, JustificationFilter, RecordFilter
from apps.attendance.serializers import (
    AlertSerializer,
    ExceptionRowSerializer,
    JustificationCreateSerializer,
    JustificationSerializer,
    MarkingResultSerializer,
    MarkPresentInputSerializer,
    MarkPresentSerializer,
    RecordSerializer,
    ReviewSerializer,
    SheetSerializer,
    SummarySerializer,
)
from apps.auth.contracts import (
    can_act_on_section,
    can_read_section,
    can_read_student,
    principal_of,
    request_scope,
    requires,
    visible_section_ids,
    visible_student_ids,
)
from common.errors import NotFound, PermissionDenied, ValidationFailed
from common.filters import MAX_BIGINT, MAX_SMALLINT

ERROR_EXAMPLE = OpenApiExample(
    "Invalid row (nothing saved)", status_codes=["400"], response_only=True,
    value={"error": {"code": "invalid_attendance", "message": "The attendance was not saved: fix the listed rows.",
                     "details": {"fields": {"exceptions": ["Row 1: The student is not on the section's roster."]},
                                 "rows": [{"index": 1, "studentId": 999,
                                           "errors": {"studentId": ["The student is not on the section's roster."]}}]}}},
)


def _int_query_param(request: Request, name: str, *, max_value: int, message: str) -> int | None:
    """An optional positive whole-number query parameter (ASCII digits, in range), else a 400."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19) or not 1 <= int(raw) <= max_value:
        raise ValidationFailed(fields={name: [message]})
    return int(raw)


def _visible(request: Request) -> dict:
    """Which rows the caller may list: the scope's school (every school for a network-wide caller),
    and within it: staff all; a teacher their sections; a guardian their children; a student themself."""
    principal = principal_of(request.user)
    scope = request_scope(request)
    students = visible_student_ids(principal)
    if students is None:  # staff: their school's rows, which the scope already is
        return {"scope": scope}
    if principal is not None and principal.user_type == "TEACHER":
        return {"scope": scope, "student_ids": students, "section_ids": visible_section_ids(principal)}
    return {"scope": scope, "student_ids": students}


class ForeignFiltersAre404:
    """A list filter naming another school's section, student or period answers 404, like an unknown
    id (bad values are still the filter's 400). Mixed into the list views."""

    SCOPED_FILTERS = (("sectionId", "section"), ("studentId", "student"), ("periodId", "period"))

    def filter_queryset(self, queryset):
        filtered = super().filter_queryset(queryset)  # an invalid value is a 400 here
        cleaned = self.filterset_class(self.request.query_params, queryset=queryset, request=self.request)
        values = cleaned.form.cleaned_data if cleaned.is_valid() else {}
        scope = request_scope(self.request)
        for name, kind in self.SCOPED_FILTERS:
            value = values.get(name)
            if value is None:
                continue
            if kind == "section":
                selectors.section_in_scope(scope=scope, section_id=int(value))
            elif kind == "student":
                selectors.student_in_scope(scope=scope, student_id=int(value))
            else:
                selectors.period_in_scope(scope=scope, period_id=int(value))
        return filtered


def _may_read_section(request: Request, section_id: int) -> bool:
    principal = principal_of(request.user)
    return can_read_section(principal, section_id) or can_act_on_section(principal, section_id)


class MarkPresentView(APIView):
    permission_classes = [requires("attendance.mark")]

    @extend_schema(
        summary="Mark a section's attendance for a day (everyone not listed is PRESENT)",
        description="All or nothing: a student who is not on the section's roster that day, a bad status, a future "
                    "date or a non-school day answers 400 with per-row errors and saves nothing. Marking the same "
                    "day (and session) again updates the records in place. Teachers mark only their sections.",
        request=MarkPresentSerializer, responses={200: MarkingResultSerializer},
        examples=[
            OpenApiExample("Two exceptions", request_only=True, value={
                "sectionId": 12, "date": "2026-04-14", "sessionNumber": None,
                "exceptions": [{"studentId": 101, "status": "ABSENT"},
                               {"studentId": 102, "status": "LATE", "arrivalTime": "08:17", "note": "Bus"}]}),
            OpenApiExample("Marked", response_only=True, status_codes=["200"], value={
                "sectionId": 12, "date": "2026-04-14", "sessionNumber": None, "total": 30, "present": 28,
                "absent": 1, "late": 1, "excused": 0, "isUpdate": False, "alerts": []}),
            ERROR_EXAMPLE,
        ],
    )
    def post(self, request: Request) -> Response:
        body = MarkPresentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        scope = request_scope(request)
        selectors.section_in_scope(scope=scope, section_id=data["sectionId"])  # another school's: 404
        if not can_act_on_section(principal_of(request.user), data["sectionId"]):
            raise PermissionDenied(_("You can only mark attendance for your own sections."), code="not_your_section")
        rows, errors = [], []
        for index, raw in enumerate(data["exceptions"]):
            row = ExceptionRowSerializer(data=raw)
            if row.is_valid():
                rows.append(services.ExceptionRow(student_id=row.validated_data["studentId"],
                                                  status=row.validated_data["status"],
                                                  arrival_time=row.validated_data["arrivalTime"],
                                                  note=row.validated_data["note"]))
            else:
                errors.append({"index": index, "studentId": raw.get("studentId"),
                               "errors": {k: [str(m) for m in v] for k, v in row.errors.items()}})
        if errors:
            raise ValidationFailed(_("The attendance was not saved: fix the listed rows."), code="invalid_attendance",
                                   fields={"exceptions": [f"Row {e['index']}: " + "; ".join(
                                       m for ms in e["errors"].values() for m in ms) for e in errors]},
                                   details={"rows": errors})
        result = services.attendance_mark_section(scope=scope, section_id=data["sectionId"], day=data["date"],
                                                  session_number=data["sessionNumber"], exceptions=rows,
                                                  marked_by_id=request.user.pk)
        return Response(MarkingResultSerializer(result).data, status=status.HTTP_200_OK)


class SectionDayView(APIView):
    permission_classes = [requires("attendance.read")]

    @extend_schema(
        summary="A section's attendance sheet for a day",
        parameters=[OpenApiParameter("sessionNumber", OpenApiTypes.INT, required=False,
                                     description="Class session; omit for daily attendance.")],
        responses={200: SheetSerializer},
        examples=[OpenApiExample("Sheet", response_only=True, value={
            "sectionId": 12, "sectionCode": "SEC-2026-5A", "date": "2026-04-14", "sessionNumber": None,
            "marked": True, "counts": {"PRESENT": 1, "ABSENT": 1, "LATE": 0, "EXCUSED": 0, "UNMARKED": 0},
            "students": [{"studentId": 101, "studentCode": "USR-2026-000101", "studentName": "Ana Quispe",
                          "onRoster": True, "attendanceId": 5012, "status": "ABSENT", "arrivalTime": None, "note": "",
                          "markedBy": 7, "updatedAt": "2026-04-14T13:05:00Z"}]})],
    )
    def get(self, request: Request, section_id: int, day: str) -> Response:
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            raise ValidationFailed(fields={"date": [_("Use a date as YYYY-MM-DD.")]}) from None
        session = _int_query_param(request, "sessionNumber", max_value=MAX_SMALLINT,
                                   message=_("A session number is a positive integer."))
        scope = request_scope(request)
        selectors.section_in_scope(scope=scope, section_id=section_id)  # another school's: 404
        if not _may_read_section(request, section_id):
            raise NotFound(_("Section not found."), code="section_not_found")
        sheet = selectors.section_day_sheet(scope=scope, section_id=section_id, day=parsed,
                                            session_number=session)
        return Response(SheetSerializer(sheet).data)


class StudentSummaryView(APIView):
    permission_classes = [requires("attendance.read")]

    @extend_schema(
        summary="A student's attendance summary: counts and rates per period, absence streaks",
        parameters=[OpenApiParameter("periodId", OpenApiTypes.INT, required=False,
                                     description="One period; default: every period of the current school year.")],
        responses={200: SummarySerializer},
        examples=[OpenApiExample("Summary", response_only=True, value={
            "studentId": 101, "periods": [{
                "periodId": 3, "name": "I Bimestre", "number": 1, "startDate": "2026-03-09",
                "endDate": "2026-05-08", "schoolDays": 20, "present": 16, "absent": 2, "late": 1, "excused": 1,
                "attendanceRate": "85.0", "absenceRate": "10.0"}],
            "total": {"schoolDays": 20, "present": 16, "absent": 2, "late": 1, "excused": 1,
                      "attendanceRate": "85.0", "absenceRate": "10.0"},
            "currentAbsenceStreak": 0, "longestAbsenceStreak": 2})],
    )
    def get(self, request: Request, student_id: int) -> Response:
        if not can_read_student(principal_of(request.user), student_id):
            raise NotFound(_("Student not found."), code="student_not_found")
        period = _int_query_param(request, "periodId", max_value=MAX_BIGINT,
                                  message=_("A period id is a positive integer."))
        summary = selectors.student_summary(scope=request_scope(request), student_id=student_id, period_id=period)
        return Response(SummarySerializer(summary).data)


@extend_schema(
    summary="Attendance records the caller may see (filters: studentId, sectionId, status, date range)",
    examples=[OpenApiExample("Record", response_only=True, value={
        "count": 1, "next": None, "previous": None, "results": [{
            "id": 5012, "studentId": 101, "sectionId": 12, "enrollmentId": 44, "date": "2026-04-14",
            "sessionNumber": None, "status": "LATE", "arrivalTime": "08:17:00", "note": "Bus", "markedBy": 7,
            "markedAt": "2026-04-14T13:05:00Z", "updatedAt": "2026-04-14T13:05:00Z"}]})],
)
class RecordListView(ForeignFiltersAre404, generics.ListAPIView):
    permission_classes = [requires("attendance.read")]
    serializer_class = RecordSerializer
    filterset_class = RecordFilter
    ordering_fields = ["date", "student_id", "section_id"]

    def get_queryset(self):
        return selectors.records_list(**_visible(self.request))


class JustificationListCreateView(ForeignFiltersAre404, generics.ListAPIView):
    permission_classes = [requires("attendance.read")]
    serializer_class = JustificationSerializer
    filterset_class = JustificationFilter

    def get_permissions(self):
        if self.request.method == "POST":
            return [requires("attendance.justify.submit")()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.justifications_list(**_visible(self.request))

    @extend_schema(
        summary="Justifications the caller may see (guardians: their children's; staff: all)",
        examples=[OpenApiExample("List", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [{
                "id": 3, "studentId": 101, "sectionId": 12, "guardianId": 55, "startDate": "2026-04-13",
                "endDate": "2026-04-14", "reason": "Fiebre", "attachmentReference": "https://docs.example/cert.pdf",
                "status": "PENDING", "reviewedBy": None, "reviewedAt": None, "reviewNote": "", "excusedRecords": 0,
                "createdAt": "2026-04-15T12:00:00Z"}]})],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="A guardian justifies their child's absences",
        request=JustificationCreateSerializer, responses={201: JustificationSerializer},
        examples=[OpenApiExample("Medical certificate", request_only=True, value={
            "studentId": 101, "startDate": "2026-04-13", "endDate": "2026-04-14", "reason": "Fiebre alta",
            "attachmentReference": "https://docs.example/cert.pdf"})],
    )
    def post(self, request: Request) -> Response:
        body = JustificationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        justification = services.justification_submit(
            scope=request_scope(request), guardian_id=request.user.pk, student_id=data["studentId"], start_date=data["startDate"],
            end_date=data["endDate"], reason=data["reason"], attachment_reference=data["attachmentReference"])
        return Response(JustificationSerializer(justification).data, status=status.HTTP_201_CREATED)


class JustificationDetailView(APIView):
    permission_classes = [requires("attendance.read")]

    @extend_schema(summary="One justification", responses={200: JustificationSerializer},
                   examples=[OpenApiExample("Approved", response_only=True, value={
                       "id": 3, "studentId": 101, "sectionId": 12, "guardianId": 55, "startDate": "2026-04-13",
                       "endDate": "2026-04-14", "reason": "Fiebre", "attachmentReference": "", "status": "APPROVED",
                       "reviewedBy": 7, "reviewedAt": "2026-04-15T14:00:00Z", "reviewNote": "OK",
                       "excusedRecords": 2, "createdAt": "2026-04-15T12:00:00Z"})])
    def get(self, request: Request, pk: int) -> Response:
        justification = selectors.justifications_list(**_visible(request)).filter(pk=pk).first()
        if justification is None:
            raise NotFound(_("Justification not found."), code="justification_not_found")
        return Response(JustificationSerializer(justification).data)


def _review_note(request: Request) -> str:
    body = ReviewSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data["note"]


class JustificationApproveView(APIView):
    permission_classes = [requires("attendance.justify.review")]

    @extend_schema(summary="Approve a justification: its ABSENT records become EXCUSED",
                   request=ReviewSerializer, responses={200: JustificationSerializer},
                   examples=[OpenApiExample("Approve", request_only=True, value={"note": "Certificado válido"})])
    def post(self, request: Request, pk: int) -> Response:
        justification = services.justification_approve(scope=request_scope(request), justification_id=pk,
                                                       reviewer_id=request.user.pk,
                                                       note=_review_note(request))
        return Response(JustificationSerializer(justification).data)


class JustificationRejectView(APIView):
    permission_classes = [requires("attendance.justify.review")]

    @extend_schema(summary="Reject a justification (a note for the family is required)",
                   request=ReviewSerializer, responses={200: JustificationSerializer},
                   examples=[OpenApiExample("Reject", request_only=True,
                                            value={"note": "El certificado no corresponde a las fechas"})])
    def post(self, request: Request, pk: int) -> Response:
        justification = services.justification_reject(scope=request_scope(request), justification_id=pk,
                                                      reviewer_id=request.user.pk,
                                                      note=_review_note(request))
        return Response(JustificationSerializer(justification).data)


@extend_schema(
    summary="Attendance pattern alerts the caller may see",
    examples=[OpenApiExample("Alert", response_only=True, value={
        "count": 1, "next": None, "previous": None, "results": [{
            "id": 1, "studentId": 101, "sectionId": 12, "periodId": 3, "pattern": "CONSECUTIVE_ABSENCES",
            "occurrenceKey": "2026-04-13", "value": "3", "threshold": "3", "triggeredOn": "2026-04-15",
            "createdAt": "2026-04-15T13:05:00Z"}]})],
)
class AlertListView(ForeignFiltersAre404, generics.ListAPIView):
    permission_classes = [requires("attendance.read")]
    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return selectors.alerts_list(**_visible(self.request))
