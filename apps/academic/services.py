"""Write use cases of the academic context. Each is atomic, validates, writes and records events.

Enrollment seats: a row holds a seat of its section while it is ACTIVE, or PENDING with
`seat_assigned_at` set (the saga's AssignToSection step). Seats are counted with the section row
locked (`SELECT ... FOR UPDATE`), so two concurrent requests can never both take the last seat.

Tenancy: a service that acts on existing school-owned rows takes the caller's `scope` and reaches
them only through it; a row out of scope is a 404 (or, for an id named in a body, the same field
error as an unknown id). One student holds at most one open enrollment per calendar year across
the whole install (`Enrollment.year`, constraint `enrollment_one_open_per_student_year`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.academic.events import AcademicYearStarted, CourseAssigned, SectionCreated, StudentEnrolled, StudentTransferred
from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section
from common.errors import BusinessRuleViolation, Conflict, NotFound, PermissionDenied, ValidationFailed
from common.tenancy import SYSTEM, Scope
from events import publish

ENROLLMENT_AGGREGATE = "StudentEnrollment"


# --- other contexts (through their contracts only) -----------------------------------------


def _get_user(user_id: int):
    from apps.users import contracts as users

    return users.get_user(scope=SYSTEM, user_id=user_id)


def _get_users(user_ids: list[int]) -> dict:
    from apps.users import contracts as users

    return users.get_users(scope=SYSTEM, user_ids=user_ids)


def _get_institution(institution_id: int):
    from apps.institution import contracts as institution

    return institution.get_institution(institution_id=institution_id)


def _require_campus(campus_id: int | None, *, institution_id: int) -> None:
    """The campus must be one of the section's school (another school's campus is refused exactly
    like an unknown one)."""
    from apps.institution import contracts as institution

    if campus_id is not None and institution.get_campus(scope=Scope.school(institution_id), campus_id=campus_id) is None:
        raise ValidationFailed(fields={"campus_id": [_("Unknown campus.")]}, code="unknown_campus")


def _require_institution(institution_id: int) -> None:
    if _get_institution(institution_id) is None:
        raise ValidationFailed(fields={"institution_id": [_("Unknown institution.")]}, code="unknown_institution")


def _require_teacher(tutor_id: int | None, *, institution_id: int, field_name: str = "tutor_id") -> None:
    """The tutor must be an active teacher of the section's school (another school's teacher is
    refused exactly like an unknown user)."""
    if tutor_id is None:
        return
    user = _get_user(tutor_id)
    if user is None or user.user_type != "TEACHER" or not user.is_active or user.institution_id != institution_id:
        raise ValidationFailed(fields={field_name: [_("The tutor must be an active teacher.")]}, code="invalid_tutor")


def _student_code(student_id: int) -> str | None:
    user = _get_user(student_id)
    return user.code if user is not None else None


def _delete(instance, *, what: str) -> None:
    try:
        instance.delete()
    except ProtectedError:
        raise Conflict(_("This %(what)s is in use and cannot be deleted.") % {"what": what}, code="in_use") from None


# --- academic years ------------------------------------------------------------------------


@transaction.atomic
def academic_year_create(*, institution_id: int, year: int, start_date: date, end_date: date) -> AcademicYear:
    _require_institution(institution_id)
    if end_date <= start_date:
        raise ValidationFailed(fields={"end_date": [_("The end date must be after the start date.")]})
    if AcademicYear.objects.filter(institution_id=institution_id, year=year).exists():
        raise Conflict(_("This academic year already exists."), code="academic_year_exists")
    return AcademicYear.objects.create(institution_id=institution_id, year=year, start_date=start_date, end_date=end_date)


@transaction.atomic
def academic_year_update(*, academic_year: AcademicYear, start_date: date | None = None,
                         end_date: date | None = None) -> AcademicYear:
    if academic_year.status == AcademicYear.Status.CLOSED:
        raise BusinessRuleViolation(_("A closed academic year cannot be changed."), code="academic_year_closed")
    new_start = start_date or academic_year.start_date
    new_end = end_date or academic_year.end_date
    if new_end <= new_start:
        raise ValidationFailed(fields={"end_date": [_("The end date must be after the start date.")]})
    academic_year.start_date, academic_year.end_date = new_start, new_end
    academic_year.save(update_fields=["start_date", "end_date", "updated_at"])
    return academic_year


@transaction.atomic
def academic_year_start(*, scope: Scope, academic_year_id: int) -> AcademicYear:
    """PLANNING → ACTIVE (one ACTIVE year per institution); emits `academic.year.started`. Idempotent."""
    year = scope.filter(AcademicYear.objects.select_for_update()).filter(pk=academic_year_id).first()
    if year is None:
        raise NotFound(_("Academic year not found."), code="academic_year_not_found")
    if year.status == AcademicYear.Status.ACTIVE:
        return year
    if year.status == AcademicYear.Status.CLOSED:
        raise BusinessRuleViolation(_("A closed academic year cannot be started again."), code="academic_year_closed")
    active = AcademicYear.objects.filter(institution_id=year.institution_id, status=AcademicYear.Status.ACTIVE).first()
    if active is not None:
        raise Conflict(_("Another academic year is active; close it first."), code="active_year_exists",
                       details={"activeAcademicYearId": active.pk, "year": active.year})
    year.status = AcademicYear.Status.ACTIVE
    try:
        with transaction.atomic():
            year.save(update_fields=["status", "updated_at"])
    except IntegrityError:
        raise Conflict(_("Another academic year is active; close it first."), code="active_year_exists") from None
    publish("academic.year.started", aggregate_id=year.pk, aggregate_type="AcademicYear",
            payload=AcademicYearStarted(academic_year_id=str(year.year), year=year.year,
                                        institution_id=year.institution_id, start_date=year.start_date,
                                        end_date=year.end_date))
    return year


@transaction.atomic
def academic_year_close(*, scope: Scope, academic_year_id: int) -> AcademicYear:
    year = scope.filter(AcademicYear.objects.select_for_update()).filter(pk=academic_year_id).first()
    if year is None:
        raise NotFound(_("Academic year not found."), code="academic_year_not_found")
    if year.status == AcademicYear.Status.CLOSED:
        return year
    year.status = AcademicYear.Status.CLOSED
    year.save(update_fields=["status", "updated_at"])
    return year


def academic_year_delete(*, academic_year: AcademicYear) -> None:
    _delete(academic_year, what=_("academic year"))


# --- grade levels and courses --------------------------------------------------------------


@transaction.atomic
def grade_level_create(*, institution_id: int, level: str, number: int, name: str, order: int) -> GradeLevel:
    _require_institution(institution_id)
    clash = GradeLevel.objects.filter(Q(level=level, number=number) | Q(order=order), institution_id=institution_id)
    if clash.exists():
        raise Conflict(_("A grade level with this level and number, or this order, already exists."),
                       code="grade_level_exists")
    return GradeLevel.objects.create(institution_id=institution_id, level=level, number=number, name=name, order=order)


@transaction.atomic
def grade_level_update(*, grade_level: GradeLevel, **changes: Any) -> GradeLevel:
    allowed = {"name", "order", "level", "number"}
    for key, value in changes.items():
        if key in allowed:
            setattr(grade_level, key, value)
    try:
        with transaction.atomic():
            grade_level.save()
    except IntegrityError:
        raise Conflict(_("A grade level with this level and number, or this order, already exists."),
                       code="grade_level_exists") from None
    return grade_level


def grade_level_delete(*, grade_level: GradeLevel) -> None:
    _delete(grade_level, what=_("grade level"))


def grade_level_next(*, grade_level: GradeLevel) -> GradeLevel | None:
    """The grade that follows in the institution's order; None for the last one (graduation)."""
    return (GradeLevel.objects.filter(institution_id=grade_level.institution_id, order__gt=grade_level.order)
            .order_by("order").first())


