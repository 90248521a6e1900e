"""The school both deployments enrol into, built in a deployment's monolith process (run as
`python -m tests.split.school <students>` with that process group's environment): institution,
calendar, year, courses and a section through their contexts' services; people through the users
factories with fixed names, so both runs hold the same natural keys. Prints the ids as JSON.

Only monolith contexts are touched (institution, academic, users): in the split deployment the
grades and notifications tables are not in this database at all."""

from __future__ import annotations

import json
import sys
from datetime import date

YEAR = date.today().year
PASSWORD = "split-secret-123"
SECRETARY = "split-secretary"


def student_username(index: int) -> str:
    return f"split-student-{index:03d}"


def build(students: int) -> dict:
    from apps.academic import services as academic_services
    from apps.institution import services as institution_services
    from apps.users.models import GuardianLink
    from common.tenancy import SYSTEM
    from tests.users.factories import GuardianFactory, GuardianLinkFactory, StaffFactory, StudentFactory, TeacherFactory

    institution = institution_services.institution_create(code="IE-SPLIT", name="I.E. Split")
    calendar = institution_services.calendar_year_create(institution_id=institution.pk, year=YEAR,
                                                         start_date=date(YEAR, 1, 2), end_date=date(YEAR, 12, 20))
    year = academic_services.academic_year_create(institution_id=institution.pk, year=YEAR,
                                                  start_date=date(YEAR, 1, 2), end_date=date(YEAR, 12, 20))
    academic_services.academic_year_start(scope=SYSTEM, academic_year_id=year.pk)
    level = academic_services.grade_level_create(institution_id=institution.pk, level="PRIMARIA", number=5,
                                                 name="5.º de primaria", order=5)
    for code, name in (("MAT5", "Matemática"), ("COM5", "Comunicación")):
        course = academic_services.course_create(scope=SYSTEM, grade_level_id=level.pk, code=code, name=name,
                                                 area=name, hours_per_week=5, competencies=["Resuelve problemas"])
        academic_services.curriculum_add_course(scope=SYSTEM, academic_year_id=year.pk, course_id=course.pk)
    tutor = TeacherFactory(username="split-tutor", first_name="Tania", last_name="Tutora",
                           institution_id=institution.pk)
    section = academic_services.section_create(scope=SYSTEM, academic_year_id=year.pk, grade_level_id=level.pk,
                                               name="5A", capacity=max(30, students), tutor_id=tutor.pk)
    StaffFactory(username=SECRETARY, first_name="Sara", last_name="Secretaria", user_type="SECRETARY",
                 institution_id=institution.pk, password=PASSWORD)
    student_ids = []
    for index in range(students):
        student = StudentFactory(username=student_username(index), first_name=f"Alumno{index}", last_name="Split",
                                 code=f"USR-1999-9{index:05d}", institution_id=institution.pk)
        for number, (relationship, language) in enumerate(((GuardianLink.Relationship.MOTHER, "es"),
                                                            (GuardianLink.Relationship.FATHER, "en"))):
            guardian = GuardianFactory(username=f"split-guardian-{index:03d}-{number}", first_name=f"Tutor{number}",
                                       last_name=f"Alumno{index}", code=f"USR-1999-8{index:03d}{number:02d}",
                                       institution_id=institution.pk, preferred_language=language)
            GuardianLinkFactory(student=student, guardian=guardian, relationship=relationship,
                                is_primary_contact=number == 0, notify_email=True, notify_sms=number == 0)
        student_ids.append(student.pk)
    return {"institution_id": institution.pk, "section_id": section.pk, "student_ids": student_ids,
            "period_ids": list(calendar.periods.values_list("pk", flat=True)), "secretary": SECRETARY,
            "password": PASSWORD}


def main() -> None:
    import django

    django.setup()
    sys.stdout.write("SCHOOL " + json.dumps(build(int(sys.argv[1]))) + "\n")


if __name__ == "__main__":
    main()
