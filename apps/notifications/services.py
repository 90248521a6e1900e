"""Write use cases of notifications: request messages, deliver them, track their lifecycle.

Lifecycle of a Message (one recipient, one channel):

    REQUESTED ──claim──▶ SENDING ──provider accepted──▶ SENT ──callback──▶ DELIVERED
        ▲                  │  │                            └──callback──▶ FAILED
        │                  │  └─transient error / breaker open──▶ RETRYING (next_attempt_at) ──▶ claim again
        └──────────────────┘     permanent error or attempts exhausted ──▶ FAILED

Sending is at-most-once per idempotency key: a worker *claims* the row (SELECT … FOR UPDATE SKIP
LOCKED, REQUESTED/RETRYING → SENDING with a lease) and commits before calling the provider. If
the worker dies after the provider accepted, the row stays SENDING until the lease expires; the
next claim then re-sends an SMS with the *same* `Idempotency-Key` header (the provider answers
with the original message and sends nothing), and gives up on an email (SMTP has no idempotency:
the message is marked FAILED "outcome unknown" instead of risking a duplicate).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.notifications import directory, metrics, providers, rendering, selectors
from apps.notifications.events import (
    BulkNotificationCompleted,
    NotificationDelivered,
    NotificationFailed,
    NotificationRequested,
    NotificationSent,
)
from apps.notifications.models import (
    PENDING_STATUSES,
    BulkSend,
    Channel,
    Message,
    MessageStatus,
    NotificationPreference,
)
from common.errors import BusinessRuleViolation, NotFound, ValidationFailed
from common.tenancy import SYSTEM, Scope
from events import publish

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 6)
BACKOFF_BASE_SECONDS = getattr(settings, "NOTIFICATIONS_BACKOFF_BASE_SECONDS", 30)
BACKOFF_MAX_SECONDS = 3600
BULK_TEMPLATE_KEY = "bulk"


def _lease() -> timedelta:
    # Long enough for one provider call (timeout) plus bookkeeping.
    return timedelta(seconds=3 * providers.timeout_seconds())


def _email_delivered_on_accept() -> bool:
    """Without a bounce webhook, SMTP acceptance is the best delivery signal email has."""
    return getattr(settings, "NOTIFICATIONS_EMAIL_DELIVERED_ON_ACCEPT", True)


# --- recipients --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    language: str
    email: str
    phone: str
    channels: frozenset[str]
    institution_id: int | None = None
    quiet_until: datetime | None = None  # SMS held until then (quiet hours)


def quiet_hours_end(pref: NotificationPreference | None, now: datetime) -> datetime | None:
    """If `now` falls inside the person's quiet hours, when they end; else None."""
    if pref is None or pref.quiet_hours_start is None or pref.quiet_hours_end is None:
        return None
    start, end = pref.quiet_hours_start, pref.quiet_hours_end
    local = now.astimezone(ZoneInfo(pref.timezone or settings.TIME_ZONE))
    moment = local.time()
    inside = (start <= moment < end) if start <= end else (moment >= start or moment < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until


def _preferences(user_ids: list[int]) -> dict[int, NotificationPreference]:
    return {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}


def _recipient(user, *, allow_email: bool, allow_sms: bool, pref, now, allow_inapp: bool = True) -> Recipient:
    channels = set()
    if allow_email and getattr(user, "email", "") and (pref is None or pref.email_enabled):
        channels.add(Channel.EMAIL.value)
    if allow_sms and getattr(user, "phone", "") and (pref is None or pref.sms_enabled):
        channels.add(Channel.SMS.value)
    if allow_inapp and (pref is None or pref.inapp_enabled):
        channels.add(Channel.INAPP.value)
    return Recipient(
        user_id=user.id, name=getattr(user, "full_name", "") or "", language=getattr(user, "preferred_language", "es") or "es",
        email=getattr(user, "email", "") or "", phone=getattr(user, "phone", "") or "", channels=frozenset(channels),
        institution_id=getattr(user, "institution_id", None), quiet_until=quiet_hours_end(pref, now),
    )


def recipients_for_guardians(guardians: list) -> list[Recipient]:
    """Guardian links carry the per-child channel flags (notify_email / notify_sms); the person's own
    NotificationPreference adds opt-outs and quiet hours. One recipient per guardian person."""
    now = timezone.now()
    seen: dict[int, Recipient] = {}
    people = [getattr(g, "guardian", g) for g in guardians]
    prefs = _preferences([p.id for p in people])
    for link, person in zip(guardians, people, strict=True):
        if not getattr(person, "is_active", True):
            continue
        recipient = _recipient(person, allow_email=bool(getattr(link, "notify_email", True)),
                               allow_sms=bool(getattr(link, "notify_sms", True)), pref=prefs.get(person.id), now=now,
                               allow_inapp=bool(getattr(link, "notify_inapp", True)))
        previous = seen.get(person.id)
        if previous is not None:  # a guardian of two siblings: union of the links' channels
            recipient = Recipient(**{**recipient.__dict__, "channels": previous.channels | recipient.channels})
        seen[person.id] = recipient
    return list(seen.values())


def recipients_for_users(user_ids: list[int], *, scope: Scope, allow_sms: bool = True) -> list[Recipient]:
    """The people among `user_ids` the scope reaches (others are skipped, like unknown ids)."""
    now = timezone.now()
    users = directory.get_users(list(user_ids), scope=scope)
    prefs = _preferences(list(users))
    return [_recipient(user, allow_email=True, allow_sms=allow_sms, pref=prefs.get(uid), now=now)
            for uid, user in users.items() if getattr(user, "is_active", True)]


# --- requesting messages -------------------------------------------------------------------------


def _schedule(message_id: int, *, countdown: float | None = None) -> None:
    from apps.notifications import tasks

    transaction.on_commit(lambda: tasks.send_message.apply_async((message_id,), countdown=countdown))


@transaction.atomic
def message_request(*, recipient_user_id: int, channel: str, template_key: str, language: str, subject: str,
                    body_text: str, body_html: str, to_address: str, idempotency_key: str,
                    student_id: int | None = None, bulk: BulkSend | None = None,
                    not_before: datetime | None = None, institution_id: int | None = None) -> tuple[Message, bool]:
    """Record one message (once per idempotency key) and schedule its delivery. Returns (message, created)."""
    message, created = Message.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "recipient_user_id": recipient_user_id, "channel": channel, "template_key": template_key,
            "language": language, "subject": subject[:200], "body_text": body_text, "body_html": body_html,
            "to_address": "" if channel == Channel.INAPP else to_address, "student_id": student_id, "bulk": bulk,
            "next_attempt_at": not_before, "institution_id": institution_id,
        },
    )
    if not created:
        return message, False
    publish("notification.requested", aggregate_id=message.pk, aggregate_type="Notification",
            payload=NotificationRequested(
                message_id=message.pk, recipient_user_id=recipient_user_id, channel=channel, template_key=template_key,
                language=language, idempotency_key=idempotency_key, bulk_id=bulk.pk if bulk else None,
                student_id=student_id))
    if not_before is None:
        _schedule(message.pk)
    else:
        _schedule(message.pk, countdown=max(0.0, (not_before - timezone.now()).total_seconds()))
    return message, True