def _clean_competencies(competencies: list) -> list[str]:
    if not isinstance(competencies, list) or not all(isinstance(c, str) and c.strip() for c in competencies):
        raise ValidationFailed(fields={"competencies": [_("A list of non-empty texts is expected.")]})
    return [c.strip() for c in competencies]


@transaction.atomic
def course_create(*, scope: Scope, grade_level_id: int, code: str, name: str, area: str, hours_per_week: int,
                  competencies: list[str] | None = None) -> Course:
    grade_level = scope.filter(GradeLevel.objects.all()).filter(pk=grade_level_id).first()
    if grade_level is None:
        raise ValidationFailed(fields={"grade_level_id": [_("Unknown grade level.")]})
    if Course.objects.filter(institution_id=grade_level.institution_id, code=code).exists():
        raise Conflict(_("A course with this code already exists."), code="course_code_exists")
    return Course.objects.create(institution_id=grade_level.institution_id, grade_level=grade_level, code=code,
                                 name=name, area=area, hours_per_week=hours_per_week,
                                 competencies=_clean_competencies(competencies or []))


@transaction.atomic
def course_update(*, course: Course, **changes: Any) -> Course:
    for key in ("name", "area", "hours_per_week"):
        if key in changes:
            setattr(course, key, changes[key])
    if "competencies" in changes:
        course.competencies = _clean_competencies(changes["competencies"])
    course.save()
    return course


def course_delete(*, course: Course) -> None:
    _delete(course, what=_("course"))


