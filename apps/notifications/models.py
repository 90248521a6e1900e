"""Notifications: templates, messages (one per recipient and channel), bulk sends, preferences."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]


class Channel(models.TextChoices):
    EMAIL = "EMAIL", _("Email")
    SMS = "SMS", _("SMS")
    INAPP = "INAPP", _("In-app")


class MessageStatus(models.TextChoices):
    REQUESTED = "REQUESTED", _("Requested")
    SENDING = "SENDING", _("Sending")
    RETRYING = "RETRYING", _("Retrying")
    SENT = "SENT", _("Sent")
    DELIVERED = "DELIVERED", _("Delivered")
    FAILED = "FAILED", _("Failed")


PENDING_STATUSES = (MessageStatus.REQUESTED, MessageStatus.SENDING, MessageStatus.RETRYING)
DONE_OK_STATUSES = (MessageStatus.SENT, MessageStatus.DELIVERED)


class NotificationTemplate(models.Model):
    """Text of one notification kind (event key) in one language. Django template syntax."""

    key = models.SlugField(_("key"), max_length=64, help_text=_("Event key, e.g. absence_recorded."))
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES, default="es")
    description = models.CharField(_("description"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True, help_text=_("Optional; autoescaped."))
    sms_text = models.CharField(_("SMS text"), max_length=480, blank=True)
    sample_context = models.JSONField(_("sample context"), default=dict, blank=True,
                                      help_text=_("Variables used by the admin preview."))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="notification_template_key_language")]

    def __str__(self) -> str:
        return f"{self.key} [{self.language}]"


class BulkSend(models.Model):
    """A staff-initiated send to many recipients (send-immediate)."""

    class Status(models.TextChoices):
        RUNNING = "RUNNING", _("Running")
        COMPLETED = "COMPLETED", _("Completed")

    requested_by_id = models.BigIntegerField(_("requested by"), db_index=True)
    # The school the send acts in: the caller's own, or for network-wide callers the section's / the
    # recipients' common school. None only for a network-wide send to people of several or no school.
    institution_id = models.BigIntegerField(_("institution"), null=True, blank=True, db_index=True)
    template_key = models.CharField(_("template key"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    channels = models.JSONField(_("channels"), default=list)
    recipient_user_ids = models.JSONField(_("recipient user ids"), default=list)
    section_id = models.BigIntegerField(_("section"), null=True, blank=True)
    total = models.PositiveIntegerField(_("total messages"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RUNNING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk send")
        verbose_name_plural = _("bulk sends")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"BULK-{self.pk}"


class Message(models.Model):
    """One notification to one recipient on one channel. `idempotency_key` makes it unique."""

    recipient_user_id = models.BigIntegerField(_("recipient"), db_index=True)
    # The school the message is about (the student's, the section's) or the recipient's. None only for a
    # person of no school (network staff): such messages are seen network-wide only.
    institution_id = models.BigIntegerField(_("institution"), null=True, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    template_key = models.CharField(_("template key"), max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES, default="es")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    to_address = models.CharField(_("to"), max_length=254, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.REQUESTED,
                              db_index=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    student_id = models.BigIntegerField(_("student"), null=True, blank=True)
    bulk = models.ForeignKey(BulkSend, on_delete=models.PROTECT, null=True, blank=True, related_name="messages",
                             verbose_name=_("bulk send"))
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_msg_due"),
            models.Index(fields=["recipient_user_id", "channel", "-created_at"], name="notif_msg_inbox"),
            models.Index(fields=["channel", "created_at"], name="notif_msg_channel_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(channel="INAPP") | Q(to_address=""), name="notif_msg_inapp_no_address"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} → {self.recipient_user_id} ({self.status})"


class NotificationPreference(models.Model):
    """A person's own choices: channel opt-outs and quiet hours (SMS held until they end)."""

    user_id = models.BigIntegerField(_("user"), unique=True)
    email_enabled = models.BooleanField(_("email enabled"), default=True)
    sms_enabled = models.BooleanField(_("SMS enabled"), default=True)
    inapp_enabled = models.BooleanField(_("in-app enabled"), default=True)
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="America/Lima")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user_id"]

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"
