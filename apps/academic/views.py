"""Academic API: /api/v1/academic/... (thin views: authorize, call a selector or service, serialize).

Tenancy: every row is reached through the caller's scope (`apps.auth.contracts.request_scope`),
handed to the selectors and services; another school's id answers 404 exactly like an unknown one.
On top of the scope, role rules: a teacher sees only the sections they teach, a student or parent
only the student's own enrollments. Reads need `academic.read`, writes `academic.manage`
(directors, secretaries, administrators); moving a student to another school needs a network-wide scope.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.academic import filters, selectors, services
from apps.academic.models import Enrollment, Section
from apps.academic.serializers import (
    AcademicYearCreateSerializer,
    AcademicYearSerializer,
    AcademicYearUpdateSerializer,
    CourseCreateSerializer,
    CourseSerializer,
    CourseUpdateSerializer,
    CurriculumEntryCreateSerializer,
    CurriculumEntrySerializer,
    EnrollmentSerializer,
    GradeLevelCreateSerializer,
    GradeLevelSerializer,
    GradeLevelUpdateSerializer,
    OnDateSerializer,
    PromotionDecisionSerializer,
    SectionCreateSerializer,
    SectionSerializer,
    SectionUpdateSerializer,
    TransferSerializer,
    WithdrawSerializer,
)
from apps.auth.contracts import (
    Principal,
    can_read_student,
    has_permission,
    principal_of,
    request_scope,
    requires,
    visible_section_ids,
)
from common.errors import NotFound, ValidationFailed
from common.tenancy import SYSTEM, Scope

READ = requires("academic.read")
MANAGE = requires("academic.manage")
FAMILY_ROLES = frozenset({"PARENT", "STUDENT"})

ON_PARAM = OpenApiParameter("on", str, description=str(_("A date (YYYY-MM-DD): the rows covering that day.")))

YEAR_EXAMPLE = OpenApiExample("Academic year", response_only=True, value={
    "id": 3, "institution_id": 1, "year": 2026, "status": "ACTIVE", "start_date": "2026-03-02",
    "end_date": "2026-12-18"})
LEVEL_EXAMPLE = OpenApiExample("Grade level", response_only=True, value={
    "id": 5, "institution_id": 1, "level": "PRIMARIA", "number": 5, "name": "5.º de primaria", "order": 8})
COURSE_EXAMPLE = OpenApiExample("Course", response_only=True, value={
    "id": 12, "institution_id": 1, "code": "MAT-P5", "name": "Matemática", "area": "Matemática",
    "competencies": ["Resuelve problemas de cantidad", "Resuelve problemas de forma, movimiento y localización"],
    "hours_per_week": 6, "grade_level_id": 5, "grade_level_name": "5.º de primaria"})
CURRICULUM_EXAMPLE = OpenApiExample("Curriculum entry", response_only=True, value={
    "id": 40, "academic_year_id": 3, "year": 2026, "course_id": 12, "course_code": "MAT-P5",
    "course_name": "Matemática", "grade_level_id": 5, "hours_per_week": 6})
SECTION_EXAMPLE = OpenApiExample("Section", response_only=True, value={
    "id": 7, "code": "SEC-2026-5A", "name": "5A", "institution_id": 1, "academic_year_id": 3, "year": 2026,
    "grade_level_id": 5, "level": "PRIMARIA", "grade_number": 5, "grade_level_name": "5.º de primaria",
    "capacity": 30, "enrolled_count": 28, "available_seats": 2, "tutor_id": 21, "campus_id": 1, "shift": "MORNING"})
ENROLLMENT_EXAMPLE = OpenApiExample("Enrollment", response_only=True, value={
    "id": 17, "code": "ENR-2026-000017", "student_id": 101, "section_id": 7, "section_code": "SEC-2026-5A",
    "section_name": "5A", "academic_year_id": 3, "year": 2026, "enrollment_type": "REGULAR",
    "previous_institution": "", "enrollment_date": "2026-03-02", "status": "ACTIVE", "status_reason": "",
    "start_date": "2026-03-02", "end_date": None, "promotion_decision": "PROMOTED", "previous_enrollment_id": None})
HISTORY_EXAMPLE = OpenApiExample("Transferred once", response_only=True, value=[
    {**ENROLLMENT_EXAMPLE.value, "status": "TRANSFERRED", "end_date": "2026-06-01",
     "status_reason": "Cambio de turno"},
    {**ENROLLMENT_EXAMPLE.value, "id": 58, "code": "ENR-2026-000058", "section_id": 8, "section_code": "SEC-2026-5B",
     "section_name": "5B", "enrollment_date": "2026-06-01", "start_date": "2026-06-01", "previous_enrollment_id": 17},
])


def _principal(request: Request) -> Principal:
    return principal_of(request.user)


def _scope(request: Request) -> Scope:
    """The caller's tenancy scope (common.tenancy): every row below is reached through it."""
    return request_scope(request)