@transaction.atomic
def curriculum_add_course(*, scope: Scope, academic_year_id: int, course_id: int) -> CurriculumEntry:
    """Put a course in its grade level's curriculum for a year; emits `course.assigned`. Idempotent."""
    year = scope.filter(AcademicYear.objects.all()).filter(pk=academic_year_id).first()
    course = scope.filter(Course.objects.select_related("grade_level")).filter(pk=course_id).first()
    fields = {}
    if year is None:
        fields["academic_year_id"] = [_("Unknown academic year.")]
    if course is None:
        fields["course_id"] = [_("Unknown course.")]
    if fields:
        raise ValidationFailed(fields=fields)
    if course.institution_id != year.institution_id:  # network-wide callers only: a school sees one school
        raise ValidationFailed(fields={"course_id": [_("Unknown course.")]})
    if year.status == AcademicYear.Status.CLOSED:
        raise BusinessRuleViolation(_("A closed academic year cannot be changed."), code="academic_year_closed")
    entry, created = CurriculumEntry.objects.get_or_create(academic_year=year, course=course)
    if created:
        grade = course.grade_level
        publish("course.assigned", aggregate_id=course.pk, aggregate_type="Course",
                payload=CourseAssigned(curriculum_entry_id=entry.pk, course_id=course.pk, course_code=course.code,
                                       course_name=course.name, area=course.area, grade_level_id=grade.pk,
                                       level=grade.level, grade_number=grade.number,
                                       hours_per_week=course.hours_per_week, academic_year_id=str(year.year),
                                       institution_id=year.institution_id))
    return entry


def curriculum_remove_course(*, entry: CurriculumEntry) -> None:
    _delete(entry, what=_("curriculum entry"))


# --- sections ------------------------------------------------------------------------------


def section_code(*, year: int, name: str) -> str:
    return f"SEC-{year}-{name.upper()}"


def _section_seats(section_id: int) -> int:
    return Enrollment.objects.filter(Enrollment.holds_seat(), section_id=section_id).count()


@transaction.atomic
def section_create(*, scope: Scope, academic_year_id: int, grade_level_id: int, name: str, capacity: int,
                   tutor_id: int | None = None, campus_id: int | None = None,
                   shift: str = Section.Shift.MORNING) -> Section:
    year = scope.filter(AcademicYear.objects.all()).filter(pk=academic_year_id).first()
    grade = scope.filter(GradeLevel.objects.all()).filter(pk=grade_level_id).first()
    fields = {}
    if year is None:
        fields["academic_year_id"] = [_("Unknown academic year.")]
    if grade is None:
        fields["grade_level_id"] = [_("Unknown grade level.")]
    name = (name or "").strip().upper()
    if not name:
        fields["name"] = [_("This field is required.")]
    if capacity is None or capacity < 1:
        fields["capacity"] = [_("The capacity must be at least 1.")]
    if fields:
        raise ValidationFailed(fields=fields)
    if grade.institution_id != year.institution_id:  # network-wide callers only: a school sees one school
        raise ValidationFailed(fields={"grade_level_id": [_("Unknown grade level.")]})
    if year.status == AcademicYear.Status.CLOSED:
        raise BusinessRuleViolation(_("A closed academic year cannot be changed."), code="academic_year_closed")
    _require_teacher(tutor_id, institution_id=year.institution_id)
    _require_campus(campus_id, institution_id=year.institution_id)
    code = section_code(year=year.year, name=name)
    if Section.objects.filter(Q(code=code) | Q(academic_year=year, name=name), institution_id=year.institution_id).exists():
        raise Conflict(_("A section with this name already exists in this year."), code="section_exists",
                       details={"code": code})
    section = Section.objects.create(institution_id=year.institution_id, academic_year=year, grade_level=grade,
                                     code=code, name=name, capacity=capacity, tutor_id=tutor_id, campus_id=campus_id,
                                     shift=shift)
    publish("section.created", aggregate_id=section.pk, aggregate_type="Section",
            payload=SectionCreated(section_id=section.pk, section_code=section.code, name=section.name,
                                   institution_id=section.institution_id, academic_year_id=str(year.year),
                                   grade_level_id=grade.pk, level=grade.level, grade_number=grade.number,
                                   capacity=capacity, tutor_id=tutor_id, campus_id=campus_id, shift=shift))
    return section


@transaction.atomic
def section_update(*, scope: Scope, section_id: int, capacity: int | None = None, tutor_id: int | None = None,
                   campus_id: int | None = None, shift: str | None = None, clear_tutor: bool = False) -> Section:
    section = scope.filter(Section.objects.select_for_update()).filter(pk=section_id).first()
    if section is None:
        raise NotFound(_("Section not found."), code="section_not_found")
    if capacity is not None:
        if capacity < 1:
            raise ValidationFailed(fields={"capacity": [_("The capacity must be at least 1.")]})
        seats = _section_seats(section.pk)
        if capacity < seats:
            raise Conflict(_("The capacity cannot be lower than the students already enrolled."),
                           code="capacity_below_enrollment", details={"enrolled": seats})
        section.capacity = capacity
    if tutor_id is not None:
        _require_teacher(tutor_id, institution_id=section.institution_id)
        section.tutor_id = tutor_id
    elif clear_tutor:
        section.tutor_id = None
    if campus_id is not None:
        _require_campus(campus_id, institution_id=section.institution_id)
        section.campus_id = campus_id
    if shift is not None:
        section.shift = shift
    section.save()
    return section


def section_delete(*, section: Section) -> None:
    _delete(section, what=_("section"))


# --- enrollments: the saga steps -----------------------------------------------------------


