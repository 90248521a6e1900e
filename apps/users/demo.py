"""Demo people of I.E. San Martín de Porres: staff, 6 teachers, 40 students and their guardians.

Every demo account's password is "demo-pass-2026". Usernames: director, secretaria, auxiliar, psicologa,
docente1..docente6, alumno01..alumno40, apoderado01..; everyone may also log in with their public code.
"""

from __future__ import annotations

import random
from datetime import date

from django.contrib.auth.hashers import make_password

from apps.users import services
from apps.users.models import GuardianLink, User, UserType

DEMO_PASSWORD = "demo-pass-2026"
MARKER = "director"
FIRST_F = ["María", "Rosa", "Lucía", "Carmen", "Ana", "Valeria", "Camila", "Sofía", "Ximena", "Milagros", "Fiorella",
           "Daniela", "Andrea", "Gabriela", "Kiara", "Luz", "Yolanda", "Flor", "Diana", "Patricia"]
FIRST_M = ["José", "Luis", "Carlos", "Jorge", "Miguel", "Diego", "Mateo", "Santiago", "Sebastián", "Renzo", "Piero",
           "Jhon", "Alonso", "Fernando", "César", "Víctor", "Hugo", "Raúl", "Wilmer", "Percy"]
SURNAMES = ["Quispe", "Mamani", "Huamán", "Flores", "Rojas", "Sánchez", "García", "Chávez", "Ramos", "Mendoza",
            "Vargas", "Torres", "Castillo", "Gutiérrez", "Ccori", "Condori", "Apaza", "Villanueva", "Paredes",
            "Salazar", "Cárdenas", "Espinoza", "Ticona", "Yupanqui"]
STAFF = [("director", UserType.DIRECTOR, "Julio", "Paredes Villanueva"),
         ("secretaria", UserType.SECRETARY, "Milagros", "Cárdenas Ramos"),
         ("auxiliar", UserType.AUXILIARY, "Wilmer", "Ticona Apaza"),
         ("psicologa", UserType.PSYCHOLOGIST, "Fiorella", "Salazar Espinoza")]


def _fill(school: dict) -> None:
    inst = school.get("institution_id")
    people = User.objects.filter(institution_id=inst)
    school["director_id"] = people.get(username=MARKER).pk
    school["teacher_ids"] = list(people.filter(user_type=UserType.TEACHER).order_by("username").values_list("pk", flat=True))
    students = people.filter(user_type=UserType.STUDENT).order_by("username")
    school["student_ids"] = list(students.exclude(username__startswith=APPLICANT_PREFIX).values_list("pk", flat=True))
    guardians = people.filter(user_type=UserType.PARENT).exclude(username__startswith=f"apoderado-{APPLICANT_PREFIX}")
    school["guardian_ids"] = list(guardians.order_by("username").values_list("pk", flat=True))


# Families applying for a seat this year: the enrollment demo runs the enrollment saga for them
# (postulante3 has been deactivated, so the saga refuses and compensates).
APPLICANT_PREFIX = "postulante"
APPLICANTS = [("postulante1", "Thiago", "Quispe Ccori", "María", True), ("postulante2", "Luana", "Rojas Apaza", "Rosa", True),
              ("postulante3", "Adrián", "Flores Ticona", "Carmen", False)]


def _seed_applicants(school: dict) -> None:
    inst = school.get("institution_id")
    school["applicant_ids"] = []
    for username, first, last, parent_first, active in APPLICANTS:
        student = User.objects.filter(username=username).first()
        if student is None:
            student = services.user_create(user_type=UserType.STUDENT, first_name=first, last_name=last,
                                           institution_id=inst, username=username, password=DEMO_PASSWORD,
                                           email=f"{username}@sanmartin.edu.pe")
            parent = services.user_create(user_type=UserType.PARENT, first_name=parent_first, last_name=last,
                                          institution_id=inst, username=f"apoderado-{username}", password=DEMO_PASSWORD,
                                          email=f"apoderado.{username}@sanmartin.edu.pe")
            services.guardian_link_create(student_id=student.pk, guardian_id=parent.pk,
                                          relationship=GuardianLink.Relationship.MOTHER, is_primary_contact=True)
            if not active:
                services.user_deactivate(user_id=student.pk, reason="demo: family withdrew the application")
        school["applicant_ids"].append(student.pk)


def seed(school: dict) -> None:
    inst = school.get("institution_id")
    if User.objects.filter(username=MARKER).exists():
        _fill(school)
        _seed_applicants(school)
        return
    rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not security
    password = make_password(DEMO_PASSWORD)
    documents = iter(rng.sample(range(10_000_000, 79_999_999), 200))
    people: list[User] = []

    def person(username: str, user_type: str, first: str, last: str, **extra) -> User:
        extra.setdefault("phone", f"+519{rng.randint(10_000_000, 99_999_999)}")
        user = User(username=username, user_type=user_type, first_name=first, last_name=last, institution_id=inst,
                    document_number=f"{next(documents):08d}", password=password,
                    email=f"{username}@sanmartin.edu.pe", **extra)
        people.append(user)
        return user

    for username, user_type, first, last in STAFF:
        person(username, user_type, first, last)
    for n in range(1, 7):
        first = rng.choice(FIRST_F if n % 2 else FIRST_M)
        person(f"docente{n}", UserType.TEACHER, first, f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}")

    families: list[tuple[list[User], list[tuple[User, str]]]] = []
    students = 0
    while students < 40:
        father, mother = rng.choice(SURNAMES), rng.choice(SURNAMES)
        size = min(rng.choice([1, 1, 1, 2, 2, 3]), 40 - students)
        kids = []
        for _ in range(size):
            students += 1
            female = rng.random() < 0.5
            kids.append(person(f"alumno{students:02d}", UserType.STUDENT,
                               rng.choice(FIRST_F if female else FIRST_M), f"{father} {mother}",
                               birth_date=date(school.get("year", date.today().year) - rng.randint(6, 16),
                                               rng.randint(1, 12), rng.randint(1, 28)), phone=""))
        guardians = [(rng.choice(FIRST_F), f"{mother} {rng.choice(SURNAMES)}", GuardianLink.Relationship.MOTHER)]
        if rng.random() < 0.6:
            guardians.append((rng.choice(FIRST_M), f"{father} {rng.choice(SURNAMES)}", GuardianLink.Relationship.FATHER))
        elif rng.random() < 0.3:
            guardians = [(rng.choice(FIRST_F), f"{mother} {rng.choice(SURNAMES)}",
                          GuardianLink.Relationship.GRANDPARENT)]
        families.append((kids, [(person(f"apoderado{len(families) + 1:02d}{'ab'[i]}", UserType.PARENT, first, last),
                                 relationship) for i, (first, last, relationship) in enumerate(guardians)]))

    for user, code in zip(people, services.reserve_codes(len(people)), strict=True):
        user.code = code
    User.objects.bulk_create(people)
    links = [GuardianLink(student=kid, guardian=guardian, relationship=relationship, is_primary_contact=i == 0)
             for kids, guardians in families for kid in kids for i, (guardian, relationship) in enumerate(guardians)]
    GuardianLink.objects.bulk_create(links)
    services.publish_created_many(people)
    for link in links:
        services.publish_linked(link)
    _fill(school)
    _seed_applicants(school)