def _target_institution(scope: Scope, requested: int | None) -> int:
    """The school a create acts in: a school scope's own (another one named is a 404), or the one a
    network-wide caller names (they must name one)."""
    institution_id = scope.target_institution(requested)
    if institution_id is None:
        raise ValidationFailed(fields={"institution_id": [str(_("Say which institution."))]})
    return institution_id


def _section_scoped(section_id: int, request: Request) -> Section:
    """A section of the caller's scope that their role lets them see (a teacher: their own), else 404."""
    return selectors.section_get(scope=_scope(request), section_id=section_id,
                                 section_ids=visible_section_ids(_principal(request)))


def _parse_on(request: Request):
    data = OnDateSerializer(data=request.query_params)
    data.is_valid(raise_exception=True)
    return data.validated_data.get("on")


class ReadOrManage(GenericAPIView):
    """Safe methods need academic.read, the others academic.manage."""

    def get_permissions(self):
        return [READ()] if self.request.method in SAFE_METHODS else [MANAGE()]


class ScopedList(ReadOrManage):
    # GET lists `scoped_rows(request)` (a selector given the request's scope), filtered
    # (filterset_class, search_fields) and paginated: filters narrow the scoped rows, never widen them.
    # (No docstring: drf-spectacular takes the inherited one as the operations' description.)

    def scoped_rows(self, request: Request):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return self.serializer_class.Meta.model.objects.none()
        return self.scoped_rows(self.request)

    def list_page(self) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.serializer_class(page, many=True).data)


# --- academic years ---------------------------------------------------------------------------


class AcademicYearListCreateView(ScopedList):
    serializer_class = AcademicYearSerializer
    filterset_class = filters.AcademicYearFilter

    def scoped_rows(self, request: Request):
        return selectors.academic_year_list(scope=_scope(request))

    @extend_schema(summary="List academic years", responses=AcademicYearSerializer(many=True), examples=[YEAR_EXAMPLE])
    def get(self, request: Request) -> Response:
        return self.list_page()

    @extend_schema(summary="Create an academic year (PLANNING)", request=AcademicYearCreateSerializer,
                   responses={201: AcademicYearSerializer},
                   examples=[OpenApiExample("2027", request_only=True, value={
                       "year": 2027, "start_date": "2027-03-01", "end_date": "2027-12-17"}), YEAR_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = AcademicYearCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        institution_id = _target_institution(_scope(request), values.pop("institution_id", None))
        year = services.academic_year_create(institution_id=institution_id, **values)
        return Response(AcademicYearSerializer(year).data, status=status.HTTP_201_CREATED)


class AcademicYearDetailView(ReadOrManage):
    @extend_schema(summary="An academic year", responses=AcademicYearSerializer, examples=[YEAR_EXAMPLE])
    def get(self, request: Request, year_id: int) -> Response:
        year = selectors.academic_year_get(scope=_scope(request), academic_year_id=year_id)
        return Response(AcademicYearSerializer(year).data)

    @extend_schema(summary="Change an academic year's dates", request=AcademicYearUpdateSerializer,
                   responses=AcademicYearSerializer,
                   examples=[OpenApiExample("Later end", request_only=True, value={"end_date": "2026-12-22"}),
                             YEAR_EXAMPLE])
    def patch(self, request: Request, year_id: int) -> Response:
        year = selectors.academic_year_get(scope=_scope(request), academic_year_id=year_id)
        data = AcademicYearUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(AcademicYearSerializer(services.academic_year_update(academic_year=year,
                                                                             **data.validated_data)).data)

    @extend_schema(summary="Delete an academic year without sections", responses={204: None})
    def delete(self, request: Request, year_id: int) -> Response:
        year = selectors.academic_year_get(scope=_scope(request), academic_year_id=year_id)
        services.academic_year_delete(academic_year=year)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AcademicYearStartView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Start the academic year (one active per institution; emits academic.year.started)",
                   request=None, responses=AcademicYearSerializer, examples=[YEAR_EXAMPLE])
    def post(self, request: Request, year_id: int) -> Response:
        return Response(AcademicYearSerializer(services.academic_year_start(scope=_scope(request),
                                                                            academic_year_id=year_id)).data)


class AcademicYearCloseView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Close the academic year", request=None, responses=AcademicYearSerializer,
                   examples=[YEAR_EXAMPLE])
    def post(self, request: Request, year_id: int) -> Response:
        return Response(AcademicYearSerializer(services.academic_year_close(scope=_scope(request),
                                                                            academic_year_id=year_id)).data)