@transaction.atomic
def notify(*, recipients: list[Recipient], template_key: str, context: dict, key_prefix: str,
           channels: frozenset[str] | None = None, student_id: int | None = None, bulk: BulkSend | None = None,
           institution_id: int | None = None, template_variables: tuple[str, ...] = ()) -> list[Message]:
    """Render `template_key` per recipient language and request one message per allowed channel.
    Message idempotency key: f"{key_prefix}:{recipient_user_id}:{channel}" (channel lower-case).
    `template_variables` names context values that are templates themselves (a bulk's free text may say
    {{ recipient_name }}); they are rendered per recipient first. Each message records its school:
    `institution_id` (the student's or the bulk's), else the recipient's."""
    templates: dict[str, object] = {}
    school_channels: dict[int | None, frozenset[str]] = {}
    messages: list[Message] = []
    for recipient in recipients:
        school = institution_id if institution_id is not None else recipient.institution_id
        if school not in school_channels:
            school_channels[school] = directory.institution_channels(school)
        allowed = recipient.channels & school_channels[school]
        if channels is not None:
            allowed &= channels
        if not allowed:
            continue
        if recipient.language not in templates:
            templates[recipient.language] = selectors.template_for(key=template_key, language=recipient.language)
        template = templates[recipient.language]
        if template is None:
            raise BusinessRuleViolation(_("No active template for this notification."), code="template_missing",
                                        details={"template_key": template_key})
        personal = {**context, "recipient_name": recipient.name, "recipient_id": recipient.user_id}
        for name in template_variables:
            personal[name] = rendering.render_text(str(context.get(name) or ""), personal)
        rendered = rendering.render(subject=template.subject, body_text=template.body_text,
                                    body_html=template.body_html, sms_text=template.sms_text, context=personal)
        for channel in sorted(allowed):
            message, _created = message_request(
                recipient_user_id=recipient.user_id, channel=channel, template_key=template_key,
                language=template.language, subject=rendered.subject,
                body_text=rendered.sms_text if channel == Channel.SMS else rendered.body_text,
                body_html=rendered.body_html if channel == Channel.EMAIL else "",
                to_address={"EMAIL": recipient.email, "SMS": recipient.phone}.get(channel, ""),
                idempotency_key=f"{key_prefix}:{recipient.user_id}:{channel.lower()}",
                student_id=student_id, bulk=bulk,
                not_before=recipient.quiet_until if channel == Channel.SMS else None, institution_id=school,
            )
            messages.append(message)
    return messages


