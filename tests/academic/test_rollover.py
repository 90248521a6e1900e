"""Year-end rollover: plan (dry run), execution, idempotency, the operator command."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.academic import services
from apps.academic.models import AcademicYear, Enrollment, Section
from common.tenancy import SYSTEM
from events.models import OutboxEvent
from tests.academic.factories import AcademicYearFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def next_year(school):
    year = AcademicYearFactory(institution_id=school.institution.pk, year=2027, status=AcademicYear.Status.PLANNING,
                               start_date=datetime.date(2027, 3, 1), end_date=datetime.date(2027, 12, 17))
    sections = {}
    for level, name in ((6, "6A"), (6, "6B"), (5, "5A")):
        sections[name] = Section.objects.create(institution_id=school.institution.pk, academic_year=year,
                                                grade_level=school.levels[level], name=name, code=f"SEC-2027-{name}",
                                                capacity=30)
    return year, sections


def _run(school, **kwargs):
    return services.rollover_execute(scope=SYSTEM, institution_id=school.institution.pk, from_year=2026, to_year=2027, **kwargs)


def test_rollover_promotes_repeats_and_graduates(school, next_year):
    year, sections = next_year
    promoted_a = EnrollmentFactory(section=school.s5a, student_id=1)
    promoted_b = EnrollmentFactory(section=school.s5b, student_id=2)
    repeater = EnrollmentFactory(section=school.s5b, student_id=3, promotion_decision="REPEATS")
    last_grade = Section.objects.create(institution_id=school.institution.pk, academic_year=school.year,
                                        grade_level=school.levels[6], name="6A", code="SEC-2026-6A", capacity=30)
    graduate = EnrollmentFactory(section=last_grade, student_id=4)
    withdrawn = EnrollmentFactory(section=school.s5b, student_id=5, status="WITHDRAWN",
                                  end_date=datetime.date(2026, 5, 1))

    plan = _run(school)

    assert plan.summary() == {"PROMOTE": 2, "REPEAT": 1, "GRADUATE": 1, "ALREADY_ENROLLED": 0, "NO_SECTION": 0}
    new = {e.student_id: e for e in Enrollment.objects.filter(academic_year=year)}
    assert new[1].section_id == sections["6A"].pk  # same letter
    assert new[2].section_id == sections["6B"].pk
    assert new[3].section_id == sections["5A"].pk and new[3].enrollment_type == "REPEATER"  # 5B missing → first with room
    assert 4 not in new and 5 not in new
    assert all(e.status == "ACTIVE" and e.start_date == datetime.date(2027, 3, 1) for e in new.values())
    assert new[1].previous_enrollment_id == promoted_a.pk
    statuses = dict(Enrollment.objects.filter(academic_year=school.year).values_list("student_id", "status"))
    assert statuses == {1: "PROMOTED", 2: "PROMOTED", 3: "COMPLETED", 4: "COMPLETED", 5: "WITHDRAWN"}
    promoted_b.refresh_from_db()
    assert promoted_b.end_date == datetime.date(2026, 12, 19)
    assert withdrawn.pk and repeater.pk and graduate.pk
    assert OutboxEvent.objects.filter(event_type="student.enrolled").count() == 3


def test_rollover_is_idempotent(school, next_year):
    student = school.students[0]
    EnrollmentFactory(section=school.s5a, student_id=student.pk)
    EnrollmentFactory(section=school.s5b, student_id=2)
    first = _run(school)
    assert len(first.created_enrollment_ids) == 2
    payload = OutboxEvent.objects.get(event_type="student.enrolled", envelope__payload__studentUserId=student.pk)
    assert payload.envelope["payload"]["studentCode"] == student.code
    assert payload.envelope["payload"]["sectionCode"] == "SEC-2027-6A"
    assert payload.envelope["payload"]["academicYearId"] == "2027"
    count = Enrollment.objects.count()
    second = _run(school)
    assert second.items == [] and second.created_enrollment_ids == []
    assert Enrollment.objects.count() == count


def test_rollover_respects_capacity_and_reports_students_without_a_seat(school, next_year):
    year, sections = next_year
    Section.objects.filter(pk__in=[sections["6A"].pk, sections["6B"].pk]).update(capacity=1)
    for student_id in (1, 2, 3):
        EnrollmentFactory(section=school.s5b, student_id=student_id)
    plan = _run(school)
    assert plan.summary()["PROMOTE"] == 2 and plan.summary()["NO_SECTION"] == 1
    left = Enrollment.objects.get(academic_year=school.year, status="ACTIVE")
    assert left.end_date is None  # untouched: a later run picks the student up
    Section.objects.filter(pk=sections["6B"].pk).update(capacity=5)
    again = _run(school)
    assert again.summary()["PROMOTE"] == 1
    assert Enrollment.objects.filter(academic_year=year, student_id=left.student_id, section=sections["6B"]).exists()


def test_student_already_enrolled_next_year_is_not_duplicated(school, next_year):
    year, sections = next_year
    EnrollmentFactory(section=school.s5a, student_id=1)
    EnrollmentFactory(section=sections["6B"], student_id=1)
    plan = _run(school)
    assert plan.summary()["ALREADY_ENROLLED"] == 1
    assert Enrollment.objects.filter(academic_year=year, student_id=1).count() == 1
    assert Enrollment.objects.get(academic_year=school.year, student_id=1).status == "PROMOTED"


def test_dry_run_prints_the_plan_and_changes_nothing(school, next_year):
    EnrollmentFactory(section=school.s5a, student_id=1, code="ENR-2026-000001")
    before = list(Enrollment.objects.values_list("pk", "status", "end_date"))
    out = StringIO()
    call_command("rollover_year", institution=school.institution.pk, from_year=2026, to_year=2027, dry_run=True,
                 stdout=out)
    assert "ENR-2026-000001" in out.getvalue() and "SEC-2027-6A" in out.getvalue()
    assert "PROMOTE=1" in out.getvalue() and "dry run" in out.getvalue()
    assert list(Enrollment.objects.values_list("pk", "status", "end_date")) == before
    assert not OutboxEvent.objects.filter(event_type="student.enrolled").exists()

    call_command("rollover_year", "--institution", str(school.institution.pk), "--from", "2026", "--to", "2027",
                 stdout=StringIO())
    assert Enrollment.objects.filter(academic_year__year=2027, student_id=1).exists()


@pytest.mark.parametrize(("args", "message"), [
    ({"institution": 999999, "from_year": 2026, "to_year": 2027}, "Unknown institution"),
    ({"from_year": 2026, "to_year": 2028}, "2028 does not exist"),
    ({"from_year": 2025, "to_year": 2027}, "2025 does not exist"),
    ({"from_year": 2027, "to_year": 2026}, "must come after"),
])
def test_command_refuses_bad_input(school, next_year, args, message):
    EnrollmentFactory(section=school.s5a, student_id=1)
    args = {"institution": school.institution.pk, **args}
    with pytest.raises(CommandError, match=message):
        call_command("rollover_year", stdout=StringIO(), **args)
    assert not Enrollment.objects.filter(academic_year__year=2027).exists()


def test_admin_action_previews_then_runs(school, next_year, client):
    from tests.users.factories import StaffFactory

    EnrollmentFactory(section=school.s5a, student_id=1, code="ENR-2026-000001")
    admin = StaffFactory(is_superuser=True)
    client.force_login(admin)
    url = "/admin/academic/academicyear/"
    data = {"action": "rollover_to_next_year", "_selected_action": [school.year.pk]}
    preview = client.post(url, data)
    assert preview.status_code == 200 and b"ENR-2026-000001" in preview.content and b"SEC-2027-6A" in preview.content
    assert not Enrollment.objects.filter(academic_year__year=2027).exists()
    done = client.post(url, {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert Enrollment.objects.filter(academic_year__year=2027, student_id=1).count() == 1
