"""Year-end rollover: promote each ACTIVE enrollment of one year into the next.

    manage.py rollover_year --institution 1 --from 2026 --to 2027 [--dry-run]
"""

from django.core.management.base import BaseCommand, CommandError

from apps.academic import services
from common.errors import DomainError
from common.tenancy import SYSTEM


class Command(BaseCommand):
    help = ("Promote every active enrollment of a year to the next grade level in the target year "
            "(repeaters stay, graduates leave). Idempotent; --dry-run prints the plan and changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--institution", type=int, required=True, help="Institution id.")
        parser.add_argument("--from", dest="from_year", type=int, required=True, help="Source year, e.g. 2026.")
        parser.add_argument("--to", dest="to_year", type=int, required=True, help="Target year, e.g. 2027.")
        parser.add_argument("--dry-run", action="store_true", help="Print the plan; change nothing.")

    def handle(self, *args, institution: int, from_year: int, to_year: int, dry_run: bool = False, **options):
        kwargs = {"scope": SYSTEM, "institution_id": institution, "from_year": from_year, "to_year": to_year}
        try:
            plan = services.rollover_plan(**kwargs) if dry_run else services.rollover_execute(**kwargs)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        verb = "would" if dry_run else "did"
        for item in plan.items:
            target = item.target_section_code or "-"
            self.stdout.write(f"{item.enrollment_code}\tstudent {item.student_id}\t{item.from_section_code}\t"
                              f"{item.action}\t{target}")
        summary = ", ".join(f"{action}={count}" for action, count in plan.summary().items())
        self.stdout.write(self.style.SUCCESS(
            f"Rollover {from_year} -> {to_year} ({verb}): {summary}; created={len(plan.created_enrollment_ids)}"
            + (" [dry run: nothing changed]" if dry_run else "")))
