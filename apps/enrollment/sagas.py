"""StudentEnrollmentSaga, as the seed's "Saga Pattern - Proceso de Matrícula".

    1. CreateEnrollment        (academic)      compensation: CompensateEnrollment (delete the record)
    2. ValidateUserExists      (users)         compensation: CompensateUserValidation (mark invalid)
    3. AssignToSection         (academic)      compensation: CompensateSectionAssignment (free the seat)
    4. InitializeGrades        (grades)        compensation: CompensateGradeInitialization (delete records)
    5. InitializeAttendance    (attendance)    compensation: delete the attendance records
    6. SendWelcomeNotification (notifications) not critical: a failure is logged, nothing is undone
    7. CompleteEnrollment      (academic)      the enrollment becomes ACTIVE; `student.enrolled` is published

A failure at step k compensates the steps before it in reverse order, so the seed's table
("AssignToSection failure → CompensateUserValidation", ...) is the first compensation of each chain.
Step 5's compensation is not in the seed's table; it is needed when CompleteEnrollment fails after
attendance was initialized, so that a compensated saga leaves no record behind.
Every step is idempotent: each contract is keyed by the saga (enrollment_open) or by the enrollment.

Tenancy: the student, the section and the acting user belong to one school. The request checks it
(apps.enrollment.services) and the saga checks it again when it runs (the student may have moved,
a saga may be started directly): CreateEnrollment refuses before writing anything, and
ValidateUserExists re-reads the student, each with a coded reason (`section_other_institution`,
`student_other_institution`, `actor_other_institution`, in the saga's last_error), compensating
whatever was done. The steps act with the system scope (`SYSTEM`) on the saga's own rows.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from apps.academic import contracts as academic
from apps.attendance import contracts as attendance
from apps.auth import contracts as auth
from apps.grades import contracts as grades
from apps.notifications import contracts as notifications
from apps.users import contracts as users
from common.errors import BusinessRuleViolation
from common.tenancy import SYSTEM
from events.saga import SagaContext, SagaDefinition, Step
from events.saga.definition import register

STUDENT_ENROLLMENT = "student_enrollment"


class TenancyRefusal(BusinessRuleViolation):
    """The saga's people and section are not of one school. Its text starts with the code, so the
    saga's last_error names the reason (e.g. "CreateEnrollment: TenancyRefusal: section_other_institution: ...")."""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def _require_same_school(data: dict, *, student=None) -> int:
    """The saga's school (its section's), after checking that the student (`student` or re-read)
    and the acting user belong to it. Raises TenancyRefusal with a coded reason otherwise."""
    section = academic.get_section(scope=SYSTEM, section_id=data["section_id"])
    if section is None:
        raise BusinessRuleViolation(_("The section does not exist."), code="section_not_found")
    expected = data.get("institution_id")
    if expected is not None and section.institution_id != expected:
        raise TenancyRefusal(_("The section belongs to another school."), code="section_other_institution")
    student = student if student is not None else users.get_user(scope=SYSTEM, user_id=data["student_id"])
    if student is not None and student.institution_id != section.institution_id:
        raise TenancyRefusal(_("The student belongs to another school."), code="student_other_institution")
    actor_id = data.get("actor_id")
    if actor_id is not None:
        actor = auth.principal_for_user_id(int(actor_id))
        if actor is None or not auth.scope_of(actor).allows(section.institution_id):
            raise TenancyRefusal(_("The user who asked belongs to another school."), code="actor_other_institution")
    return section.institution_id


def create_enrollment(ctx: SagaContext) -> dict:
    data = ctx.data
    institution_id = _require_same_school(data)
    enrollment = academic.enrollment_open(
        scope=SYSTEM, student_id=data["student_id"], section_id=data["section_id"], enrollment_type=data["enrollment_type"],
        enrollment_date=date.fromisoformat(data["enrollment_date"]),
        previous_institution=data.get("previous_institution"), saga_id=ctx.saga_id,
    )
    return {"enrollment_id": enrollment.id, "enrollment_code": enrollment.code, "institution_id": institution_id}


