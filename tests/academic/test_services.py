"""Enrollment aggregate, saga steps, transfers, withdrawals, dated history and years."""

from __future__ import annotations

import datetime

import pytest

from apps.academic import selectors, services
from apps.academic.models import AcademicYear, Enrollment
from common.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from common.tenancy import SYSTEM
from events.models import OutboxEvent
from tests.academic.factories import AcademicYearFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def _enroll(section, student_id, *, saga_id=None, date=D(2026, 3, 2)):
    enrollment = services.enrollment_open(scope=SYSTEM, student_id=student_id, section_id=section.pk, enrollment_type="REGULAR",
                                          enrollment_date=date, previous_institution=None, saga_id=saga_id)
    services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=enrollment.pk)
    return services.enrollment_activate(scope=SYSTEM, enrollment_id=enrollment.pk)


def test_saga_steps_open_assign_activate_publish_student_enrolled(school):
    student = school.students[0]
    opened = services.enrollment_open(scope=SYSTEM, student_id=student.pk, section_id=school.s5a.pk,
                                      enrollment_type="TRANSFER_IN",
                                      enrollment_date=D(2026, 3, 2), previous_institution="I.E. 2045", saga_id="saga-1")
    assert opened.status == "PENDING" and opened.code == f"ENR-2026-{opened.pk:06d}"
    assert not OutboxEvent.objects.filter(event_type="student.enrolled").exists()

    services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=opened.pk)
    active = services.enrollment_activate(scope=SYSTEM, enrollment_id=opened.pk)

    assert active.status == "ACTIVE" and active.start_date == D(2026, 3, 2)
    event = OutboxEvent.objects.get(event_type="student.enrolled")
    env = event.envelope
    assert env["aggregateId"] == str(opened.pk) and env["aggregateType"] == "StudentEnrollment"
    assert env["sourceService"] == "MS-VG-0004" and event.topic == "academic-events"
    assert env["payload"] == {
        "enrollmentId": opened.pk, "enrollmentCode": opened.code, "studentUserId": student.pk,
        "studentCode": student.code, "sectionId": school.s5a.pk, "sectionCode": "SEC-2026-5A",
        "academicYearId": "2026", "enrollmentDate": "2026-03-02", "enrollmentType": "TRANSFER_IN",
        "previousInstitution": "I.E. 2045", "institutionId": school.institution.pk,
    }


def test_saga_steps_are_idempotent(school):
    student_id = school.students[0].pk
    first = services.enrollment_open(scope=SYSTEM, student_id=student_id, section_id=school.s5a.pk, enrollment_type="REGULAR",
                                     enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id="saga-x")
    again = services.enrollment_open(scope=SYSTEM, student_id=student_id, section_id=school.s5a.pk, enrollment_type="REGULAR",
                                     enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id="saga-x")
    assert again.pk == first.pk and Enrollment.objects.count() == 1
    services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=first.pk)
    services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=first.pk)
    services.enrollment_activate(scope=SYSTEM, enrollment_id=first.pk)
    services.enrollment_activate(scope=SYSTEM, enrollment_id=first.pk)
    assert OutboxEvent.objects.filter(event_type="student.enrolled").count() == 1


def test_compensations_discard_remove_and_invalid(school):
    sid = school.students[0].pk
    e = services.enrollment_open(scope=SYSTEM, student_id=sid, section_id=school.s5a.pk, enrollment_type="REGULAR",
                                 enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id="s-comp")
    services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=e.pk)
    services.enrollment_remove_from_section(scope=SYSTEM, enrollment_id=e.pk)
    e.refresh_from_db()
    assert e.seat_assigned_at is None and e.status == "PENDING"
    services.enrollment_mark_invalid(scope=SYSTEM, enrollment_id=e.pk, reason="not a student")
    services.enrollment_mark_invalid(scope=SYSTEM, enrollment_id=e.pk, reason="not a student")
    e.refresh_from_db()
    assert e.status == "INVALID" and e.status_reason == "not a student"
    services.enrollment_discard(scope=SYSTEM, enrollment_id=e.pk)
    services.enrollment_discard(scope=SYSTEM, enrollment_id=e.pk)  # already gone: no-op
    assert not Enrollment.objects.filter(pk=e.pk).exists()


