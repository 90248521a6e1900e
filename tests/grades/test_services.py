"""Grades use cases: plans, recording, history, bulk, closure, averages and alerts."""

from decimal import Decimal

import pytest

from apps.auth.contracts import Principal, scope_of
from apps.grades import contracts, services
from apps.grades.models import GradeEntry, GradeHistory, GradeRecord, PerformanceAlert, PeriodReopening
from common.errors import BusinessRuleViolation, Conflict, NotFound, PermissionDenied, ValidationFailed
from common.tenancy import SYSTEM
from events.models import OutboxEvent
from tests.grades.conftest import component_ids, make_plan

pytestmark = pytest.mark.django_db

DIRECTOR = Principal(user_id=9001, user_type="DIRECTOR", institution_id=77)
ADMIN = Principal(user_id=9002, user_type="ADMIN", institution_id=77)


def _events(event_type):
    return [e.envelope["payload"] for e in OutboxEvent.objects.filter(event_type=event_type).order_by("created_at", "event_id")]


@pytest.fixture
def term(school):
    """A secondary section (0–20) with one course, two periods and three enrolled students."""
    section = school.add_section()
    course = school.add_course(section)
    p1, p2 = school.add_period(1), school.add_period(2)
    students = [101, 102, 103]
    for student in students:
        school.enroll(student, section)
    plan = make_plan(course, p2, [("Examen", "EXAM", 40), ("Tareas", "ASSIGNMENT", 35), ("Participación",
                                                                                         "PARTICIPATION", 25)])
    return {"section": section, "course": course, "p1": p1, "p2": p2, "students": students, "plan": plan,
            "components": component_ids(plan), "teacher": Principal(user_id=555, user_type="TEACHER", institution_id=77)}


# --- grade records (saga step / handler) ------------------------------------------------------------


def test_initialize_grade_records_creates_one_per_course_and_period_and_is_idempotent(school):
    section = school.add_section()
    school.add_course(section, "Matemática")
    school.add_course(section, "Comunicación")
    for number in (1, 2, 3, 4):
        school.add_period(number)
    assert contracts.initialize_grade_records(scope=SYSTEM, enrollment_id=1, student_id=10, section_id=section) == 8
    assert contracts.initialize_grade_records(scope=SYSTEM, enrollment_id=1, student_id=10, section_id=section) == 0
    assert contracts.grade_record_count(scope=SYSTEM, enrollment_id=1) == 8
    assert GradeRecord.objects.filter(student_id=10).values("course_id", "period_id").distinct().count() == 8


def test_delete_grade_records_compensates(school):
    section = school.add_section()
    school.add_course(section)
    school.add_period(1)
    contracts.initialize_grade_records(scope=SYSTEM, enrollment_id=2, student_id=11, section_id=section)
    assert contracts.delete_grade_records(scope=SYSTEM, enrollment_id=2) == 1
    assert contracts.grade_record_count(scope=SYSTEM, enrollment_id=2) == 0


# --- evaluation plans ---------------------------------------------------------------------------------


def test_plan_weights_must_add_up_to_exactly_100(school):
    section = school.add_section()
    course = school.add_course(section)
    period = school.add_period(1)
    with pytest.raises(BusinessRuleViolation) as exc:
        make_plan(course, period, [("Examen", "EXAM", 40), ("Tareas", "ASSIGNMENT", 59.99)])
    assert exc.value.code == "weights_must_sum_100"
    assert exc.value.details["total"] == "99.99"
    plan = make_plan(course, period, [("Examen", "EXAM", "33.33"), ("Tareas", "ASSIGNMENT", "33.33"),
                                      ("Proyecto", "PROJECT", "33.34")])
    assert sum(c.weight for c in plan.components.all()) == Decimal(100)


