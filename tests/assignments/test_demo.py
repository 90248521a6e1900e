from __future__ import annotations

import pytest

from apps.assignments import demo, selectors
from apps.assignments.models import ScheduleBlock, TeacherAssignment
from common.tenancy import SYSTEM
from tests.assignments import factories
from tests.users.factories import TeacherFactory

pytestmark = pytest.mark.django_db


def test_demo_assigns_every_course_and_builds_a_conflict_free_week_idempotently():
    sections = [factories.section(name="5A"), factories.section(name="5B")]
    courses = [factories.course(name=name) for name in ("Matemática", "Comunicación", "Ciencia", "Arte")]
    school = {"teacher_ids": [TeacherFactory(institution_id=1).pk for _ in range(3)],
              "section_ids": [s.pk for s in sections], "course_ids": [c.pk for c in courses]}

    demo.seed(school)
    counts = (TeacherAssignment.objects.count(), ScheduleBlock.objects.count())
    demo.seed(school)

    assert (TeacherAssignment.objects.count(), ScheduleBlock.objects.count()) == counts
    assert counts == (8, 8 * 3)  # 4 courses × 2 sections; 4 h/week → three 90-minute blocks each
    for block in ScheduleBlock.objects.all():
        proposal = selectors.ProposedBlock(academic_year_id=block.academic_year_id, teacher_id=block.teacher_id,
                                           section_id=block.section_id, room=block.room,
                                           day_of_week=block.day_of_week, start_time=block.start_time,
                                           end_time=block.end_time)
        assert selectors.schedule_conflicts(scope=SYSTEM, proposal=proposal, exclude_block_id=block.pk) == []
    assert {b.day_of_week for b in ScheduleBlock.objects.all()} == {1, 2, 3, 4, 5}
