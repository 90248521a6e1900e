"""Notifications' integration endpoints: the contracts over HTTP for other services (the seed's
sendWelcomeNotification consumer and guardian notices). Service token, or a bearer token of a caller
holding `notifications.send`.

Tenancy: the caller acts within its scope (`apps.auth.contracts.request_scope`): a director's or
secretary's token reaches its own school only, the service token is network-wide unless it declares a
school in `X-PRS1-Scope`. Another school's student or section is a 404 like an unknown one, and nothing
is queued."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from apps.auth.contracts import ServiceCaller, has_permission, integration_auth, request_scope
from apps.notifications import contracts
from common.errors import PermissionDenied
from common.filters import MAX_BIGINT
from common.integration import ErrorOut

router = Router(tags=["notifications"], auth=integration_auth())


class WelcomeIn(Schema):
    enrollmentId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[17])
    studentId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[120])
    sectionId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[4])
    idempotencyKey: str = Field(..., min_length=1, max_length=150, examples=["saga-8c1f:welcome"])


class NotifyGuardiansIn(Schema):
    studentId: int = Field(..., ge=1, le=MAX_BIGINT, examples=[120])
    templateKey: str = Field(..., min_length=1, max_length=64, examples=["absence_recorded"])
    context: dict = Field(default_factory=dict, examples=[{"date": "2026-04-10"}])
    idempotencyKey: str = Field(..., min_length=1, max_length=150, examples=["absence:991"])


class MessagesOut(Schema):
    messageIds: list[int] = Field(..., examples=[[301, 302, 303]])


def _authorize(request) -> None:
    caller = request.auth
    if not isinstance(caller, ServiceCaller) and not has_permission(caller, "notifications.send"):
        raise PermissionDenied(_("You do not have permission to perform this action."))


@router.post("/notifications/welcome",
             response={200: MessagesOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             summary="Welcome a newly enrolled student's guardians (sent once per enrollment, guardian and channel)")
def send_welcome(request, payload: WelcomeIn):
    _authorize(request)
    ids = contracts.send_welcome(scope=request_scope(request), enrollment_id=payload.enrollmentId, student_id=payload.studentId,
                                 section_id=payload.sectionId, idempotency_key=payload.idempotencyKey)
    return {"messageIds": ids}


@router.post("/notifications/notify-guardians",
             response={200: MessagesOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             summary="Send a template to a student's guardians on their channels (idempotent per key)")
def notify_guardians(request, payload: NotifyGuardiansIn):
    _authorize(request)
    ids = contracts.notify_guardians(scope=request_scope(request), student_id=payload.studentId, template_key=payload.templateKey,
                                     context=payload.context, idempotency_key=payload.idempotencyKey)
    return {"messageIds": ids}