def _locked_enrollment(enrollment_id: int, scope: Scope) -> Enrollment | None:
    return (scope.filter(Enrollment.objects.select_for_update(of=("self",)).select_related("section", "academic_year"))
            .filter(pk=enrollment_id).first())


def _require_enrollment(enrollment_id: int, scope: Scope) -> Enrollment:
    enrollment = _locked_enrollment(enrollment_id, scope)
    if enrollment is None:
        raise NotFound(_("Enrollment not found."), code="enrollment_not_found")
    return enrollment


def _already_enrolled(student_id: int, academic_year: AcademicYear) -> Conflict:
    """409 `student_already_enrolled`: the student holds an open enrollment of this calendar year (in
    any school). The existing row is named only when it is in the same school: another school's
    enrollment is not disclosed."""
    existing = (Enrollment.objects.filter(student_id=student_id, year=academic_year.year,
                                          status__in=Enrollment.OPEN_STATUSES).first())
    details = ({"enrollmentId": existing.pk, "enrollmentCode": existing.code}
               if existing is not None and existing.institution_id == academic_year.institution_id else {})
    return Conflict(_("The student already has an enrollment in this academic year."), code="student_already_enrolled",
                    details=details)


def _insert_enrollment(**values: Any) -> Enrollment:
    """Insert a row and give it its public code (ENR-<year>-<id>); refuses a second open row of the
    calendar year, in any school (the database constraint decides a race: 409, nothing written)."""
    values.setdefault("year", values["academic_year"].year)
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(**values)
    except IntegrityError as exc:
        if "enrollment_one_open_per_student_year" in str(exc):
            raise _already_enrolled(values["student_id"], values["academic_year"]) from None
        raise
    enrollment.code = f"ENR-{values['academic_year'].year}-{enrollment.pk:06d}"
    Enrollment.objects.filter(pk=enrollment.pk).update(code=enrollment.code)
    return enrollment


def _lock_section_with_room(section_id: int) -> Section:
    section = Section.objects.select_for_update().filter(pk=section_id).first()
    if section is None:
        raise NotFound(_("Section not found."), code="section_not_found")
    seats = _section_seats(section.pk)
    if seats >= section.capacity:
        raise Conflict(_("The section is full."), code="section_full",
                       details={"sectionId": section.pk, "sectionCode": section.code, "capacity": section.capacity})
    return section


@transaction.atomic
def enrollment_open(*, scope: Scope, student_id: int, section_id: int, enrollment_type: str, enrollment_date: date,
                    previous_institution: str | None, saga_id: str | None) -> Enrollment:
    """Saga step CreateEnrollment: a PENDING enrollment (no seat yet). Same saga_id → same enrollment."""
    if saga_id:
        existing = scope.filter(Enrollment.objects.all()).filter(saga_id=saga_id).first()
        if existing is not None:
            return existing
    if enrollment_type not in Enrollment.Type.values:
        raise ValidationFailed(fields={"enrollment_type": [_("Unknown enrollment type.")]})
    section = scope.filter(Section.objects.select_related("academic_year")).filter(pk=section_id).first()
    if section is None:
        raise NotFound(_("Section not found."), code="section_not_found")
    year = section.academic_year
    if year.status == AcademicYear.Status.CLOSED:
        raise BusinessRuleViolation(_("The academic year is closed."), code="academic_year_closed")
    if enrollment_date > year.end_date:
        raise ValidationFailed(fields={"enrollment_date": [_("The date is after the end of the academic year.")]})
    if Enrollment.objects.filter(student_id=student_id, year=year.year, status__in=Enrollment.OPEN_STATUSES).exists():
        raise _already_enrolled(student_id, year)
    try:
        with transaction.atomic():
            return _insert_enrollment(
                institution_id=section.institution_id, student_id=student_id, academic_year=year, section=section,
                enrollment_type=enrollment_type, previous_institution=previous_institution or "",
                enrollment_date=enrollment_date, saga_id=saga_id or None)
    except IntegrityError:
        # A concurrent call with the same saga_id won the race: answer with its enrollment.
        existing = Enrollment.objects.filter(saga_id=saga_id).first() if saga_id else None
        if existing is None:
            raise
        return existing


@transaction.atomic
def enrollment_discard(*, scope: Scope, enrollment_id: int) -> None:
    """Compensation CompensateEnrollment: delete a PENDING (or INVALID) enrollment. No-op when gone."""
    enrollment = _locked_enrollment(enrollment_id, scope)
    if enrollment is None:
        return
    if enrollment.status not in (Enrollment.Status.PENDING, Enrollment.Status.INVALID):
        raise BusinessRuleViolation(_("Only a pending enrollment can be discarded."), code="enrollment_not_pending")
    enrollment.delete()