def test_activate_requires_a_seat_and_active_cannot_be_discarded(school):
    e = services.enrollment_open(scope=SYSTEM, student_id=school.students[0].pk, section_id=school.s5a.pk,
                                 enrollment_type="REGULAR",
                                 enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id=None)
    with pytest.raises(BusinessRuleViolation) as exc:
        services.enrollment_activate(scope=SYSTEM, enrollment_id=e.pk)
    assert exc.value.code == "not_assigned_to_section"
    services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=e.pk)
    services.enrollment_activate(scope=SYSTEM, enrollment_id=e.pk)
    with pytest.raises(BusinessRuleViolation):
        services.enrollment_discard(scope=SYSTEM, enrollment_id=e.pk)
    assert Enrollment.objects.get(pk=e.pk).status == "ACTIVE"


def test_double_enrollment_in_a_year_is_refused(school):
    student_id = school.students[0].pk
    first = _enroll(school.s5a, student_id)
    with pytest.raises(Conflict) as exc:
        services.enrollment_open(scope=SYSTEM, student_id=student_id, section_id=school.s5b.pk, enrollment_type="REGULAR",
                                 enrollment_date=D(2026, 3, 3), previous_institution=None, saga_id="other")
    assert exc.value.code == "student_already_enrolled" and exc.value.details["enrollmentId"] == first.pk
    assert Enrollment.objects.filter(student_id=student_id).count() == 1


def test_database_refuses_a_second_open_enrollment(school):
    from django.db import IntegrityError, transaction

    EnrollmentFactory(section=school.s5b, student_id=77)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrollmentFactory(section=school.s5b, student_id=77, status=Enrollment.Status.PENDING)


def test_full_section_is_refused(school):
    _enroll(school.s5a, school.students[0].pk)
    _enroll(school.s5a, school.students[1].pk)
    third = services.enrollment_open(scope=SYSTEM, student_id=school.students[2].pk, section_id=school.s5a.pk,
                                     enrollment_type="REGULAR", enrollment_date=D(2026, 3, 2),
                                     previous_institution=None, saga_id=None)
    with pytest.raises(Conflict) as exc:
        services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=third.pk)
    assert exc.value.code == "section_full"
    third.refresh_from_db()
    assert third.seat_assigned_at is None


def test_pending_seat_counts_toward_capacity_and_invalid_frees_it(school):
    a = services.enrollment_open(scope=SYSTEM, student_id=1, section_id=school.s5a.pk, enrollment_type="REGULAR",
                                 enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id="a")
    b = services.enrollment_open(scope=SYSTEM, student_id=2, section_id=school.s5a.pk, enrollment_type="REGULAR",
                                 enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id="b")
    c = services.enrollment_open(scope=SYSTEM, student_id=3, section_id=school.s5a.pk, enrollment_type="REGULAR",
                                 enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id="c")
    services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=a.pk)
    services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=b.pk)
    with pytest.raises(Conflict):
        services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=c.pk)
    services.enrollment_mark_invalid(scope=SYSTEM, enrollment_id=b.pk, reason="validation failed")
    assert services.enrollment_assign_to_section(scope=SYSTEM, enrollment_id=c.pk).seat_assigned_at is not None


