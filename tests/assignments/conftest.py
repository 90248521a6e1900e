from __future__ import annotations

import pytest

from tests.assignments import factories
from tests.users.factories import StaffFactory, TeacherFactory


@pytest.fixture
def school(db):
    """One section (5.º primaria, 2026) with two courses, two teachers and a director."""
    section = factories.section()
    return {
        "section": section,
        "courses": [factories.course(), factories.course(name="Comunicación")],
        "teachers": [TeacherFactory(institution_id=1), TeacherFactory(institution_id=1)],
        "director": StaffFactory(user_type="DIRECTOR", institution_id=1),
    }
