"""Marking a 40-student section: p50/p95 under concurrent load vs. baselines in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/attendance_benchmark.py [--sections 16] [--days 5] [--threads 8] [--students 40]

Creates a scratch database (bench_prs1_attendance, dropped afterwards) with one institution, one
academic year and `--sections` sections of `--students` enrolled students each (real academic and
institution contracts, so rosters and school days are read as in production). Every marking is one
`POST /api/v1/attendance/mark-present`-equivalent service call on a distinct (section, day), with
three exceptions (absent, late, excused), inside its own transaction (outbox rows, upsert, pattern
evaluation included). Event deliveries to handlers are not run: in production they are Celery
tasks after commit, outside the request.

Three runs over disjoint days:
  1. single-threaded bulk marking (baseline),
  2. the same bulk marking from `--threads` threads at once (the load case),
  3. a naive per-student `update_or_create` loop from `--threads` threads (what the upsert replaces).
Prints p50/p95 per marking for each, and the ratios load/baseline and naive/bulk.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import percentile, run_on_scratch_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=16)
    parser.add_argument("--days", type=int, default=5, help="School days marked per section in each run.")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--database", default="bench_prs1_attendance")
    args = parser.parse_args()

    return run_on_scratch_database(args.database, "attendance_benchmark", lambda: run(args))


def build_school(args):
    from django.utils import timezone

    from tests.academic.factories import AcademicYearFactory, EnrollmentFactory, SectionFactory
    from tests.users.factories import StudentFactory, TeacherFactory

    today = timezone.localdate()
    year = AcademicYearFactory(year=today.year, start_date=today - timedelta(days=200),
                               end_date=today + timedelta(days=30))
    sections = []
    for _ in range(args.sections):
        section = SectionFactory(academic_year=year, capacity=max(45, args.students))
        for student in StudentFactory.create_batch(args.students):
            EnrollmentFactory(section=section, student_id=student.pk, start_date=year.start_date)
        sections.append(section.pk)
    days, day = [], today
    while len(days) < 3 * args.days:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sections, sorted(days), TeacherFactory().pk


def bulk_marking(section_id, day, marker):
    from apps.academic import contracts as academic
    from apps.attendance import services
    from common.tenancy import SYSTEM

    roster = sorted(academic.section_student_ids(scope=SYSTEM, section_id=section_id, on=day))
    exceptions = [services.ExceptionRow(student_id=roster[0], status="ABSENT"),
                  services.ExceptionRow(student_id=roster[1], status="LATE"),
                  services.ExceptionRow(student_id=roster[2], status="EXCUSED")]
    services.attendance_mark_section(scope=SYSTEM, section_id=section_id, day=day, exceptions=exceptions, marked_by_id=marker)


def naive_marking(section_id, day, marker):
    from django.db import transaction
    from django.utils import timezone

    from apps.academic import contracts as academic
    from apps.attendance.models import AttendanceRecord
    from common.tenancy import SYSTEM

    roster = sorted(academic.section_student_ids(scope=SYSTEM, section_id=section_id, on=day))
    statuses = {roster[0]: "ABSENT", roster[1]: "LATE", roster[2]: "EXCUSED"}
    with transaction.atomic():
        for student_id in roster:
            now = timezone.now()
            AttendanceRecord.objects.update_or_create(
                student_id=student_id, date=day, session_number=None,
                defaults={"section_id": section_id, "status": statuses.get(student_id, "PRESENT"),
                          "marked_by_id": marker, "updated_at": now}, create_defaults={
                    "section_id": section_id, "status": statuses.get(student_id, "PRESENT"), "marked_by_id": marker,
                    "marked_at": now, "updated_at": now})


def timed(fn, section_id, day, marker) -> float:
    started = time.perf_counter()
    fn(section_id, day, marker)
    return time.perf_counter() - started


def measure(fn, jobs, marker, threads: int) -> list[float]:
    from django.db import connections

    def work(job):
        try:
            return timed(fn, *job, marker)
        finally:
            connections.close_all()

    if threads == 1:
        return [timed(fn, *job, marker) for job in jobs]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(work, jobs))


def run(args) -> int:
    from unittest import mock

    print(f"building {args.sections} sections x {args.students} students ...", flush=True)
    sections, days, marker = build_school(args)
    runs = [days[i * args.days:(i + 1) * args.days] for i in range(3)]
    jobs = [[(s, d) for d in run_days for s in sections] for run_days in runs]

    with mock.patch("events.bus.dispatch_on_commit", lambda envelope: None):
        bulk_marking(*jobs[0][0], marker)  # warm-up (imports, statement caches); re-marked below
        baseline = measure(bulk_marking, jobs[0], marker, threads=1)
        loaded = measure(bulk_marking, jobs[1], marker, threads=args.threads)
        naive = measure(naive_marking, jobs[2], marker, threads=args.threads)

    def line(name, values):
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"{name:<44} n={len(values):<4} p50={p50 * 1000:8.1f} ms  p95={p95 * 1000:8.1f} ms")
        return p50, p95

    print(f"\nmarking a {args.students}-student section (3 exceptions), per marking:")
    base = line("bulk upsert, 1 thread (baseline)", baseline)
    load = line(f"bulk upsert, {args.threads} threads", loaded)
    slow = line(f"naive per-student loop, {args.threads} threads", naive)
    print(f"\nratio {args.threads} threads / baseline:   p50 x{load[0] / base[0]:.2f}   p95 x{load[1] / base[1]:.2f}")
    print(f"ratio naive / bulk ({args.threads} threads): p50 x{slow[0] / load[0]:.2f}   p95 x{slow[1] / load[1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