def test_transfer_keeps_history_and_emits_student_transferred(school):
    first = _enroll(school.s5a, school.students[0].pk)
    new = services.enrollment_transfer(scope=SYSTEM, enrollment_id=first.pk, target_section_id=school.s5b.pk,
                                       effective_date=D(2026, 6, 1), reason="Cambio de turno")
    first.refresh_from_db()
    assert (first.status, first.end_date, first.section_id) == ("TRANSFERRED", D(2026, 6, 1), school.s5a.pk)
    assert (new.status, new.start_date, new.section_id, new.previous_enrollment_id) == (
        "ACTIVE", D(2026, 6, 1), school.s5b.pk, first.pk)
    payload = OutboxEvent.objects.get(event_type="student.transferred").envelope["payload"]
    assert payload["fromSectionCode"] == "SEC-2026-5A" and payload["toSectionCode"] == "SEC-2026-5B"
    assert payload["previousEnrollmentId"] == first.pk and payload["enrollmentId"] == new.pk
    assert payload["effectiveDate"] == "2026-06-01"
    # dated history
    sid = school.students[0].pk
    assert selectors.student_section_on(scope=SYSTEM, student_id=sid, on=D(2026, 5, 31)) == school.s5a.pk
    assert selectors.student_section_on(scope=SYSTEM, student_id=sid, on=D(2026, 6, 1)) == school.s5b.pk
    assert selectors.student_section_on(scope=SYSTEM, student_id=sid, on=D(2026, 3, 1)) is None
    assert selectors.student_section_on(scope=SYSTEM, student_id=sid, on=D(2027, 1, 10)) is None
    roster = selectors.section_roster(scope=SYSTEM, section_id=school.s5a.pk, on=D(2026, 4, 1))
    assert list(roster.values_list("student_id", flat=True)) == [sid]
    assert not selectors.section_roster(scope=SYSTEM, section_id=school.s5a.pk).exists()


def test_transfer_into_a_full_section_changes_nothing(school):
    _enroll(school.s5a, 501)
    _enroll(school.s5a, 502)
    mover = _enroll(school.s5b, 503)
    with pytest.raises(Conflict) as exc:
        services.enrollment_transfer(scope=SYSTEM, enrollment_id=mover.pk, target_section_id=school.s5a.pk,
                                     effective_date=D(2026, 5, 1))
    assert exc.value.code == "section_full"
    mover.refresh_from_db()
    assert mover.status == "ACTIVE" and mover.end_date is None
    assert Enrollment.objects.filter(student_id=503).count() == 1


def test_transfer_refuses_bad_input(school):
    e = _enroll(school.s5a, 600)
    other_year = AcademicYearFactory(institution_id=school.institution.pk, year=2027, status="PLANNING")
    from tests.academic.factories import SectionFactory
    other = SectionFactory(academic_year=other_year, name="5A", code="SEC-2027-5A")
    for target, when in ((school.s5a.pk, D(2026, 5, 1)), (other.pk, D(2026, 5, 1)), (999999, D(2026, 5, 1)),
                         (school.s5b.pk, D(2026, 1, 1)), (school.s5b.pk, D(2027, 1, 5))):
        with pytest.raises(ValidationFailed):
            services.enrollment_transfer(scope=SYSTEM, enrollment_id=e.pk, target_section_id=target, effective_date=when)
    assert Enrollment.objects.filter(student_id=600).count() == 1


def test_withdrawal_closes_the_row(school):
    e = _enroll(school.s5a, 700)
    services.enrollment_withdraw(scope=SYSTEM, enrollment_id=e.pk, effective_date=D(2026, 8, 15), reason="Viaje")
    e.refresh_from_db()
    assert (e.status, e.end_date, e.status_reason) == ("WITHDRAWN", D(2026, 8, 15), "Viaje")
    assert selectors.student_section_on(scope=SYSTEM, student_id=700, on=D(2026, 8, 14)) == school.s5a.pk
    assert selectors.student_section_on(scope=SYSTEM, student_id=700, on=D(2026, 8, 15)) is None
    with pytest.raises(BusinessRuleViolation):
        services.enrollment_withdraw(scope=SYSTEM, enrollment_id=e.pk, reason="again")
    # the seat is free again and the student may be enrolled anew
    assert _enroll(school.s5a, 700, date=D(2026, 9, 1)).status == "ACTIVE"


