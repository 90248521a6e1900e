"""Assignments API: /api/v1/assignments/... (thin views: authorize, call a selector or service, serialize).

Who may do what:
- writes (assign, remove, book and delete blocks): `assignments.manage` (academic management staff);
- reads: `assignments.read`; a teacher sees only their own assignments, blocks, timetable and
  workload (anyone else's answers 404); section views are open to a teacher of that section;
- a section's timetable is also readable by its students and their guardians (and anyone whose
  `visible_section_ids` includes it).

Tenancy: every view hands `request_scope(request)` to the selectors and services, so a school's
caller reaches only their school's rows; another school's assignment, block, section or teacher id
(in the path, the query or the body) is a 404 exactly like an unknown id.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.academic import contracts as academic
from apps.assignments import selectors, services
from apps.assignments.serializers import (
    AssignmentCreateSerializer,
    AssignmentRemoveSerializer,
    AssignmentSerializer,
    ScheduleBlockCreateSerializer,
    ScheduleBlockSerializer,
    SectionTeachersSerializer,
    TeacherCoursesSerializer,
    TimetableSerializer,
    WorkloadSerializer,
)
from apps.auth.contracts import (
    Principal,
    has_permission,
    principal_of,
    request_scope,
    requires,
    visible_section_ids,
)
from apps.users import contracts as users
from common.api import error_body
from common.errors import NotFound, ValidationFailed
from common.filters import MAX_BIGINT
from common.tenancy import SYSTEM, Scope

READ = requires("assignments.read")
MANAGE = requires("assignments.manage")

YEAR_PARAM = OpenApiParameter("academic_year_id", int, description=str(_("Academic year id.")))
ERROR_404 = OpenApiResponse(description=str(_("Not found, or not visible to the caller.")))
ERROR_403 = OpenApiResponse(description=str(_("The caller's role may not do this.")))

ASSIGNMENT_EXAMPLE = {
    "id": 7, "teacher_id": 31, "teacher_name": "Rosa Quispe Mamani", "teacher_code": "USR-2026-000031",
    "course_id": 12, "section_id": 4, "section_code": "SEC-2026-5A", "section_active_students": 28,
    "academic_year_id": 2, "institution_id": 1, "is_active": True, "assigned_at": "2026-02-20T09:00:00-05:00",
    "removed_at": None, "removal_reason": "",
}
BLOCK_EXAMPLE = {
    "id": 55, "assignment_id": 7, "teacher_id": 31, "section_id": 4, "course_id": 12, "academic_year_id": 2,
    "room": "Aula 201", "day_of_week": 1, "day_name": "Lunes", "start_time": "08:00", "end_time": "09:30",
    "duration_minutes": 90, "created_at": "2026-02-21T10:00:00-05:00",
}
CONFLICT_EXAMPLE = error_body("schedule_conflict",
                              "The block overlaps another block of the same teacher, room or section.",
                              {"conflicts": [{
                                  "block_id": 55, "kinds": ["teacher", "room"], "assignment_id": 7, "teacher_id": 31,
                                  "section_id": 4, "course_id": 12, "room": "Aula 201", "day_of_week": 1,
                                  "start_time": "08:00", "end_time": "09:30"}]})
WORKLOAD_EXCEEDED_EXAMPLE = error_body("workload_exceeded",
                                       "This block would take the teacher over the maximum weekly hours.",
                                       {"teacher_id": 31, "academic_year_id": 2, "weekly_hours": "31.50",
                                        "max_weekly_hours": "30"})
TIMETABLE_EXAMPLE = {
    "owner": "section", "owner_id": 4, "academic_year_id": 2, "slots": ["08:00–09:30"],
    "days": [{"day_of_week": 1, "day_name": "Lunes", "blocks": [{
        "block_id": 55, "assignment_id": 7, "start_time": "08:00", "end_time": "09:30", "room": "Aula 201",
        "teacher_id": 31, "teacher_name": "Rosa Quispe Mamani", "section_id": 4, "section_code": "SEC-2026-5A",
        "course_id": 12, "course_name": "Matemática"}]},
        {"day_of_week": 2, "day_name": "Martes", "blocks": []}],
}


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not 1 <= value <= MAX_BIGINT:
        raise ValidationFailed(fields={name: [str(_("A whole number is required."))]})
    return value


def _own_teacher_scope(principal: Principal) -> int | None:
    """A teacher reads only their own records: their id; everyone else with assignments.read: None."""
    if principal.user_type == "TEACHER" and not principal.is_superuser:
        return principal.user_id
    return None


def _require_teacher_visible(request: Request, teacher_id: int) -> Scope:
    """404 unless the caller may read this teacher's records: a teacher only their own, anyone else a
    teacher of a school their scope reaches. Returns the scope."""
    own = _own_teacher_scope(principal_of(request.user))
    if own is not None and own != teacher_id:
        raise NotFound(_("Teacher not found."), code="teacher_not_found")
    scope = request_scope(request)
    selectors.teacher_in_scope(scope=scope, teacher_id=teacher_id)
    return scope


def _list_filters(request: Request, scope: Scope, keys: tuple[str, ...]) -> dict:
    """The query-string filters; a section or teacher the scope does not reach is a 404 (like an unknown one)."""
    filters = {key: _int_param(request, key) for key in keys}
    if filters.get("section_id") is not None:
        selectors.section_in_scope(scope=scope, section_id=filters["section_id"])
    if filters.get("teacher_id") is not None:
        selectors.teacher_in_scope(scope=scope, teacher_id=filters["teacher_id"])
    return filters


def _page_context(objects) -> dict:
    """Names for one page: one call per context, whatever the page size."""
    return {
        "teachers": users.get_users(scope=SYSTEM, user_ids={o.teacher_id for o in objects}),
        "sections": academic.get_sections(scope=SYSTEM, section_ids={o.section_id for o in objects}),
        "headcounts": selectors.headcounts(section_ids={o.section_id for o in objects}),
    }


# --- assignments ------------------------------------------------------------------------------------


class AssignmentListCreateView(ListAPIView):
    serializer_class = AssignmentSerializer
    filter_backends: list = []

    def get_permissions(self):
        return [MANAGE()] if self.request.method == "POST" else [READ()]

    def get_queryset(self):
        principal = principal_of(self.request.user)
        scope = request_scope(self.request)
        include_removed = self.request.query_params.get("include_removed") in ("1", "true", "yes")
        return selectors.assignment_list(
            scope=scope,
            filters=_list_filters(self.request, scope, ("academic_year_id", "section_id", "teacher_id", "course_id")),
            teacher_id=_own_teacher_scope(principal), include_removed=include_removed)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **getattr(self, "_names", {})}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._names = _page_context(page if page is not None else list(queryset))
        return page

    @extend_schema(
        summary="List teacher assignments",
        parameters=[YEAR_PARAM, OpenApiParameter("section_id", int), OpenApiParameter("teacher_id", int),
                    OpenApiParameter("course_id", int), OpenApiParameter("include_removed", bool),
                    OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        examples=[OpenApiExample("Assignments", value={"count": 1, "next": None, "previous": None,
                                                       "results": [ASSIGNMENT_EXAMPLE]}, response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Assign a teacher to a course of a section",
        description="Emits `teacher.assigned.to.course`. 404 `section_not_found` / `teacher_not_found` / "
                    "`course_not_found` (unknown, or of another school); 422 `not_an_active_teacher` / "
                    "`course_not_in_grade_level`; 409 `course_already_assigned`.",
        request=AssignmentCreateSerializer, responses={201: AssignmentSerializer, 403: ERROR_403, 404: ERROR_404},
        examples=[OpenApiExample("Assign", value={"teacher_id": 31, "course_id": 12, "section_id": 4},
                                 request_only=True),
                  OpenApiExample("Assigned", value=ASSIGNMENT_EXAMPLE, response_only=True, status_codes=["201"])],
    )
    def post(self, request: Request) -> Response:
        data = AssignmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.assignment_create(scope=request_scope(request), **data.validated_data,
                                                actor_id=request.user.pk)
        body = AssignmentSerializer(assignment, context=_page_context([assignment])).data
        return Response(body, status=status.HTTP_201_CREATED)


class AssignmentDetailView(APIView):
    def get_permissions(self):
        return [MANAGE()] if self.request.method == "DELETE" else [READ()]

    @extend_schema(summary="One teacher assignment", responses={200: AssignmentSerializer, 404: ERROR_404},
                   examples=[OpenApiExample("Assignment", value=ASSIGNMENT_EXAMPLE, response_only=True)])
    def get(self, request: Request, assignment_id: int) -> Response:
        assignment = selectors.assignment_detail(scope=request_scope(request), assignment_id=assignment_id,
                                                 teacher_id=_own_teacher_scope(principal_of(request.user)))
        return Response(AssignmentSerializer(assignment, context=_page_context([assignment])).data)

    @extend_schema(
        summary="Remove a teacher assignment",
        description="Soft removal: the assignment stays in history, its schedule blocks are deleted. "
                    "Emits `teacher.assignment.removed` (and `workload.updated` when blocks went away).",
        request=AssignmentRemoveSerializer, responses={200: AssignmentSerializer, 404: ERROR_404, 403: ERROR_403},
        examples=[OpenApiExample("Remove", value={"reason": "Licencia por maternidad"}, request_only=True),
                  OpenApiExample("Removed", value={**ASSIGNMENT_EXAMPLE, "is_active": False,
                                                   "removed_at": "2026-06-01T08:00:00-05:00",
                                                   "removal_reason": "Licencia por maternidad"}, response_only=True)],
    )
    def delete(self, request: Request, assignment_id: int) -> Response:
        data = AssignmentRemoveSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        assignment = services.assignment_remove(scope=request_scope(request), assignment_id=assignment_id,
                                                actor_id=request.user.pk,
                                                reason=data.validated_data["reason"])
        return Response(AssignmentSerializer(assignment, context=_page_context([assignment])).data)


# --- schedule blocks ---------------------------------------------------------------------------------


class ScheduleBlockListCreateView(ListAPIView):
    serializer_class = ScheduleBlockSerializer
    filter_backends: list = []

    def get_permissions(self):
        return [MANAGE()] if self.request.method == "POST" else [READ()]

    def get_queryset(self):
        principal = principal_of(self.request.user)
        scope = request_scope(self.request)
        filters = _list_filters(self.request, scope, ("academic_year_id", "section_id", "teacher_id", "course_id",
                                                      "assignment_id", "day_of_week"))
        room = self.request.query_params.get("room")
        if room:
            filters["room"] = room
        return selectors.block_list(scope=scope, filters=filters, teacher_id=_own_teacher_scope(principal))

    @extend_schema(
        summary="List schedule blocks",
        parameters=[YEAR_PARAM, OpenApiParameter("section_id", int), OpenApiParameter("teacher_id", int),
                    OpenApiParameter("course_id", int), OpenApiParameter("assignment_id", int),
                    OpenApiParameter("day_of_week", int), OpenApiParameter("room", str),
                    OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        examples=[OpenApiExample("Blocks", value={"count": 1, "next": None, "previous": None,
                                                  "results": [BLOCK_EXAMPLE]}, response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Book a weekly schedule block",
        description="Refused with 409 `schedule_conflict` (body names the conflicting blocks; "
                    "`schedule.conflict.detected` is emitted) when the teacher, the room or the section already "
                    "has an overlapping block that year, and with 409 `workload_exceeded` over the weekly maximum. "
                    "Emits `schedule.created` and `workload.updated`.",
        request=ScheduleBlockCreateSerializer,
        responses={201: ScheduleBlockSerializer, 409: OpenApiResponse(description="schedule_conflict | "
                                                                                  "workload_exceeded"),
                   403: ERROR_403},
        examples=[
            OpenApiExample("Book", value={"assignment_id": 7, "day_of_week": 1, "start_time": "08:00",
                                          "end_time": "09:30", "room": "Aula 201"}, request_only=True),
            OpenApiExample("Booked", value=BLOCK_EXAMPLE, response_only=True, status_codes=["201"]),
            OpenApiExample("Conflict", value=CONFLICT_EXAMPLE, response_only=True, status_codes=["409"]),
            OpenApiExample("Workload exceeded", value=WORKLOAD_EXCEEDED_EXAMPLE, response_only=True,
                           status_codes=["409"]),
        ],
    )
    def post(self, request: Request) -> Response:
        data = ScheduleBlockCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        block = services.schedule_block_create(scope=request_scope(request), **data.validated_data,
                                               actor_id=request.user.pk)
        return Response(ScheduleBlockSerializer(block).data, status=status.HTTP_201_CREATED)


class ScheduleBlockDetailView(APIView):
    def get_permissions(self):
        return [MANAGE()] if self.request.method == "DELETE" else [READ()]

    @extend_schema(summary="One schedule block", responses={200: ScheduleBlockSerializer, 404: ERROR_404},
                   examples=[OpenApiExample("Block", value=BLOCK_EXAMPLE, response_only=True)])
    def get(self, request: Request, block_id: int) -> Response:
        block = selectors.block_detail(scope=request_scope(request), block_id=block_id,
                                       teacher_id=_own_teacher_scope(principal_of(request.user)))
        return Response(ScheduleBlockSerializer(block).data)

    @extend_schema(summary="Delete a schedule block", description="Emits `workload.updated`.",
                   request=None, responses={204: None, 404: ERROR_404, 403: ERROR_403})
    def delete(self, request: Request, block_id: int) -> Response:
        services.schedule_block_delete(scope=request_scope(request), block_id=block_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the seed's read endpoints and the weekly views ----------------------------------------------------


class TeacherCoursesView(APIView):
    permission_classes = [READ]

    @extend_schema(
        summary="Courses a teacher teaches (seed: GET /api/v1/assignments/teacher/{teacherId}/courses)",
        parameters=[YEAR_PARAM], responses={200: TeacherCoursesSerializer, 404: ERROR_404},
        examples=[OpenApiExample("Courses", response_only=True, value={"teacher_id": 31, "courses": [{
            "assignment_id": 7, "course_id": 12, "course_code": "MAT-5P", "course_name": "Matemática",
            "section_id": 4, "section_code": "SEC-2026-5A", "academic_year_id": 2, "active_students": 28,
            "weekly_minutes": 270}]})],
    )
    def get(self, request: Request, teacher_id: int) -> Response:
        scope = _require_teacher_visible(request, teacher_id)
        body = selectors.teacher_courses(scope=scope, teacher_id=teacher_id,
                                         academic_year_id=_int_param(request, "academic_year_id"))
        return Response(TeacherCoursesSerializer(body).data)


class SectionTeachersView(APIView):
    permission_classes = [READ]

    @extend_schema(
        summary="Teachers of a section (seed: GET /api/v1/assignments/section/{sectionId}/teachers)",
        responses={200: SectionTeachersSerializer, 404: ERROR_404},
        examples=[OpenApiExample("Teachers", response_only=True, value={
            "section_id": 4, "section_code": "SEC-2026-5A", "academic_year_id": 2, "active_students": 28,
            "teachers": [{"assignment_id": 7, "teacher_id": 31, "teacher_name": "Rosa Quispe Mamani",
                          "teacher_code": "USR-2026-000031", "course_id": 12, "course_code": "MAT-5P",
                          "course_name": "Matemática", "weekly_minutes": 270}]})],
    )
    def get(self, request: Request, section_id: int) -> Response:
        principal = principal_of(request.user)
        if _own_teacher_scope(principal) is not None and section_id not in visible_section_ids(principal):
            raise NotFound(_("Section not found."), code="section_not_found")
        body = selectors.section_teachers(scope=request_scope(request), section_id=section_id)  # 404 if foreign
        return Response(SectionTeachersSerializer(body).data)


class TeacherTimetableView(APIView):
    permission_classes = [READ]

    @extend_schema(summary="A teacher's weekly timetable (day × time grid)",
                   parameters=[OpenApiParameter("academic_year_id", int, description=str(
                       _("Academic year id (default: the teacher's latest year with blocks).")))],
                   responses={200: TimetableSerializer, 404: ERROR_404},
                   examples=[OpenApiExample("Timetable", response_only=True,
                                            value={**TIMETABLE_EXAMPLE, "owner": "teacher", "owner_id": 31})])
    def get(self, request: Request, teacher_id: int) -> Response:
        scope = _require_teacher_visible(request, teacher_id)
        year = _int_param(request, "academic_year_id") or selectors.latest_year_of_teacher(scope=scope,
                                                                                             teacher_id=teacher_id)
        body = selectors.timetable(scope=scope, owner="teacher", owner_id=teacher_id, academic_year_id=year)
        return Response(TimetableSerializer(body).data)


class SectionTimetableView(APIView):
    """Readable by assignments readers (teachers: their sections) and by the section's students and
    their guardians (auth's `visible_section_ids`)."""

    @extend_schema(summary="A section's weekly timetable (day × time grid)",
                   responses={200: TimetableSerializer, 404: ERROR_404},
                   examples=[OpenApiExample("Timetable", value=TIMETABLE_EXAMPLE, response_only=True)])
    def get(self, request: Request, section_id: int) -> Response:
        principal = principal_of(request.user)
        scope = request_scope(request)
        staff_reader = has_permission(principal, "assignments.read") and _own_teacher_scope(principal) is None
        if not staff_reader:
            visible = visible_section_ids(principal)
            if visible is not None:
                if section_id not in visible:
                    raise NotFound(_("Section not found."), code="section_not_found")
                # the caller's own section (a teacher's, a student's, a guardian's child's) is reached
                # through their own ids, not their school: read it within the section's school
                own = academic.get_section(scope=SYSTEM, section_id=section_id)  # authorized just above
                scope = Scope.school(own.institution_id) if own is not None else Scope.nobody()
        section = selectors.section_in_scope(scope=scope, section_id=section_id)
        body = selectors.timetable(scope=scope, owner="section", owner_id=section_id,
                                   academic_year_id=section.academic_year_id)
        return Response(TimetableSerializer(body).data)


class TeacherWorkloadView(APIView):
    permission_classes = [READ]

    @extend_schema(summary="A teacher's weekly hours per academic year against the maximum",
                   parameters=[YEAR_PARAM], responses={200: WorkloadSerializer, 404: ERROR_404},
                   examples=[OpenApiExample("Workload", response_only=True, value={"teacher_id": 31, "years": [
                       {"academic_year_id": 2, "weekly_hours": "24.00", "max_weekly_hours": "30.00",
                        "remaining_hours": "6.00"}]})])
    def get(self, request: Request, teacher_id: int) -> Response:
        scope = _require_teacher_visible(request, teacher_id)
        rows = selectors.teacher_workloads(scope=scope, teacher_id=teacher_id,
                                           academic_year_id=_int_param(request, "academic_year_id"))
        body = {"teacher_id": teacher_id, "years": [
            {"academic_year_id": r.academic_year_id, "weekly_hours": r.weekly_hours,
             "max_weekly_hours": r.max_weekly_hours, "remaining_hours": r.remaining_hours} for r in rows]}
        return Response(WorkloadSerializer(body).data)
