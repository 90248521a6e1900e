"""The tenancy migrations (0002 backfill, 0003 required): attendance rows written before
`institution_id` was filled get their school from their section, then the column is required."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.academic.factories import SectionFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("attendance", "0001_initial")]
AFTER = [("attendance", "0003_institution_required")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_backfill_gives_every_attendance_row_its_school():
    section = SectionFactory()
    today, now = timezone.localdate(), timezone.now()
    old = _migrate(BEFORE)
    try:
        Record = old.get_model("attendance", "AttendanceRecord")
        record = Record.objects.create(student_id=7, section_id=section.pk, institution_id=None, date=today,
                                       status="ABSENT", marked_at=now, updated_at=now)
        justification = old.get_model("attendance", "Justification").objects.create(
            student_id=7, section_id=section.pk, guardian_id=8, start_date=today, end_date=today, reason="x")
        alert = old.get_model("attendance", "PatternAlert").objects.create(
            student_id=7, section_id=section.pk, pattern="CONSECUTIVE_ABSENCES", occurrence_key="k", value="3",
            threshold="3", triggered_on=today)
    finally:
        new = _migrate(AFTER)
    for model, pk in (("AttendanceRecord", record.pk), ("Justification", justification.pk),
                      ("PatternAlert", alert.pk)):
        assert new.get_model("attendance", model).objects.get(pk=pk).institution_id == section.institution_id, model
    assert not new.get_model("attendance", "Justification")._meta.get_field("institution_id").null
