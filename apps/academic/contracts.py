"""The academic context's public face (docs/CONTRACTS.md): plain keyword-only functions that
return frozen DTOs; no model instance crosses the boundary.

The saga steps (`enrollment_open` ... `enrollment_activate`) are called by `apps.enrollment`;
each one is idempotent (a retried step answers with the same enrollment and changes nothing).

Tenancy: every function that returns or changes school-owned rows takes the caller's `scope`
(keyword-only, required): views pass the request's scope, saga steps, handlers and commands pass
`common.tenancy.SYSTEM`. Out of scope is exactly like unknown (None, {}, [] or NotFound)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from apps.academic import selectors, services
from apps.academic.models import Course, Enrollment, Section
from common.tenancy import Scope


@dataclass(frozen=True)
class SectionDTO:
    id: int
    code: str
    name: str
    institution_id: int
    academic_year_id: int
    year: int
    grade_level_id: int
    level: str
    grade_number: int
    capacity: int
    tutor_id: int | None
    campus_id: int | None
    shift: str


@dataclass(frozen=True)
class CourseDTO:
    id: int
    code: str
    name: str
    area: str
    grade_level_id: int
    hours_per_week: int
    competencies: tuple[str, ...]
    institution_id: int


@dataclass(frozen=True)
class EnrollmentDTO:
    id: int
    code: str
    student_id: int
    section_id: int
    section_code: str
    academic_year_id: int
    year: int
    institution_id: int
    enrollment_type: str
    previous_institution: str | None
    enrollment_date: date
    status: str
    seat_assigned: bool
    start_date: date | None
    end_date: date | None
    saga_id: str | None


def _section_dto(section: Section) -> SectionDTO:
    return SectionDTO(id=section.pk, code=section.code, name=section.name, institution_id=section.institution_id,
                      academic_year_id=section.academic_year_id, year=section.academic_year.year,
                      grade_level_id=section.grade_level_id, level=section.grade_level.level,
                      grade_number=section.grade_level.number, capacity=section.capacity, tutor_id=section.tutor_id,
                      campus_id=section.campus_id, shift=section.shift)


def _course_dto(course: Course) -> CourseDTO:
    return CourseDTO(id=course.pk, code=course.code, name=course.name, area=course.area,
                     grade_level_id=course.grade_level_id, hours_per_week=course.hours_per_week,
                     competencies=tuple(course.competencies or ()), institution_id=course.institution_id)


def _enrollment_dto(enrollment: Enrollment) -> EnrollmentDTO:
    # Re-read so the DTO reflects what is stored (code set after insert, relations loaded).
    row = Enrollment.objects.select_related("section", "academic_year").get(pk=enrollment.pk)
    return EnrollmentDTO(id=row.pk, code=row.code, student_id=row.student_id, section_id=row.section_id,
                         section_code=row.section.code, academic_year_id=row.academic_year_id, year=row.academic_year.year,
                         institution_id=row.institution_id, enrollment_type=row.enrollment_type,
                         previous_institution=row.previous_institution or None, enrollment_date=row.enrollment_date,
                         status=row.status, seat_assigned=row.seat_assigned_at is not None or row.status == "ACTIVE",
                         start_date=row.start_date, end_date=row.end_date, saga_id=row.saga_id)


# --- reads ---------------------------------------------------------------------------------------


def get_section(*, scope: Scope, section_id: int) -> SectionDTO | None:
    section = scope.filter(Section.objects.select_related("academic_year", "grade_level")).filter(pk=section_id).first()
    return _section_dto(section) if section else None


def get_sections(*, scope: Scope, section_ids) -> dict[int, SectionDTO]:
    sections = scope.filter(Section.objects.select_related("academic_year", "grade_level")).filter(
        pk__in=list(section_ids))
    return {s.pk: _section_dto(s) for s in sections}


def section_student_ids(*, scope: Scope, section_id: int, on: date | None = None) -> list[int]:
    """Students on the section's roster: ACTIVE now, or (with `on`) in the section on that date."""
    return list(selectors.section_roster(scope=scope, section_id=section_id, on=on)
                .values_list("student_id", flat=True).distinct())


def student_section_on(*, scope: Scope, student_id: int, on: date) -> int | None:
    return selectors.student_section_on(scope=scope, student_id=student_id, on=on)


def get_course(*, scope: Scope, course_id: int) -> CourseDTO | None:
    course = scope.filter(Course.objects.all()).filter(pk=course_id).first()
    return _course_dto(course) if course else None


def get_courses(*, scope: Scope, course_ids) -> dict[int, CourseDTO]:
    return {c.pk: _course_dto(c) for c in scope.filter(Course.objects.all()).filter(pk__in=list(course_ids))}


def courses_of_section(*, scope: Scope, section_id: int) -> list[CourseDTO]:
    return [_course_dto(c) for c in selectors.courses_of_section(scope=scope, section_id=section_id)]


def active_enrollment(*, scope: Scope, student_id: int, academic_year_id: int | None = None) -> EnrollmentDTO | None:
    """The student's ACTIVE enrollment in the scope (in `academic_year_id`, or the most recent year)."""
    qs = scope.filter(Enrollment.objects.filter(student_id=student_id, status=Enrollment.Status.ACTIVE))
    if academic_year_id is not None:
        qs = qs.filter(academic_year_id=academic_year_id)
    row = qs.order_by("-academic_year__year", "-id").first()
    return _enrollment_dto(row) if row else None


def get_enrollment(*, scope: Scope, enrollment_id: int) -> EnrollmentDTO | None:
    row = scope.filter(Enrollment.objects.all()).filter(pk=enrollment_id).first()
    return _enrollment_dto(row) if row else None


def section_ids_of_student(*, student_id: int) -> list[int]:
    """Sections of the student's ACTIVE enrollments (the auth provider `student_section_ids`: a system lookup)."""
    return selectors.active_section_ids_of_student(student_id)


# --- saga steps (idempotent) ------------------------------------------------------------------


def enrollment_open(*, scope: Scope, student_id: int, section_id: int, enrollment_type: str, enrollment_date: date,
                    previous_institution: str | None, saga_id: str | None) -> EnrollmentDTO:
    return _enrollment_dto(services.enrollment_open(
        scope=scope, student_id=student_id, section_id=section_id, enrollment_type=enrollment_type,
        enrollment_date=enrollment_date, previous_institution=previous_institution, saga_id=saga_id))


def enrollment_discard(*, scope: Scope, enrollment_id: int) -> None:
    services.enrollment_discard(scope=scope, enrollment_id=enrollment_id)


def enrollment_assign_to_section(*, scope: Scope, enrollment_id: int) -> EnrollmentDTO:
    return _enrollment_dto(services.enrollment_assign_to_section(scope=scope, enrollment_id=enrollment_id))


def enrollment_remove_from_section(*, scope: Scope, enrollment_id: int) -> None:
    services.enrollment_remove_from_section(scope=scope, enrollment_id=enrollment_id)


def enrollment_mark_invalid(*, scope: Scope, enrollment_id: int, reason: str) -> None:
    services.enrollment_mark_invalid(scope=scope, enrollment_id=enrollment_id, reason=reason)


def enrollment_activate(*, scope: Scope, enrollment_id: int) -> EnrollmentDTO:
    return _enrollment_dto(services.enrollment_activate(scope=scope, enrollment_id=enrollment_id))