# --- delivering ----------------------------------------------------------------------------


def _claimable(now: datetime) -> Q:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return (Q(status__in=[MessageStatus.REQUESTED, MessageStatus.RETRYING]) & due) | Q(
        status=MessageStatus.SENDING, lease_expires_at__lt=now)


def due_message_ids(*, limit: int = 500) -> list[int]:
    return list(Message.objects.filter(_claimable(timezone.now())).order_by("next_attempt_at", "id")
                .values_list("id", flat=True)[:limit])


def _outgoing(message: Message) -> providers.Outgoing:
    callback = getattr(settings, "NOTIFICATIONS_SMS_STATUS_CALLBACK_URL", "")
    return providers.Outgoing(
        message_id=message.pk, reference=f"prs1-msg-{message.pk}-{_key_digest(message.idempotency_key)}",
        to=message.to_address, subject=message.subject, body_text=message.body_text, body_html=message.body_html,
        status_callback=callback if message.channel == Channel.SMS else "",
    )


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def message_deliver(*, message_id: int) -> str:
    """Claim the message and hand it to its channel. Returns the outcome
    ("skipped" | "sent" | "retrying" | "failed"). Safe to call any number of times."""
    now = timezone.now()
    with transaction.atomic():
        message = (Message.objects.select_for_update(skip_locked=True)
                   .filter(_claimable(now), pk=message_id).first())
        if message is None:
            return "skipped"
        recovering = message.status == MessageStatus.SENDING
        if recovering and message.channel == Channel.EMAIL:
            # SMTP has no idempotency: the previous worker may have handed it over already.
            _fail(message, "worker lost during the SMTP hand-over; outcome unknown, not re-sent (at-most-once)",
                  permanent=True)
            return "failed"
        message.status = MessageStatus.SENDING
        message.lease_expires_at = now + _lease()
        message.attempts += 1
        message.save(update_fields=["status", "lease_expires_at", "attempts", "updated_at"])
    attempt = message.attempts

    if message.channel == Channel.INAPP:  # the inbox is our own table: stored = delivered
        _mark_sent(message_id, attempt, providers.ProviderResult(f"inapp-{message_id}", "delivered"))
        return "sent"
    try:
        result = providers.send(message.channel, _outgoing(message))
    except providers.BreakerOpen as exc:
        _requeue_breaker_open(message_id, attempt, str(exc))
        return "retrying"
    except providers.PermanentProviderError as exc:
        return _after_failure(message_id, attempt, str(exc), permanent=True)
    except providers.TransientProviderError as exc:
        return _after_failure(message_id, attempt, str(exc), permanent=False)
    _mark_sent(message_id, attempt, result)
    return "sent"


