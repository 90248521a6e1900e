"""Academic API: /api/v1/academic/... (thin views: authorize, call a selector or service, serialize).

Reads need `academic.read` and are scoped: staff see their institution, a teacher only the sections
they teach, a student or parent only the student's own enrollments; anything out of scope is 404.
Writes need `academic.manage` (directors, secretaries, administrators).
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
from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section
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
    requires,
    visible_section_ids,
)
from common.errors import NotFound, PermissionDenied, ValidationFailed

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


def _institution_scope(principal: Principal) -> int | None:
    """The institution the caller's lists are limited to (None: network staff and superusers see all)."""
    return None if principal.is_superuser or principal.institution_id is None else principal.institution_id


def _visible(principal: Principal, institution_id: int) -> bool:
    scope = _institution_scope(principal)
    return scope is None or scope == institution_id


def _target_institution(principal: Principal, requested: int | None) -> int:
    """The institution a write is about: the body's value, else the caller's own."""
    if requested is None:
        if principal.institution_id is None:
            raise ValidationFailed(fields={"institution_id": [str(_("Say which institution."))]})
        return principal.institution_id
    if not _visible(principal, requested):
        raise _other_institution()
    return requested


def _other_institution() -> PermissionDenied:
    return PermissionDenied(str(_("You may only manage your own institution.")), code="other_institution")


def _refuse_other_institution(principal: Principal, model, pk: int) -> None:
    """A write naming another institution's row is refused (an unknown id is left to the service)."""
    row = model.objects.filter(pk=pk).first()
    if row is not None and not _visible(principal, row.institution_id):
        raise _other_institution()


def _get_scoped(model, pk: int, principal: Principal, *, code: str, queryset=None):
    obj = (queryset if queryset is not None else model.objects.all()).filter(pk=pk).first()
    if obj is None or not _visible(principal, obj.institution_id):
        raise NotFound(str(_("Not found.")), code=code)
    return obj


def _section_scoped(section_id: int, principal: Principal) -> Section:
    section = selectors.section_list(institution_id=_institution_scope(principal)).filter(pk=section_id).first()
    visible = visible_section_ids(principal)
    if section is None or (visible is not None and section.pk not in visible):
        raise NotFound(str(_("Section not found.")), code="section_not_found")
    return section


def _parse_on(request: Request):
    data = OnDateSerializer(data=request.query_params)
    data.is_valid(raise_exception=True)
    return data.validated_data.get("on")


class ReadOrManage(GenericAPIView):
    """Safe methods need academic.read, the others academic.manage."""

    def get_permissions(self):
        return [READ()] if self.request.method in SAFE_METHODS else [MANAGE()]


class ScopedList(ReadOrManage):
    # GET lists `scoped_rows(principal)`, filtered (filterset_class, search_fields) and paginated.
    # (No docstring: drf-spectacular takes the inherited one as the operations' description.)

    def scoped_rows(self, principal: Principal):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return self.serializer_class.Meta.model.objects.none()
        return self.scoped_rows(_principal(self.request))

    def list_page(self) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.serializer_class(page, many=True).data)


# --- academic years ---------------------------------------------------------------------------


class AcademicYearListCreateView(ScopedList):
    serializer_class = AcademicYearSerializer
    filterset_class = filters.AcademicYearFilter

    def scoped_rows(self, principal: Principal):
        return selectors.academic_year_list(institution_id=_institution_scope(principal))

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
        institution_id = _target_institution(_principal(request), values.pop("institution_id", None))
        year = services.academic_year_create(institution_id=institution_id, **values)
        return Response(AcademicYearSerializer(year).data, status=status.HTTP_201_CREATED)


