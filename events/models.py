"""Outbox, inbox and dead letters. Owned by the event infrastructure, not by any context."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """An event recorded in the same transaction as the state change that caused it."""

    event_id = models.UUIDField(primary_key=True, verbose_name=_("event id"))
    # Few indexes on purpose: every index costs the relay's "mark published" UPDATE (see docs/events.md).
    event_type = models.CharField(_("event type"), max_length=64)
    event_version = models.CharField(_("event version"), max_length=8)
    topic = models.CharField(_("topic"), max_length=64)
    aggregate_type = models.CharField(_("aggregate type"), max_length=64)
    aggregate_id = models.CharField(_("aggregate id"), max_length=64)
    correlation_id = models.CharField(_("correlation id"), max_length=100, db_index=True)
    envelope = models.JSONField(_("envelope"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["created_at"], name="outbox_pending_idx", condition=models.Q(published_at__isnull=True)),
            models.Index(fields=["aggregate_type", "aggregate_id", "created_at"], name="outbox_aggregate_idx"),
            # The relay's "older pending row of the same aggregate?" probe.
            models.Index(fields=["aggregate_type", "aggregate_id", "created_at"], name="outbox_agg_pending_idx",
                         condition=models.Q(published_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_id} ({self.event_id})"


class InboxDelivery(models.Model):
    """One row per (event, handler) applied: at-least-once delivery, exactly-once effect."""

    event_id = models.UUIDField(_("event id"))
    handler = models.CharField(_("handler"), max_length=200)
    processed_at = models.DateTimeField(_("processed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbox delivery")
        verbose_name_plural = _("inbox deliveries")
        constraints = [models.UniqueConstraint(fields=["event_id", "handler"], name="inbox_event_handler_unique")]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id}"


class DeadLetter(models.Model):
    """A delivery that kept failing after its retries; re-drivable by an operator."""

    event_id = models.UUIDField(_("event id"), db_index=True)
    event_type = models.CharField(_("event type"), max_length=64)
    handler = models.CharField(_("handler"), max_length=200)
    envelope = models.JSONField(_("envelope"))
    error = models.TextField(_("error"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["event_id", "handler"], name="dead_letter_event_handler_unique")]

    def __str__(self) -> str:
        return f"{self.handler} x {self.event_type} ({self.event_id})"


class PendingDelivery(models.Model):
    """An in-process delivery (event, handler) scheduled after commit and not finished yet.

    Written in the publishing transaction, deleted when `deliver_event` finishes (applied, already
    applied, or dead-lettered). A row older than EVENTS_DELIVERY_SWEEP_AFTER_S means the task was lost
    (worker killed mid-delivery, broker hiccup): `events.sweep_deliveries` sends it again; the inbox
    makes a second run a no-op."""

    event_id = models.UUIDField(_("event id"))
    handler = models.CharField(_("handler"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    resent_at = models.DateTimeField(_("resent at"), null=True, blank=True)
    resends = models.PositiveIntegerField(_("resends"), default=0)

    class Meta:
        verbose_name = _("pending delivery")
        verbose_name_plural = _("pending deliveries")
        constraints = [models.UniqueConstraint(fields=["event_id", "handler"], name="pending_delivery_unique")]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id} (pending)"
