"""Two schools with one row of every school-owned table each (written straight through the models, so the
data does not depend on any context's service signatures), a school-A staff member with every Django model
permission but no superuser flag, and a superuser."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models.fields import NOT_PROVIDED
from django.test import Client
from django.utils import timezone

from tests.users.factories import GuardianFactory, StaffFactory, StudentFactory, TeacherFactory

YEAR = date.today().year
_seq = itertools.count(1000)


def _value(model, f: models.Field, tag: str):
    """A plausible value for a required column nobody named (tagged with the school: 'ALFA…' / 'BETA…')."""
    n = next(_seq)
    if f.choices:
        return f.choices[0][0]
    if isinstance(f, models.EmailField):
        return f"{tag.lower()}{n}@example.edu.pe"
    if isinstance(f, models.CharField | models.TextField):
        return f"{tag}-{f.name}-{n}"[: f.max_length or 200]
    if isinstance(f, models.DecimalField):
        return Decimal("1")
    if isinstance(f, models.SmallIntegerField | models.PositiveSmallIntegerField):
        return n % 30000  # the counter outgrows smallint over a long session
    if isinstance(f, models.IntegerField):
        return n
    if isinstance(f, models.DateTimeField):
        return timezone.now()
    if isinstance(f, models.DateField):
        return date.today() + timedelta(days=200 if f.name.startswith("end") else 0)
    if isinstance(f, models.TimeField):
        return time(8)
    if isinstance(f, models.JSONField):
        return {}
    if isinstance(f, models.BooleanField):
        return False
    raise AssertionError(f"no test value for {model._meta.label}.{f.name}: name it")


@dataclass
class School:
    tag: str
    institution_id: int = 0
    ids: dict = field(default_factory=dict)  # entity -> id (section, student, teacher, ...)
    rows: dict = field(default_factory=lambda: defaultdict(set))  # model -> pks of this school's rows
    staff: object = None

    def make(self, model, **given):
        """One row of `model` for this school: its school column set, every other required column filled."""
        concrete = {f.name: f for f in model._meta.concrete_fields}
        if "institution_id" in concrete and "institution_id" not in given:
            given["institution_id"] = self.institution_id
        for f in model._meta.concrete_fields:
            if (f.primary_key or f.name in given or f.attname in given or f.null or f.default is not NOT_PROVIDED
                    or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)):
                continue
            given[f.name] = _value(model, f, self.tag)
        obj = model._default_manager.create(**given)
        self.rows[model].add(obj.pk)
        return obj


def build_school(tag: str) -> School:
    from apps.academic.models import AcademicYear, Course, CurriculumEntry, Enrollment, GradeLevel, Section
    from apps.assignments.models import ScheduleBlock, TeacherAssignment, TeacherWorkload, WorkloadLimit
    from apps.attendance.models import AttendanceRecord, Justification, PatternAlert
    from apps.enrollment.models import EnrollmentRequest
    from apps.enrollment.sagas import STUDENT_ENROLLMENT
    from apps.grades.models import (
        CompetencyEvaluation,
        EvaluationComponent,
        EvaluationPlan,
        GradeEntry,
        GradeHistory,
        GradeRecord,
        PerformanceAlert,
        PeriodClosure,
        PeriodReopening,
    )
    from apps.institution.models import CalendarYear, Campus, GradingScale, Holiday, Institution, InstitutionConfig, Period
    from apps.inventory.models import (
        Asset,
        AssetHistory,
        Consumable,
        Loan,
        MaintenanceRequest,
        OverdueNotice,
        Room,
        RoomBooking,
        StockLevel,
        StockMovement,
        Stocktake,
        StocktakeDiscrepancy,
    )
    from apps.notifications.models import BulkSend, Message
    from apps.users.models import GuardianLink, User
    from events.saga.models import SagaStep

    s = School(tag=tag)
    inst = s.make(Institution, code=f"{tag}-IE", name=f"I.E. {tag}")
    s.institution_id = inst.pk
    s.make(InstitutionConfig, institution=inst)
    s.make(GradingScale, institution=inst)
    campus = s.make(Campus, institution=inst)
    calendar = s.make(CalendarYear, institution=inst, year=YEAR, start_date=date(YEAR, 1, 2), end_date=date(YEAR, 12, 20))
    period = s.make(Period, calendar_year=calendar, number=1, start_date=date(YEAR, 3, 1), end_date=date(YEAR, 5, 1))
    s.make(Holiday, institution=inst, date=date(YEAR, 7, 28))

    people = {"staff": StaffFactory(user_type="DIRECTOR", institution_id=inst.pk, first_name=f"{tag} Director"),
              "teacher": TeacherFactory(institution_id=inst.pk, first_name=f"{tag} Teacher"),
              "student": StudentFactory(institution_id=inst.pk, first_name=f"{tag} Student"),
              "guardian": GuardianFactory(institution_id=inst.pk, first_name=f"{tag} Guardian")}
    for person in people.values():
        s.rows[User].add(person.pk)
    s.staff = people["staff"]
    student, teacher, guardian = people["student"], people["teacher"], people["guardian"]
    s.make(GuardianLink, student=student, guardian=guardian)

    year = s.make(AcademicYear, year=YEAR, start_date=date(YEAR, 3, 1), end_date=date(YEAR, 12, 15))
    level = s.make(GradeLevel, name=f"{tag} 5th grade")
    course = s.make(Course, grade_level=level, name=f"{tag} Math")
    s.make(CurriculumEntry, academic_year=year, course=course)
    section = s.make(Section, academic_year=year, grade_level=level, code=f"{tag}-5A", name=f"{tag} 5A", capacity=30,
                     tutor_id=teacher.pk)
    enrollment = s.make(Enrollment, student_id=student.pk, academic_year=year, section=section,
                        enrollment_date=date(YEAR, 3, 1))

    refs = {"teacher_id": teacher.pk, "course_id": course.pk, "section_id": section.pk, "academic_year_id": year.pk}
    assignment = s.make(TeacherAssignment, **refs)
    s.make(ScheduleBlock, assignment=assignment, **refs, day_of_week=1, start_time=time(8), end_time=time(9),
           start_minute=480, end_minute=540)
    s.make(TeacherWorkload, teacher_id=teacher.pk, academic_year_id=year.pk)
    s.make(WorkloadLimit, max_weekly_hours=Decimal("30"))

    plan = s.make(EvaluationPlan, course_id=course.pk, period_id=period.pk, section_id=section.pk, name=f"{tag} plan")
    component = s.make(EvaluationComponent, plan=plan, weight=Decimal("100"))
    record = s.make(GradeRecord, enrollment_id=enrollment.pk, student_id=student.pk, section_id=section.pk,
                    course_id=course.pk, period_id=period.pk)
    entry = s.make(GradeEntry, record=record, component=component, numeric_value=Decimal("15"))
    s.make(GradeHistory, entry=entry)
    s.make(CompetencyEvaluation, record=record)
    closure = s.make(PeriodClosure, period_id=period.pk)
    s.make(PeriodReopening, closure=closure)
    s.make(PerformanceAlert, student_id=student.pk, course_id=course.pk, period_id=period.pk, section_id=section.pk)

    s.make(AttendanceRecord, student_id=student.pk, section_id=section.pk, date=date.today(), status="ABSENT")
    s.make(Justification, student_id=student.pk, section_id=section.pk, guardian_id=guardian.pk,
           start_date=date.today(), end_date=date.today())
    s.make(PatternAlert, student_id=student.pk, section_id=section.pk)

    s.make(Message, recipient_user_id=guardian.pk, channel="EMAIL", student_id=student.pk)
    s.make(BulkSend, requested_by_id=people["staff"].pk, section_id=section.pk)

    room = s.make(Room, code=f"{tag}-LAB", name=f"{tag} Lab")
    asset = s.make(Asset, code=f"{tag}-INV-1", barcode=f"{tag}-BC-1", name=f"{tag} Laptop", room=room)
    s.make(AssetHistory, asset=asset, at=timezone.now(), action="REGISTERED")
    loan = s.make(Loan, asset=asset, borrower_id=student.pk, checked_out_at=timezone.now(), due_on=date.today())
    s.make(OverdueNotice, loan=loan, rule="overdue_1d", days_overdue=1, sent_at=timezone.now())
    s.make(RoomBooking, room=room, title=f"{tag} Exam", starts_at=timezone.now(),
           ends_at=timezone.now() + timedelta(hours=1))
    consumable = s.make(Consumable, code=f"{tag}-TIZA", name=f"{tag} Chalk")
    stock = s.make(StockLevel, consumable=consumable, campus_id=campus.pk, quantity=3)
    s.make(StockMovement, stock=stock, kind="IN", delta=3, quantity_after=3, at=timezone.now())
    stocktake = s.make(Stocktake, title=f"{tag} Count", room=room, campus_id=campus.pk, started_at=timezone.now())
    s.make(MaintenanceRequest, asset=asset, title=f"{tag} Repair", opened_at=timezone.now())
    s.make(StocktakeDiscrepancy, stocktake=stocktake, kind="MISSING", code=asset.code, asset=asset, expected_room=room)

    saga = s.make(EnrollmentRequest, saga_type=STUDENT_ENROLLMENT, data={
        "student_id": student.pk, "section_id": section.pk, "institution_id": inst.pk})
    s.make(SagaStep, saga=saga, position=1)

    s.ids = {"institution": inst.pk, "section": section.pk, "student": student.pk, "teacher": teacher.pk,
             "guardian": guardian.pk, "course": course.pk, "period": period.pk, "academic_year": year.pk,
             "grade_level": level.pk, "calendar_year": calendar.pk, "staff": people["staff"].pk,
             "enrollment": enrollment.pk, "plan": plan.pk, "record": record.pk}
    return s


@pytest.fixture
def schools(db) -> tuple[School, School]:
    a, b = build_school("ALFA"), build_school("BETA")
    a.staff.user_permissions.set(Permission.objects.all())  # every model permission, no superuser flag
    return a, b


@pytest.fixture
def admin_client():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def superuser(db):
    return StaffFactory(is_superuser=True, institution_id=None)