def _locked_if_owner(message_id: int, attempt: int) -> Message | None:
    """The row, locked, if this attempt still owns it (no other worker took over after our lease)."""
    message = Message.objects.select_for_update().get(pk=message_id)
    if message.status != MessageStatus.SENDING or message.attempts != attempt:
        logger.warning("lost the lease of message %s (attempt %s)", message_id, attempt)
        return None
    return message


@transaction.atomic
def _mark_sent(message_id: int, attempt: int, result: providers.ProviderResult) -> None:
    message = _locked_if_owner(message_id, attempt)
    if message is None:
        return
    now = timezone.now()
    message.status, message.sent_at = MessageStatus.SENT, now
    message.provider_message_id = result.provider_message_id[:100]
    message.lease_expires_at = message.next_attempt_at = None
    message.last_error = ""
    message.save(update_fields=["status", "sent_at", "provider_message_id", "lease_expires_at", "next_attempt_at",
                                "last_error", "updated_at"])
    publish("notification.sent", aggregate_id=message.pk, aggregate_type="Notification", payload=NotificationSent(
        message_id=message.pk, recipient_user_id=message.recipient_user_id, channel=message.channel,
        provider_message_id=message.provider_message_id, attempts=message.attempts, sent_at=now.isoformat()))
    metrics.SENT.labels(message.channel).inc()
    if message.channel == Channel.INAPP or (message.channel == Channel.EMAIL and _email_delivered_on_accept()):
        _mark_delivered(message)
    _bulk_progress_changed(message)


def _mark_delivered(message: Message) -> None:
    now = timezone.now()
    message.status, message.delivered_at = MessageStatus.DELIVERED, now
    message.save(update_fields=["status", "delivered_at", "updated_at"])
    publish("notification.delivered", aggregate_id=message.pk, aggregate_type="Notification",
            payload=NotificationDelivered(message_id=message.pk, recipient_user_id=message.recipient_user_id,
                                          channel=message.channel, provider_message_id=message.provider_message_id,
                                          delivered_at=now.isoformat()))
    metrics.DELIVERED.labels(message.channel).inc()


def _fail(message: Message, error: str, *, permanent: bool) -> None:
    message.status, message.failed_at = MessageStatus.FAILED, timezone.now()
    message.last_error = error[:2000]
    message.lease_expires_at = message.next_attempt_at = None
    message.save(update_fields=["status", "failed_at", "last_error", "lease_expires_at", "next_attempt_at",
                                "updated_at"])
    publish("notification.failed", aggregate_id=message.pk, aggregate_type="Notification", payload=NotificationFailed(
        message_id=message.pk, recipient_user_id=message.recipient_user_id, channel=message.channel,
        error=message.last_error[:500], attempts=message.attempts, permanent=permanent))
    metrics.FAILED.labels(message.channel).inc()
    _bulk_progress_changed(message)


