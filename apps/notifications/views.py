"""DRF API of notifications, mounted at /api/v1/notifications/. Thin: parse, authorize, call, serialize."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.auth.contracts import request_scope, requires
from apps.notifications import selectors, services
from apps.notifications.serializers import (
    BulkAcceptedSerializer,
    BulkProgressSerializer,
    InboxMessageSerializer,
    SendImmediateSerializer,
    SmsStatusCallbackSerializer,
    TemplateSerializer,
    UnreadCountSerializer,
    WebhookResultSerializer,
)
from common.errors import PermissionDenied

CanSend = requires("notifications.send")
CanReadTemplates = requires(any_of=("notifications.send", "notifications.manage"))

SIGNATURE_HEADER = "X-PRS1-Signature"


class SendImmediateView(APIView):
    permission_classes = [CanSend]

    @extend_schema(
        summary="Send a notification now to people or to all guardians of a section (bulk, asynchronous)",
        description="Within the caller's school: another school's person or section is a 404 like an unknown "
                    "id, and nothing is recorded or queued.",
        request=SendImmediateSerializer, responses={202: BulkAcceptedSerializer},
        examples=[
            OpenApiExample("To the guardians of a section", request_only=True, value={
                "section_id": 12, "subject": "Reunión de padres", "body": "Mañana a las 18:00 en el auditorio.",
                "channels": ["EMAIL", "SMS", "INAPP"]}),
            OpenApiExample("A template to people", request_only=True, value={
                "user_ids": [41, 42], "template_key": "bulk", "channels": ["EMAIL"]}),
            OpenApiExample("Accepted", response_only=True, status_codes=["202"], value={
                "bulk_id": 7, "status": "RUNNING", "progress_url": "/api/v1/notifications/bulk/7"}),
        ],
    )
    def post(self, request):
        serializer = SendImmediateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        bulk = services.bulk_send_create(
            scope=request_scope(request), requested_by_id=request.user.pk, user_ids=data.get("user_ids"),
            section_id=data.get("section_id"),
            template_key=data.get("template_key"), subject=data.get("subject"), body=data.get("body"),
            channels=data["channels"])
        url = reverse("notifications:bulk-progress", kwargs={"bulk_id": bulk.pk})
        return Response({"bulk_id": bulk.pk, "status": bulk.status, "progress_url": url},
                        status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class BulkProgressView(APIView):
    permission_classes = [CanSend]

    @extend_schema(
        summary="Progress of a bulk send", responses={200: BulkProgressSerializer},
        examples=[OpenApiExample("Running", response_only=True, value={
            "bulk_id": 7, "status": "RUNNING", "total": 60, "sent": 42, "failed": 1, "pending": 17,
            "created_at": "2026-04-10T14:00:00Z", "completed_at": None})],
    )
    def get(self, request, bulk_id: int):
        progress = selectors.bulk_progress(scope=request_scope(request), bulk_id=bulk_id)
        bulk = progress["bulk"]
        return Response(BulkProgressSerializer({
            "bulk_id": bulk.pk, "status": bulk.status, "total": progress["total"], "sent": progress["sent"],
            "failed": progress["failed"], "pending": progress["pending"], "created_at": bulk.created_at,
            "completed_at": bulk.completed_at}).data)


_TEMPLATE_EXAMPLE = {
    "id": 3, "key": "absence_recorded", "language": "es", "description": "Inasistencia registrada",
    "subject": "Inasistencia de {{ student_name }} el {{ date }}",
    "body_text": "Estimado(a) {{ recipient_name }}: ...", "body_html": "<p>...</p>",
    "sms_text": "{{ student_name }} no asistió el {{ date }}.", "sample_context": {"student_name": "Luis"},
    "is_active": True, "updated_at": "2026-03-01T12:00:00Z",
}


class TemplateListView(generics.ListAPIView):
    permission_classes = [CanReadTemplates]
    serializer_class = TemplateSerializer
    filter_backends: list = []

    @extend_schema(
        summary="List notification templates",
        parameters=[OpenApiParameter("key", str), OpenApiParameter("language", str, enum=["es", "en"])],
        examples=[OpenApiExample("Page", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [_TEMPLATE_EXAMPLE]})],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.template_list(key=self.request.query_params.get("key"),
                                       language=self.request.query_params.get("language"))


class TemplateDetailView(APIView):
    permission_classes = [CanReadTemplates]

    @extend_schema(summary="A notification template", responses={200: TemplateSerializer},
                   examples=[OpenApiExample("Template", response_only=True, value=_TEMPLATE_EXAMPLE)])
    def get(self, request, template_id: int):
        return Response(TemplateSerializer(selectors.template_get(template_id=template_id)).data)


class InboxView(generics.ListAPIView):
    """The caller's in-app notifications, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = InboxMessageSerializer
    filter_backends: list = []

    @extend_schema(
        summary="My in-app notifications",
        parameters=[OpenApiParameter("unread", bool, description="Only unread ones.")],
        examples=[OpenApiExample("Page", response_only=True, value={"count": 1, "next": None, "previous": None,
                  "results": [{"id": 91, "template_key": "absence_recorded", "subject": "Inasistencia de Luis",
                               "body_text": "Luis no asistió...", "created_at": "2026-04-10T13:00:00Z",
                               "read_at": None, "is_read": False, "student_id": 15}]})],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        unread = self.request.query_params.get("unread", "").lower() in ("1", "true", "yes")
        return selectors.inbox_of(user_id=self.request.user.pk, unread_only=unread)


class UnreadCountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="How many of my in-app notifications are unread", responses={200: UnreadCountSerializer},
                   examples=[OpenApiExample("Count", response_only=True, value={"unread": 3})])
    def get(self, request):
        return Response({"unread": selectors.unread_count(user_id=request.user.pk)})


class InboxReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Mark one of my in-app notifications as read", request=None,
                   responses={200: InboxMessageSerializer},
                   examples=[OpenApiExample("Read", response_only=True, value={
                       "id": 91, "template_key": "absence_recorded", "subject": "Inasistencia de Luis",
                       "body_text": "Luis no asistió...", "created_at": "2026-04-10T13:00:00Z",
                       "read_at": "2026-04-10T15:00:00Z", "is_read": True, "student_id": 15})])
    def post(self, request, message_id: int):
        message = services.inbox_mark_read(user_id=request.user.pk, message_id=message_id)
        return Response(InboxMessageSerializer(message).data)


class SmsWebhookView(APIView):
    """Delivery reports from the SMS provider (Twilio-style form). Authenticated by an HMAC-SHA256
    of the raw body with SMS_WEBHOOK_SECRET, hex, in the X-PRS1-Signature header."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser]

    @extend_schema(
        summary="SMS delivery report (provider webhook)", request=SmsStatusCallbackSerializer,
        responses={200: WebhookResultSerializer},
        parameters=[OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True,
                                     description="hex HMAC-SHA256 of the raw body with the shared secret")],
        examples=[OpenApiExample("Delivered", request_only=True,
                                 value={"MessageSid": "SM0123456789abcdef", "MessageStatus": "delivered"}),
                  OpenApiExample("Applied", response_only=True, value={"result": "delivered"})],
    )
    def post(self, request):
        raw = request.body  # read before the form is parsed: the signature covers the exact bytes
        if not services.webhook_signature_valid(raw, request.headers.get(SIGNATURE_HEADER)):
            raise PermissionDenied(_("Invalid or missing signature."), code="invalid_signature")
        serializer = SmsStatusCallbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.sms_status_callback(provider_message_id=data["MessageSid"],
                                              provider_status=data["MessageStatus"],
                                              error_code=data.get("ErrorCode", ""))
        return Response({"result": result})

