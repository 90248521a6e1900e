"""The people of the grades tests' fake school: the users factories, with the fake school's
institution id (`FakeSchool.institution_id`), so that their scope (apps.auth.contracts.scope_of)
is that school, as for real school staff, teachers and families."""

from __future__ import annotations

import factory

from tests.users import factories as users

FAKE_INSTITUTION_ID = 77


class StudentFactory(users.StudentFactory):
    institution_id = FAKE_INSTITUTION_ID


class TeacherFactory(users.TeacherFactory):
    institution_id = FAKE_INSTITUTION_ID


class GuardianFactory(users.GuardianFactory):
    institution_id = FAKE_INSTITUTION_ID


class StaffFactory(users.StaffFactory):
    institution_id = FAKE_INSTITUTION_ID


class PsychologistFactory(users.PsychologistFactory):
    institution_id = FAKE_INSTITUTION_ID


class GuardianLinkFactory(users.GuardianLinkFactory):
    student = factory.SubFactory(StudentFactory)
    guardian = factory.SubFactory(GuardianFactory)
