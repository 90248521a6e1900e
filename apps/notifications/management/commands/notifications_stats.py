"""Delivery figures per channel for a date range, against the seed's KPIs (email > 95 %, SMS > 98 %)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.notifications import selectors
from apps.notifications.metrics import KPI_TARGETS
from common.tenancy import SYSTEM


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name} must be a date YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = "Print sent/delivered/failed and the delivery rate per channel for messages created in a date range."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="First day (YYYY-MM-DD). Default: 7 days ago.")
        parser.add_argument("--to", dest="date_to", help="Last day, inclusive (YYYY-MM-DD). Default: today.")

    def handle(self, *args, date_from=None, date_to=None, **options):
        today = timezone.localdate()
        first = _day(date_from, "from") if date_from else today - timedelta(days=7)
        last = _day(date_to, "to") if date_to else today
        if first > last:
            raise CommandError("--from must not be after --to")
        tz = timezone.get_current_timezone()
        since = datetime.combine(first, time.min, tzinfo=tz)
        until = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
        self.stdout.write(f"Notifications {first} .. {last}")
        self.stdout.write(f"{'channel':8} {'requested':>9} {'sent':>6} {'delivered':>9} {'failed':>6} {'pending':>7} "
                          f"{'rate':>7}  KPI")
        for row in selectors.delivery_stats(scope=SYSTEM, since=since, until=until):
            rate = "—" if row["rate"] is None else f"{row['rate'] * 100:.1f}%"
            target = KPI_TARGETS.get(row["channel"])
            if target is None or row["rate"] is None:
                verdict = ""
            else:
                verdict = f"{'OK' if row['rate'] > target else 'BELOW'} (> {target * 100:.0f}%)"
            self.stdout.write(f"{row['channel']:8} {row['requested']:>9} {row['sent']:>6} {row['delivered']:>9} "
                              f"{row['failed']:>6} {row['pending']:>7} {rate:>7}  {verdict}")
