"""Public face of the assignments context: who teaches what, and whether a block is free.

An interface (`AssignmentsContract`) of keyword-only methods returning frozen dataclass DTOs (never a
model instance). Callers use the module functions (`assignments.teachers_of_section(scope=…, section_id=…)`),
which forward to the local implementation (`apps.assignments.contract_impl`) or, when the context is
served by another process, to its RPC endpoints (common.contracts).

Tenancy: every method takes the caller's `scope` (keyword-only, required): a view passes the request's
(`apps.auth.contracts.request_scope`), saga steps, event handlers and commands pass
`common.tenancy.SYSTEM`. Rows of a school the scope does not reach are never returned; a foreign
teacher or section named in `check_availability` is a 404 like an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from common.contracts import Contract, expose, idempotent, system_lookup
from common.tenancy import Scope


@dataclass(frozen=True)
class AssignmentDTO:
    id: int
    teacher_id: int
    course_id: int
    section_id: int
    academic_year_id: int
    institution_id: int


@dataclass(frozen=True)
class ConflictDTO:
    """An existing block that overlaps a proposed one, and on what (`kinds`: "teacher", "room" and/or "section")."""

    block_id: int
    kinds: tuple[str, ...]
    assignment_id: int
    teacher_id: int
    section_id: int
    course_id: int
    room: str
    day_of_week: int
    start_time: time
    end_time: time


@dataclass(frozen=True)
class AvailabilityDTO:
    available: bool
    conflicts: tuple[ConflictDTO, ...]
    weekly_hours_after: str  # Decimal as text, e.g. "25.50"
    max_weekly_hours: str
    workload_exceeded: bool


class AssignmentsContract(Contract):
    context = "assignments"
    target = "teacher-assignment"
    implementation = "apps.assignments.contract_impl.LocalAssignments"

    @idempotent
    def teachers_of_section(self, *, scope: Scope, section_id: int) -> list[AssignmentDTO]:
        """Active assignments of a section (one per course), ordered by course; empty for a section the
        scope does not reach."""
        raise NotImplementedError

    @idempotent
    def assignments_of_teacher(self, *, scope: Scope, teacher_id: int,
                               academic_year_id: int | None = None) -> list[AssignmentDTO]:
        """A teacher's active assignments (optionally of one academic year), newest year first, then by
        section and course; only those of schools the scope reaches."""
        raise NotImplementedError

    @idempotent
    def is_teacher_of(self, *, scope: Scope, teacher_id: int, section_id: int, course_id: int | None = None) -> bool:
        """Does the teacher hold an active assignment in the section (for `course_id`, when given)?"""
        raise NotImplementedError

    @idempotent
    def check_availability(self, *, scope: Scope, teacher_id: int, section_id: int, academic_year_id: int,
                           day_of_week: int, start_time: time, end_time: time, room: str = "",
                           institution_id: int | None = None, exclude_block_id: int | None = None) -> AvailabilityDTO:
        """Would booking this block succeed? Same conflict rule and workload limit as the booking
        service (`services.schedule_block_create`), within the section's school. Raises
        common.errors.ValidationFailed on bad times, NotFound (404) for a section, teacher, institution
        or excluded block the scope does not reach (exactly as for unknown ids)."""
        raise NotImplementedError

    # --- what auth's object-scope rules need to know (system lookups: no scope) ---------------
    @idempotent
    @system_lookup
    def teacher_section_ids(self, *, teacher_id: int) -> frozenset[int]:
        """Sections where the user holds an active assignment (auth: a teacher's own sections)."""
        raise NotImplementedError

    @idempotent
    @system_lookup
    def teacher_section_course_pairs(self, *, teacher_id: int) -> frozenset[tuple[int, int]]:
        """(section, course) pairs of the user's active assignments (auth: what a teacher may grade)."""
        raise NotImplementedError


__getattr__ = expose(AssignmentsContract)