def backoff_seconds(attempts: int) -> float:
    return float(min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


@transaction.atomic
def _after_failure(message_id: int, attempt: int, error: str, *, permanent: bool) -> str:
    message = _locked_if_owner(message_id, attempt)
    if message is None:
        return "skipped"
    if permanent or message.attempts >= MAX_ATTEMPTS:
        _fail(message, error, permanent=permanent)
        return "failed"
    delay = backoff_seconds(message.attempts)
    message.status, message.last_error = MessageStatus.RETRYING, error[:2000]
    message.next_attempt_at, message.lease_expires_at = timezone.now() + timedelta(seconds=delay), None
    message.save(update_fields=["status", "last_error", "next_attempt_at", "lease_expires_at", "updated_at"])
    metrics.RETRIED.labels(message.channel).inc()
    _schedule(message.pk, countdown=delay)
    return "retrying"


@transaction.atomic
def _requeue_breaker_open(message_id: int, attempt: int, error: str) -> None:
    """The breaker failed fast: no call was made, so this is not an attempt. Keep it queued until
    the breaker's recovery timeout has passed."""
    message = _locked_if_owner(message_id, attempt)
    if message is None:
        return
    delay = float(providers.breaker(message.channel).reset_timeout)
    message.status, message.attempts = MessageStatus.RETRYING, message.attempts - 1
    message.last_error = f"circuit breaker open: {error}"[:2000]
    message.next_attempt_at, message.lease_expires_at = timezone.now() + timedelta(seconds=delay), None
    message.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "lease_expires_at",
                                "updated_at"])
    _schedule(message.pk, countdown=delay)


# --- provider callbacks ------------------------------------------------------------------------


def webhook_signature(body: bytes, secret: str | None = None) -> str:
    key = (settings.SMS_WEBHOOK_SECRET if secret is None else secret).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def webhook_signature_valid(body: bytes, signature: str | None) -> bool:
    if not settings.SMS_WEBHOOK_SECRET or not signature:
        return False
    signature = signature.removeprefix("sha256=").strip()
    return hmac.compare_digest(webhook_signature(body), signature)


SMS_DELIVERED_STATUSES = frozenset({"delivered"})
SMS_FAILED_STATUSES = frozenset({"failed", "undelivered"})


@transaction.atomic
def sms_status_callback(*, provider_message_id: str, provider_status: str, error_code: str = "") -> str:
    """Apply a provider delivery report. Returns "delivered" | "failed" | "ignored". Idempotent."""
    status = provider_status.lower()
    message = (Message.objects.select_for_update()
               .filter(channel=Channel.SMS, provider_message_id=provider_message_id).first())
    if message is None or message.status != MessageStatus.SENT:
        return "ignored"
    if status in SMS_DELIVERED_STATUSES:
        _mark_delivered(message)
        _bulk_progress_changed(message)
        return "delivered"
    if status in SMS_FAILED_STATUSES:
        _fail(message, f"provider reported {status}" + (f" (error {error_code})" if error_code else ""),
              permanent=True)
        return "failed"
    return "ignored"


# --- inbox -----------------------------------------------------------------------------------------


@transaction.atomic
def inbox_mark_read(*, user_id: int, message_id: int) -> Message:
    message = selectors.inbox_of(user_id=user_id).select_for_update().filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("Notification not found."), code="notification_not_found")
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at", "updated_at"])
    return message


# --- bulk sends ------------------------------------------------------------------------------------


def _bulk_school(*, scope: Scope, section, users: dict) -> int | None:
    """The school a bulk send acts in: a school scope's own; network-wide, the section's, else the
    recipients' common school (None for people of several schools or of none)."""
    if not scope.is_network:
        return scope.institution_id
    if section is not None:
        return getattr(section, "institution_id", None)
    schools = {getattr(u, "institution_id", None) for u in users.values()}
    return schools.pop() if len(schools) == 1 else None


