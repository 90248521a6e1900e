"""The academic context's contract, implemented in-process (apps.academic.contracts is the interface;
this is what its module functions and RPC endpoints call here)."""

from __future__ import annotations

from datetime import date

from apps.academic import selectors, services
from apps.academic.contracts import AcademicContract, CourseDTO, EnrollmentDTO, SectionDTO
from apps.academic.models import Course, Enrollment, Section
from common.tenancy import Scope


def section_dto(section: Section) -> SectionDTO:
    return SectionDTO(id=section.pk, code=section.code, name=section.name, institution_id=section.institution_id,
                      academic_year_id=section.academic_year_id, year=section.academic_year.year,
                      grade_level_id=section.grade_level_id, level=section.grade_level.level,
                      grade_number=section.grade_level.number, capacity=section.capacity, tutor_id=section.tutor_id,
                      campus_id=section.campus_id, shift=section.shift)


def course_dto(course: Course) -> CourseDTO:
    return CourseDTO(id=course.pk, code=course.code, name=course.name, area=course.area,
                     grade_level_id=course.grade_level_id, hours_per_week=course.hours_per_week,
                     competencies=tuple(course.competencies or ()), institution_id=course.institution_id)


def enrollment_dto(enrollment: Enrollment) -> EnrollmentDTO:
    # Re-read so the DTO reflects what is stored (code set after insert, relations loaded).
    row = Enrollment.objects.select_related("section", "academic_year").get(pk=enrollment.pk)
    return EnrollmentDTO(id=row.pk, code=row.code, student_id=row.student_id, section_id=row.section_id,
                         section_code=row.section.code, academic_year_id=row.academic_year_id, year=row.academic_year.year,
                         institution_id=row.institution_id, enrollment_type=row.enrollment_type,
                         previous_institution=row.previous_institution or None, enrollment_date=row.enrollment_date,
                         status=row.status, seat_assigned=row.seat_assigned_at is not None or row.status == "ACTIVE",
                         start_date=row.start_date, end_date=row.end_date, saga_id=row.saga_id)


def _sections(scope: Scope):
    return scope.filter(Section.objects.select_related("academic_year", "grade_level"))


class LocalAcademic(AcademicContract):
    # --- reads ---------------------------------------------------------------------------------

    def get_section(self, *, scope: Scope, section_id: int) -> SectionDTO | None:
        section = _sections(scope).filter(pk=section_id).first()
        return section_dto(section) if section else None

    def get_sections(self, *, scope: Scope, section_ids: list[int]) -> dict[int, SectionDTO]:
        return {s.pk: section_dto(s) for s in _sections(scope).filter(pk__in=list(section_ids))}

    def section_student_ids(self, *, scope: Scope, section_id: int, on: date | None = None) -> list[int]:
        return list(selectors.section_roster(scope=scope, section_id=section_id, on=on)
                    .values_list("student_id", flat=True).distinct())

    def student_section_on(self, *, scope: Scope, student_id: int, on: date) -> int | None:
        return selectors.student_section_on(scope=scope, student_id=student_id, on=on)

    def get_course(self, *, scope: Scope, course_id: int) -> CourseDTO | None:
        course = scope.filter(Course.objects.all()).filter(pk=course_id).first()
        return course_dto(course) if course else None

    def get_courses(self, *, scope: Scope, course_ids: list[int]) -> dict[int, CourseDTO]:
        return {c.pk: course_dto(c) for c in scope.filter(Course.objects.all()).filter(pk__in=list(course_ids))}

    def courses_of_section(self, *, scope: Scope, section_id: int) -> list[CourseDTO]:
        return [course_dto(c) for c in selectors.courses_of_section(scope=scope, section_id=section_id)]

    def active_enrollment(self, *, scope: Scope, student_id: int,
                          academic_year_id: int | None = None) -> EnrollmentDTO | None:
        qs = scope.filter(Enrollment.objects.filter(student_id=student_id, status=Enrollment.Status.ACTIVE))
        if academic_year_id is not None:
            qs = qs.filter(academic_year_id=academic_year_id)
        row = qs.order_by("-academic_year__year", "-id").first()
        return enrollment_dto(row) if row else None

    def get_enrollment(self, *, scope: Scope, enrollment_id: int) -> EnrollmentDTO | None:
        row = scope.filter(Enrollment.objects.all()).filter(pk=enrollment_id).first()
        return enrollment_dto(row) if row else None

    # --- auth's lookups (system: no scope) ---------------------------------------------------

    def active_section_ids_of_student(self, *, student_id: int) -> frozenset[int]:
        return frozenset(selectors.active_section_ids_of_student(student_id))

    def section_institution_id(self, *, section_id: int) -> int | None:
        return selectors.section_institution_id(section_id)

    def institution_section_ids(self, *, institution_id: int) -> frozenset[int]:
        return frozenset(selectors.institution_section_ids(institution_id))

    # --- saga steps and compensations ----------------------------------------------------------

    def enrollment_open(self, *, scope: Scope, student_id: int, section_id: int, enrollment_type: str,
                        enrollment_date: date, previous_institution: str | None,
                        saga_id: str | None) -> EnrollmentDTO:
        return enrollment_dto(services.enrollment_open(
            scope=scope, student_id=student_id, section_id=section_id, enrollment_type=enrollment_type,
            enrollment_date=enrollment_date, previous_institution=previous_institution, saga_id=saga_id))

    def enrollment_discard(self, *, scope: Scope, enrollment_id: int) -> None:
        services.enrollment_discard(scope=scope, enrollment_id=enrollment_id)

    def enrollment_assign_to_section(self, *, scope: Scope, enrollment_id: int) -> EnrollmentDTO:
        return enrollment_dto(services.enrollment_assign_to_section(scope=scope, enrollment_id=enrollment_id))

    def enrollment_remove_from_section(self, *, scope: Scope, enrollment_id: int) -> None:
        services.enrollment_remove_from_section(scope=scope, enrollment_id=enrollment_id)

    def enrollment_mark_invalid(self, *, scope: Scope, enrollment_id: int, reason: str) -> None:
        services.enrollment_mark_invalid(scope=scope, enrollment_id=enrollment_id, reason=reason)

    def enrollment_activate(self, *, scope: Scope, enrollment_id: int) -> EnrollmentDTO:
        return enrollment_dto(services.enrollment_activate(scope=scope, enrollment_id=enrollment_id))
