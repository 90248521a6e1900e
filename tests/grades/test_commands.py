"""manage.py grades_calculate_averages."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.grades import services
from apps.grades.models import GradeRecord, PerformanceAlert
from common.tenancy import SYSTEM
from tests.grades.conftest import component_ids, make_plan

pytestmark = pytest.mark.django_db


def test_calculates_the_period_averages_and_alerts_once(school):
    section = school.add_section()
    course = school.add_course(section)
    period = school.add_period(1)
    for student in (401, 402, 403):
        school.enroll(student, section)
    exam = component_ids(make_plan(course, period, [("Examen", "EXAM", 100)]))[0]
    services.grade_record(scope=SYSTEM, actor=None, student_id=401, component_id=exam, value="16")
    services.grade_record(scope=SYSTEM, actor=None, student_id=402, component_id=exam, value="7")
    out = StringIO()
    call_command("grades_calculate_averages", "--period", str(period), stdout=out)
    assert out.getvalue().strip() == "2 averages calculated, 1 performance alerts emitted."
    assert dict(GradeRecord.objects.filter(average_calculated_at__isnull=False).values_list("student_id",
                                                                                            "average_display")) == {
        401: "16", 402: "7"}
    out = StringIO()
    call_command("grades_calculate_averages", "--period", str(period), "--only-missing", stdout=out)
    assert out.getvalue().startswith("0 averages")
    call_command("grades_calculate_averages", "--period", str(period), "--section", str(section), stdout=StringIO())
    assert PerformanceAlert.objects.count() == 1


def test_unknown_period_fails_with_a_reason(school):
    with pytest.raises(CommandError, match="period 424242 does not exist"):
        call_command("grades_calculate_averages", "--period", "424242")