@transaction.atomic
def enrollment_assign_to_section(*, scope: Scope, enrollment_id: int) -> Enrollment:
    """Saga step AssignToSection: reserve a seat, capacity checked under the section lock. Idempotent."""
    enrollment = _require_enrollment(enrollment_id, scope)
    if enrollment.status == Enrollment.Status.ACTIVE or enrollment.seat_assigned_at is not None:
        return enrollment
    if enrollment.status != Enrollment.Status.PENDING:
        raise BusinessRuleViolation(_("Only a pending enrollment can be assigned to a section."),
                                    code="enrollment_not_pending")
    _lock_section_with_room(enrollment.section_id)
    enrollment.seat_assigned_at = timezone.now()
    enrollment.save(update_fields=["seat_assigned_at", "updated_at"])
    return enrollment


@transaction.atomic
def enrollment_remove_from_section(*, scope: Scope, enrollment_id: int) -> None:
    """Compensation CompensateSectionAssignment: release the seat of a PENDING enrollment. No-op otherwise."""
    enrollment = _locked_enrollment(enrollment_id, scope)
    if enrollment is None or enrollment.status != Enrollment.Status.PENDING or enrollment.seat_assigned_at is None:
        return
    enrollment.seat_assigned_at = None
    enrollment.save(update_fields=["seat_assigned_at", "updated_at"])


@transaction.atomic
def enrollment_mark_invalid(*, scope: Scope, enrollment_id: int, reason: str) -> None:
    """Compensation CompensateUserValidation: PENDING → INVALID (frees the seat). No-op when already done."""
    enrollment = _locked_enrollment(enrollment_id, scope)
    if enrollment is None or enrollment.status == Enrollment.Status.INVALID:
        return
    if enrollment.status != Enrollment.Status.PENDING:
        raise BusinessRuleViolation(_("Only a pending enrollment can be marked invalid."), code="enrollment_not_pending")
    enrollment.status = Enrollment.Status.INVALID
    enrollment.status_reason = (reason or "")[:300]
    enrollment.save(update_fields=["status", "status_reason", "updated_at"])


_UNSET = object()


def _publish_enrolled(enrollment: Enrollment, *, student_code: object = _UNSET) -> None:
    section = enrollment.section
    if student_code is _UNSET:
        student_code = _student_code(enrollment.student_id)
    publish("student.enrolled", aggregate_id=enrollment.pk, aggregate_type=ENROLLMENT_AGGREGATE,
            payload=StudentEnrolled(
                enrollment_id=enrollment.pk, enrollment_code=enrollment.code, student_user_id=enrollment.student_id,
                student_code=student_code, section_id=section.pk, section_code=section.code,
                academic_year_id=str(enrollment.academic_year.year), enrollment_date=enrollment.enrollment_date,
                enrollment_type=enrollment.enrollment_type,
                previous_institution=enrollment.previous_institution or None,
                institution_id=enrollment.institution_id))


@transaction.atomic
def enrollment_activate(*, scope: Scope, enrollment_id: int) -> Enrollment:
    """Saga step CompleteEnrollment: PENDING with a seat → ACTIVE; publishes `student.enrolled` once."""
    enrollment = _require_enrollment(enrollment_id, scope)
    if enrollment.status == Enrollment.Status.ACTIVE:
        return enrollment
    if enrollment.status != Enrollment.Status.PENDING:
        raise BusinessRuleViolation(_("Only a pending enrollment can be activated."), code="enrollment_not_pending")
    if enrollment.seat_assigned_at is None:
        raise BusinessRuleViolation(_("The enrollment has no seat in its section yet."), code="not_assigned_to_section")
    enrollment.status = Enrollment.Status.ACTIVE
    enrollment.start_date = enrollment.enrollment_date
    enrollment.save(update_fields=["status", "start_date", "updated_at"])
    _publish_enrolled(enrollment)
    return enrollment


# --- enrollments: transfers, withdrawals, promotion decisions ------------------------------


def _check_effective_date(enrollment: Enrollment, effective_date: date) -> None:
    if enrollment.start_date and effective_date < enrollment.start_date:
        raise ValidationFailed(fields={"effective_date": [_("The date is before the enrollment started.")]})
    if effective_date > enrollment.academic_year.end_date:
        raise ValidationFailed(fields={"effective_date": [_("The date is after the end of the academic year.")]})


