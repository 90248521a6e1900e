"""Calculate (or recalculate) the period averages of every graded student, e.g. at the end of a period
or after a reopening: stores them, emits `period.average.calculated` and the performance alerts due
(each alert at most once per student, course, period and reason)."""

from django.core.management.base import BaseCommand, CommandError

from apps.grades import services
from apps.grades.models import GradeRecord
from apps.institution import contracts as institution
from common.tenancy import SYSTEM


class Command(BaseCommand):
    help = "Calculate the weighted period averages (and performance alerts) of a period."

    def add_arguments(self, parser):
        parser.add_argument("--period", type=int, required=True, help="Period id.")
        parser.add_argument("--section", type=int, help="Only this section.")
        parser.add_argument("--only-missing", action="store_true", help="Skip records with an average already.")

    def handle(self, *args, period: int, section: int | None = None, only_missing: bool = False, **options):
        if institution.get_period(period_id=period) is None:
            raise CommandError(f"period {period} does not exist")
        records = GradeRecord.objects.filter(period_id=period, entries__isnull=False).distinct()
        if section is not None:
            records = records.filter(section_id=section)
        if only_missing:
            records = records.filter(average_calculated_at__isnull=True)
        done = alerts = 0
        for student_id, course_id in records.order_by("section_id", "course_id", "student_id").values_list(
                "student_id", "course_id"):
            outcome = services.period_average_calculate(scope=SYSTEM, actor=None, student_id=student_id, course_id=course_id,
                                                        period_id=period)
            done += 1
            alerts += len(outcome.alerts)
        self.stdout.write(f"{done} averages calculated, {alerts} performance alerts emitted.")
