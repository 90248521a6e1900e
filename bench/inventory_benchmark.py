"""Inventory: a stocktake of 10,000 scanned codes, and the room-conflict check on a school's full timetable.

    bash scripts/bench.sh inventory_benchmark [--codes 10000] [--rounds 7] [--sections 30] [--checks 300]

Creates a scratch database (bench_prs1_inventory, dropped afterwards).

Stocktake: one campus holding `--codes` assets in 40 rooms; each round opens a campus stocktake and sends
one bulk of `--codes` scanned codes (2% of the campus's assets left unscanned, 1% unknown codes, 1% assets of
another campus, a tenth scanned by barcode), timing `services.stocktake_scan` (matching against the register,
computing the report, writing the discrepancies). Baseline, same run, same codes: the report as plain Python
set differences over the codes already in memory (no database).

Room conflicts: a full week's timetable (sections × 5 days × 8 periods, one room per section, every block
with its teacher) written as schedule blocks; then `--checks` proposed blocks in an occupied room are checked
with the assignments context's `schedule_conflicts` (the rule booking and validate-availability apply) and
`--checks` are inserted to be refused by PostgreSQL's exclusion constraint (each in a savepoint). Baseline: a
Python scan of the same blocks held in memory. Prints median and p95 per operation.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import percentile, run_on_scratch_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")

SCHOOL, CAMPUS, OTHER_CAMPUS, YEAR = 1, 1, 2, 2026


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sections", type=int, default=30)
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--database", default="bench_prs1_inventory")
    args = parser.parse_args()
    return run_on_scratch_database(args.database, "inventory_benchmark", lambda: run(args))


def _ms(seconds: list[float]) -> str:
    return (f"median {statistics.median(seconds) * 1000:8.2f} ms, p95 {percentile(seconds, 0.95) * 1000:8.2f} ms "
            f"({len(seconds)} samples)")


def stocktake(args) -> None:
    from apps.inventory import services
    from apps.inventory.models import Asset, Room, Stocktake, StocktakeDiscrepancy
    from common.tenancy import SYSTEM

    rng = random.Random(17)
    n = args.codes
    rooms = Room.objects.bulk_create([Room(institution_id=SCHOOL, campus_id=CAMPUS, code=f"R{i:02d}", name=f"R{i}")
                                      for i in range(40)])
    Asset.objects.bulk_create([Asset(institution_id=SCHOOL, code=f"INV-{i:06d}", barcode=f"BC-{i:06d}", name="Item",
                                     campus_id=CAMPUS, room=rooms[i % 40]) for i in range(n)], batch_size=5000)
    elsewhere = n // 100
    Asset.objects.bulk_create([Asset(institution_id=SCHOOL, code=f"OTH-{i:06d}", barcode=f"OBC-{i:06d}", name="Item",
                                     campus_id=OTHER_CAMPUS) for i in range(elsewhere)], batch_size=5000)
    missing = set(rng.sample(range(n), n // 50))
    seen = [f"BC-{i:06d}" if i % 10 == 0 else f"INV-{i:06d}" for i in range(n) if i not in missing]
    unknown = [f"ZZ-{i:06d}" for i in range(n // 100)]
    misplaced = [f"OTH-{i:06d}" for i in range(elsewhere)]
    codes = (seen + unknown + misplaced)[:n]
    rng.shuffle(codes)
    print(f"stocktake: {n} assets on the campus, {len(codes)} codes scanned ({len(missing)} assets unscanned, "
          f"{len(unknown)} unknown, {len(misplaced)} of another campus)", flush=True)

    scan, report_size = [], 0
    for _ in range(args.rounds):
        count = Stocktake.objects.create(institution_id=SCHOOL, title="Bench", campus_id=CAMPUS,
                                         started_at=_now())
        started = time.perf_counter()
        services.stocktake_scan(scope=SYSTEM, stocktake_id=count.pk, codes=codes)
        scan.append(time.perf_counter() - started)
        report_size = StocktakeDiscrepancy.objects.filter(stocktake=count).count()

    expected = {f"INV-{i:06d}" for i in range(n)}
    barcodes = {f"BC-{i:06d}": f"INV-{i:06d}" for i in range(n)}
    others = {f"OTH-{i:06d}" for i in range(elsewhere)}
    baseline, baseline_size = [], 0
    for _ in range(args.rounds):
        started = time.perf_counter()
        scanned = {barcodes.get(code, code) for code in codes}
        report = [*(expected - scanned), *(scanned - expected - others), *(scanned & others)]
        baseline.append(time.perf_counter() - started)
        baseline_size = len(report)
    print(f"  stocktake_scan (database, {report_size} discrepancies): {_ms(scan)}")
    print(f"  baseline set difference ({baseline_size} discrepancies):  {_ms(baseline)}")
    print(f"  ratio of medians: {statistics.median(scan) / statistics.median(baseline):.0f}x")


def _now():
    from django.utils import timezone

    return timezone.now()


PERIODS = [(clock(7 + (i * 50) // 60, (i * 50) % 60), clock(7 + (i * 50 + 45) // 60, (i * 50 + 45) % 60))
           for i in range(8)]


def timetable(args) -> None:
    from django.db import IntegrityError, transaction

    from apps.assignments.models import ScheduleBlock, TeacherAssignment
    from apps.assignments.selectors import ProposedBlock, schedule_conflicts, week_minute
    from common.tenancy import Scope

    rng = random.Random(42)
    sections = args.sections
    assignments = {}
    for section in range(1, sections + 1):
        for period in range(len(PERIODS)):
            assignments[(section, period)] = TeacherAssignment(
                teacher_id=1000 + (section + period) % sections, course_id=500 + period, section_id=section,
                academic_year_id=YEAR, institution_id=SCHOOL)
    TeacherAssignment.objects.bulk_create(assignments.values())
    blocks = []
    for (section, period), assignment in assignments.items():
        start, end = PERIODS[period]
        for day in range(1, 6):
            blocks.append(ScheduleBlock(
                assignment=assignment, teacher_id=assignment.teacher_id, section_id=section,
                course_id=assignment.course_id, academic_year_id=YEAR, institution_id=SCHOOL, room=f"R{section:02d}",
                day_of_week=day, start_time=start, end_time=end, start_minute=week_minute(day, start),
                end_minute=week_minute(day, end)))
    ScheduleBlock.objects.bulk_create(blocks, batch_size=2000)
    print(f"timetable: {sections} sections × 5 days × {len(PERIODS)} periods = {len(blocks)} blocks, "
          f"{sections} rooms", flush=True)

    proposals = []
    for _ in range(args.checks):
        day, period, section = rng.randint(1, 5), rng.randrange(len(PERIODS)), rng.randint(1, sections)
        start, end = PERIODS[period]
        proposals.append(ProposedBlock(academic_year_id=YEAR, teacher_id=9999, section_id=9999,
                                       room=f"R{section:02d}", day_of_week=day, start_time=start, end_time=end))
    scope = Scope.school(SCHOOL)
    check, found = [], 0
    for proposal in proposals:
        started = time.perf_counter()
        conflicts = schedule_conflicts(scope=scope, proposal=proposal)
        check.append(time.perf_counter() - started)
        found += any("room" in c.kinds for c in conflicts)

    refused, refusals = [], 0
    assignment = next(iter(assignments.values()))
    for proposal in proposals:
        started = time.perf_counter()
        try:
            with transaction.atomic():
                ScheduleBlock.objects.create(
                    assignment=assignment, teacher_id=9999, section_id=9999, course_id=1, academic_year_id=YEAR,
                    institution_id=SCHOOL, room=proposal.room, day_of_week=proposal.day_of_week,
                    start_time=proposal.start_time, end_time=proposal.end_time,
                    start_minute=proposal.start_minute, end_minute=proposal.end_minute)
        except IntegrityError:
            refusals += 1
        refused.append(time.perf_counter() - started)

    in_memory = [(b.room, b.start_minute, b.end_minute) for b in blocks]
    baseline, baseline_found = [], 0
    for proposal in proposals:
        started = time.perf_counter()
        hit = any(room == proposal.room and start < proposal.end_minute and end > proposal.start_minute
                  for room, start, end in in_memory)
        baseline.append(time.perf_counter() - started)
        baseline_found += hit
    print(f"  schedule_conflicts (database, {found}/{len(proposals)} room conflicts found): {_ms(check)}")
    print(f"  insert refused by the exclusion constraint ({refusals}/{len(proposals)} refused): {_ms(refused)}")
    print(f"  baseline Python scan of {len(in_memory)} blocks ({baseline_found} found): {_ms(baseline)}")


def run(args) -> int:
    stocktake(args)
    timetable(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
