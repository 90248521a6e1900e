"""The people of the grades tests' fake school (`FakeSchool.institution_id`, tests/grades/conftest.py): the users
factories bound to it by tests/people.py."""

from __future__ import annotations

from tests.people import people_of

FAKE_INSTITUTION_ID = 77

(StudentFactory, TeacherFactory, GuardianFactory, StaffFactory, PsychologistFactory,
 GuardianLinkFactory) = people_of(FAKE_INSTITUTION_ID)
