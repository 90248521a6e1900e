"""Factories of the users context (people and guardian links)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from apps.users.models import GuardianLink, User, UserType


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:05d}")
    first_name = factory.Faker("first_name", locale="es")
    last_name = factory.Faker("last_name", locale="es")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.edu.pe")
    user_type = UserType.STUDENT
    institution_id = None
    # A real-looking code in a year the service never assigns (it uses the current year): no collisions.
    code = factory.Sequence(lambda n: f"USR-1999-{n:06d}")
    document_number = factory.Sequence(lambda n: f"{40000000 + n:08d}")
    phone = factory.Sequence(lambda n: f"+5199{n:07d}")
    password = factory.django.Password("secret-pass-123")


class StudentFactory(UserFactory):
    user_type = UserType.STUDENT


class TeacherFactory(UserFactory):
    user_type = UserType.TEACHER


class GuardianFactory(UserFactory):
    user_type = UserType.PARENT


class StaffFactory(UserFactory):
    """A staff member; pass user_type=DIRECTOR/SECRETARY/AUXILIARY/ADMIN (default ADMIN)."""

    user_type = UserType.ADMIN
    is_staff = True


class PsychologistFactory(UserFactory):
    user_type = UserType.PSYCHOLOGIST


class GuardianLinkFactory(DjangoModelFactory):
    class Meta:
        model = GuardianLink

    student = factory.SubFactory(StudentFactory)
    guardian = factory.SubFactory(GuardianFactory)
    relationship = GuardianLink.Relationship.MOTHER
    is_primary_contact = True