class AcademicYearDetailView(ReadOrManage):
    @extend_schema(summary="An academic year", responses=AcademicYearSerializer, examples=[YEAR_EXAMPLE])
    def get(self, request: Request, year_id: int) -> Response:
        year = _get_scoped(AcademicYear, year_id, _principal(request), code="academic_year_not_found")
        return Response(AcademicYearSerializer(year).data)

    @extend_schema(summary="Change an academic year's dates", request=AcademicYearUpdateSerializer,
                   responses=AcademicYearSerializer,
                   examples=[OpenApiExample("Later end", request_only=True, value={"end_date": "2026-12-22"}),
                             YEAR_EXAMPLE])
    def patch(self, request: Request, year_id: int) -> Response:
        year = _get_scoped(AcademicYear, year_id, _principal(request), code="academic_year_not_found")
        data = AcademicYearUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(AcademicYearSerializer(services.academic_year_update(academic_year=year,
                                                                             **data.validated_data)).data)

    @extend_schema(summary="Delete an academic year without sections", responses={204: None})
    def delete(self, request: Request, year_id: int) -> Response:
        year = _get_scoped(AcademicYear, year_id, _principal(request), code="academic_year_not_found")
        services.academic_year_delete(academic_year=year)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AcademicYearStartView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Start the academic year (one active per institution; emits academic.year.started)",
                   request=None, responses=AcademicYearSerializer, examples=[YEAR_EXAMPLE])
    def post(self, request: Request, year_id: int) -> Response:
        _get_scoped(AcademicYear, year_id, _principal(request), code="academic_year_not_found")
        return Response(AcademicYearSerializer(services.academic_year_start(academic_year_id=year_id)).data)


class AcademicYearCloseView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Close the academic year", request=None, responses=AcademicYearSerializer,
                   examples=[YEAR_EXAMPLE])
    def post(self, request: Request, year_id: int) -> Response:
        _get_scoped(AcademicYear, year_id, _principal(request), code="academic_year_not_found")
        return Response(AcademicYearSerializer(services.academic_year_close(academic_year_id=year_id)).data)


# --- grade levels -----------------------------------------------------------------------------


class GradeLevelListCreateView(ScopedList):
    serializer_class = GradeLevelSerializer
    filterset_class = filters.GradeLevelFilter

    def scoped_rows(self, principal: Principal):
        return selectors.grade_level_list(institution_id=_institution_scope(principal))

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
        institution_id = _target_institution(_principal(request), values.pop("institution_id", None))
        level = services.grade_level_create(institution_id=institution_id, **values)
        return Response(GradeLevelSerializer(level).data, status=status.HTTP_201_CREATED)


class GradeLevelDetailView(ReadOrManage):
    @extend_schema(summary="A grade level", responses=GradeLevelSerializer, examples=[LEVEL_EXAMPLE])
    def get(self, request: Request, level_id: int) -> Response:
        return Response(GradeLevelSerializer(
            _get_scoped(GradeLevel, level_id, _principal(request), code="grade_level_not_found")).data)

    @extend_schema(summary="Change a grade level", request=GradeLevelUpdateSerializer, responses=GradeLevelSerializer,
                   examples=[OpenApiExample("Rename", request_only=True, value={"name": "Quinto de primaria"}),
                             LEVEL_EXAMPLE])
    def patch(self, request: Request, level_id: int) -> Response:
        level = _get_scoped(GradeLevel, level_id, _principal(request), code="grade_level_not_found")
        data = GradeLevelUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(GradeLevelSerializer(services.grade_level_update(grade_level=level,
                                                                         **data.validated_data)).data)

    @extend_schema(summary="Delete an unused grade level", responses={204: None})
    def delete(self, request: Request, level_id: int) -> Response:
        level = _get_scoped(GradeLevel, level_id, _principal(request), code="grade_level_not_found")
        services.grade_level_delete(grade_level=level)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- courses and curriculum -------------------------------------------------------------------


class CourseListCreateView(ScopedList):
    serializer_class = CourseSerializer
    filterset_class = filters.CourseFilter
    search_fields = ["code", "name", "area"]

    def scoped_rows(self, principal: Principal):
        return selectors.course_list(institution_id=_institution_scope(principal))

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
        _refuse_other_institution(_principal(request), GradeLevel, data.validated_data["grade_level_id"])
        course = services.course_create(**data.validated_data)
        return Response(CourseSerializer(course).data, status=status.HTTP_201_CREATED)


