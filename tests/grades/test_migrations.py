"""The tenancy migrations (0002 backfill, 0003 required): rows written before `institution_id` was
filled get their school from their section or period, then the column is required."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("grades", "0001_initial")]
AFTER = [("grades", "0003_institution_required")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_backfill_gives_every_grades_row_its_school(real_section):
    section, course, period = real_section["section"], real_section["courses"][0], real_section["periods"][0]
    school = real_section["institution"].pk
    old = _migrate(BEFORE)
    try:
        Record = old.get_model("grades", "GradeRecord")
        record = Record.objects.create(enrollment_id=1, student_id=2, section_id=section.pk, course_id=course.pk,
                                       period_id=period.id, institution_id=None)
        sibling = Record.objects.create(enrollment_id=3, student_id=4, section_id=section.pk, course_id=course.pk,
                                        period_id=period.id, institution_id=None)
        plan = old.get_model("grades", "EvaluationPlan").objects.create(course_id=course.pk, period_id=period.id,
                                                                         name="Plan")
        closure = old.get_model("grades", "PeriodClosure").objects.create(period_id=period.id, closed_at=timezone.now(),
                                                                          institution_id=None)
        alert = old.get_model("grades", "PerformanceAlert").objects.create(
            student_id=2, course_id=course.pk, period_id=period.id, section_id=section.pk, reason="BELOW_PASS_MARK",
            average="9", pass_mark="11")
    finally:
        new = _migrate(AFTER)
    for model, pk in (("GradeRecord", record.pk), ("GradeRecord", sibling.pk), ("EvaluationPlan", plan.pk),
                      ("PeriodClosure", closure.pk), ("PerformanceAlert", alert.pk)):
        assert new.get_model("grades", model).objects.get(pk=pk).institution_id == school, model
    assert not new.get_model("grades", "GradeRecord")._meta.get_field("institution_id").null