@transaction.atomic
def enrollment_transfer(*, scope: Scope, enrollment_id: int, target_section_id: int,
                        effective_date: date | None = None, reason: str = "") -> Enrollment:
    """Move an ACTIVE enrollment to another section of the same year (so of the same school): the
    old row is closed (TRANSFERRED, end_date) and a new ACTIVE row is opened; emits `student.transferred`.
    Another school's section is unknown here: moving a student between schools is `enrollment_transfer_school`."""
    effective_date = effective_date or timezone.localdate()
    enrollment = _require_enrollment(enrollment_id, scope)
    target = Section.objects.filter(pk=target_section_id, institution_id=enrollment.institution_id).first()
    if enrollment.status != Enrollment.Status.ACTIVE:
        raise BusinessRuleViolation(_("Only an active enrollment can be transferred."), code="enrollment_not_active")
    if target is None:
        raise ValidationFailed(fields={"target_section_id": [_("Unknown section.")]})
    if target.pk == enrollment.section_id:
        raise ValidationFailed(fields={"target_section_id": [_("The student is already in this section.")]})
    if target.academic_year_id != enrollment.academic_year_id:
        raise ValidationFailed(fields={"target_section_id": [_("The section belongs to another academic year.")]})
    _check_effective_date(enrollment, effective_date)
    old_section, target = _close_for_transfer(enrollment, target_section_id=target.pk, effective_date=effective_date,
                                              reason=reason)
    new = _insert_enrollment(
        institution_id=enrollment.institution_id, student_id=enrollment.student_id,
        academic_year=enrollment.academic_year, section=target, enrollment_type=enrollment.enrollment_type,
        previous_institution=enrollment.previous_institution, enrollment_date=effective_date,
        status=Enrollment.Status.ACTIVE, seat_assigned_at=timezone.now(), start_date=effective_date,
        promotion_decision=enrollment.promotion_decision, previous_enrollment=enrollment)
    publish("student.transferred", aggregate_id=new.pk, aggregate_type=ENROLLMENT_AGGREGATE,
            payload=StudentTransferred(
                enrollment_id=new.pk, enrollment_code=new.code, previous_enrollment_id=enrollment.pk,
                previous_enrollment_code=enrollment.code, student_user_id=enrollment.student_id,
                from_section_id=old_section.pk, from_section_code=old_section.code, to_section_id=target.pk,
                to_section_code=target.code, academic_year_id=str(enrollment.academic_year.year),
                effective_date=effective_date, reason=reason or "", institution_id=enrollment.institution_id))
    return new


def _close_for_transfer(enrollment: Enrollment, *, target_section_id: int, effective_date: date,
                        reason: str) -> tuple[Section, Section]:
    """Both transfers' common part: lock the two sections in id order (no deadlock between opposite
    transfers), lock the target with room checked, close the old row as TRANSFERRED. Returns the old
    section and the locked target."""
    for section_id in sorted((enrollment.section_id, target_section_id)):
        Section.objects.select_for_update().filter(pk=section_id).first()
    target = _lock_section_with_room(target_section_id)
    old_section = enrollment.section
    enrollment.status = Enrollment.Status.TRANSFERRED
    enrollment.end_date = effective_date
    enrollment.status_reason = (reason or "")[:300]
    enrollment.save(update_fields=["status", "end_date", "status_reason", "updated_at"])
    return old_section, target


def _move_student(*, scope: Scope, student_id: int, institution_id: int, reason: str) -> None:
    from apps.users import contracts as users

    users.user_move_institution(scope=scope, user_id=student_id, institution_id=institution_id, reason=reason)


@transaction.atomic
def enrollment_transfer_school(*, scope: Scope, enrollment_id: int, target_section_id: int,
                               effective_date: date | None = None, reason: str = "") -> Enrollment:
    """The only way a student changes school: network staff (a network-wide scope) move an ACTIVE
    enrollment to a section of another school in the same calendar year. The old row is closed
    (TRANSFERRED), a TRANSFER_IN row is opened in the target school, the student's school is moved
    through the users contract, and `student.transferred` is published (institution_id = the new
    school). A school-scoped caller gets 404 for another school's enrollment, 403 for its own."""
    effective_date = effective_date or timezone.localdate()
    enrollment = _require_enrollment(enrollment_id, scope)
    if not scope.is_network:
        raise PermissionDenied(_("Only network staff may move a student to another school."),
                               code="network_scope_required")
    if enrollment.status != Enrollment.Status.ACTIVE:
        raise BusinessRuleViolation(_("Only an active enrollment can be transferred."), code="enrollment_not_active")
    target = (scope.filter(Section.objects.select_related("academic_year")).filter(pk=target_section_id).first())
    if target is None:
        raise ValidationFailed(fields={"target_section_id": [_("Unknown section.")]})
    if target.institution_id == enrollment.institution_id:
        raise ValidationFailed(fields={"target_section_id": [
            _("The section is in the student's own school: transfer between its sections instead.")]})
    if target.academic_year.year != enrollment.year:
        raise ValidationFailed(fields={"target_section_id": [_("The section belongs to another academic year.")]})
    if target.academic_year.status == AcademicYear.Status.CLOSED:
        raise BusinessRuleViolation(_("The academic year is closed."), code="academic_year_closed")
    _check_effective_date(enrollment, effective_date)
    if effective_date > target.academic_year.end_date:
        raise ValidationFailed(fields={"effective_date": [_("The date is after the end of the academic year.")]})
    old_section, target = _close_for_transfer(enrollment, target_section_id=target.pk, effective_date=effective_date,
                                              reason=reason)
    old_school = _get_institution(enrollment.institution_id)
    new = _insert_enrollment(
        institution_id=target.institution_id, student_id=enrollment.student_id, academic_year=target.academic_year,
        section=target, enrollment_type=Enrollment.Type.TRANSFER_IN,
        previous_institution=(old_school.name if old_school is not None else "")[:200], enrollment_date=effective_date,
        status=Enrollment.Status.ACTIVE, seat_assigned_at=timezone.now(), start_date=effective_date,
        promotion_decision=enrollment.promotion_decision, previous_enrollment=enrollment)
    _move_student(scope=scope, student_id=enrollment.student_id, institution_id=target.institution_id,
                  reason=reason or "school transfer")
    publish("student.transferred", aggregate_id=new.pk, aggregate_type=ENROLLMENT_AGGREGATE,
            payload=StudentTransferred(
                enrollment_id=new.pk, enrollment_code=new.code, previous_enrollment_id=enrollment.pk,
                previous_enrollment_code=enrollment.code, student_user_id=enrollment.student_id,
                from_section_id=old_section.pk, from_section_code=old_section.code, to_section_id=target.pk,
                to_section_code=target.code, academic_year_id=str(target.academic_year.year),
                effective_date=effective_date, reason=reason or "", institution_id=target.institution_id))
    return new


