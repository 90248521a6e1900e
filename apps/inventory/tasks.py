"""Inventory's periodic work (Celery beat: `inventory-detect-overdue-loans`, prs1/settings.py)."""

from __future__ import annotations

from celery import shared_task

from apps.inventory import services


@shared_task(name="inventory.detect_overdue_loans")
def detect_overdue_loans() -> int:
    """loan.overdue and the reminders for every open loan past a rule's days: once per loan per rule, so
    the task is idempotent (a second run, or a redelivery, sends nothing new). Returns notices sent."""
    return services.loans_detect_overdue().notices
