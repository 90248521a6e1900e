"""Property: for random proposed blocks, the availability check says "available" exactly when
booking the block succeeds (same conflict rule, same workload limit)."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.assignments import contracts, services
from apps.assignments.models import ScheduleBlock
from common.errors import Conflict
from common.tenancy import SYSTEM
from tests.assignments import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignments(settings):
    settings.ASSIGNMENTS_MAX_WEEKLY_HOURS = 5
    first = factories.AssignmentFactory()
    same_teacher = factories.AssignmentFactory(teacher_id=first.teacher_id)
    same_section = factories.AssignmentFactory(section_id=first.section_id)
    other = factories.AssignmentFactory()
    return [first, same_teacher, same_section, other]


proposals = st.tuples(
    st.integers(min_value=0, max_value=3),                 # which assignment
    st.integers(min_value=1, max_value=2),                 # day
    st.integers(min_value=7 * 4, max_value=11 * 4),        # start, in quarter hours
    st.integers(min_value=1, max_value=8),                 # duration, in quarter hours
    st.sampled_from(["", "", "Aula 1", "Aula 2"]),         # room
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(proposal=proposals)
def test_availability_agrees_with_booking(assignments, proposal):
    index, day, start_q, duration_q, room = proposal
    assignment = assignments[index]
    start = time(start_q // 4, start_q % 4 * 15)
    end_q = start_q + duration_q
    end = time(end_q // 4, end_q % 4 * 15)
    before = ScheduleBlock.objects.count()

    answer = contracts.check_availability(scope=SYSTEM,
        teacher_id=assignment.teacher_id, section_id=assignment.section_id,
        academic_year_id=assignment.academic_year_id, day_of_week=day, start_time=start, end_time=end, room=room)
    try:
        services.schedule_block_create(scope=SYSTEM, assignment_id=assignment.pk, day_of_week=day, start_time=start, end_time=end,
                                       room=room)
        booked = True
    except Conflict as exc:
        booked = False
        expected_code = "schedule_conflict" if answer.conflicts else "workload_exceeded"
        assert exc.code == expected_code
        if answer.conflicts:
            assert [c["block_id"] for c in exc.details["conflicts"]] == [c.block_id for c in answer.conflicts]

    assert answer.available is booked
    assert ScheduleBlock.objects.count() == before + booked