def test_plan_duplicate_is_a_conflict_and_section_plan_overrides_course_wide(term, school):
    with pytest.raises(Conflict):
        make_plan(term["course"], term["p2"], [("Examen", "EXAM", 100)])
    own = make_plan(term["course"], term["p2"], [("Examen final", "EXAM", 100)], section_id=term["section"])
    # the course-wide component no longer applies to this section
    with pytest.raises(BusinessRuleViolation) as exc:
        services.grade_record(scope=SYSTEM, actor=None, student_id=101, component_id=term["components"][0], value="12")
    assert exc.value.code == "component_not_in_plan"
    entry = services.grade_record(scope=SYSTEM, actor=None, student_id=101, component_id=component_ids(own)[0], value="12")
    assert entry.numeric_value == Decimal("12.00")


def test_plan_update_keeps_graded_components_and_refuses_removing_them(term):
    plan = term["plan"]
    first, second, third = term["components"]
    services.grade_record(scope=SYSTEM, actor=None, student_id=101, component_id=first, value="15")
    with pytest.raises(Conflict) as exc:
        services.evaluation_plan_update(scope=SYSTEM, actor=None, plan_id=plan.pk, components=[
            services.ComponentInput(id=second, name="Tareas", kind="ASSIGNMENT", weight=Decimal(50)),
            services.ComponentInput(id=third, name="Participación", kind="PARTICIPATION", weight=Decimal(50))])
    assert exc.value.code == "component_has_grades"
    services.evaluation_plan_update(scope=SYSTEM, actor=None, plan_id=plan.pk, components=[
        services.ComponentInput(id=first, name="Tareas", kind="EXAM", weight=Decimal(60)),  # renamed onto a freed name
        services.ComponentInput(name="Proyecto", kind="PROJECT", weight=Decimal(40))])
    names = dict(plan.components.values_list("name", "weight"))
    assert names == {"Tareas": Decimal("60.00"), "Proyecto": Decimal("40.00")}
    assert GradeEntry.objects.get().component_id == first


# --- recording and updating ---------------------------------------------------------------------------


def test_out_of_scale_grade_is_refused_and_nothing_saved(term):
    with pytest.raises(ValidationFailed) as exc:
        services.grade_record(scope=SYSTEM, actor=None, student_id=101, component_id=term["components"][0], value="20.5")
    assert exc.value.code == "out_of_scale"
    assert "value" in exc.value.details["fields"]
    assert not GradeEntry.objects.exists()
    assert not _events("grade.recorded")


def test_literal_section_stores_the_letter(school):
    section = school.add_section(level="PRIMARIA", name="5A")
    course = school.add_course(section)
    period = school.add_period(1)
    school.enroll(201, section)
    plan = make_plan(course, period, [("Trabajo", "ASSIGNMENT", 100)])
    entry = services.grade_record(scope=SYSTEM, actor=None, student_id=201, component_id=component_ids(plan)[0], value="ad")
    entry.refresh_from_db()
    assert (entry.literal_value, entry.numeric_value) == ("AD", None)
    with pytest.raises(ValidationFailed):
        services.grade_record(scope=SYSTEM, actor=None, student_id=201, component_id=component_ids(plan)[0], value="15")


def test_update_requires_a_reason_and_keeps_history(term):
    entry = services.grade_record(scope=SYSTEM, actor=None, student_id=101, component_id=term["components"][0], value="12")
    with pytest.raises(ValidationFailed) as exc:
        services.grade_update(scope=scope_of(DIRECTOR), actor=DIRECTOR, entry_id=entry.pk, value="14", reason="  ")
    assert "reason" in exc.value.details["fields"]
    services.grade_update(scope=scope_of(DIRECTOR), actor=DIRECTOR, entry_id=entry.pk, value="14", reason="Error de digitación")
    services.grade_update(scope=scope_of(DIRECTOR), actor=DIRECTOR, entry_id=entry.pk, value="14.5", reason="Recalificación")
    entry.refresh_from_db()
    assert entry.numeric_value == Decimal("14.50")
    history = list(GradeHistory.objects.filter(entry=entry).order_by("id").values_list(
        "action", "old_value", "new_value", "reason", "changed_by_id"))
    assert history == [("RECORDED", "", "12", "", None), ("UPDATED", "12", "14", "Error de digitación", 9001),
                       ("UPDATED", "14", "14.5", "Recalificación", 9001)]
    updated = _events("grade.updated")
    assert [(e["oldValue"], e["newValue"]) for e in updated] == [("12", "14"), ("14", "14.5")]