class CourseDetailView(ReadOrManage):
    @extend_schema(summary="A course (seed: GET /api/v1/academic/courses/{courseId})", responses=CourseSerializer,
                   examples=[COURSE_EXAMPLE])
    def get(self, request: Request, course_id: int) -> Response:
        course = _get_scoped(Course, course_id, _principal(request), code="course_not_found",
                             queryset=Course.objects.select_related("grade_level"))
        return Response(CourseSerializer(course).data)

    @extend_schema(summary="Change a course", request=CourseUpdateSerializer, responses=CourseSerializer,
                   examples=[OpenApiExample("More hours", request_only=True, value={"hours_per_week": 7}),
                             COURSE_EXAMPLE])
    def patch(self, request: Request, course_id: int) -> Response:
        course = _get_scoped(Course, course_id, _principal(request), code="course_not_found",
                             queryset=Course.objects.select_related("grade_level"))
        data = CourseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CourseSerializer(services.course_update(course=course, **data.validated_data)).data)

    @extend_schema(summary="Delete a course outside every curriculum", responses={204: None})
    def delete(self, request: Request, course_id: int) -> Response:
        course = _get_scoped(Course, course_id, _principal(request), code="course_not_found")
        services.course_delete(course=course)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CurriculumListCreateView(ScopedList):
    serializer_class = CurriculumEntrySerializer
    filterset_class = filters.CurriculumFilter

    def scoped_rows(self, principal: Principal):
        return selectors.curriculum_list(institution_id=_institution_scope(principal))

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
        _refuse_other_institution(_principal(request), AcademicYear, data.validated_data["academic_year_id"])
        entry = services.curriculum_add_course(**data.validated_data)
        entry = selectors.curriculum_list().get(pk=entry.pk)
        return Response(CurriculumEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class CurriculumDetailView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Remove a course from a year's curriculum", responses={204: None})
    def delete(self, request: Request, entry_id: int) -> Response:
        entry = CurriculumEntry.objects.select_related("academic_year").filter(pk=entry_id).first()
        if entry is None or not _visible(_principal(request), entry.academic_year.institution_id):
            raise NotFound(str(_("Not found.")), code="curriculum_entry_not_found")
        services.curriculum_remove_course(entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- sections ---------------------------------------------------------------------------------


class SectionListCreateView(ScopedList):
    serializer_class = SectionSerializer
    filterset_class = filters.SectionFilter
    search_fields = ["code", "name"]

    def scoped_rows(self, principal: Principal):
        return selectors.section_list(institution_id=_institution_scope(principal),
                                      section_ids=visible_section_ids(principal))

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
        _refuse_other_institution(_principal(request), AcademicYear, data.validated_data["academic_year_id"])
        section = services.section_create(**data.validated_data)
        return Response(SectionSerializer(selectors.section_list().get(pk=section.pk)).data,
                        status=status.HTTP_201_CREATED)


class SectionDetailView(ReadOrManage):
    @extend_schema(summary="A section (seed: GET /api/v1/academic/sections/{sectionId})", responses=SectionSerializer,
                   examples=[SECTION_EXAMPLE])
    def get(self, request: Request, section_id: int) -> Response:
        return Response(SectionSerializer(_section_scoped(section_id, _principal(request))).data)

    @extend_schema(summary="Change a section's capacity, tutor, campus or shift", request=SectionUpdateSerializer,
                   responses=SectionSerializer,
                   examples=[OpenApiExample("Bigger room", request_only=True, value={"capacity": 32}),
                             SECTION_EXAMPLE])
    def patch(self, request: Request, section_id: int) -> Response:
        _section_scoped(section_id, _principal(request))
        data = SectionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        clear_tutor = "tutor_id" in values and values["tutor_id"] is None
        services.section_update(section_id=section_id, clear_tutor=clear_tutor, **values)
        return Response(SectionSerializer(selectors.section_list().get(pk=section_id)).data)

    @extend_schema(summary="Delete a section without enrollments", responses={204: None})
    def delete(self, request: Request, section_id: int) -> Response:
        section = _section_scoped(section_id, _principal(request))
        services.section_delete(section=Section.objects.get(pk=section.pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SectionRosterView(GenericAPIView):
    permission_classes = [READ]
    serializer_class = EnrollmentSerializer
    queryset = Enrollment.objects.none()  # the roster comes from selectors.section_roster

    @extend_schema(summary="The section's roster: ACTIVE enrollments, or (?on=) those covering a date",
                   parameters=[ON_PARAM], responses=EnrollmentSerializer(many=True), examples=[ENROLLMENT_EXAMPLE])
    def get(self, request: Request, section_id: int) -> Response:
        _section_scoped(section_id, _principal(request))
        page = self.paginate_queryset(selectors.section_roster(section_id=section_id, on=_parse_on(request)))
        return self.get_paginated_response(EnrollmentSerializer(page, many=True).data)


class SectionCoursesView(APIView):
    permission_classes = [READ]

    @extend_schema(summary="The courses of the section's grade level in its year", responses=CourseSerializer(many=True),
                   examples=[COURSE_EXAMPLE])
    def get(self, request: Request, section_id: int) -> Response:
        _section_scoped(section_id, _principal(request))
        courses = selectors.courses_of_section(section_id=section_id)
        return Response(CourseSerializer(courses, many=True).data)


# --- enrollments ------------------------------------------------------------------------------


class ReadsStudentRecords(BasePermission):
    """academic.read, or a student/parent (who read their own or their children's enrollments)."""

    def has_permission(self, request, view) -> bool:
        principal = principal_of(request.user)
        return principal is not None and (has_permission(principal, "academic.read")
                                          or principal.user_type in FAMILY_ROLES)


def _enrollment_scoped(enrollment_id: int, principal: Principal) -> Enrollment:
    enrollment = (Enrollment.objects.select_related("section", "academic_year").filter(pk=enrollment_id).first())
    if enrollment is None or not _visible(principal, enrollment.institution_id) \
            or not can_read_student(principal, enrollment.student_id):
        raise NotFound(str(_("Enrollment not found.")), code="enrollment_not_found")
    return enrollment


class EnrollmentDetailView(APIView):
    permission_classes = [ReadsStudentRecords]

    @extend_schema(summary="An enrollment", responses=EnrollmentSerializer, examples=[ENROLLMENT_EXAMPLE])
    def get(self, request: Request, enrollment_id: int) -> Response:
        return Response(EnrollmentSerializer(_enrollment_scoped(enrollment_id, _principal(request))).data)


class StudentEnrollmentsView(APIView):
    permission_classes = [ReadsStudentRecords]

    @extend_schema(summary="A student's enrollment history (seed: GET /api/v1/academic/enrollments/student/{studentId}); "
                   "?on=YYYY-MM-DD gives the row covering that day", parameters=[ON_PARAM],
                   responses=EnrollmentSerializer(many=True), examples=[HISTORY_EXAMPLE])
    def get(self, request: Request, student_id: int) -> Response:
        principal = _principal(request)
        if not can_read_student(principal, student_id):
            raise NotFound(str(_("Student not found.")), code="student_not_found")
        rows = selectors.student_enrollments(student_id=student_id, on=_parse_on(request))
        scope = _institution_scope(principal)
        if scope is not None:
            rows = rows.filter(institution_id=scope)
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
        principal = _principal(request)
        _enrollment_scoped(enrollment_id, principal)
        data = TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = Section.objects.filter(pk=data.validated_data["target_section_id"]).first()
        if target is not None and not _visible(principal, target.institution_id):
            raise ValidationFailed(fields={"target_section_id": [str(_("Unknown section."))]})
        new = services.enrollment_transfer(enrollment_id=enrollment_id, **data.validated_data)
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
        _enrollment_scoped(enrollment_id, _principal(request))
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(EnrollmentSerializer(services.enrollment_withdraw(enrollment_id=enrollment_id,
                                                                          **data.validated_data)).data)


class EnrollmentPromotionDecisionView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Record the year-end decision used by the rollover (PROMOTED, REPEATS, GRADUATES)",
                   request=PromotionDecisionSerializer, responses=EnrollmentSerializer,
                   examples=[OpenApiExample("Repeats", request_only=True, value={"promotion_decision": "REPEATS"}),
                             ENROLLMENT_EXAMPLE])
    def post(self, request: Request, enrollment_id: int) -> Response:
        _enrollment_scoped(enrollment_id, _principal(request))
        data = PromotionDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_set_promotion_decision(
            enrollment_id=enrollment_id, decision=data.validated_data["promotion_decision"])
        return Response(EnrollmentSerializer(enrollment).data)
