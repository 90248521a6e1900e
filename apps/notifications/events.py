"""Payload schemas of notification-events (seed topic `notification-events`)."""

from __future__ import annotations

from events import EventPayload, event_payload


@event_payload("notification.requested", version="1.0")
class NotificationRequested(EventPayload):
    message_id: int
    recipient_user_id: int
    channel: str  # EMAIL | SMS | INAPP
    template_key: str
    language: str
    idempotency_key: str
    bulk_id: int | None = None
    student_id: int | None = None


@event_payload("notification.sent", version="1.0")
class NotificationSent(EventPayload):
    message_id: int
    recipient_user_id: int
    channel: str
    provider_message_id: str
    attempts: int
    sent_at: str


@event_payload("notification.delivered", version="1.0")
class NotificationDelivered(EventPayload):
    message_id: int
    recipient_user_id: int
    channel: str
    provider_message_id: str
    delivered_at: str


@event_payload("notification.failed", version="1.0")
class NotificationFailed(EventPayload):
    message_id: int
    recipient_user_id: int
    channel: str
    error: str
    attempts: int
    permanent: bool


@event_payload("bulk.notification.completed", version="1.0")
class BulkNotificationCompleted(EventPayload):
    bulk_id: int
    total: int
    sent: int
    failed: int
    completed_at: str