@transaction.atomic
def enrollment_withdraw(*, scope: Scope, enrollment_id: int, effective_date: date | None = None,
                        reason: str = "") -> Enrollment:
    """The student leaves the school: ACTIVE → WITHDRAWN, the row is closed on effective_date."""
    effective_date = effective_date or timezone.localdate()
    enrollment = _require_enrollment(enrollment_id, scope)
    if enrollment.status != Enrollment.Status.ACTIVE:
        raise BusinessRuleViolation(_("Only an active enrollment can be withdrawn."), code="enrollment_not_active")
    _check_effective_date(enrollment, effective_date)
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.end_date = effective_date
    enrollment.status_reason = (reason or "")[:300]
    enrollment.save(update_fields=["status", "end_date", "status_reason", "updated_at"])
    return enrollment


@transaction.atomic
def enrollment_set_promotion_decision(*, scope: Scope, enrollment_id: int, decision: str) -> Enrollment:
    enrollment = _require_enrollment(enrollment_id, scope)
    if decision not in Enrollment.PromotionDecision.values:
        raise ValidationFailed(fields={"promotion_decision": [_("Unknown decision.")]})
    if enrollment.status != Enrollment.Status.ACTIVE:
        raise BusinessRuleViolation(_("Only an active enrollment can be decided on."), code="enrollment_not_active")
    enrollment.promotion_decision = decision
    enrollment.save(update_fields=["promotion_decision", "updated_at"])
    return enrollment


# --- year-end rollover ---------------------------------------------------------------------


class RolloverAction:
    PROMOTE = "PROMOTE"
    REPEAT = "REPEAT"
    GRADUATE = "GRADUATE"
    ALREADY_ENROLLED = "ALREADY_ENROLLED"
    NO_SECTION = "NO_SECTION"


@dataclass(frozen=True)
class RolloverItem:
    enrollment_id: int
    enrollment_code: str
    student_id: int
    from_section_code: str
    action: str
    target_section_id: int | None = None
    target_section_code: str | None = None


@dataclass
class RolloverPlan:
    institution_id: int
    from_year: int
    to_year: int
    items: list[RolloverItem] = field(default_factory=list)
    created_enrollment_ids: list[int] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    def summary(self) -> dict[str, int]:
        actions = (RolloverAction.PROMOTE, RolloverAction.REPEAT, RolloverAction.GRADUATE,
                   RolloverAction.ALREADY_ENROLLED, RolloverAction.NO_SECTION)
        return {action: self.count(action) for action in actions}


def _rollover_years(scope: Scope, institution_id: int, from_year: int,
                    to_year: int) -> tuple[AcademicYear, AcademicYear]:
    if not scope.allows(institution_id) or _get_institution(institution_id) is None:
        raise NotFound(_("Unknown institution %(id)s.") % {"id": institution_id}, code="unknown_institution")
    if to_year <= from_year:
        raise ValidationFailed(_("The target year must come after the source year."),
                               fields={"to_year": [_("The target year must come after the source year.")]})
    years = {y.year: y for y in AcademicYear.objects.filter(institution_id=institution_id, year__in=[from_year, to_year])}
    if from_year not in years:
        raise NotFound(_("Academic year %(year)s does not exist for this institution.") % {"year": from_year},
                       code="source_year_missing")
    if to_year not in years:
        raise NotFound(_("Academic year %(year)s does not exist for this institution.") % {"year": to_year},
                       code="target_year_missing")
    if years[to_year].status == AcademicYear.Status.CLOSED:
        raise BusinessRuleViolation(_("The target academic year is closed."), code="academic_year_closed")
    return years[from_year], years[to_year]