def test_recording_twice_is_a_conflict(term):
    services.grade_record(scope=SYSTEM, actor=None, student_id=101, component_id=term["components"][0], value="12")
    with pytest.raises(Conflict) as exc:
        services.grade_record(scope=SYSTEM, actor=None, student_id=101, component_id=term["components"][0], value="13")
    assert exc.value.code == "grade_exists"


def test_teacher_records_only_for_assigned_section_and_course(term, school):
    teacher = term["teacher"]
    other_course = school.add_course(term["section"], "Ciencia")
    school.assign_teacher(teacher.user_id, term["section"], other_course)
    with pytest.raises(PermissionDenied):
        services.grade_record(scope=scope_of(teacher), actor=teacher, student_id=101, component_id=term["components"][0],
                              value="12")
    school.assign_teacher(teacher.user_id, term["section"], term["course"])
    assert services.grade_record(scope=scope_of(teacher), actor=teacher, student_id=101, component_id=term["components"][0],
                                 value="12")


# --- bulk ----------------------------------------------------------------------------------------------


def test_bulk_with_one_bad_row_changes_nothing_and_reports_the_row(term):
    rows = [services.BulkRow(101, "15"), services.BulkRow(102, "25"), services.BulkRow(999, "10"),
            services.BulkRow(101, "11")]
    with pytest.raises(ValidationFailed) as exc:
        services.grades_record_bulk(scope=SYSTEM, actor=None, component_id=term["components"][0], section_id=term["section"],
                                    rows=rows)
    assert exc.value.code == "invalid_rows"
    reported = {(r["row"], r["studentId"]) for r in exc.value.details["rows"]}
    assert reported == {(1, 102), (2, 999), (3, 101)}
    assert not GradeEntry.objects.exists()
    assert not GradeHistory.objects.exists()
    assert not _events("grade.recorded")


def test_bulk_records_the_section_and_changes_existing_only_with_a_reason(term):
    component = term["components"][0]
    result = services.grades_record_bulk(scope=SYSTEM, actor=None, component_id=component, section_id=term["section"], rows=[
        services.BulkRow(101, "15"), services.BulkRow(102, 12.5), services.BulkRow(103, "8")])
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert len(_events("grade.recorded")) == 3
    with pytest.raises(ValidationFailed) as exc:
        services.grades_record_bulk(scope=SYSTEM, actor=None, component_id=component, section_id=term["section"], rows=[
            services.BulkRow(101, "15"), services.BulkRow(102, "13")])
    assert exc.value.details["rows"][0]["studentId"] == 102
    result = services.grades_record_bulk(scope=SYSTEM, actor=None, component_id=component, section_id=term["section"], rows=[
        services.BulkRow(101, "15"), services.BulkRow(102, "13")], reason="Revisión")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert GradeEntry.objects.get(record__student_id=102).numeric_value == Decimal("13.00")
    assert GradeHistory.objects.filter(action="UPDATED", reason="Revisión", old_value="12.5", new_value="13").count() == 1


def test_bulk_respects_teacher_scope(term):
    with pytest.raises(PermissionDenied):
        services.grades_record_bulk(scope=scope_of(term["teacher"]), actor=term["teacher"], component_id=term["components"][0],
                                    section_id=term["section"], rows=[services.BulkRow(101, "15")])


# --- closing and reopening ------------------------------------------------------------------------------


