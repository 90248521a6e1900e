"""The demo seed shows plans, grades, averages and an alert, and changes nothing when run twice."""

import pytest

from apps.grades import demo
from apps.grades.models import EvaluationPlan, GradeEntry, GradeRecord, PerformanceAlert
from events.models import OutboxEvent
from tests.academic.factories import EnrollmentFactory
from tests.users.factories import StudentFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_shows_the_feature(real_section):
    section = real_section["section"]
    students = [StudentFactory() for _ in range(4)]
    for student in students:
        EnrollmentFactory(section=section, student_id=student.pk)
    shared = {"institution_id": real_section["institution"].pk, "section_ids": [section.pk],
              "period_ids": [p.id for p in real_section["periods"]]}

    demo.seed(shared)
    counts = (EvaluationPlan.objects.count(), GradeEntry.objects.count(), PerformanceAlert.objects.count(),
              OutboxEvent.objects.count())
    demo.seed(shared)

    assert (EvaluationPlan.objects.count(), GradeEntry.objects.count(), PerformanceAlert.objects.count(),
            OutboxEvent.objects.count()) == counts
    courses = len(real_section["courses"])
    assert EvaluationPlan.objects.count() == courses
    assert GradeEntry.objects.count() == len(students) * courses * demo.GRADED
    assert GradeRecord.objects.filter(average_calculated_at__isnull=False).count() == len(students) * courses
    alert = PerformanceAlert.objects.get()
    assert (alert.reason, alert.student_id) == ("BELOW_PASS_MARK", min(s.pk for s in students))
