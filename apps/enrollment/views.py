"""POST /api/v1/academic/enrollments starts StudentEnrollmentSaga (202 + status URL);
GET /api/v1/academic/enrollments/sagas/{sagaId} shows its steps.

Tenancy: the request's scope (`request_scope`) decides which students and sections may be named
(another school's id is a 404 like an unknown one) and which sagas are listed and shown (a school
sees only the sagas acting in it)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.auth.contracts import request_scope, requires
from apps.enrollment import selectors, services
from apps.enrollment.serializers import EnrollmentRequestInputSerializer, EnrollmentRequestSerializer
from common.errors import NotFound
from common.filters import IdFilter
from events.saga.models import SagaInstance, SagaStatus

_REQUEST_EXAMPLE = OpenApiExample(
    "Enroll a student in 5A", request_only=True,
    value={"student_id": 42, "section_id": 5, "enrollment_type": "REGULAR", "enrollment_date": "2026-03-01",
           "previous_institution": None},
)
_ACCEPTED_EXAMPLE = OpenApiExample(
    "Saga started", response_only=True, status_codes=["202"],
    value={"saga_id": "1f0c2a4e-7a35-4d0e-9d1b-3f1e8c5a9b77", "status": "RUNNING",
           "status_url": "http://127.0.0.1:8000/api/v1/academic/enrollments/sagas/1f0c2a4e-7a35-4d0e-9d1b-3f1e8c5a9b77",
           "student_id": 42, "section_id": 5, "enrollment_id": None, "enrollment_code": None, "last_error": "",
           "created_at": "2026-03-01T10:00:00-05:00", "finished_at": None,
           "steps": [{"position": 0, "name": "CreateEnrollment", "status": "PENDING", "attempts": 0,
                      "compensation_attempts": 0, "last_error": "", "started_at": None, "finished_at": None,
                      "compensated_at": None}]},
)


class EnrollmentRequestCreateView(APIView):
    permission_classes = [requires("enrollment.manage")]

    @extend_schema(
        summary="Enroll a student (starts the enrollment saga)",
        description="Starts StudentEnrollmentSaga: create enrollment → validate user → assign to section → "
                    "initialize grades → initialize attendance → welcome notification → complete. Answers 202 with "
                    "the saga id and a status URL. Send an `Idempotency-Key` header: the same key twice starts one "
                    "saga (the second answer is 200 with the first saga).",
        request=EnrollmentRequestInputSerializer,
        responses={202: EnrollmentRequestSerializer, 200: EnrollmentRequestSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        examples=[_REQUEST_EXAMPLE, _ACCEPTED_EXAMPLE],
        tags=["academic"],
    )
    def post(self, request):
        payload = EnrollmentRequestInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        scope = request_scope(request)
        saga, created = services.enrollment_request(
            scope=scope, **payload.validated_data, actor_id=request.user.pk,
            idempotency_key=request.headers.get("Idempotency-Key") or None)
        saga = selectors.enrollment_request(scope=scope, saga_id=saga.id)
        body = EnrollmentRequestSerializer(saga, context={"request": request}).data
        response = Response(body, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)
        response["Location"] = body["status_url"]
        return response


class EnrollmentRequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=SagaStatus.choices)
    student_id = IdFilter(field_name="data__student_id")
    section_id = IdFilter(field_name="data__section_id")


class EnrollmentRequestListView(generics.ListAPIView):
    permission_classes = [requires("enrollment.manage")]
    serializer_class = EnrollmentRequestSerializer
    filterset_class = EnrollmentRequestFilter
    ordering_fields = ("created_at",)
    search_fields = ()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return SagaInstance.objects.none()
        return selectors.enrollment_requests(scope=request_scope(self.request)).order_by("-created_at")

    @extend_schema(summary="List enrollment requests (sagas)", tags=["academic"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EnrollmentRequestDetailView(APIView):
    permission_classes = [requires("enrollment.manage")]

    @extend_schema(summary="An enrollment request's saga and its steps", responses=EnrollmentRequestSerializer,
                   examples=[_ACCEPTED_EXAMPLE], tags=["academic"])
    def get(self, request, saga_id):
        saga = selectors.enrollment_request(scope=request_scope(request), saga_id=saga_id)
        if saga is None:
            raise NotFound(_("No such enrollment request."), code="enrollment_request_not_found")
        return Response(EnrollmentRequestSerializer(saga, context={"request": request}).data)