@transaction.atomic
def bulk_send_create(*, scope: Scope, requested_by_id: int, user_ids: list[int] | None, section_id: int | None,
                     template_key: str | None, subject: str | None, body: str | None, channels: list[str]) -> BulkSend:
    """Accept a bulk send to people or to a section's guardians, within the caller's scope: a section or a
    person the scope does not reach is a 404 (like an unknown id) and nothing is recorded or queued."""
    section = directory.get_section(section_id, scope=scope) if section_id is not None else None
    if section_id is not None and section is None:
        raise NotFound(_("Section not found."), code="section_not_found")
    known = directory.get_users(user_ids, scope=scope) if user_ids else {}
    missing = sorted(set(user_ids or []) - set(known))
    if missing:
        raise NotFound(_("User not found."), code="user_not_found")
    fields: dict[str, list[str]] = {}
    if bool(user_ids) == (section_id is not None):
        fields["non_field_errors"] = [str(_("Give either user_ids or section_id."))]
    if template_key:
        if selectors.template_for(key=template_key, language="es") is None:
            fields["template_key"] = [str(_("No active template with this key."))]
    elif not (subject and body):
        fields["non_field_errors"] = [*fields.get("non_field_errors", []),
                                      str(_("Give a template_key, or a subject and a body."))]
    else:
        errors = rendering.syntax_errors(subject=subject, body=body)
        fields.update(errors)
    if fields:
        raise ValidationFailed(str(_("Invalid input.")), fields=fields)
    bulk = BulkSend.objects.create(
        requested_by_id=requested_by_id, template_key=template_key or "", subject=subject or "", body=body or "",
        channels=sorted(set(channels)), recipient_user_ids=sorted(set(user_ids or [])), section_id=section_id,
        institution_id=_bulk_school(scope=scope, section=section, users=known),
    )
    from apps.notifications import tasks

    transaction.on_commit(lambda: tasks.bulk_send_run.delay(bulk.pk))
    return bulk


@transaction.atomic
def bulk_send_run(*, bulk_id: int) -> int:
    """Expand the bulk send into messages (idempotent: keys are per bulk, recipient and channel)."""
    bulk = BulkSend.objects.select_for_update().get(pk=bulk_id)
    if bulk.status == BulkSend.Status.COMPLETED:
        return bulk.total
    # A school's bulk reaches that school's people only (checked at request time, and again here).
    scope = SYSTEM if bulk.institution_id is None else Scope.school(bulk.institution_id)
    if bulk.section_id is not None:
        student_ids = directory.section_student_ids(bulk.section_id, scope=scope)
        links = [link for links in directory.guardians_of_students(student_ids, scope=scope).values()
                 for link in links]
        recipients = recipients_for_guardians(links)
    else:
        recipients = recipients_for_users(bulk.recipient_user_ids, scope=scope)
    key = bulk.template_key or BULK_TEMPLATE_KEY
    messages = notify(recipients=recipients, template_key=key, context={"subject": bulk.subject, "body": bulk.body},
                      key_prefix=f"bulk:{bulk.pk}", channels=frozenset(bulk.channels), bulk=bulk,
                      institution_id=bulk.institution_id, template_variables=("subject", "body"))
    bulk.total = len(messages)
    bulk.save(update_fields=["total"])
    if not messages:
        _bulk_complete(bulk)
    return bulk.total


def _bulk_progress_changed(message: Message) -> None:
    if message.bulk_id is not None and message.status not in PENDING_STATUSES:
        bulk_id = message.bulk_id
        transaction.on_commit(lambda: bulk_complete_if_done(bulk_id=bulk_id))


@transaction.atomic
def bulk_complete_if_done(*, bulk_id: int) -> bool:
    bulk = BulkSend.objects.select_for_update().get(pk=bulk_id)
    if bulk.status == BulkSend.Status.COMPLETED or bulk.total == 0:
        return False
    if bulk.messages.filter(status__in=PENDING_STATUSES).exists():
        return False
    _bulk_complete(bulk)
    return True


def _bulk_complete(bulk: BulkSend) -> None:
    progress = selectors.bulk_progress(scope=SYSTEM, bulk_id=bulk.pk)
    bulk.status, bulk.completed_at = BulkSend.Status.COMPLETED, timezone.now()
    bulk.save(update_fields=["status", "completed_at"])
    publish("bulk.notification.completed", aggregate_id=bulk.pk, aggregate_type="BulkNotification",
            payload=BulkNotificationCompleted(bulk_id=bulk.pk, total=bulk.total, sent=progress["sent"],
                                              failed=progress["failed"], completed_at=bulk.completed_at.isoformat()))
