"""Two complete schools, A and B, written directly with the ORM (so the builder does not depend on
the services' signatures, which the tenancy work changes). Every human-readable field of a school's
rows carries its marker (`ZZA-` / `ZZB-`): a response holding `ZZB-` leaked school B's data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section
from apps.assignments.models import ScheduleBlock, TeacherAssignment
from apps.assignments.selectors import week_minute
from apps.attendance.models import AttendanceRecord, Justification, PatternAlert
from apps.grades.models import CompetencyEvaluation, EvaluationComponent, EvaluationPlan, GradeEntry, GradeRecord
from apps.institution.models import CalendarYear, Campus, Holiday, Institution, InstitutionConfig, Period
from apps.inventory.models import (
    Asset,
    AssetHistory,
    Consumable,
    Loan,
    MaintenanceRequest,
    Room,
    RoomBooking,
    StockLevel,
    StockMovement,
    Stocktake,
    StocktakeDiscrepancy,
)
from apps.notifications.models import BulkSend, Message, NotificationTemplate
from apps.users.models import GuardianLink, User
from events.saga.models import SagaInstance

YEAR = date.today().year
ROLES = ("ADMIN", "DIRECTOR", "SECRETARY", "AUXILIARY", "INVENTORY_MANAGER", "TEACHER", "PSYCHOLOGIST", "PARENT",
         "STUDENT")


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def marker(tag: str) -> str:
    return f"ZZ{tag}-"


def school_day() -> date:
    """A weekday of this year, in the first period, that is not today (a past or future school day)."""
    day = date(YEAR, 3, 10)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass
class School:
    tag: str
    ids: dict[str, object] = field(default_factory=dict)  # entity kind -> one id of this school
    users: dict[str, User] = field(default_factory=dict)  # role -> a user of this school


def build_school(tag: str, *, seq: int) -> School:
    """School `tag` (A or B). `seq` keeps codes unique between the two."""
    m = marker(tag)
    low = m.lower()
    school = School(tag=tag)
    ids = school.ids

    inst = Institution.objects.create(code=f"{m}IE", name=f"{m}School", city=f"{m}City", email=f"mesa@{low}school.pe")
    InstitutionConfig.objects.get_or_create(institution=inst)
    campus = Campus.objects.create(institution=inst, code=f"{m}CAMPUS", name=f"{m}Main campus", is_main=True)
    calendar = CalendarYear.objects.create(institution=inst, year=YEAR, start_date=date(YEAR, 1, 2),
                                           end_date=date(YEAR, 12, 20), period_type="BIMESTRE")
    bounds = [(date(YEAR, 1, 2), date(YEAR, 3, 31)), (date(YEAR, 4, 1), date(YEAR, 6, 30)),
              (date(YEAR, 7, 1), date(YEAR, 9, 30)), (date(YEAR, 10, 1), date(YEAR, 12, 20))]
    periods = [Period.objects.create(calendar_year=calendar, number=n, name=f"{m}Bimestre {n}", start_date=start,
                                     end_date=end) for n, (start, end) in enumerate(bounds, start=1)]
    holiday = Holiday.objects.create(institution=inst, date=date(YEAR, 7, 28), name=f"{m}Holiday")
    ids.update(institution=inst.pk, campus=campus.pk, calendar_year=calendar.pk, period=periods[0].pk,
               holiday=holiday.pk)

    def person(role: str, suffix: str = "") -> User:
        username = f"{low}{role.lower()}{suffix}"
        user = User(username=username, user_type=role, institution_id=inst.pk, first_name=f"{m}{role.title()}",
                    last_name=f"{m}Surname{suffix}", email=f"{username}@example.edu.pe",
                    code=f"USR-1998-{seq}{len(school.users):04d}", is_staff=role in {"ADMIN"},
                    document_number=f"{seq}{len(school.users):06d}")
        user.set_unusable_password()
        user.save()
        return user

    for role in ROLES:
        school.users[role] = person(role)
    student, parent, teacher = school.users["STUDENT"], school.users["PARENT"], school.users["TEACHER"]
    director = school.users["DIRECTOR"]
    link = GuardianLink.objects.create(student=student, guardian=parent, relationship=GuardianLink.Relationship.MOTHER,
                                       is_primary_contact=True)
    ids.update(student=student.pk, guardian=parent.pk, teacher=teacher.pk, staff=director.pk, guardian_link=link.pk)

    year = AcademicYear.objects.create(institution_id=inst.pk, year=YEAR, start_date=date(YEAR, 1, 2),
                                       end_date=date(YEAR, 12, 20), status=AcademicYear.Status.ACTIVE)
    level = GradeLevel.objects.create(institution_id=inst.pk, level=GradeLevel.Level.PRIMARIA, number=5,
                                      name=f"{m}5th grade", order=5)
    courses = []
    for code in ("MAT", "COM"):
        course = Course.objects.create(institution_id=inst.pk, grade_level=level, code=f"{m}{code}", name=f"{m}{code} course",
                                       area=f"{m}{code} area", hours_per_week=5, competencies=[f"{m}competency"])
        entry = CurriculumEntry.objects.create(academic_year=year, course=course)
        courses.append(course)
    section = Section.objects.create(institution_id=inst.pk, academic_year=year, grade_level=level, name=f"{m}5A",
                                     code=f"SEC-{YEAR}-{m}5A", capacity=30, tutor_id=teacher.pk, campus_id=campus.pk)
    enrollment = Enrollment.objects.create(
        institution_id=inst.pk, student_id=student.pk, academic_year=year, section=section, code=f"ENR-{YEAR}-{seq}00001",
        enrollment_date=date(YEAR, 1, 2), start_date=date(YEAR, 1, 2), status=Enrollment.Status.ACTIVE,
        previous_institution=f"{m}previous school", seat_assigned_at=datetime.now(UTC),
        **({"year": YEAR} if _has_field(Enrollment, "year") else {}))
    ids.update(academic_year=year.pk, grade_level=level.pk, course=courses[0].pk, curriculum_entry=entry.pk,
               section=section.pk, enrollment=enrollment.pk)

    assignments = [TeacherAssignment.objects.create(teacher_id=teacher.pk, course_id=c.pk, section_id=section.pk,
                                                    academic_year_id=year.pk, institution_id=inst.pk)
                   for c in courses]
    blocks = []
    for day, assignment in enumerate(assignments, start=1):
        blocks.append(ScheduleBlock.objects.create(
            assignment=assignment, teacher_id=teacher.pk, section_id=section.pk, course_id=assignment.course_id,
            academic_year_id=year.pk, institution_id=inst.pk, room=f"{m}Room", day_of_week=day,
            start_time=time(8, 0), end_time=time(9, 0), start_minute=week_minute(day, time(8, 0)),
            end_minute=week_minute(day, time(9, 0))))
    ids.update(assignment=assignments[0].pk, block=blocks[0].pk)

    plan = EvaluationPlan.objects.create(course_id=courses[0].pk, period_id=periods[0].pk, section_id=section.pk,
                                         institution_id=inst.pk, name=f"{m}Plan", created_by_id=director.pk)
    components = [EvaluationComponent.objects.create(plan=plan, name=f"{m}{kind}", kind=kind, weight=Decimal("50"))
                  for kind in ("EXAM", "PRACTICE")]
    record = GradeRecord.objects.create(enrollment_id=enrollment.pk, student_id=student.pk, section_id=section.pk,
                                        course_id=courses[0].pk, period_id=periods[0].pk, institution_id=inst.pk)
    grade_entry = GradeEntry.objects.create(record=record, component=components[0], numeric_value=Decimal("14"),
                                            recorded_by_id=teacher.pk)
    CompetencyEvaluation.objects.create(record=record, competency=f"{m}competency", level="A",
                                        evaluated_by_id=teacher.pk)
    ids.update(plan=plan.pk, component=components[0].pk, grade_record=record.pk, grade_entry=grade_entry.pk)

    day = school_day()
    now = datetime.now(UTC)
    attendance = AttendanceRecord.objects.create(student_id=student.pk, section_id=section.pk, institution_id=inst.pk,
                                                 enrollment_id=enrollment.pk, date=day, status="ABSENT",
                                                 marked_at=now, updated_at=now, note=f"{m}absent",
                                                 marked_by_id=teacher.pk)
    justification = Justification.objects.create(student_id=student.pk, section_id=section.pk, institution_id=inst.pk,
                                                 guardian_id=parent.pk, start_date=day, end_date=day,
                                                 reason=f"{m}fever")
    PatternAlert.objects.create(student_id=student.pk, section_id=section.pk, institution_id=inst.pk,
                                period_id=periods[0].pk, pattern="CONSECUTIVE_ABSENCES",
                                occurrence_key=f"{m}{seq}", value="3", threshold="3", triggered_on=day)
    ids.update(attendance_record=attendance.pk, justification=justification.pk)

    bulk = BulkSend.objects.create(requested_by_id=director.pk, subject=f"{m}Circular", body=f"{m}Circular body",
                                   channels=["INAPP"], recipient_user_ids=[parent.pk], section_id=section.pk, total=1)
    messages = [Message.objects.create(recipient_user_id=recipient.pk, channel="INAPP", subject=f"{m}Notice",
                                       body_text=f"{m}Notice body", idempotency_key=f"matrix:{tag}:{recipient.pk}",
                                       student_id=student.pk, bulk=bulk, status="DELIVERED")
                for recipient in (parent, student)]
    ids.update(bulk=bulk.pk, message=messages[0].pk)

    saga = SagaInstance.objects.create(
        saga_type="student_enrollment", status="COMPLETED", correlation_id=f"matrix-{tag}",
        data={"student_id": student.pk, "section_id": section.pk, "enrollment_type": "REGULAR",
              "enrollment_date": date(YEAR, 1, 2).isoformat(), "previous_institution": f"{m}previous school"})
    ids.update(saga=str(saga.pk))

    room = Room.objects.create(institution_id=inst.pk, campus_id=campus.pk, code=f"{m}LAB", name=f"{m}Lab", kind="LAB",
                               capacity=30, equipment=[f"{m}projector"])
    asset = Asset.objects.create(institution_id=inst.pk, code=f"{m}INV-1", barcode=f"{m}BC-1", name=f"{m}Laptop",
                                 category=f"{m}laptop", campus_id=campus.pk, room=room, serial_number=f"{m}SN",
                                 responsible_staff_id=director.pk)
    AssetHistory.objects.create(asset=asset, institution_id=inst.pk, at=now, action="REGISTERED",
                                changes={"note": f"{m}registered"}, changed_by_id=director.pk)
    loaned = Asset.objects.create(institution_id=inst.pk, code=f"{m}INV-2", barcode=f"{m}BC-2", name=f"{m}Tablet",
                                  campus_id=campus.pk, room=room, status="ON_LOAN")
    loan = Loan.objects.create(institution_id=inst.pk, asset=loaned, borrower_id=student.pk, borrower_kind="STUDENT",
                               checked_out_at=now, due_on=date.today() + timedelta(days=7), note=f"{m}loan")
    booking = RoomBooking.objects.create(institution_id=inst.pk, room=room, title=f"{m}Exam",
                                         starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2),
                                         booked_by_id=teacher.pk)
    ids.update(room=room.pk, asset=asset.pk, loan=loan.pk, booking=booking.pk)
    consumable = Consumable.objects.create(institution_id=inst.pk, code=f"{m}TIZA", name=f"{m}Chalk", unit=f"{m}box",
                                           reorder_threshold=2)
    stock = StockLevel.objects.create(consumable=consumable, institution_id=inst.pk, campus_id=campus.pk, quantity=9)
    StockMovement.objects.create(stock=stock, institution_id=inst.pk, kind="ADJUSTMENT", delta=9, quantity_after=9,
                                 reason=f"{m}count", at=now, by_id=director.pk)
    stocktake = Stocktake.objects.create(institution_id=inst.pk, title=f"{m}Count", room=room, campus_id=campus.pk,
                                         scanned_codes=[f"{m}BC-1"], started_at=now, started_by_id=director.pk)
    discrepancy = StocktakeDiscrepancy.objects.create(stocktake=stocktake, institution_id=inst.pk, kind="UNEXPECTED",
                                                      code=f"{m}ZZ", note=f"{m}note")
    repaired = Asset.objects.create(institution_id=inst.pk, code=f"{m}INV-3", barcode=f"{m}BC-3", name=f"{m}Projector",
                                    campus_id=campus.pk, room=room, status="IN_REPAIR")
    maintenance = MaintenanceRequest.objects.create(institution_id=inst.pk, asset=repaired, title=f"{m}Repair",
                                                    description=f"{m}lamp", opened_at=now, opened_by_id=director.pk)
    ids.update(maintenance=maintenance.pk)
    ids.update(consumable=consumable.pk, stocktake=stocktake.pk, discrepancy=discrepancy.pk)

    ids["date"] = day.isoformat()
    return school


def global_template_id() -> int:
    """Templates are network-wide (no school): the same id serves both schools."""
    template = NotificationTemplate.objects.order_by("pk").first()
    if template is None:
        template = NotificationTemplate.objects.create(key="matrix-template", subject="Matrix", body_text="Matrix")
    return template.pk


def new_saga_id() -> str:
    return str(uuid.uuid4())