# --- grade levels -----------------------------------------------------------------------------


class GradeLevelListCreateView(ScopedList):
    serializer_class = GradeLevelSerializer
    filterset_class = filters.GradeLevelFilter

    def scoped_rows(self, request: Request):
        return selectors.grade_level_list(scope=_scope(request))

    @extend_schema(summary="List grade levels (in promotion order)", responses=GradeLevelSerializer(many=True),
                   examples=[LEVEL_EXAMPLE])
    def get(self, request: Request) -> Response:
        return self.list_page()

    @extend_schema(summary="Create a grade level", request=GradeLevelCreateSerializer,
                   responses={201: GradeLevelSerializer},
                   examples=[OpenApiExample("5.º de primaria", request_only=True, value={
                       "level": "PRIMARIA", "number": 5, "name": "5.º de primaria", "order": 8}), LEVEL_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = GradeLevelCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        institution_id = _target_institution(_scope(request), values.pop("institution_id", None))
        level = services.grade_level_create(institution_id=institution_id, **values)
        return Response(GradeLevelSerializer(level).data, status=status.HTTP_201_CREATED)


class GradeLevelDetailView(ReadOrManage):
    @extend_schema(summary="A grade level", responses=GradeLevelSerializer, examples=[LEVEL_EXAMPLE])
    def get(self, request: Request, level_id: int) -> Response:
        return Response(GradeLevelSerializer(
            selectors.grade_level_get(scope=_scope(request), grade_level_id=level_id)).data)

    @extend_schema(summary="Change a grade level", request=GradeLevelUpdateSerializer, responses=GradeLevelSerializer,
                   examples=[OpenApiExample("Rename", request_only=True, value={"name": "Quinto de primaria"}),
                             LEVEL_EXAMPLE])
    def patch(self, request: Request, level_id: int) -> Response:
        level = selectors.grade_level_get(scope=_scope(request), grade_level_id=level_id)
        data = GradeLevelUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(GradeLevelSerializer(services.grade_level_update(grade_level=level,
                                                                         **data.validated_data)).data)

    @extend_schema(summary="Delete an unused grade level", responses={204: None})
    def delete(self, request: Request, level_id: int) -> Response:
        level = selectors.grade_level_get(scope=_scope(request), grade_level_id=level_id)
        services.grade_level_delete(grade_level=level)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- courses and curriculum -------------------------------------------------------------------


class CourseListCreateView(ScopedList):
    serializer_class = CourseSerializer
    filterset_class = filters.CourseFilter
    search_fields = ["code", "name", "area"]

    def scoped_rows(self, request: Request):
        return selectors.course_list(scope=_scope(request))

    @extend_schema(summary="List courses", responses=CourseSerializer(many=True), examples=[COURSE_EXAMPLE])
    def get(self, request: Request) -> Response:
        return self.list_page()

    @extend_schema(summary="Create a course of a grade level", request=CourseCreateSerializer,
                   responses={201: CourseSerializer},
                   examples=[OpenApiExample("Matemática 5.º", request_only=True, value={
                       "grade_level_id": 5, "code": "MAT-P5", "name": "Matemática", "area": "Matemática",
                       "competencies": ["Resuelve problemas de cantidad"], "hours_per_week": 6}), COURSE_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = CourseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        course = services.course_create(scope=_scope(request), **data.validated_data)
        return Response(CourseSerializer(course).data, status=status.HTTP_201_CREATED)


class CourseDetailView(ReadOrManage):
    @extend_schema(summary="A course (seed: GET /api/v1/academic/courses/{courseId})", responses=CourseSerializer,
                   examples=[COURSE_EXAMPLE])
    def get(self, request: Request, course_id: int) -> Response:
        course = selectors.course_get(scope=_scope(request), course_id=course_id)
        return Response(CourseSerializer(course).data)

    @extend_schema(summary="Change a course", request=CourseUpdateSerializer, responses=CourseSerializer,
                   examples=[OpenApiExample("More hours", request_only=True, value={"hours_per_week": 7}),
                             COURSE_EXAMPLE])
    def patch(self, request: Request, course_id: int) -> Response:
        course = selectors.course_get(scope=_scope(request), course_id=course_id)
        data = CourseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CourseSerializer(services.course_update(course=course, **data.validated_data)).data)

    @extend_schema(summary="Delete a course outside every curriculum", responses={204: None})
    def delete(self, request: Request, course_id: int) -> Response:
        course = selectors.course_get(scope=_scope(request), course_id=course_id)
        services.course_delete(course=course)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CurriculumListCreateView(ScopedList):
    serializer_class = CurriculumEntrySerializer
    filterset_class = filters.CurriculumFilter

    def scoped_rows(self, request: Request):
        return selectors.curriculum_list(scope=_scope(request))

    @extend_schema(summary="The curriculum: courses taught per grade level and year",
                   responses=CurriculumEntrySerializer(many=True), examples=[CURRICULUM_EXAMPLE])
    def get(self, request: Request) -> Response:
        return self.list_page()

    @extend_schema(summary="Add a course to its grade level's curriculum for a year (emits course.assigned)",
                   request=CurriculumEntryCreateSerializer, responses={201: CurriculumEntrySerializer},
                   examples=[OpenApiExample("Matemática in 2026", request_only=True,
                                            value={"academic_year_id": 3, "course_id": 12}), CURRICULUM_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = CurriculumEntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.curriculum_add_course(scope=_scope(request), **data.validated_data)
        entry = selectors.curriculum_list(scope=_scope(request)).get(pk=entry.pk)
        return Response(CurriculumEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class CurriculumDetailView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Remove a course from a year's curriculum", responses={204: None})
    def delete(self, request: Request, entry_id: int) -> Response:
        entry = selectors.curriculum_entry_get(scope=_scope(request), entry_id=entry_id)
        services.curriculum_remove_course(entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- sections ---------------------------------------------------------------------------------


class SectionListCreateView(ScopedList):
    serializer_class = SectionSerializer
    filterset_class = filters.SectionFilter
    search_fields = ["code", "name"]

    def scoped_rows(self, request: Request):
        return selectors.section_list(scope=_scope(request), section_ids=visible_section_ids(_principal(request)))

    @extend_schema(summary="List sections (filters: year, academic_year, grade_level, level, campus, shift, tutor)",
                   responses=SectionSerializer(many=True), examples=[SECTION_EXAMPLE])
    def get(self, request: Request) -> Response:
        return self.list_page()

    @extend_schema(summary="Create a section (code SEC-<year>-<name>; emits section.created)",
                   request=SectionCreateSerializer, responses={201: SectionSerializer},
                   examples=[OpenApiExample("5A", request_only=True, value={
                       "academic_year_id": 3, "grade_level_id": 5, "name": "5A", "capacity": 30, "tutor_id": 21,
                       "campus_id": 1, "shift": "MORNING"}), SECTION_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = SectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        section = services.section_create(scope=_scope(request), **data.validated_data)
        return Response(SectionSerializer(selectors.section_get(scope=_scope(request), section_id=section.pk)).data,
                        status=status.HTTP_201_CREATED)


class SectionDetailView(ReadOrManage):
    @extend_schema(summary="A section (seed: GET /api/v1/academic/sections/{sectionId})", responses=SectionSerializer,
                   examples=[SECTION_EXAMPLE])
    def get(self, request: Request, section_id: int) -> Response:
        return Response(SectionSerializer(_section_scoped(section_id, request)).data)

    @extend_schema(summary="Change a section's capacity, tutor, campus or shift", request=SectionUpdateSerializer,
                   responses=SectionSerializer,
                   examples=[OpenApiExample("Bigger room", request_only=True, value={"capacity": 32}),
                             SECTION_EXAMPLE])
    def patch(self, request: Request, section_id: int) -> Response:
        _section_scoped(section_id, request)
        data = SectionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        clear_tutor = "tutor_id" in values and values["tutor_id"] is None
        services.section_update(scope=_scope(request), section_id=section_id, clear_tutor=clear_tutor, **values)
        return Response(SectionSerializer(selectors.section_get(scope=_scope(request), section_id=section_id)).data)

    @extend_schema(summary="Delete a section without enrollments", responses={204: None})
    def delete(self, request: Request, section_id: int) -> Response:
        section = _section_scoped(section_id, request)
        services.section_delete(section=section)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SectionRosterView(GenericAPIView):
    permission_classes = [READ]
    serializer_class = EnrollmentSerializer
    queryset = Enrollment.objects.none()  # the roster comes from selectors.section_roster

    @extend_schema(summary="The section's roster: ACTIVE enrollments, or (?on=) those covering a date",
                   parameters=[ON_PARAM], responses=EnrollmentSerializer(many=True), examples=[ENROLLMENT_EXAMPLE])
    def get(self, request: Request, section_id: int) -> Response:
        _section_scoped(section_id, request)
        page = self.paginate_queryset(selectors.section_roster(scope=_scope(request), section_id=section_id,
                                                               on=_parse_on(request)))
        return self.get_paginated_response(EnrollmentSerializer(page, many=True).data)


class SectionCoursesView(APIView):
    permission_classes = [READ]

    @extend_schema(summary="The courses of the section's grade level in its year", responses=CourseSerializer(many=True),
                   examples=[COURSE_EXAMPLE])
    def get(self, request: Request, section_id: int) -> Response:
        _section_scoped(section_id, request)
        courses = selectors.courses_of_section(scope=_scope(request), section_id=section_id)
        return Response(CourseSerializer(courses, many=True).data)


# --- enrollments ------------------------------------------------------------------------------


class ReadsStudentRecords(BasePermission):
    """academic.read, or a student/parent (who read their own or their children's enrollments)."""

    def has_permission(self, request, view) -> bool:
        principal = principal_of(request.user)
        return principal is not None and (has_permission(principal, "academic.read")
                                          or principal.user_type in FAMILY_ROLES)


def _is_family(request: Request) -> bool:
    principal = _principal(request)
    return principal is not None and principal.user_type in FAMILY_ROLES


def _enrollment_scoped(enrollment_id: int, request: Request) -> Enrollment:
    """An enrollment of the caller's scope whose student they may read, else 404. A student or
    parent reaches their own (their children's) rows through their own ids (can_read_student), not
    through a school (docs/auth.md, "Tenancy")."""
    scope = SYSTEM if _is_family(request) else _scope(request)
    enrollment = selectors.enrollment_get(scope=scope, enrollment_id=enrollment_id)
    if not can_read_student(_principal(request), enrollment.student_id):
        raise NotFound(str(_("Enrollment not found.")), code="enrollment_not_found")
    return enrollment


class EnrollmentDetailView(APIView):
    permission_classes = [ReadsStudentRecords]

    @extend_schema(summary="An enrollment", responses=EnrollmentSerializer, examples=[ENROLLMENT_EXAMPLE])
    def get(self, request: Request, enrollment_id: int) -> Response:
        return Response(EnrollmentSerializer(_enrollment_scoped(enrollment_id, request)).data)


class StudentEnrollmentsView(APIView):
    permission_classes = [ReadsStudentRecords]

    @extend_schema(summary="A student's enrollment history (seed: GET /api/v1/academic/enrollments/student/{studentId}); "
                   "?on=YYYY-MM-DD gives the row covering that day", parameters=[ON_PARAM],
                   responses=EnrollmentSerializer(many=True), examples=[HISTORY_EXAMPLE])
    def get(self, request: Request, student_id: int) -> Response:
        principal = _principal(request)
        if not can_read_student(principal, student_id):
            raise NotFound(str(_("Student not found.")), code="student_not_found")
        scope = SYSTEM if _is_family(request) else _scope(request)  # checked by can_read_student above
        rows = selectors.student_enrollments(scope=scope, student_id=student_id, on=_parse_on(request))
        return Response(EnrollmentSerializer(rows, many=True).data)


class EnrollmentTransferView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Transfer an active enrollment to another section of the same year "
                   "(closes the old row, opens a new one; emits student.transferred)",
                   request=TransferSerializer, responses={201: EnrollmentSerializer},
                   examples=[OpenApiExample("To 5B", request_only=True, value={
                       "target_section_id": 8, "effective_date": "2026-06-01", "reason": "Cambio de turno"}),
                       ENROLLMENT_EXAMPLE])
    def post(self, request: Request, enrollment_id: int) -> Response:
        _enrollment_scoped(enrollment_id, request)
        data = TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.enrollment_transfer(scope=_scope(request), enrollment_id=enrollment_id, **data.validated_data)
        return Response(EnrollmentSerializer(new).data, status=status.HTTP_201_CREATED)


class EnrollmentTransferSchoolView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Transfer a student to another school (network staff only; closes the old row as "
                   "TRANSFERRED, opens a TRANSFER_IN row in the target school's section, moves the student's "
                   "school; emits student.transferred)",
                   description="The only way a student changes school. Allowed for a network-wide scope "
                               "(superusers, network staff). A school's staff get 404 for another school's "
                               "enrollment and 403 (`network_scope_required`) for their own.",
                   request=TransferSerializer, responses={201: EnrollmentSerializer},
                   examples=[OpenApiExample("To I.E. Norte's 5A", request_only=True, value={
                       "target_section_id": 31, "effective_date": "2026-06-01", "reason": "Mudanza"}),
                       OpenApiExample("Transfer in", response_only=True, value={
                           **ENROLLMENT_EXAMPLE.value, "id": 93, "code": "ENR-2026-000093", "section_id": 31,
                           "section_code": "SEC-2026-5A", "enrollment_type": "TRANSFER_IN",
                           "previous_institution": "I.E. Demo", "enrollment_date": "2026-06-01",
                           "start_date": "2026-06-01", "previous_enrollment_id": 17})])
    def post(self, request: Request, enrollment_id: int) -> Response:
        _enrollment_scoped(enrollment_id, request)
        data = TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.enrollment_transfer_school(scope=_scope(request), enrollment_id=enrollment_id,
                                                  **data.validated_data)
        return Response(EnrollmentSerializer(new).data, status=status.HTTP_201_CREATED)


class EnrollmentWithdrawView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Withdraw a student (closes the active enrollment on the given date)",
                   request=WithdrawSerializer, responses=EnrollmentSerializer,
                   examples=[OpenApiExample("Moves abroad", request_only=True, value={
                       "effective_date": "2026-08-15", "reason": "Traslado al extranjero"}),
                       OpenApiExample("Withdrawn", response_only=True, value={
                           **ENROLLMENT_EXAMPLE.value, "status": "WITHDRAWN", "end_date": "2026-08-15",
                           "status_reason": "Traslado al extranjero"})])
    def post(self, request: Request, enrollment_id: int) -> Response:
        _enrollment_scoped(enrollment_id, request)
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(EnrollmentSerializer(services.enrollment_withdraw(
            scope=_scope(request), enrollment_id=enrollment_id, **data.validated_data)).data)


class EnrollmentPromotionDecisionView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Record the year-end decision used by the rollover (PROMOTED, REPEATS, GRADUATES)",
                   request=PromotionDecisionSerializer, responses=EnrollmentSerializer,
                   examples=[OpenApiExample("Repeats", request_only=True, value={"promotion_decision": "REPEATS"}),
                             ENROLLMENT_EXAMPLE])
    def post(self, request: Request, enrollment_id: int) -> Response:
        _enrollment_scoped(enrollment_id, request)
        data = PromotionDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_set_promotion_decision(
            scope=_scope(request), enrollment_id=enrollment_id, decision=data.validated_data["promotion_decision"])
        return Response(EnrollmentSerializer(enrollment).data)