def _build_plan(source: AcademicYear, target: AcademicYear) -> tuple[RolloverPlan, dict[int, Enrollment]]:
    plan = RolloverPlan(institution_id=source.institution_id, from_year=source.year, to_year=target.year)
    levels = list(GradeLevel.objects.filter(institution_id=source.institution_id).order_by("order"))
    next_level = {level.pk: (levels[i + 1] if i + 1 < len(levels) else None) for i, level in enumerate(levels)}
    target_sections = list(
        Section.objects.filter(academic_year=target).order_by("grade_level__order", "name")
        .annotate(seats=Count("enrollments", filter=Enrollment.holds_seat("enrollments__"))))
    room = {s.pk: s.capacity - s.seats for s in target_sections}
    by_level: dict[int, list[Section]] = {}
    for section in target_sections:
        by_level.setdefault(section.grade_level_id, []).append(section)
    enrolled_next = set(Enrollment.objects.filter(year=target.year, status__in=Enrollment.OPEN_STATUSES)
                        .values_list("student_id", flat=True))
    olds = list(Enrollment.objects.filter(academic_year=source, status=Enrollment.Status.ACTIVE)
                .select_related("section", "section__grade_level").order_by("section__grade_level__order",
                                                                            "section__name", "student_id"))
    for old in olds:
        base = {"enrollment_id": old.pk, "enrollment_code": old.code, "student_id": old.student_id,
                "from_section_code": old.section.code}
        level = old.section.grade_level
        if old.promotion_decision == Enrollment.PromotionDecision.REPEATS:
            action, wanted_level = RolloverAction.REPEAT, level
        else:
            wanted_level = None if old.promotion_decision == Enrollment.PromotionDecision.GRADUATES \
                else next_level.get(level.pk)
            action = RolloverAction.PROMOTE if wanted_level is not None else RolloverAction.GRADUATE
        if action == RolloverAction.GRADUATE:
            plan.items.append(RolloverItem(**base, action=action))
            continue
        if old.student_id in enrolled_next:
            plan.items.append(RolloverItem(**base, action=RolloverAction.ALREADY_ENROLLED))
            continue
        candidates = by_level.get(wanted_level.pk, [])
        letter = old.section.letter
        same_letter = [s for s in candidates if s.letter == letter and room[s.pk] > 0]
        with_room = same_letter or [s for s in candidates if room[s.pk] > 0]
        if not with_room:
            plan.items.append(RolloverItem(**base, action=RolloverAction.NO_SECTION))
            continue
        chosen = with_room[0]
        room[chosen.pk] -= 1
        plan.items.append(RolloverItem(**base, action=action, target_section_id=chosen.pk,
                                       target_section_code=chosen.code))
    return plan, {old.pk: old for old in olds}


def rollover_plan(*, scope: Scope, institution_id: int, from_year: int, to_year: int) -> RolloverPlan:
    """What `rollover_execute` would do, changing nothing (the dry run)."""
    source, target = _rollover_years(scope, institution_id, from_year, to_year)
    plan, _olds = _build_plan(source, target)
    return plan


@transaction.atomic
def rollover_execute(*, scope: Scope, institution_id: int, from_year: int, to_year: int) -> RolloverPlan:
    """Promote every ACTIVE enrollment of `from_year` into `to_year`: promoted students go to the next
    grade (same section letter when it exists and has room, else the first section with room),
    repeaters stay in their grade, graduates leave. Old rows are closed (PROMOTED or COMPLETED).
    Students without a section with room stay ACTIVE in the old year and are reported (NO_SECTION),
    so running it again after adding sections finishes the job; running it twice creates nothing new."""
    source, target = _rollover_years(scope, institution_id, from_year, to_year)
    list(Section.objects.select_for_update().filter(academic_year=target).order_by("pk"))  # lock seats of the target year
    plan, olds = _build_plan(source, target)
    sections = Section.objects.in_bulk([i.target_section_id for i in plan.items if i.target_section_id])
    people = _get_users([i.student_id for i in plan.items if i.target_section_id])
    closed_on = source.end_date + timedelta(days=1)
    for item in plan.items:
        if item.action == RolloverAction.NO_SECTION:
            continue
        old = olds[item.enrollment_id]
        promoted = item.action == RolloverAction.PROMOTE or (
            item.action == RolloverAction.ALREADY_ENROLLED
            and old.promotion_decision == Enrollment.PromotionDecision.PROMOTED)
        old.status = Enrollment.Status.PROMOTED if promoted else Enrollment.Status.COMPLETED
        old.end_date = max(closed_on, old.start_date or closed_on)
        old.save(update_fields=["status", "end_date", "updated_at"])
        if item.target_section_id is None:
            continue
        new = _insert_enrollment(
            institution_id=old.institution_id, student_id=old.student_id, academic_year=target,
            section=sections[item.target_section_id],
            enrollment_type=Enrollment.Type.REPEATER if item.action == RolloverAction.REPEAT else Enrollment.Type.REGULAR,
            enrollment_date=target.start_date, status=Enrollment.Status.ACTIVE, seat_assigned_at=timezone.now(),
            start_date=target.start_date, previous_enrollment=old)
        new.section, new.academic_year = sections[item.target_section_id], target
        person = people.get(new.student_id)
        _publish_enrolled(new, student_code=person.code if person else None)
        plan.created_enrollment_ids.append(new.pk)
    return plan