def compensate_enrollment(ctx: SagaContext) -> None:
    if "enrollment_id" in ctx.data:
        academic.enrollment_discard(scope=SYSTEM, enrollment_id=ctx.data["enrollment_id"])


def validate_user_exists(ctx: SagaContext) -> dict:
    student = users.get_user(scope=SYSTEM, user_id=ctx.data["student_id"])
    if student is None:
        raise BusinessRuleViolation(_("The student does not exist."), code="student_not_found")
    if student.user_type != "STUDENT":
        raise BusinessRuleViolation(_("The user is not a student."), code="not_a_student")
    if not student.is_active:
        raise BusinessRuleViolation(_("The student is not active."), code="student_inactive")
    _require_same_school(ctx.data, student=student)
    return {"student_code": student.code}


def compensate_user_validation(ctx: SagaContext) -> None:
    if "enrollment_id" in ctx.data:
        academic.enrollment_mark_invalid(scope=SYSTEM, enrollment_id=ctx.data["enrollment_id"],
                                         reason="enrollment saga compensated")


def assign_to_section(ctx: SagaContext) -> dict:
    enrollment = academic.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=ctx.data["enrollment_id"])
    return {"section_code": enrollment.section_code}


def compensate_section_assignment(ctx: SagaContext) -> None:
    if "enrollment_id" in ctx.data:
        academic.enrollment_remove_from_section(scope=SYSTEM, enrollment_id=ctx.data["enrollment_id"])


def initialize_grades(ctx: SagaContext) -> dict:
    created = grades.initialize_grade_records(scope=SYSTEM, enrollment_id=ctx.data["enrollment_id"],
                                              student_id=ctx.data["student_id"], section_id=ctx.data["section_id"])
    return {"grade_records_created": created}


def compensate_grade_initialization(ctx: SagaContext) -> None:
    if "enrollment_id" in ctx.data:
        grades.delete_grade_records(scope=SYSTEM, enrollment_id=ctx.data["enrollment_id"])


def initialize_attendance(ctx: SagaContext) -> None:
    attendance.initialize_attendance(scope=SYSTEM, enrollment_id=ctx.data["enrollment_id"],
                                     student_id=ctx.data["student_id"],
                                     section_id=ctx.data["section_id"])


def compensate_attendance_initialization(ctx: SagaContext) -> None:
    if "enrollment_id" in ctx.data:
        attendance.delete_attendance_records(scope=SYSTEM, enrollment_id=ctx.data["enrollment_id"])


def send_welcome_notification(ctx: SagaContext) -> dict:
    enrollment_id = ctx.data["enrollment_id"]
    message_ids = notifications.send_welcome(scope=SYSTEM, enrollment_id=enrollment_id, student_id=ctx.data["student_id"],
                                             section_id=ctx.data["section_id"],
                                             idempotency_key=f"welcome:{enrollment_id}")
    return {"welcome_message_ids": list(message_ids)}


def complete_enrollment(ctx: SagaContext) -> dict:
    enrollment = academic.enrollment_activate(scope=SYSTEM, enrollment_id=ctx.data["enrollment_id"])
    return {"enrollment_status": enrollment.status}


StudentEnrollmentSaga = register(SagaDefinition(
    name=STUDENT_ENROLLMENT,
    steps=(
        Step("CreateEnrollment", create_enrollment, compensate_enrollment),
        Step("ValidateUserExists", validate_user_exists, compensate_user_validation),
        Step("AssignToSection", assign_to_section, compensate_section_assignment),
        Step("InitializeGrades", initialize_grades, compensate_grade_initialization),
        Step("InitializeAttendance", initialize_attendance, compensate_attendance_initialization),
        Step("SendWelcomeNotification", send_welcome_notification, critical=False),
        Step("CompleteEnrollment", complete_enrollment),
    ),
))
