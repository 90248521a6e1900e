"""The grades resource API (/api/v1/grades/). Thin: parse, authorize, call a service or selector, serialize.

Every selector and service gets the caller's scope (`request_scope(request)`): another school's
plan, component, entry, section, period or student answers 404 exactly like an unknown id."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.auth.contracts import can_read_student, principal_of, request_scope, requires, visible_section_ids
from apps.grades import reports, selectors, services
from apps.grades import serializers as s
from common.api import Pagination
from common.errors import NotFound, ValidationFailed
from common.openapi import paginated

TAGS = ["grades"]
ERROR_EXAMPLE = OpenApiExample("Period closed", status_codes=["409"], response_only=True, value={
    "error": {"code": "period_closed", "message": "The period is closed.", "details": {"periodId": 3}}})


def _readable_student(request, student_id: int) -> None:
    if not can_read_student(principal_of(request.user), student_id):
        raise NotFound(_("Student not found."), code="not_found")


def _family_sections(request):
    """Guardians and students see only the plans of their (children's) sections: those section ids;
    None for everyone else (staff and teachers see their school's plans)."""
    principal = principal_of(request.user)
    if principal is not None and principal.user_type in {"PARENT", "STUDENT"} and not principal.is_superuser:
        return visible_section_ids(principal) or frozenset()
    return None


def _readable_entry(request, entry_id: int):
    entry = selectors.grade_entry(scope=request_scope(request), entry_id=entry_id)
    if entry is None or not can_read_student(principal_of(request.user), entry.record.student_id):
        raise NotFound(_("Grade not found."), code="grade_not_found")
    return entry


def _average_payload(result) -> dict:
    data = asdict(result)
    data["breakdown"] = [asdict(row) for row in result.breakdown]
    return data


class CalculateAverageView(APIView):
    permission_classes = [requires("grades.read")]

    @extend_schema(
        tags=TAGS, summary="Calculate a student's weighted period average for a course",
        description="Weighted mean of the components with a grade, rounded by the scale's rule (half-up to an "
                    "integer on 0–20 and 0–100; AD/A/B/C by thresholds on AD=4..C=1). Stores it, emits "
                    "`period.average.calculated`, and `student.performance.alert` (once per reason) when the average "
                    "is below the pass mark or dropped by the institution's threshold from the previous period.",
        request=s.CalculateAverageRequest, responses={200: s.CalculateAverageResponse, 404: OpenApiResponse(),
                                                      422: OpenApiResponse(description="no_grades")},
        examples=[
            OpenApiExample("Request", request_only=True, value={"studentId": 41, "courseId": 7, "periodId": 3}),
            OpenApiExample("Response", response_only=True, value={
                "studentId": 41, "courseId": 7, "periodId": 3, "average": "14", "rawAverage": "14.3000",
                "scale": "VIGESIMAL", "passMark": "11", "passed": True, "complete": True, "coveredWeight": "100.00",
                "alerts": [], "breakdown": [
                    {"componentId": 1, "name": "Examen", "kind": "EXAM", "weight": "40.00", "value": "15",
                     "points": "15.00", "contribution": "6.0000"},
                    {"componentId": 2, "name": "Tareas", "kind": "ASSIGNMENT", "weight": "60.00", "value": "13.5",
                     "points": "13.50", "contribution": "8.1000"}]}),
        ],
    )
    def post(self, request):
        body = s.CalculateAverageRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        _readable_student(request, data["studentId"])
        outcome = services.period_average_calculate(
            scope=request_scope(request), actor=principal_of(request.user), student_id=data["studentId"],
            course_id=data["courseId"], period_id=data["periodId"])
        payload = _average_payload(outcome.result) | {
            "studentId": data["studentId"], "courseId": data["courseId"], "periodId": data["periodId"],
            "alerts": list(outcome.alerts)}
        return Response(s.CalculateAverageResponse(payload).data)


REPORT_EXAMPLE = {
    "studentId": 41, "periodId": 3, "periodName": "I Bimestre", "periodClosed": False, "scale": "VIGESIMAL",
    "passMark": "11", "courses": [{
        "courseId": 7, "courseCode": "MAT-5", "courseName": "Matemática", "sectionId": 2, "planId": 5,
        "components": [{"componentId": 1, "name": "Examen", "kind": "EXAM", "weight": "40.00", "entryId": 90,
                        "value": "15"}],
        "average": {"average": "15", "rawAverage": "15.0000", "scale": "VIGESIMAL", "passMark": "11", "passed": True,
                    "complete": False, "coveredWeight": "40.00", "breakdown": []},
        "competencies": [{"competency": "Resuelve problemas de cantidad", "level": "A"}]}],
}


class StudentPeriodReportView(APIView):
    permission_classes = [requires("grades.read")]

    @extend_schema(tags=TAGS, summary="A student's grades for a period (every course, components, averages)",
                   responses={200: s.StudentPeriodReportResponse, 404: OpenApiResponse()},
                   examples=[OpenApiExample("Report", response_only=True, value=REPORT_EXAMPLE)])
    def get(self, request, student_id: int, period_id: int):
        _readable_student(request, student_id)
        report = selectors.student_period_report(scope=request_scope(request), student_id=student_id,
                                                 period_id=period_id)
        if report is None:
            raise NotFound(_("Period not found."), code="period_not_found")
        return Response(s.StudentPeriodReportResponse(report).data)


class ReportCardView(APIView):
    permission_classes = [requires("grades.read")]

    @extend_schema(tags=TAGS, summary="Printable report card (HTML) of a student for a period",
                   description="Add `?download=1` to receive it as an attachment.",
                   parameters=[OpenApiParameter("download", OpenApiTypes.BOOL, required=False)],
                   responses={(200, "text/html"): OpenApiTypes.STR, 404: OpenApiResponse()},
                   examples=[OpenApiExample("Report card", response_only=True, media_type="text/html",
                                            value="<!DOCTYPE html><html lang=\"es\">…</html>")])
    def get(self, request, student_id: int, period_id: int):
        _readable_student(request, student_id)
        context = reports.report_card_context(scope=request_scope(request), student_id=student_id,
                                              period_id=period_id)
        if context is None:
            raise NotFound(_("Period not found."), code="period_not_found")
        html = render_to_string("grades/report_card.html", context, request=request)
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        disposition = "attachment" if request.query_params.get("download") in {"1", "true"} else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="report-card-{student_id}-{period_id}.html"'
        return response


class EntryCreateView(APIView):
    permission_classes = [requires("grades.record")]

    @extend_schema(tags=TAGS, summary="Record one student's grade for one component",
                   description="The value must fit the section's scale (0–20, 0–100 or AD/A/B/C). A grade that "
                               "exists already is changed with PATCH (a reason is required).",
                   request=s.EntryCreateRequest, responses={201: s.EntryResponse, 400: OpenApiResponse(),
                                                            403: OpenApiResponse(), 409: OpenApiResponse()},
                   examples=[OpenApiExample("Request", request_only=True,
                                            value={"studentId": 41, "componentId": 1, "value": "15.5"}),
                             ERROR_EXAMPLE])
    def post(self, request):
        body = s.EntryCreateRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        entry = services.grade_record(scope=request_scope(request), actor=principal_of(request.user),
                                      student_id=data["studentId"],
                                      component_id=data["componentId"], value=data["value"])
        return Response(s.EntryResponse(entry).data, status=status.HTTP_201_CREATED)


class EntryBulkView(APIView):
    permission_classes = [requires("grades.record")]

    @extend_schema(
        tags=TAGS, summary="Record a whole section's grades for one component (all or nothing)",
        description="Any invalid row refuses the whole request (400, code `invalid_rows`) with "
                    "`details.rows = [{row, studentId, errors}]`; nothing is saved. Changing an existing grade "
                    "requires `reason`.",
        request=s.BulkRequest, responses={201: s.BulkResponse, 400: OpenApiResponse(), 403: OpenApiResponse(),
                                          409: OpenApiResponse()},
        examples=[
            OpenApiExample("Request", request_only=True, value={
                "componentId": 1, "sectionId": 2, "grades": [{"studentId": 41, "value": 15}, {"studentId": 42,
                                                                                             "value": "12.5"}]}),
            OpenApiExample("A bad row", status_codes=["400"], response_only=True, value={"error": {
                "code": "invalid_rows", "message": "Some rows are invalid; nothing was saved.",
                "details": {"rows": [{"row": 1, "studentId": 42, "errors": ["Must be between 0 and 20."]}]}}}),
        ],
    )
    def post(self, request):
        body = s.BulkRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        rows = [services.BulkRow(student_id=row.get("studentId"), value=row.get("value")) for row in data["grades"]]
        result = services.grades_record_bulk(scope=request_scope(request), actor=principal_of(request.user),
                                             component_id=data["componentId"], section_id=data["sectionId"],
                                             rows=rows, reason=data["reason"])
        return Response(s.BulkResponse(result).data, status=status.HTTP_201_CREATED)


class EntryDetailView(APIView):
    permission_classes = [requires("grades.read")]

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [requires("grades.record")()]
        return super().get_permissions()

    @extend_schema(tags=TAGS, summary="One grade", responses={200: s.EntryResponse, 404: OpenApiResponse()},
                   examples=[OpenApiExample("Grade", response_only=True, value={
                       "id": 90, "studentId": 41, "sectionId": 2, "courseId": 7, "periodId": 3, "componentId": 1,
                       "value": "15", "recordedBy": 5, "recordedAt": "2026-04-10T15:00:00Z",
                       "updatedAt": "2026-04-10T15:00:00Z"})])
    def get(self, request, entry_id: int):
        return Response(s.EntryResponse(_readable_entry(request, entry_id)).data)

    @extend_schema(tags=TAGS, summary="Change a grade (a reason is required; the history keeps the old value)",
                   request=s.EntryUpdateRequest, responses={200: s.EntryResponse, 400: OpenApiResponse(),
                                                            403: OpenApiResponse(), 404: OpenApiResponse(),
                                                            409: OpenApiResponse()},
                   examples=[OpenApiExample("Request", request_only=True,
                                            value={"value": "16", "reason": "Recalificación del examen"}),
                             ERROR_EXAMPLE])
    def patch(self, request, entry_id: int):
        _readable_entry(request, entry_id)
        body = s.EntryUpdateRequest(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.grade_update(scope=request_scope(request), actor=principal_of(request.user),
                                      entry_id=entry_id,
                                      value=body.validated_data["value"], reason=body.validated_data["reason"])
        return Response(s.EntryResponse(entry).data)


class EntryHistoryView(APIView):
    permission_classes = [requires("grades.read")]

    @extend_schema(tags=TAGS, summary="History of a grade (who, when, old, new, reason)",
                   responses={200: s.HistoryResponse(many=True), 404: OpenApiResponse()},
                   examples=[OpenApiExample("History", response_only=True, value=[
                       {"id": 1, "action": "RECORDED", "oldValue": "", "newValue": "12", "reason": "", "changedBy": 5,
                        "changedAt": "2026-04-10T15:00:00Z"},
                       {"id": 2, "action": "UPDATED", "oldValue": "12", "newValue": "14", "reason": "Error de tipeo",
                        "changedBy": 5, "changedAt": "2026-04-11T09:00:00Z"}])])
    def get(self, request, entry_id: int):
        _readable_entry(request, entry_id)
        return Response(s.HistoryResponse(selectors.entry_history(scope=request_scope(request), entry_id=entry_id),
                                          many=True).data)


PLAN_EXAMPLE = {"id": 5, "name": "Matemática — I Bimestre", "courseId": 7, "periodId": 3, "sectionId": None,
                "components": [{"id": 1, "name": "Examen", "kind": "EXAM", "weight": "40.00", "position": 0},
                               {"id": 2, "name": "Tareas", "kind": "ASSIGNMENT", "weight": "60.00", "position": 1}]}


def _components(data) -> list[services.ComponentInput]:
    return [services.ComponentInput(name=c["name"], kind=c["kind"], weight=c["weight"], id=c.get("id")) for c in data]


class PlanListView(APIView):
    permission_classes = [requires("grades.read")]

    def get_permissions(self):
        if self.request.method == "POST":
            return [requires("grades.record")()]
        return super().get_permissions()

    @extend_schema(tags=TAGS, summary="Evaluation plans", operation_id="grades_evaluation_plans_list",
                   parameters=[OpenApiParameter("courseId", int), OpenApiParameter("periodId", int),
                               OpenApiParameter("sectionId", int, description="The section's plans and the "
                                                "course-wide ones"),
                               OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses={200: paginated(s.PlanResponse), 404: OpenApiResponse(description="a filter names "
                                                                                      "an unknown course, period or "
                                                                                      "section")},
                   examples=[OpenApiExample("Page", response_only=True, value={
                       "count": 1, "next": None, "previous": None, "results": [PLAN_EXAMPLE]})])
    def get(self, request):
        filters = {}
        for param, key in (("courseId", "course_id"), ("periodId", "period_id"), ("sectionId", "section_id")):
            raw = request.query_params.get(param)
            if raw:
                if not raw.isdigit():
                    raise ValidationFailed(_("Invalid input."), fields={param: [_("A valid integer is required.")]})
                filters[key] = int(raw)
        scope = request_scope(request)
        # A filter naming another school's course, period or section is a 404, like an unknown one.
        if "course_id" in filters:
            selectors.course_in_scope(scope=scope, course_id=filters["course_id"])
        if "period_id" in filters:
            selectors.period_in_scope(scope=scope, period_id=filters["period_id"])
        if "section_id" in filters:
            selectors.section_in_scope(scope=scope, section_id=filters["section_id"])
        paginator = Pagination()
        plans = selectors.evaluation_plans(scope=scope, family_section_ids=_family_sections(request), **filters)
        page = paginator.paginate_queryset(plans, request, view=self)
        return paginator.get_paginated_response(s.PlanResponse(page, many=True).data)

    @extend_schema(tags=TAGS, summary="Create an evaluation plan (weights must add up to 100)",
                   description="`sectionId` null: the plan applies to every section of the course (grades.manage); "
                               "a teacher may create their own section's plan. Weights not adding up to 100 → 422.",
                   request=s.PlanCreateRequest, responses={201: s.PlanResponse, 400: OpenApiResponse(),
                                                           403: OpenApiResponse(), 409: OpenApiResponse(),
                                                           422: OpenApiResponse()},
                   examples=[OpenApiExample("Request", request_only=True, value={
                       "courseId": 7, "periodId": 3, "sectionId": None, "name": "Matemática — I Bimestre",
                       "components": [{"name": "Examen", "kind": "EXAM", "weight": "40"},
                                      {"name": "Tareas", "kind": "ASSIGNMENT", "weight": "60"}]})])
    def post(self, request):
        body = s.PlanCreateRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        scope = request_scope(request)
        plan = services.evaluation_plan_create(
            scope=scope, actor=principal_of(request.user), course_id=data["courseId"], period_id=data["periodId"],
            section_id=data["sectionId"], name=data["name"], components=_components(data["components"]))
        return Response(s.PlanResponse(selectors.evaluation_plan(scope=scope, plan_id=plan.pk)).data,
                        status=status.HTTP_201_CREATED)


class PlanDetailView(APIView):
    permission_classes = [requires("grades.read")]

    def get_permissions(self):
        if self.request.method in {"PATCH", "DELETE"}:
            return [requires("grades.record")()]
        return super().get_permissions()

    @extend_schema(tags=TAGS, summary="One evaluation plan", responses={200: s.PlanResponse, 404: OpenApiResponse()},
                   examples=[OpenApiExample("Plan", response_only=True, value=PLAN_EXAMPLE)])
    def get(self, request, plan_id: int):
        plan = selectors.evaluation_plan(scope=request_scope(request), plan_id=plan_id,
                                         family_section_ids=_family_sections(request))
        if plan is None:
            raise NotFound(_("Evaluation plan not found."), code="plan_not_found")
        return Response(s.PlanResponse(plan).data)

    @extend_schema(tags=TAGS, summary="Rename or replace the components of an evaluation plan",
                   description="Send every component; keep `id` for those that stay (their grades stay). A component "
                               "left out is deleted (409 if it has grades).",
                   request=s.PlanUpdateRequest, responses={200: s.PlanResponse, 400: OpenApiResponse(),
                                                           403: OpenApiResponse(), 404: OpenApiResponse(),
                                                           409: OpenApiResponse(), 422: OpenApiResponse()},
                   examples=[OpenApiExample("Request", request_only=True, value={"components": [
                       {"id": 1, "name": "Examen", "kind": "EXAM", "weight": "50"},
                       {"id": 2, "name": "Tareas", "kind": "ASSIGNMENT", "weight": "50"}]})])
    def patch(self, request, plan_id: int):
        body = s.PlanUpdateRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        components = _components(data["components"]) if "components" in data else None
        scope = request_scope(request)
        services.evaluation_plan_update(scope=scope, actor=principal_of(request.user), plan_id=plan_id,
                                        name=data.get("name"), components=components)
        return Response(s.PlanResponse(selectors.evaluation_plan(scope=scope, plan_id=plan_id)).data)

    @extend_schema(tags=TAGS, summary="Delete an evaluation plan without grades",
                   responses={204: None, 403: OpenApiResponse(), 404: OpenApiResponse(), 409: OpenApiResponse()},
                   examples=[OpenApiExample("Has grades", status_codes=["409"], response_only=True, value={
                       "error": {"code": "plan_has_grades", "message": "The plan already has grades.",
                                 "details": {}}})])
    def delete(self, request, plan_id: int):
        services.evaluation_plan_delete(scope=request_scope(request), actor=principal_of(request.user),
                                        plan_id=plan_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PeriodCloseView(APIView):
    permission_classes = [requires("grades.manage")]

    @extend_schema(tags=TAGS, summary="Close a period: its grades are frozen (institution-wide)",
                   request=s.PeriodCloseRequest, responses={200: s.PeriodClosureResponse, 403: OpenApiResponse(),
                                                            404: OpenApiResponse(), 409: OpenApiResponse()},
                   examples=[OpenApiExample("Request", request_only=True, value={"note": "Cierre del I Bimestre"}),
                             OpenApiExample("Closed", response_only=True, value={
                                 "periodId": 3, "closed": True, "closedAt": "2026-05-15T18:00:00Z", "closedBy": 2,
                                 "note": "Cierre del I Bimestre"})])
    def post(self, request, period_id: int):
        body = s.PeriodCloseRequest(data=request.data)
        body.is_valid(raise_exception=True)
        closure = services.period_close(scope=request_scope(request), actor=principal_of(request.user),
                                        period_id=period_id,
                                        note=body.validated_data["note"])
        return Response(s.PeriodClosureResponse(closure).data)


class PeriodReopenView(APIView):
    permission_classes = [requires("grades.period.reopen")]

    @extend_schema(tags=TAGS, summary="Reopen a closed period (director only, reason required, audited)",
                   request=s.PeriodReopenRequest, responses={200: s.PeriodReopeningResponse, 400: OpenApiResponse(),
                                                             403: OpenApiResponse(), 404: OpenApiResponse(),
                                                             409: OpenApiResponse()},
                   examples=[OpenApiExample("Request", request_only=True,
                                            value={"reason": "Corrección de notas de recuperación"}),
                             OpenApiExample("Reopened", response_only=True, value={
                                 "periodId": 3, "closed": False, "reopenedBy": 2,
                                 "reopenedAt": "2026-05-20T09:00:00Z", "reason": "Corrección de notas de recuperación"})])
    def post(self, request, period_id: int):
        body = s.PeriodReopenRequest(data=request.data)
        body.is_valid(raise_exception=True)
        reopening = services.period_reopen(scope=request_scope(request), actor=principal_of(request.user),
                                           period_id=period_id,
                                           reason=body.validated_data["reason"])
        return Response(s.PeriodReopeningResponse(reopening).data)


class CompetencyEvaluationView(APIView):
    permission_classes = [requires("grades.record")]

    @extend_schema(tags=TAGS, summary="Evaluate a competency of a course (AD/A/B/C)",
                   description="Creates or replaces the level; emits `competency.evaluated`.",
                   request=s.CompetencyEvaluationRequest,
                   responses={200: s.CompetencyEvaluationResponse, 400: OpenApiResponse(), 403: OpenApiResponse(),
                              409: OpenApiResponse(), 422: OpenApiResponse()},
                   examples=[OpenApiExample("Request", request_only=True, value={
                       "studentId": 41, "courseId": 7, "periodId": 3, "competency": "Resuelve problemas de cantidad",
                       "level": "A", "comment": ""})])
    def post(self, request):
        body = s.CompetencyEvaluationRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        evaluation = services.competency_evaluate(
            scope=request_scope(request), actor=principal_of(request.user), student_id=data["studentId"],
            course_id=data["courseId"], period_id=data["periodId"], competency=data["competency"], level=data["level"],
            comment=data["comment"])
        return Response(s.CompetencyEvaluationResponse(evaluation).data)
