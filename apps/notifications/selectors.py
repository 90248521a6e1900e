"""Read queries of notifications.

Messages and bulk sends belong to a school (`institution_id`): the selectors that read them take the
caller's `scope` and reach only its school's rows (a row of no school: network-wide scopes only).
Templates are shared by the install; a person's inbox is reached by their own id."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from apps.notifications.models import (
    DONE_OK_STATUSES,
    PENDING_STATUSES,
    BulkSend,
    Channel,
    Message,
    MessageStatus,
    NotificationTemplate,
)
from common.errors import NotFound
from common.tenancy import Scope


def template_get(*, template_id: int) -> NotificationTemplate:
    template = NotificationTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("Template not found."), code="template_not_found")
    return template


def template_list(*, key: str | None = None, language: str | None = None) -> QuerySet[NotificationTemplate]:
    qs = NotificationTemplate.objects.all()
    if key:
        qs = qs.filter(key=key)
    if language:
        qs = qs.filter(language=language)
    return qs.order_by("key", "language")


def template_for(*, key: str, language: str) -> NotificationTemplate | None:
    """The active template for `key` in `language`, else Spanish (the default), else any language."""
    candidates = {t.language: t for t in NotificationTemplate.objects.filter(key=key, is_active=True)}
    return candidates.get(language) or candidates.get("es") or next(iter(candidates.values()), None)


def inbox_of(*, user_id: int, unread_only: bool = False) -> QuerySet[Message]:
    qs = Message.objects.filter(recipient_user_id=user_id, channel=Channel.INAPP,
                                status__in=DONE_OK_STATUSES)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(*, user_id: int) -> int:
    return inbox_of(user_id=user_id, unread_only=True).count()


def bulk_progress(*, scope: Scope, bulk_id: int) -> dict:
    """A bulk send and its counts; another school's bulk send is a 404 like an unknown one."""
    bulk = scope.filter(BulkSend.objects.filter(pk=bulk_id)).first()
    if bulk is None:
        raise NotFound(_("Bulk send not found."), code="bulk_not_found")
    counts = bulk.messages.aggregate(
        created=Count("id"),
        sent=Count("id", filter=Q(status__in=DONE_OK_STATUSES)),
        failed=Count("id", filter=Q(status=MessageStatus.FAILED)),
        pending=Count("id", filter=Q(status__in=PENDING_STATUSES)),
    )
    return {"bulk": bulk, "total": bulk.total, **counts}


def bulk_sends_with_counts(*, scope: Scope) -> QuerySet[BulkSend]:
    """The scope's bulk sends annotated with sent_count / failed_count / pending_count (one query for a list)."""
    return scope.filter(BulkSend.objects.all()).annotate(
        sent_count=Count("messages", filter=Q(messages__status__in=DONE_OK_STATUSES)),
        failed_count=Count("messages", filter=Q(messages__status=MessageStatus.FAILED)),
        pending_count=Count("messages", filter=Q(messages__status__in=PENDING_STATUSES)),
    )


def messages(*, scope: Scope) -> QuerySet[Message]:
    """The messages of the scope's school (newest first)."""
    return scope.filter(Message.objects.all()).order_by("-created_at", "-id")


def delivery_stats(*, scope: Scope, since: datetime | None, until: datetime | None) -> list[dict]:
    """Per channel: requested, sent, delivered, failed, pending and the delivery rate
    delivered / (delivered + failed) (None when nothing finished) for the scope's messages created in the range."""
    qs = scope.filter(Message.objects.all())
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    rows = {row["channel"]: row for row in qs.values("channel").annotate(
        requested=Count("id"),
        sent=Count("id", filter=Q(status__in=DONE_OK_STATUSES)),
        delivered=Count("id", filter=Q(status=MessageStatus.DELIVERED)),
        failed=Count("id", filter=Q(status=MessageStatus.FAILED)),
        pending=Count("id", filter=Q(status__in=PENDING_STATUSES)),
    )}
    result = []
    for channel in Channel.values:
        row = rows.get(channel, {"requested": 0, "sent": 0, "delivered": 0, "failed": 0, "pending": 0})
        finished = row["delivered"] + row["failed"]
        result.append({
            "channel": channel, "requested": row["requested"], "sent": row["sent"], "delivered": row["delivered"],
            "failed": row["failed"], "pending": row["pending"],
            "rate": (row["delivered"] / finished) if finished else None,
        })
    return result
