"""Write use cases of the assignments context.

Booking a schedule block is the delicate one:
1. validate the input and the assignment (nothing written);
2. in one transaction: the Python pre-check (`selectors.schedule_conflicts`) gives the friendly
   409; the INSERT is guarded by the PostgreSQL exclusion constraints, so two concurrent bookings
   that both passed the pre-check cannot both commit (the loser's IntegrityError becomes the same
   409); then the teacher's workload row is locked and the weekly total checked against the limit;
3. a refused booking rolls back, and *afterwards*, in a transaction of its own, the service
   records `schedule.conflict.detected` — so the outbox row survives the rollback of the booking.
   (Called inside a caller's transaction, that record joins the caller's transaction instead:
   the API views run without ATOMIC_REQUESTS, so a request's refusal still commits the event.)

Tenancy: every use case takes the caller's `scope` (keyword-only, required). An assignment or block
is reached only through it, and a create names a section and a teacher the scope reaches: a foreign
id is a 404 exactly like an unknown one, never a 403 or a 422 that names the foreign row's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.academic import contracts as academic
from apps.assignments import selectors
from apps.assignments.contracts import ConflictDTO
from apps.assignments.events import (
    ConflictingBlock,
    ScheduleConflictDetected,
    ScheduleCreated,
    TeacherAssignedToCourse,
    TeacherAssignmentRemoved,
    WorkloadUpdated,
)
from apps.assignments.models import ScheduleBlock, SectionHeadcount, TeacherAssignment, TeacherWorkload
from apps.assignments.selectors import ProposedBlock, conflict_as_dict
from apps.users import contracts as users
from common.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from common.tenancy import SYSTEM, Scope
from events import publish

DEADLOCK_DETECTED = "40P01"  # SQLSTATE of a deadlock broken by PostgreSQL
EXCLUSION_CONSTRAINTS = frozenset({
    "schedule_block_no_teacher_overlap", "schedule_block_no_section_overlap", "schedule_block_no_room_overlap",
})


# --- assignments -----------------------------------------------------------------------------


@transaction.atomic
def assignment_create(*, scope: Scope, teacher_id: int, course_id: int, section_id: int,
                      actor_id: int | None = None) -> TeacherAssignment:
    """Assign an active TEACHER to a course of a section (for the section's academic year).
    The section, the teacher and the course must be reached by `scope` (else 404, like unknown ids)."""
    section = academic.get_section(scope=scope, section_id=section_id)
    teacher = users.get_user(scope=scope, user_id=teacher_id)
    course = academic.get_course(scope=scope, course_id=course_id)
    missing = {}  # unknown, or of a school the scope does not reach: the same answer
    if section is None or not scope.allows(section.institution_id):
        missing["section_id"] = (_("No section with this id."), "section_not_found")
    if teacher is None or not scope.allows(teacher.institution_id):
        missing["teacher_id"] = (_("No user with this id."), "teacher_not_found")
    if course is None or not scope.allows(course.institution_id):
        missing["course_id"] = (_("No course with this id."), "course_not_found")
    if missing:
        raise NotFound(next(iter(missing.values()))[0], code=next(iter(missing.values()))[1],
                       details={"fields": {field: [message] for field, (message, _code) in missing.items()}})
    if teacher.user_type != "TEACHER" or not teacher.is_active:
        raise BusinessRuleViolation(_("Only an active teacher can be assigned to a course."),
                                    code="not_an_active_teacher",
                                    details={"teacher_id": teacher_id, "user_type": teacher.user_type,
                                             "is_active": teacher.is_active})
    if course.grade_level_id != section.grade_level_id:
        raise BusinessRuleViolation(_("The course does not belong to the section's grade level."),
                                    code="course_not_in_grade_level",
                                    details={"course_grade_level_id": course.grade_level_id,
                                             "section_grade_level_id": section.grade_level_id})
    if teacher.institution_id is not None and section.institution_id is not None \
            and teacher.institution_id != section.institution_id:
        raise BusinessRuleViolation(_("The teacher belongs to another institution."), code="institution_mismatch",
                                    details={"teacher_institution_id": teacher.institution_id,
                                             "section_institution_id": section.institution_id})
    existing = TeacherAssignment.objects.filter(course_id=course_id, section_id=section_id,
                                                academic_year_id=section.academic_year_id, is_active=True).first()
    if existing is not None:
        raise _already_assigned(existing)
    try:
        with transaction.atomic():
            assignment = TeacherAssignment.objects.create(
                teacher_id=teacher_id, course_id=course_id, section_id=section_id,
                academic_year_id=section.academic_year_id, institution_id=section.institution_id,
                assigned_by_id=actor_id,
            )
    except IntegrityError:  # a concurrent request assigned the course first
        existing = TeacherAssignment.objects.filter(course_id=course_id, section_id=section_id,
                                                    academic_year_id=section.academic_year_id, is_active=True).first()
        raise _already_assigned(existing) from None
    publish("teacher.assigned.to.course", aggregate_id=assignment.pk, aggregate_type="TeacherAssignment",
            payload=TeacherAssignedToCourse(
                assignment_id=assignment.pk, teacher_id=teacher_id, teacher_code=teacher.code, course_id=course_id,
                course_code=course.code, section_id=section_id, section_code=section.code,
                academic_year_id=section.academic_year_id, institution_id=section.institution_id,
            ))
    return assignment


def _already_assigned(existing: TeacherAssignment | None) -> Conflict:
    details = {} if existing is None else {"assignment_id": existing.pk, "teacher_id": existing.teacher_id}
    return Conflict(_("This course already has an active teacher in this section and year."),
                    code="course_already_assigned", details=details)


@transaction.atomic
def assignment_remove(*, scope: Scope, assignment_id: int, actor_id: int | None = None,
                      reason: str = "") -> TeacherAssignment:
    """Soft-remove an assignment of the scope; its schedule blocks are deleted and the workload updated."""
    assignment = TeacherAssignment.objects.in_scope(scope).select_for_update().filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound(_("Assignment not found."), code="assignment_not_found")
    if not assignment.is_active:
        raise Conflict(_("This assignment was already removed."), code="assignment_already_removed",
                       details={"assignment_id": assignment.pk, "removed_at": assignment.removed_at.isoformat()})
    block_ids = list(assignment.blocks.order_by("id").values_list("id", flat=True))
    assignment.blocks.all().delete()
    assignment.is_active = False
    assignment.removed_at = timezone.now()
    assignment.removed_by_id = actor_id
    assignment.removal_reason = reason[:200]
    assignment.save(update_fields=["is_active", "removed_at", "removed_by_id", "removal_reason"])
    publish("teacher.assignment.removed", aggregate_id=assignment.pk, aggregate_type="TeacherAssignment",
            payload=TeacherAssignmentRemoved(
                assignment_id=assignment.pk, teacher_id=assignment.teacher_id, course_id=assignment.course_id,
                section_id=assignment.section_id, academic_year_id=assignment.academic_year_id,
                removed_block_ids=block_ids, reason=assignment.removal_reason,
            ))
    if block_ids:
        _refresh_workload(teacher_id=assignment.teacher_id, academic_year_id=assignment.academic_year_id,
                          institution_id=assignment.institution_id, enforce_limit=False)
    return assignment


# --- schedule blocks -----------------------------------------------------------------------------


class _Refused(Exception):
    """Internal: the booking was refused for overlapping blocks (raised inside the transaction)."""

    def __init__(self, conflicts: list[ConflictDTO], detected_by: str):
        super().__init__("schedule conflict")
        self.conflicts = conflicts
        self.detected_by = detected_by


def validate_block_times(*, day_of_week: int, start_time: time, end_time: time) -> None:
    fields = {}
    if not 1 <= int(day_of_week) <= 7:
        fields["day_of_week"] = [_("Day of week must be between 1 (Monday) and 7 (Sunday).")]
    if end_time <= start_time:
        fields["end_time"] = [_("The block must end after it starts.")]
    if start_time.second or end_time.second or start_time.microsecond or end_time.microsecond:
        fields["start_time"] = [_("Times are whole minutes (HH:MM).")]
    if fields:
        raise ValidationFailed(fields=fields)


def proposal_for(*, assignment: TeacherAssignment, day_of_week: int, start_time: time, end_time: time,
                 room: str) -> ProposedBlock:
    return ProposedBlock(academic_year_id=assignment.academic_year_id, teacher_id=assignment.teacher_id,
                         section_id=assignment.section_id, room=(room or "").strip(), day_of_week=int(day_of_week),
                         start_time=start_time, end_time=end_time)


def schedule_block_create(*, scope: Scope, assignment_id: int, day_of_week: int, start_time: time,
                          end_time: time, room: str = "", actor_id: int | None = None) -> ScheduleBlock:
    """Book a weekly block for an active assignment of the scope (another school's is a 404).
    Refusals: 409 `schedule_conflict` (naming the conflicting blocks; `schedule.conflict.detected`
    is recorded and committed), 409 `workload_exceeded`."""
    validate_block_times(day_of_week=day_of_week, start_time=start_time, end_time=end_time)
    assignment = TeacherAssignment.objects.in_scope(scope).filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound(_("Assignment not found."), code="assignment_not_found")
    if not assignment.is_active:
        raise BusinessRuleViolation(_("Blocks can only be added to an active assignment."),
                                    code="assignment_not_active", details={"assignment_id": assignment.pk})
    proposal = proposal_for(assignment=assignment, day_of_week=day_of_week, start_time=start_time,
                            end_time=end_time, room=room)
    try:
        with transaction.atomic():
            block = _book(assignment=assignment, proposal=proposal, actor_id=actor_id)
    except _Refused as refused:
        _record_conflict(assignment=assignment, proposal=proposal, refused=refused)
        raise schedule_conflict_error(refused.conflicts) from None
    return block


def schedule_conflict_error(conflicts: list[ConflictDTO]) -> Conflict:
    return Conflict(_("The block overlaps another block of the same teacher, room or section."),
                    code="schedule_conflict", details={"conflicts": [conflict_as_dict(c) for c in conflicts]})


def _book(*, assignment: TeacherAssignment, proposal: ProposedBlock, actor_id: int | None) -> ScheduleBlock:
    school = Scope.school(assignment.institution_id)  # a block only ever clashes within its own school
    conflicts = selectors.schedule_conflicts(scope=school, proposal=proposal)
    if conflicts:
        raise _Refused(conflicts, "precheck")
    try:
        block = _insert_block(assignment=assignment, proposal=proposal, actor_id=actor_id)
    except IntegrityError as exc:
        if _violated_constraint(exc) not in EXCLUSION_CONSTRAINTS:
            raise
        # A concurrent booking committed the clashing block while we waited on the constraint:
        # under READ COMMITTED this new statement sees it.
        raise _Refused(selectors.schedule_conflicts(scope=school, proposal=proposal), "database") from None
    publish("schedule.created", aggregate_id=block.pk, aggregate_type="ScheduleBlock", payload=ScheduleCreated(
        block_id=block.pk, assignment_id=assignment.pk, teacher_id=block.teacher_id, course_id=block.course_id,
        section_id=block.section_id, academic_year_id=block.academic_year_id, room=block.room,
        day_of_week=block.day_of_week, start_time=_hhmm(block.start_time), end_time=_hhmm(block.end_time),
    ))
    _refresh_workload(teacher_id=assignment.teacher_id, academic_year_id=assignment.academic_year_id,
                      institution_id=assignment.institution_id, enforce_limit=True)
    return block


def _insert_block(*, assignment: TeacherAssignment, proposal: ProposedBlock, actor_id: int | None,
                  attempts: int = 3) -> ScheduleBlock:
    """Insert the block in a savepoint (the constraint's failure must leave the transaction usable).

    Two concurrent inserts that clash on an exclusion constraint each wait for the other's
    uncommitted row, and PostgreSQL breaks the cycle by aborting one with a deadlock error. Rolling
    back the victim's savepoint releases its row, so the other commits; inserting again then waits
    for that commit and ends in the exclusion violation, which the caller turns into a 409."""
    def insert() -> ScheduleBlock:
        with transaction.atomic():
            return ScheduleBlock.objects.create(
                assignment=assignment, teacher_id=assignment.teacher_id, section_id=assignment.section_id,
                course_id=assignment.course_id, academic_year_id=assignment.academic_year_id,
                institution_id=assignment.institution_id, room=proposal.room, day_of_week=proposal.day_of_week,
                start_time=proposal.start_time, end_time=proposal.end_time, start_minute=proposal.start_minute,
                end_minute=proposal.end_minute, created_by_id=actor_id,
            )

    for _attempt in range(attempts - 1):
        try:
            return insert()
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
    return insert()


def _violated_constraint(exc: IntegrityError) -> str | None:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None)


def _record_conflict(*, assignment: TeacherAssignment, proposal: ProposedBlock, refused: _Refused) -> None:
    with transaction.atomic():
        publish("schedule.conflict.detected", aggregate_id=assignment.pk, aggregate_type="TeacherAssignment",
                payload=ScheduleConflictDetected(
                    assignment_id=assignment.pk, teacher_id=proposal.teacher_id, section_id=proposal.section_id,
                    academic_year_id=proposal.academic_year_id, room=proposal.room,
                    day_of_week=proposal.day_of_week, start_time=_hhmm(proposal.start_time),
                    end_time=_hhmm(proposal.end_time), detected_by=refused.detected_by,
                    conflicts=[ConflictingBlock(
                        block_id=c.block_id, kinds=list(c.kinds), teacher_id=c.teacher_id, section_id=c.section_id,
                        course_id=c.course_id, room=c.room, day_of_week=c.day_of_week,
                        start_time=_hhmm(c.start_time), end_time=_hhmm(c.end_time),
                    ) for c in refused.conflicts],
                ))


@transaction.atomic
def schedule_block_delete(*, scope: Scope, block_id: int) -> None:
    block = ScheduleBlock.objects.in_scope(scope).filter(pk=block_id).first()
    if block is None:
        raise NotFound(_("Schedule block not found."), code="schedule_block_not_found")
    teacher_id, year_id, institution_id = block.teacher_id, block.academic_year_id, block.institution_id
    block.delete()
    _refresh_workload(teacher_id=teacher_id, academic_year_id=year_id, institution_id=institution_id,
                      enforce_limit=False)


# --- workload --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkloadCheck:
    weekly_minutes: int
    max_weekly_hours: object


def workload_after(*, proposal: ProposedBlock, institution_id: int) -> WorkloadCheck:
    """The teacher's weekly minutes at `institution_id` if `proposal` were booked, and the limit that applies."""
    current = selectors.weekly_minutes(institution_id=institution_id, teacher_id=proposal.teacher_id,
                                       academic_year_id=proposal.academic_year_id)
    return WorkloadCheck(current + proposal.duration_minutes, selectors.max_weekly_hours(institution_id=institution_id))


def _refresh_workload(*, teacher_id: int, academic_year_id: int, institution_id: int,
                      enforce_limit: bool) -> None:
    """Lock the teacher's workload row (serialising that teacher's bookings), recount the blocks,
    refuse if over the limit (booking only), store and announce the new total."""
    row, _created = TeacherWorkload.objects.get_or_create(
        teacher_id=teacher_id, academic_year_id=academic_year_id, defaults={"institution_id": institution_id})
    row = TeacherWorkload.objects.select_for_update().get(pk=row.pk)
    minutes = selectors.weekly_minutes(institution_id=institution_id, teacher_id=teacher_id,
                                       academic_year_id=academic_year_id)
    limit = selectors.max_weekly_hours(institution_id=institution_id)
    weekly_hours = selectors.hours(minutes)
    if enforce_limit and weekly_hours > limit:
        raise Conflict(_("This block would take the teacher over the maximum weekly hours."),
                       code="workload_exceeded",
                       details={"teacher_id": teacher_id, "academic_year_id": academic_year_id,
                                "weekly_hours": str(weekly_hours), "max_weekly_hours": str(limit)})
    if row.weekly_minutes == minutes and not _created:
        return
    row.weekly_minutes = minutes
    row.institution_id = institution_id
    row.save(update_fields=["weekly_minutes", "institution_id", "updated_at"])
    publish("workload.updated", aggregate_id=row.pk, aggregate_type="TeacherWorkload",
            payload=WorkloadUpdated(teacher_id=teacher_id, academic_year_id=academic_year_id,
                                    weekly_hours=str(weekly_hours), max_weekly_hours=str(limit)))


# --- projections -------------------------------------------------------------------------------


def section_headcount_refresh(*, section_id: int, event_id: str = "") -> SectionHeadcount:
    """Recount the section's active roster from academic (idempotent: a recount, never an increment)."""
    count = len(academic.section_student_ids(scope=SYSTEM, section_id=section_id))
    row, _created = SectionHeadcount.objects.update_or_create(
        section_id=section_id, defaults={"active_students": count, "last_event_id": event_id})
    return row


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")
