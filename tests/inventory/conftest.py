"""Two schools for inventory tests: people are real users, campuses real rows, and the users, institution
and notifications contracts are the real ones (in-process)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from apps.inventory.models import Asset, Room
from tests.institution.factories import CampusFactory, InstitutionFactory
from tests.notifications.conftest import smtp_server  # noqa: F401  (a real SMTP server for the reminders)
from tests.users.factories import GuardianFactory, GuardianLinkFactory, StaffFactory, StudentFactory, TeacherFactory


@dataclass
class School:
    institution_id: int
    campus_id: int
    people: dict = field(default_factory=dict)
    room: Room | None = None
    other_room: Room | None = None
    asset: Asset | None = None


def build(tag: str) -> School:
    inst = InstitutionFactory(name=f"Colegio {tag}")
    campus = CampusFactory(institution=inst)
    school = School(institution_id=inst.pk, campus_id=campus.pk)
    i = inst.pk
    school.people = {
        "ADMIN": StaffFactory(institution_id=i, user_type="ADMIN"),
        "DIRECTOR": StaffFactory(institution_id=i, user_type="DIRECTOR"),
        "SECRETARY": StaffFactory(institution_id=i, user_type="SECRETARY"),
        "AUXILIARY": StaffFactory(institution_id=i, user_type="AUXILIARY"),
        "INVENTORY_MANAGER": StaffFactory(institution_id=i, user_type="INVENTORY_MANAGER", is_staff=False),
        "TEACHER": TeacherFactory(institution_id=i),
        "PARENT": GuardianFactory(institution_id=i),
        "STUDENT": StudentFactory(institution_id=i),
    }
    school.room = Room.objects.create(institution_id=i, campus_id=campus.pk, code=f"{tag}-LAB", name=f"Lab {tag}",
                                      kind="LAB", capacity=30, equipment=["projector"])
    school.other_room = Room.objects.create(institution_id=i, campus_id=campus.pk, code=f"{tag}-LIB",
                                            name=f"Library {tag}", kind="LIBRARY", capacity=60)
    school.asset = Asset.objects.create(institution_id=i, code=f"{tag}-0001", barcode=f"{tag}-0001",
                                        name=f"Laptop {tag}", category="laptop", campus_id=campus.pk,
                                        room=school.room)
    return school


@pytest.fixture
def school(db) -> School:
    return build("A")


@pytest.fixture
def other_school(db) -> School:
    return build("B")


@pytest.fixture
def family(school):
    student = StudentFactory(institution_id=school.institution_id, first_name="Luis", last_name="Quispe")
    guardian = GuardianFactory(institution_id=school.institution_id, email="mama@example.pe", phone="",
                               first_name="Ana", last_name="Quispe", preferred_language="es")
    GuardianLinkFactory(student=student, guardian=guardian)
    return student, guardian