def test_one_active_year_per_institution(school):
    planning = AcademicYearFactory(institution_id=school.institution.pk, year=2027, status="PLANNING")
    with pytest.raises(Conflict) as exc:
        services.academic_year_start(scope=SYSTEM, academic_year_id=planning.pk)
    assert exc.value.code == "active_year_exists"
    services.academic_year_close(scope=SYSTEM, academic_year_id=school.year.pk)
    started = services.academic_year_start(scope=SYSTEM, academic_year_id=planning.pk)
    services.academic_year_start(scope=SYSTEM, academic_year_id=planning.pk)  # idempotent
    assert started.status == AcademicYear.Status.ACTIVE
    events = OutboxEvent.objects.filter(event_type="academic.year.started")
    assert events.count() == 1
    assert events.get().envelope["payload"]["academicYearId"] == "2027"
    assert events.get().envelope["aggregateId"] == str(planning.pk)


def test_database_refuses_two_active_years(school):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AcademicYearFactory(institution_id=school.institution.pk, year=2030, status="ACTIVE")


def test_section_create_emits_event_and_validates_tutor(school):
    section = services.section_create(scope=SYSTEM, academic_year_id=school.year.pk, grade_level_id=school.levels[4].pk,
                                      name="4a", capacity=25, tutor_id=school.tutor.pk, shift="AFTERNOON")
    assert section.code == "SEC-2026-4A" and section.name == "4A"
    payload = OutboxEvent.objects.get(event_type="section.created").envelope["payload"]
    assert payload["sectionCode"] == "SEC-2026-4A" and payload["gradeNumber"] == 4 and payload["tutorId"] == school.tutor.pk
    with pytest.raises(Conflict):
        services.section_create(scope=SYSTEM, academic_year_id=school.year.pk, grade_level_id=school.levels[4].pk, name="4A",
                                capacity=25)
    with pytest.raises(ValidationFailed) as exc:
        services.section_create(scope=SYSTEM, academic_year_id=school.year.pk, grade_level_id=school.levels[4].pk, name="4B",
                                capacity=25, tutor_id=school.students[0].pk)
    assert exc.value.code == "invalid_tutor"


def test_capacity_cannot_drop_below_enrolled(school):
    _enroll(school.s5b, 801)
    _enroll(school.s5b, 802)
    with pytest.raises(Conflict):
        services.section_update(scope=SYSTEM, section_id=school.s5b.pk, capacity=1)
    assert services.section_update(scope=SYSTEM, section_id=school.s5b.pk, capacity=2).capacity == 2


def test_curriculum_add_course_emits_course_assigned_once(school):
    from tests.academic.factories import CourseFactory

    course = CourseFactory(grade_level=school.levels[5])
    entry = services.curriculum_add_course(scope=SYSTEM, academic_year_id=school.year.pk, course_id=course.pk)
    again = services.curriculum_add_course(scope=SYSTEM, academic_year_id=school.year.pk, course_id=course.pk)
    assert entry.pk == again.pk
    payload = OutboxEvent.objects.get(event_type="course.assigned").envelope["payload"]
    assert payload["courseId"] == course.pk and payload["academicYearId"] == "2026" and payload["gradeNumber"] == 5
    assert [c.pk for c in selectors.courses_of_section(scope=SYSTEM, section_id=school.s5a.pk)] == [course.pk]


def test_open_refuses_unknown_section_and_closed_year(school):
    with pytest.raises(NotFound):
        services.enrollment_open(scope=SYSTEM, student_id=1, section_id=999999, enrollment_type="REGULAR",
                                 enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id=None)
    with pytest.raises(ValidationFailed):
        services.enrollment_open(scope=SYSTEM, student_id=1, section_id=school.s5a.pk, enrollment_type="NOPE",
                                 enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id=None)
    with pytest.raises(ValidationFailed):
        services.enrollment_open(scope=SYSTEM, student_id=1, section_id=school.s5a.pk, enrollment_type="REGULAR",
                                 enrollment_date=D(2027, 1, 5), previous_institution=None, saga_id=None)
    services.academic_year_close(scope=SYSTEM, academic_year_id=school.year.pk)
    with pytest.raises(BusinessRuleViolation):
        services.enrollment_open(scope=SYSTEM, student_id=1, section_id=school.s5a.pk, enrollment_type="REGULAR",
                                 enrollment_date=D(2026, 3, 2), previous_institution=None, saga_id=None)
    assert not Enrollment.objects.exists()