def test_closed_period_freezes_grades_until_a_director_reopens(term):
    entry = services.grade_record(scope=SYSTEM, actor=None, student_id=101, component_id=term["components"][0], value="12")
    services.period_close(scope=scope_of(ADMIN), actor=ADMIN, period_id=term["p2"])
    with pytest.raises(Conflict) as exc:
        services.grade_update(scope=scope_of(DIRECTOR), actor=DIRECTOR, entry_id=entry.pk, value="13", reason="x")
    assert exc.value.code == "period_closed"
    with pytest.raises(Conflict):
        services.grade_record(scope=SYSTEM, actor=None, student_id=102, component_id=term["components"][0], value="12")
    with pytest.raises(Conflict):
        services.grades_record_bulk(scope=SYSTEM, actor=None, component_id=term["components"][0], section_id=term["section"],
                                    rows=[services.BulkRow(103, "12")])
    with pytest.raises(PermissionDenied):
        services.period_reopen(scope=scope_of(ADMIN), actor=ADMIN, period_id=term["p2"], reason="x")
    with pytest.raises(ValidationFailed):
        services.period_reopen(scope=scope_of(DIRECTOR), actor=DIRECTOR, period_id=term["p2"], reason="")
    services.period_reopen(scope=scope_of(DIRECTOR), actor=DIRECTOR, period_id=term["p2"], reason="Recuperación")
    assert PeriodReopening.objects.get().reason == "Recuperación"
    services.grade_update(scope=scope_of(DIRECTOR), actor=DIRECTOR, entry_id=entry.pk, value="13", reason="Recuperación")
    with pytest.raises(Conflict) as exc:
        services.period_reopen(scope=scope_of(DIRECTOR), actor=DIRECTOR, period_id=term["p2"], reason="again")
    assert exc.value.code == "period_not_closed"


def test_teacher_may_not_close_a_period(term):
    with pytest.raises(PermissionDenied):
        services.period_close(scope=scope_of(term["teacher"]), actor=term["teacher"], period_id=term["p2"])


# --- averages and alerts ---------------------------------------------------------------------------------


def _grade(term, student, values, period_key="p2", plan=None):
    ids = component_ids(plan) if plan else term["components"]
    for component, value in zip(ids, values, strict=False):
        services.grade_record(scope=SYSTEM, actor=None, student_id=student, component_id=component, value=value)


def test_average_is_weighted_rounded_and_emitted(term):
    _grade(term, 101, ["15", "12", "9"])  # 6 + 4.2 + 2.25 = 12.45 → 12
    outcome = services.period_average_calculate(scope=SYSTEM, actor=None, student_id=101, course_id=term["course"],
                                                period_id=term["p2"])
    assert (outcome.result.average, outcome.result.raw_average, outcome.result.passed) == ("12", Decimal("12.4500"),
                                                                                            True)
    assert [(r.weight, r.value, r.contribution) for r in outcome.result.breakdown] == [
        (Decimal(40), "15", Decimal("6.0000")), (Decimal(35), "12", Decimal("4.2000")),
        (Decimal(25), "9", Decimal("2.2500"))]
    record = GradeRecord.objects.get(student_id=101, period_id=term["p2"])
    assert (record.average, record.average_display) == (Decimal("12.4500"), "12")
    (event,) = _events("period.average.calculated")
    assert (event["average"], event["rawAverage"], event["passed"]) == ("12", "12.4500", True)
    assert not _events("student.performance.alert")


def test_below_pass_mark_alerts_once(term):
    _grade(term, 102, ["10", "10", "11"])  # 4 + 3.5 + 2.75 = 10.25 → 10 < 11
    first = services.period_average_calculate(scope=SYSTEM, actor=None, student_id=102, course_id=term["course"],
                                              period_id=term["p2"])
    again = services.period_average_calculate(scope=SYSTEM, actor=None, student_id=102, course_id=term["course"],
                                              period_id=term["p2"])
    assert first.alerts == ("BELOW_PASS_MARK",)
    assert again.alerts == ()
    (alert,) = _events("student.performance.alert")
    assert alert == {"studentId": 102, "courseId": term["course"], "periodId": term["p2"], "sectionId": term["section"],
                     "average": "10", "passMark": "11", "reason": "BELOW_PASS_MARK", "previousAverage": None}
    assert PerformanceAlert.objects.count() == 1


def test_exactly_the_pass_mark_does_not_alert(term):
    _grade(term, 103, ["10", "11", "12"])  # 4 + 3.85 + 3 = 10.85 → 11: passes
    outcome = services.period_average_calculate(scope=SYSTEM, actor=None, student_id=103, course_id=term["course"],
                                                period_id=term["p2"])
    assert (outcome.result.average, outcome.result.passed, outcome.alerts) == ("11", True, ())


