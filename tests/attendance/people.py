"""The people of the attendance tests' fake school (`School.institution_id`, tests/attendance/conftest.py): the users
factories bound to it by tests/people.py."""

from __future__ import annotations

from tests.people import people_of

FAKE_INSTITUTION_ID = 1

(StudentFactory, TeacherFactory, GuardianFactory, StaffFactory, PsychologistFactory,
 GuardianLinkFactory) = people_of(FAKE_INSTITUTION_ID)
