"""The people of a test's fake school: the users factories (tests/users/factories.py) bound to one institution
id, so that their scope (apps.auth.contracts.scope_of) is that school, as for real school staff, teachers and
families. The attendance and grades tests each bind them to their fake school's id (tests/<ctx>/people.py)."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import factory

from tests.users import factories as users


class People(NamedTuple):
    StudentFactory: type[users.StudentFactory]
    TeacherFactory: type[users.TeacherFactory]
    GuardianFactory: type[users.GuardianFactory]
    StaffFactory: type[users.StaffFactory]
    PsychologistFactory: type[users.PsychologistFactory]
    GuardianLinkFactory: type[users.GuardianLinkFactory]


@cache
def people_of(institution_id: int) -> People:
    """The users factories of school `institution_id` (a guardian link joins a student and a guardian of it)."""

    def of_the_school(base: type) -> type:
        return type(base.__name__, (base,), {"__module__": __name__, "institution_id": institution_id})

    student, guardian = of_the_school(users.StudentFactory), of_the_school(users.GuardianFactory)
    link = type("GuardianLinkFactory", (users.GuardianLinkFactory,), {
        "__module__": __name__, "student": factory.SubFactory(student), "guardian": factory.SubFactory(guardian)})
    return People(StudentFactory=student, TeacherFactory=of_the_school(users.TeacherFactory), GuardianFactory=guardian,
                  StaffFactory=of_the_school(users.StaffFactory),
                  PsychologistFactory=of_the_school(users.PsychologistFactory), GuardianLinkFactory=link)
