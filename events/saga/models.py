"""Persisted saga instances and their steps."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class SagaStatus(models.TextChoices):
    RUNNING = "RUNNING", _("Running")
    COMPENSATING = "COMPENSATING", _("Compensating")
    COMPLETED = "COMPLETED", _("Completed")
    COMPENSATED = "COMPENSATED", _("Compensated")
    FAILED = "FAILED", _("Failed (needs an operator)")


class StepStatus(models.TextChoices):
    PENDING = "PENDING", _("Pending")
    RUNNING = "RUNNING", _("Running")
    SUCCEEDED = "SUCCEEDED", _("Succeeded")
    FAILED = "FAILED", _("Failed")
    SKIPPED = "SKIPPED", _("Failed, not critical (skipped)")
    COMPENSATED = "COMPENSATED", _("Compensated")
    COMPENSATION_FAILED = "COMPENSATION_FAILED", _("Compensation failed")


class SagaInstance(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    saga_type = models.CharField(_("saga type"), max_length=100, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=SagaStatus.choices, default=SagaStatus.RUNNING,
                              db_index=True)
    data = models.JSONField(_("data"), default=dict)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True, null=True, blank=True)
    correlation_id = models.CharField(_("correlation id"), max_length=100, db_index=True)
    started_by = models.CharField(_("started by"), max_length=64, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    lease_owner = models.CharField(_("lease owner"), max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("saga")
        verbose_name_plural = _("sagas")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.saga_type} {self.id} ({self.status})"


class SagaStep(models.Model):
    saga = models.ForeignKey(SagaInstance, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(_("status"), max_length=24, choices=StepStatus.choices, default=StepStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    compensation_attempts = models.PositiveIntegerField(_("compensation attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    output = models.JSONField(_("output"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    compensated_at = models.DateTimeField(_("compensated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("saga step")
        verbose_name_plural = _("saga steps")
        ordering = ["saga", "position"]
        constraints = [models.UniqueConstraint(fields=["saga", "position"], name="saga_step_position_unique")]

    def __str__(self) -> str:
        return f"{self.position}. {self.name} ({self.status})"
