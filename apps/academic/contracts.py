"""The academic context's public face (docs/CONTRACTS.md): sections, courses, enrollments, the
enrollment saga's academic steps, and the lookups auth's rules need.

An interface (`AcademicContract`) of keyword-only, typed methods returning frozen dataclass DTOs (never a
model instance). Callers use the module functions (`academic.get_section(scope=…, section_id=…)`), which
forward to the local implementation (`apps.academic.contract_impl.LocalAcademic`) or, when the context is
served by another process, to its RPC endpoints (common.contracts).

The saga steps (`enrollment_open` ... `enrollment_activate`) are called by `apps.enrollment`; each one is
idempotent (keyed by the saga or the enrollment: a retried step answers with the same enrollment and
changes nothing), so a remote call is retried on a transport failure.

Tenancy: every method that returns or changes school-owned rows takes the caller's `scope`
(keyword-only, required): views pass the request's scope, saga steps, handlers and commands pass
`common.tenancy.SYSTEM`. Out of scope is exactly like unknown (None, {}, [] or NotFound). The lookups
auth's rules need (`active_section_ids_of_student`, `section_institution_id`, `institution_section_ids`)
are system lookups without a scope (`@system_lookup`: over RPC only a network-wide caller may use them);
auth applies the caller's scope on top."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from common.contracts import Contract, expose, idempotent, system_lookup
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


class AcademicContract(Contract):
    context = "academic"
    target = "academic-management"
    implementation = "apps.academic.contract_impl.LocalAcademic"

    # --- reads ---------------------------------------------------------------------------------

    @idempotent
    def get_section(self, *, scope: Scope, section_id: int) -> SectionDTO | None:
        """A section the scope reaches, or None (unknown and foreign alike)."""
        raise NotImplementedError

    @idempotent
    def get_sections(self, *, scope: Scope, section_ids: list[int]) -> dict[int, SectionDTO]:
        """The sections the scope reaches among `section_ids`, by id (one query; others are left out)."""
        raise NotImplementedError

    @idempotent
    def section_student_ids(self, *, scope: Scope, section_id: int, on: date | None = None) -> list[int]:
        """Students on the section's roster: ACTIVE now, or (with `on`) in the section on that date; [] out of scope."""
        raise NotImplementedError

    @idempotent
    def student_section_on(self, *, scope: Scope, student_id: int, on: date) -> int | None:
        """The section the student was in on `on` (in the scope), or None."""
        raise NotImplementedError

    @idempotent
    def get_course(self, *, scope: Scope, course_id: int) -> CourseDTO | None:
        """A course the scope reaches, or None (unknown and foreign alike)."""
        raise NotImplementedError

    @idempotent
    def get_courses(self, *, scope: Scope, course_ids: list[int]) -> dict[int, CourseDTO]:
        """The courses the scope reaches among `course_ids`, by id (one query; others are left out)."""
        raise NotImplementedError

    @idempotent
    def courses_of_section(self, *, scope: Scope, section_id: int) -> list[CourseDTO]:
        """The section's curriculum (its grade level's courses in its year), by name; [] out of scope."""
        raise NotImplementedError

    @idempotent
    def active_enrollment(self, *, scope: Scope, student_id: int,
                          academic_year_id: int | None = None) -> EnrollmentDTO | None:
        """The student's ACTIVE enrollment in the scope (in `academic_year_id`, or the most recent year), or None."""
        raise NotImplementedError

    @idempotent
    def get_enrollment(self, *, scope: Scope, enrollment_id: int) -> EnrollmentDTO | None:
        """An enrollment the scope reaches, or None (unknown and foreign alike)."""
        raise NotImplementedError

    # --- what auth's object-scope rules need to know (system lookups: no scope) ---------------

    @idempotent
    @system_lookup
    def active_section_ids_of_student(self, *, student_id: int) -> frozenset[int]:
        """Sections of the student's ACTIVE enrollments (auth: a student's or their guardian's sections,
        a teacher of one of them may read the student)."""
        raise NotImplementedError

    @idempotent
    @system_lookup
    def section_institution_id(self, *, section_id: int) -> int | None:
        """The school a section belongs to, or None for an unknown section (auth: staff act within their school)."""
        raise NotImplementedError

    @idempotent
    @system_lookup
    def institution_section_ids(self, *, institution_id: int) -> frozenset[int]:
        """Every section of the school, all years (auth: the sections staff of that school may act on)."""
        raise NotImplementedError

    # --- saga steps and compensations (idempotent: keyed by the saga or the enrollment) ----------

    @idempotent
    def enrollment_open(self, *, scope: Scope, student_id: int, section_id: int, enrollment_type: str,
                        enrollment_date: date, previous_institution: str | None,
                        saga_id: str | None) -> EnrollmentDTO:
        """Saga step CreateEnrollment: a PENDING enrollment (no seat yet). The same `saga_id` answers with the
        same enrollment. `NotFound` section_not_found (unknown or foreign section), `Conflict`
        student_already_enrolled, `BusinessRuleViolation` academic_year_closed, `ValidationFailed`."""
        raise NotImplementedError

    @idempotent
    def enrollment_discard(self, *, scope: Scope, enrollment_id: int) -> None:
        """Compensation CompensateEnrollment: delete a PENDING (or INVALID) enrollment; a no-op when it is gone.
        `BusinessRuleViolation` enrollment_not_pending otherwise."""
        raise NotImplementedError

    @idempotent
    def enrollment_assign_to_section(self, *, scope: Scope, enrollment_id: int) -> EnrollmentDTO:
        """Saga step AssignToSection: reserve a seat, capacity checked under the section's lock (a repeat answers
        the same enrollment). `Conflict` section_full, `NotFound` enrollment_not_found,
        `BusinessRuleViolation` enrollment_not_pending."""
        raise NotImplementedError

    @idempotent
    def enrollment_remove_from_section(self, *, scope: Scope, enrollment_id: int) -> None:
        """Compensation CompensateSectionAssignment: release the seat of a PENDING enrollment; a no-op otherwise."""
        raise NotImplementedError

    @idempotent
    def enrollment_mark_invalid(self, *, scope: Scope, enrollment_id: int, reason: str) -> None:
        """Compensation CompensateUserValidation: PENDING → INVALID (frees the seat); a no-op when already done.
        `BusinessRuleViolation` enrollment_not_pending for an enrollment past PENDING."""
        raise NotImplementedError

    @idempotent
    def enrollment_activate(self, *, scope: Scope, enrollment_id: int) -> EnrollmentDTO:
        """Saga step CompleteEnrollment: PENDING with a seat → ACTIVE, publishing `student.enrolled` once (a repeat
        answers the same enrollment). `BusinessRuleViolation` not_assigned_to_section / enrollment_not_pending,
        `NotFound` enrollment_not_found."""
        raise NotImplementedError


__getattr__ = expose(AcademicContract)
