"""Institution API: /api/v1/institution/... (thin views: authorize, call a selector or service, serialize).

Tenancy: every view reads and writes through `request_scope(request)`. A school's caller sees and
changes only their own institution and its campuses, configuration, calendar years, periods and
holidays; another school's id (path, `?institution=` or body) is a 404 exactly like an unknown id.
Network-wide callers (superusers, network staff, the service token) reach every school and alone
create institutions.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.auth.contracts import request_scope, requires
from apps.institution import selectors, services
from apps.institution.models import CalendarYear, Campus, Holiday
from apps.institution.serializers import (
    CalendarYearCreateSerializer,
    CalendarYearSerializer,
    CampusCreateSerializer,
    CampusSerializer,
    CampusUpdateSerializer,
    ConfigSerializer,
    ConfigUpdateSerializer,
    CurrentCalendarSerializer,
    HolidayCreateSerializer,
    HolidaySerializer,
    InstitutionCreateSerializer,
    InstitutionSerializer,
    InstitutionUpdateSerializer,
    PeriodSerializer,
    PeriodUpdateSerializer,
)
from common.errors import PermissionDenied, ValidationFailed

READ = requires("institution.read")
MANAGE = requires("institution.manage")
INSTITUTION_PARAM = OpenApiParameter("institution", int, description=str(
    _("Institution id (default: the caller's). Only staff may ask about an institution that is not theirs.")))

INSTITUTION_EXAMPLE = OpenApiExample("Institution", value={
    "id": 1, "code": "IE-0345678", "name": "I.E. San Martín de Porres", "city": "Lima",
    "address": "Av. Los Próceres 123, San Martín de Porres", "phone": "+5114567890", "email": "mesa@sanmartin.edu.pe",
    "timezone": "America/Lima", "is_active": True, "created_at": "2026-01-05T09:00:00-05:00",
    "updated_at": "2026-01-05T09:00:00-05:00"}, response_only=True)
CAMPUS_EXAMPLE = OpenApiExample("Campus", value={
    "id": 1, "institution": 1, "code": "SEDE-CENTRAL", "name": "Sede central", "address": "Av. Los Próceres 123",
    "is_main": True, "is_active": True}, response_only=True)
SCALES_EXAMPLE = [
    {"level": "INICIAL", "kind": "LITERAL", "pass_mark": None, "pass_literal": "A", "decimals": 0},
    {"level": "PRIMARIA", "kind": "LITERAL", "pass_mark": None, "pass_literal": "A", "decimals": 0},
    {"level": "SECUNDARIA", "kind": "VIGESIMAL", "pass_mark": "11.00", "pass_literal": "A", "decimals": 0},
]
CONFIG_EXAMPLE = OpenApiExample("Configuration", value={
    "institution": 1, "period_type": "BIMESTRE", "school_days": [1, 2, 3, 4, 5],
    "notification_channels": ["email", "inapp"], "consecutive_absences_alert": 3,
    "absence_rate_alert_percent": "30.00", "performance_drop_threshold": "3.00",
    "grading_scales": SCALES_EXAMPLE}, response_only=True)
PERIODS_EXAMPLE = [
    {"id": 1, "number": 1, "name": "I Bimestre", "start_date": "2026-03-02", "end_date": "2026-05-08"},
    {"id": 2, "number": 2, "name": "II Bimestre", "start_date": "2026-05-09", "end_date": "2026-07-17"},
]
YEAR_EXAMPLE = {"id": 1, "institution": 1, "year": 2026, "start_date": "2026-03-02", "end_date": "2026-12-18",
                "period_type": "BIMESTRE", "periods": PERIODS_EXAMPLE}
HOLIDAY_EXAMPLE = {"id": 3, "institution": 1, "date": "2026-08-30", "name": "Santa Rosa de Lima"}


def _target_institution(request: Request, requested: object = None) -> int:
    """The institution a request is about: ?institution= / body value, else the caller's own school.
    Another school (or an unknown one) is a 404; a network-wide caller must say which."""
    scope = request_scope(request)
    raw = requested if requested is not None else request.query_params.get("institution")
    if raw in (None, ""):
        if scope.institution_id is None:
            raise ValidationFailed(fields={"institution": [str(_("Say which institution."))]})
        return scope.institution_id
    try:
        institution_id = int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"institution": [str(_("A valid integer is required."))]}) from None
    return selectors.institution_detail(scope=scope, institution_id=institution_id).pk


class InstitutionListCreateView(APIView):
    permission_classes = [READ]

    def get_permissions(self):
        return [MANAGE()] if self.request.method == "POST" else [READ()]

    @extend_schema(summary="List the institutions the caller may see", responses=InstitutionSerializer(many=True),
                   examples=[INSTITUTION_EXAMPLE])
    def get(self, request: Request) -> Response:
        return Response(InstitutionSerializer(selectors.institutions(scope=request_scope(request)), many=True).data)

    @extend_schema(summary="Create an institution (network administrators)", request=InstitutionCreateSerializer,
                   responses={201: InstitutionSerializer},
                   examples=[OpenApiExample("New school", value={"code": "IE-0345678",
                                                                 "name": "I.E. San Martín de Porres",
                                                                 "city": "Lima", "phone": "+5114567890"},
                                            request_only=True), INSTITUTION_EXAMPLE])
    def post(self, request: Request) -> Response:
        if not request_scope(request).is_network:
            raise PermissionDenied(str(_("Only network administrators create institutions.")),
                                   code="network_admin_required")
        data = InstitutionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inst = services.institution_create(**data.validated_data)
        return Response(InstitutionSerializer(inst).data, status=status.HTTP_201_CREATED)


class InstitutionDetailView(APIView):
    def get_permissions(self):
        return [MANAGE()] if self.request.method == "PATCH" else [READ()]

    @extend_schema(summary="An institution", responses=InstitutionSerializer, examples=[INSTITUTION_EXAMPLE])
    def get(self, request: Request, institution_id: int) -> Response:
        inst = selectors.institution_detail(scope=request_scope(request), institution_id=institution_id)
        return Response(InstitutionSerializer(inst).data)

    @extend_schema(summary="Update an institution", request=InstitutionUpdateSerializer,
                   responses=InstitutionSerializer,
                   examples=[OpenApiExample("Rename", value={"name": "I.E. N° 2045 San Martín de Porres"},
                                            request_only=True), INSTITUTION_EXAMPLE])
    def patch(self, request: Request, institution_id: int) -> Response:
        scope = request_scope(request)
        selectors.institution_detail(scope=scope, institution_id=institution_id)  # 404 before reading the body
        data = InstitutionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        inst = services.institution_update(scope=scope, institution_id=institution_id, **data.validated_data)
        return Response(InstitutionSerializer(inst).data)


class ConfigView(APIView):
    def get_permissions(self):
        return [MANAGE()] if self.request.method == "PATCH" else [READ()]

    def _render(self, institution_id: int) -> Response:
        config, scales = selectors.config_with_scales(institution_id)
        config.grading_scales = scales
        return Response(ConfigSerializer(config).data)

    @extend_schema(summary="The configuration of the caller's institution (staff: ?institution=ID)",
                   parameters=[INSTITUTION_PARAM], responses=ConfigSerializer, examples=[CONFIG_EXAMPLE])
    def get(self, request: Request) -> Response:
        return self._render(_target_institution(request))

    @extend_schema(summary="Update the configuration (grading scales, periods, school days, channels, alert rules)",
                   parameters=[INSTITUTION_PARAM], request=ConfigUpdateSerializer, responses=ConfigSerializer,
                   examples=[OpenApiExample("Trimesters and stricter alerts", value={
                       "period_type": "TRIMESTRE", "consecutive_absences_alert": 2,
                       "grading_scales": [{"level": "SECUNDARIA", "kind": "VIGESIMAL", "pass_mark": "13"}]},
                       request_only=True), CONFIG_EXAMPLE])
    def patch(self, request: Request) -> Response:
        institution_id = _target_institution(request)
        data = ConfigUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.config_update(scope=request_scope(request), institution_id=institution_id, **data.validated_data)
        return self._render(institution_id)


class CampusListCreateView(ListAPIView):
    serializer_class = CampusSerializer

    def get_permissions(self):
        return [MANAGE()] if self.request.method == "POST" else [READ()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campus.objects.none()
        return selectors.campuses_of(_target_institution(self.request), scope=request_scope(self.request))

    @extend_schema(summary="Campuses of the caller's institution (staff: ?institution=ID)",
                   parameters=[INSTITUTION_PARAM], examples=[CAMPUS_EXAMPLE])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create a campus", request=CampusCreateSerializer, responses={201: CampusSerializer},
                   examples=[OpenApiExample("Annex", value={"code": "ANEXO-1", "name": "Anexo Condevilla",
                                                            "address": "Jr. Las Gardenias 456"}, request_only=True),
                             CAMPUS_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = CampusCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        institution_id = _target_institution(request, values.pop("institution", None))
        campus = services.campus_create(institution_id=institution_id, **values)
        return Response(CampusSerializer(campus).data, status=status.HTTP_201_CREATED)


class CampusDetailView(APIView):
    def get_permissions(self):
        return [MANAGE()] if self.request.method == "PATCH" else [READ()]

    @extend_schema(summary="A campus", responses=CampusSerializer, examples=[CAMPUS_EXAMPLE])
    def get(self, request: Request, campus_id: int) -> Response:
        return Response(CampusSerializer(selectors.campus_detail(scope=request_scope(request), campus_id=campus_id)).data)

    @extend_schema(summary="Update a campus", request=CampusUpdateSerializer, responses=CampusSerializer,
                   examples=[OpenApiExample("Close", value={"is_active": False}, request_only=True), CAMPUS_EXAMPLE])
    def patch(self, request: Request, campus_id: int) -> Response:
        scope = request_scope(request)
        selectors.campus_detail(scope=scope, campus_id=campus_id)  # 404 before reading the body
        data = CampusUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        campus = services.campus_update(scope=scope, campus_id=campus_id, **data.validated_data)
        return Response(CampusSerializer(campus).data)


class CurrentCalendarView(APIView):
    permission_classes = [READ]

    @extend_schema(summary="Today's academic calendar: the year, its periods, the current period and holidays",
                   parameters=[INSTITUTION_PARAM], responses=CurrentCalendarSerializer,
                   examples=[OpenApiExample("During the II Bimestre", value={
                       "institution": 1, "today": "2026-06-15", "calendar_year": YEAR_EXAMPLE,
                       "current_period": PERIODS_EXAMPLE[1], "holidays": [HOLIDAY_EXAMPLE], "is_school_day": True},
                       response_only=True)])
    def get(self, request: Request) -> Response:
        scope = request_scope(request)
        institution_id = _target_institution(request)
        today = selectors.today(institution_id)
        year = selectors.calendar_year_on(institution_id, today, scope=scope)
        current = next((p for p in year.periods.all() if p.start_date <= today <= p.end_date), None) if year else None
        holidays = selectors.holidays_of(institution_id, scope=scope, year=year.year if year else today.year)
        return Response(CurrentCalendarSerializer({
            "institution": institution_id, "today": today, "calendar_year": year, "current_period": current,
            "holidays": holidays, "is_school_day": selectors.is_school_day(institution_id, today),
        }).data)


class CalendarYearListCreateView(ListAPIView):
    serializer_class = CalendarYearSerializer

    def get_permissions(self):
        return [MANAGE()] if self.request.method == "POST" else [READ()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CalendarYear.objects.none()
        return selectors.calendar_years_of(_target_institution(self.request), scope=request_scope(self.request))

    @extend_schema(summary="Calendar years of the institution with their periods", parameters=[INSTITUTION_PARAM],
                   examples=[OpenApiExample("2026", value=YEAR_EXAMPLE, response_only=True)])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create a calendar year (its periods are generated from the configuration)",
                   request=CalendarYearCreateSerializer, responses={201: CalendarYearSerializer},
                   examples=[OpenApiExample("2026 in bimestres", value={
                       "year": 2026, "start_date": "2026-03-02", "end_date": "2026-12-18"}, request_only=True),
                       OpenApiExample("Created", value=YEAR_EXAMPLE, response_only=True)])
    def post(self, request: Request) -> Response:
        data = CalendarYearCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        institution_id = _target_institution(request, values.pop("institution", None))
        cal = services.calendar_year_create(institution_id=institution_id, **values)
        years = selectors.calendar_years_of(institution_id, scope=request_scope(request))
        return Response(CalendarYearSerializer(years.get(pk=cal.pk)).data,
                        status=status.HTTP_201_CREATED)


class PeriodDetailView(APIView):
    def get_permissions(self):
        return [MANAGE()] if self.request.method == "PATCH" else [READ()]

    @extend_schema(summary="A period", responses=PeriodSerializer,
                   examples=[OpenApiExample("Period", value=PERIODS_EXAMPLE[0], response_only=True)])
    def get(self, request: Request, period_id: int) -> Response:
        return Response(PeriodSerializer(selectors.period_detail(scope=request_scope(request), period_id=period_id)).data)

    @extend_schema(summary="Adjust a period's name or dates (within its year, without overlaps)",
                   request=PeriodUpdateSerializer, responses=PeriodSerializer,
                   examples=[OpenApiExample("Move the end", value={"end_date": "2026-05-15"}, request_only=True),
                             OpenApiExample("Period", value=PERIODS_EXAMPLE[0], response_only=True)])
    def patch(self, request: Request, period_id: int) -> Response:
        scope = request_scope(request)
        selectors.period_detail(scope=scope, period_id=period_id)  # 404 before reading the body
        data = PeriodUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(PeriodSerializer(services.period_update(scope=scope, period_id=period_id,
                                                                **data.validated_data)).data)


def _year_param(request: Request) -> int | None:
    """?year=2026: a calendar year (1..9999) or absent; anything else is a 400, not a 500."""
    year = request.query_params.get("year")
    if year in (None, ""):
        return None
    if not (year.isascii() and year.isdigit() and 1 <= int(year) <= 9999):
        raise ValidationFailed(fields={"year": [str(_("Give a year between 1 and 9999."))]})
    return int(year)


class HolidayListCreateView(ListAPIView):
    serializer_class = HolidaySerializer

    def get_permissions(self):
        return [MANAGE()] if self.request.method == "POST" else [READ()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Holiday.objects.none()
        return selectors.holidays_of(_target_institution(self.request), scope=request_scope(self.request),
                                     year=_year_param(self.request))

    @extend_schema(summary="Holidays of the institution (?year=2026)",
                   parameters=[INSTITUTION_PARAM, OpenApiParameter("year", int)],
                   examples=[OpenApiExample("Holiday", value=HOLIDAY_EXAMPLE, response_only=True)])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Add a holiday (no classes that day)", request=HolidayCreateSerializer,
                   responses={201: HolidaySerializer},
                   examples=[OpenApiExample("Santa Rosa", value={"date": "2026-08-30", "name": "Santa Rosa de Lima"},
                                            request_only=True),
                             OpenApiExample("Created", value=HOLIDAY_EXAMPLE, response_only=True)])
    def post(self, request: Request) -> Response:
        data = HolidayCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        institution_id = _target_institution(request, values.pop("institution", None))
        holiday = services.holiday_create(institution_id=institution_id, **values)
        return Response(HolidaySerializer(holiday).data, status=status.HTTP_201_CREATED)


class HolidayDetailView(APIView):
    permission_classes = [MANAGE]

    @extend_schema(summary="Remove a holiday", responses={204: None})
    def delete(self, request: Request, holiday_id: int) -> Response:
        services.holiday_delete(scope=request_scope(request), holiday_id=holiday_id)  # 404 if foreign
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarYearDetailView(APIView):
    permission_classes = [READ]

    @extend_schema(summary="A calendar year with its periods", responses=CalendarYearSerializer,
                   examples=[OpenApiExample("2026", value=YEAR_EXAMPLE, response_only=True)])
    def get(self, request: Request, year_id: int) -> Response:
        year = selectors.calendar_year_detail(scope=request_scope(request), year_id=year_id)
        return Response(CalendarYearSerializer(year).data)
