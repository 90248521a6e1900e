"""Demo academic year of the demo school: grade levels, courses with competencies, the curriculum of
5.º de primaria, sections 5A and 5B and the students' enrollments (made through the saga steps, so the
`student.enrolled` events exist for the contexts that react to them). Idempotent."""

from __future__ import annotations

from datetime import date

from apps.academic import services
from apps.academic.models import AcademicYear, Course, Enrollment, GradeLevel, Section
from common.tenancy import SYSTEM

COURSES = [
    ("MAT", "Matemática", "Matemática", 6, ["Resuelve problemas de cantidad",
                                            "Resuelve problemas de regularidad, equivalencia y cambio",
                                            "Resuelve problemas de forma, movimiento y localización",
                                            "Resuelve problemas de gestión de datos e incertidumbre"]),
    ("COM", "Comunicación", "Comunicación", 5, ["Se comunica oralmente en su lengua materna",
                                                "Lee diversos tipos de textos escritos",
                                                "Escribe diversos tipos de textos"]),
    ("CYT", "Ciencia y Tecnología", "Ciencia y Tecnología", 4, [
        "Indaga mediante métodos científicos para construir sus conocimientos",
        "Explica el mundo físico basándose en conocimientos sobre los seres vivos, materia y energía",
        "Diseña y construye soluciones tecnológicas para resolver problemas de su entorno"]),
    ("PSO", "Personal Social", "Personal Social", 3, ["Construye su identidad",
                                                      "Convive y participa democráticamente",
                                                      "Construye interpretaciones históricas"]),
    ("ING", "Inglés", "Inglés como lengua extranjera", 2, ["Se comunica oralmente en inglés",
                                                           "Lee diversos tipos de textos escritos en inglés"]),
    ("EFI", "Educación Física", "Educación Física", 2, ["Se desenvuelve de manera autónoma a través de su motricidad",
                                                        "Asume una vida saludable"]),
]


def _year_dates(institution_id: int, year: int) -> tuple[date, date]:
    from apps.institution import contracts as institution

    periods = institution.periods_of_year(institution_id=institution_id, year=year)
    if periods:
        return min(p.start_date for p in periods), max(p.end_date for p in periods)
    return date(year, 3, 2), date(year, 12, 18)


def _grade_levels(institution_id: int) -> dict[tuple[str, int], GradeLevel]:
    levels = {}
    order = 0
    for level, count, label in ((GradeLevel.Level.PRIMARIA, 6, "primaria"), (GradeLevel.Level.SECUNDARIA, 5, "secundaria")):
        for number in range(1, count + 1):
            order += 1
            levels[(level, number)] = (
                GradeLevel.objects.filter(institution_id=institution_id, level=level, number=number).first()
                or services.grade_level_create(institution_id=institution_id, level=level, number=number,
                                               name=f"{number}.º de {label}", order=order))
    return levels


def seed(school: dict) -> None:
    institution_id, year_number = school["institution_id"], school["year"]
    year = AcademicYear.objects.filter(institution_id=institution_id, year=year_number).first()
    if year is None:
        start, end = _year_dates(institution_id, year_number)
        year = services.academic_year_create(institution_id=institution_id, year=year_number, start_date=start,
                                             end_date=end)
    if year.status == AcademicYear.Status.PLANNING and not AcademicYear.objects.filter(
            institution_id=institution_id, status=AcademicYear.Status.ACTIVE).exists():
        year = services.academic_year_start(scope=SYSTEM, academic_year_id=year.pk)

    fifth = _grade_levels(institution_id)[(GradeLevel.Level.PRIMARIA, 5)]
    courses = []
    for prefix, name, area, hours, competencies in COURSES:
        code = f"{prefix}-P5"
        course = Course.objects.filter(institution_id=institution_id, code=code).first() or services.course_create(
            scope=SYSTEM, grade_level_id=fifth.pk, code=code, name=name, area=area, hours_per_week=hours,
            competencies=competencies)
        services.curriculum_add_course(scope=SYSTEM, academic_year_id=year.pk, course_id=course.pk)
        courses.append(course)

    teachers = school.get("teacher_ids") or []
    sections = []
    for i, name in enumerate(("5A", "5B")):
        section = Section.objects.filter(academic_year=year, name=name).first() or services.section_create(
            scope=SYSTEM, academic_year_id=year.pk, grade_level_id=fifth.pk, name=name, capacity=30,
            tutor_id=teachers[i] if len(teachers) > i else None, campus_id=school.get("campus_id"),
            shift=Section.Shift.MORNING)
        sections.append(section)

    enrollment_ids = []
    for i, student_id in enumerate(school.get("student_ids") or []):
        existing = Enrollment.objects.filter(student_id=student_id, year=year.year,
                                             status__in=Enrollment.OPEN_STATUSES).first()
        if existing is None:
            existing = services.enrollment_open(
                scope=SYSTEM, student_id=student_id, section_id=sections[i % 2].pk, enrollment_type=Enrollment.Type.REGULAR,
                enrollment_date=year.start_date, previous_institution=None, saga_id=f"demo-{year_number}-{student_id}")
        services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=existing.pk)
        enrollment_ids.append(services.enrollment_activate(scope=SYSTEM, enrollment_id=existing.pk).pk)

    school["academic_year_id"] = year.pk
    school["section_ids"] = [s.pk for s in sections]
    school["course_ids"] = [c.pk for c in courses]
    school["enrollment_ids"] = enrollment_ids