@pytest.mark.parametrize(("previous", "current", "alerts"), [
    ("17", "14", ("DROP",)),      # dropped exactly the threshold (3): alert
    ("17", "15", ()),             # dropped 2: below the threshold, no alert
    ("14", "17", ()),             # improved
])
def test_drop_from_previous_period_alerts_at_the_threshold(term, previous, current, alerts):
    plan1 = make_plan(term["course"], term["p1"], [("Examen", "EXAM", 100)])
    services.grade_record(scope=SYSTEM, actor=None, student_id=101, component_id=component_ids(plan1)[0], value=previous)
    _grade(term, 101, [current, current, current])
    outcome = services.period_average_calculate(scope=SYSTEM, actor=None, student_id=101, course_id=term["course"],
                                                period_id=term["p2"])
    assert outcome.alerts == alerts
    payloads = _events("student.performance.alert")
    assert len(payloads) == len(alerts)
    if alerts:
        assert (payloads[0]["reason"], payloads[0]["previousAverage"], payloads[0]["average"]) == ("DROP", previous,
                                                                                                   current)
    services.period_average_calculate(scope=SYSTEM, actor=None, student_id=101, course_id=term["course"], period_id=term["p2"])
    assert len(_events("student.performance.alert")) == len(alerts)


def test_no_grades_cannot_be_averaged(term):
    with pytest.raises(BusinessRuleViolation) as exc:
        services.period_average_calculate(scope=SYSTEM, actor=None, student_id=101, course_id=term["course"],
                                          period_id=term["p2"])
    assert exc.value.code == "no_grades"


# --- competencies ------------------------------------------------------------------------------------------


def test_competency_evaluation_upserts_and_emits(term):
    services.competency_evaluate(scope=SYSTEM, actor=None, student_id=101, course_id=term["course"], period_id=term["p2"],
                                 competency="Resuelve problemas de cantidad", level="B")
    services.competency_evaluate(scope=SYSTEM, actor=None, student_id=101, course_id=term["course"], period_id=term["p2"],
                                 competency="Resuelve problemas de cantidad", level="A")
    assert [e["level"] for e in _events("competency.evaluated")] == ["B", "A"]
    with pytest.raises(ValidationFailed):
        services.competency_evaluate(scope=SYSTEM, actor=None, student_id=101, course_id=term["course"], period_id=term["p2"],
                                     competency="Not a competency", level="A")
    with pytest.raises(ValidationFailed):
        services.competency_evaluate(scope=SYSTEM, actor=None, student_id=101, course_id=term["course"], period_id=term["p2"],
                                     competency="Resuelve problemas de cantidad", level="E")


def test_report_shows_the_latest_stay_after_a_transfer(term, school):
    from apps.grades import selectors

    new_section = school.add_section(name="3B")
    school.section_courses[new_section] = [term["course"]]
    services.grade_record(scope=SYSTEM, actor=None, student_id=101, component_id=term["components"][0], value="12")
    school.enroll(101, new_section)
    report = selectors.student_period_report(scope=SYSTEM, student_id=101, period_id=term["p2"])
    assert [(c.course_id, c.section_id) for c in report.courses] == [(term["course"], new_section)]
    assert report.courses[0].components[0].value is None  # grades of the new stay start empty


def test_another_institutions_director_cannot_see_the_period(term):
    outsider = Principal(user_id=9100, user_type="DIRECTOR", institution_id=78)
    with pytest.raises(NotFound):
        services.period_close(scope=scope_of(outsider), actor=outsider, period_id=term["p2"])
    closure = services.period_close(scope=scope_of(DIRECTOR), actor=DIRECTOR, period_id=term["p2"])
    assert closure.institution_id == 77
    with pytest.raises(NotFound):
        services.period_reopen(scope=scope_of(outsider), actor=outsider, period_id=term["p2"], reason="x")
