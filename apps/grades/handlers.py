"""Reactions of the grades context to other contexts' events."""

from __future__ import annotations

import logging

from apps.grades import services
from common.tenancy import SYSTEM
from events import Event, subscribe

logger = logging.getLogger(__name__)


@subscribe("student.enrolled")
def on_student_enrolled(event: Event) -> None:
    """createGradeRecords (seed): the same idempotent service as the saga step, so whichever runs
    second creates nothing."""
    payload = event.payload
    created = services.grade_records_initialize(
        scope=SYSTEM, enrollment_id=int(payload["enrollmentId"]), student_id=int(payload["studentUserId"]),
        section_id=int(payload["sectionId"]))
    logger.info("grade records for enrollment %s: %s created", payload["enrollmentId"], created)
