"""Enrollment saga end-to-end: N enrollments on a Celery worker with 2 processes (Redis broker,
PostgreSQL), timed from the request (saga created) to `student.enrolled` (the outbox row written
by CompleteEnrollment). Baseline, same run: the same saga run eagerly in this one process.

    bash scripts/bench.sh enrollment_saga_benchmark [--count 1000] [--baseline 100]

Prints completed/s, p50/p95 latency for both, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ["SMS_BACKEND"] = "console"

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402

from apps.academic import services as academic  # noqa: E402
from apps.enrollment import services as enrollment  # noqa: E402
from apps.institution import services as institution  # noqa: E402
from apps.users.models import GuardianLink, User  # noqa: E402
from common.tenancy import SYSTEM  # noqa: E402
from events.models import OutboxEvent  # noqa: E402
from events.saga.models import SagaInstance, SagaStatus  # noqa: E402
from prs1.celery import app as celery_app  # noqa: E402

YEAR = date.today().year
SECTION_CAPACITY = 40


def build_school(tag: str, students: int) -> tuple[list[int], list[int]]:
    inst = institution.institution_create(code=f"BENCH-{tag}", name=f"Bench school {tag}")
    institution.calendar_year_create(institution_id=inst.pk, year=YEAR, start_date=date(YEAR, 1, 2),
                                     end_date=date(YEAR, 12, 20))
    year = academic.academic_year_create(institution_id=inst.pk, year=YEAR, start_date=date(YEAR, 1, 2),
                                         end_date=date(YEAR, 12, 20))
    academic.academic_year_start(scope=SYSTEM, academic_year_id=year.pk)
    level = academic.grade_level_create(institution_id=inst.pk, level="PRIMARIA", number=5, name="5.º", order=5)
    for code in ("MAT", "COM"):
        course = academic.course_create(scope=SYSTEM, grade_level_id=level.pk, code=f"{code}-{tag}", name=code, area=code,
                                        hours_per_week=5, competencies=["Resuelve problemas"])
        academic.curriculum_add_course(scope=SYSTEM, academic_year_id=year.pk, course_id=course.pk)
    sections = [academic.section_create(scope=SYSTEM, academic_year_id=year.pk, grade_level_id=level.pk, name=f"B{i}",
                                        capacity=SECTION_CAPACITY).pk
                for i in range(-(-students // SECTION_CAPACITY))]
    password = make_password("bench-pass-2026")
    people = User.objects.bulk_create(
        [User(username=f"s-{tag}-{i}", code=f"USR-B{tag}-{i:06d}"[:32], user_type="STUDENT", institution_id=inst.pk,
              password=password, email=f"s{i}@bench.pe", first_name="Alumno", last_name=str(i)) for i in range(students)]
        + [User(username=f"g-{tag}-{i}", code=f"USR-G{tag}-{i:06d}"[:32], user_type="PARENT", institution_id=inst.pk,
                password=password, email=f"g{i}@bench.pe", phone=f"+5198{i:07d}", first_name="Apoderado",
                last_name=str(i)) for i in range(students)])
    student_ids = [p.pk for p in people[:students]]
    GuardianLink.objects.bulk_create(
        GuardianLink(student_id=s, guardian_id=g.pk, relationship="MOTHER", is_primary_contact=True)
        for s, g in zip(student_ids, people[students:], strict=True))
    return student_ids, sections


def enroll_all(student_ids: list[int], sections: list[int]) -> list[str]:
    saga_ids = []
    for index, student_id in enumerate(student_ids):
        saga, _ = enrollment.enrollment_request(scope=SYSTEM, student_id=student_id,
                                                section_id=sections[index // SECTION_CAPACITY])
        saga_ids.append(saga.id)
    return saga_ids


def wait_done(saga_ids: list[str], timeout: float) -> None:
    deadline = time.time() + timeout
    active = (SagaStatus.RUNNING, SagaStatus.COMPENSATING)
    while SagaInstance.objects.filter(id__in=saga_ids, status__in=active).exists():
        if time.time() > deadline:
            raise SystemExit("timed out waiting for the sagas to finish")
        time.sleep(0.5)


def measure(saga_ids: list[str]) -> dict:
    sagas = list(SagaInstance.objects.filter(id__in=saga_ids).values("id", "status", "created_at", "data"))
    enrolled = dict(OutboxEvent.objects.filter(
        event_type="student.enrolled",
        aggregate_id__in=[str(s["data"].get("enrollment_id")) for s in sagas]).values_list("aggregate_id", "created_at"))
    latencies, starts, ends = [], [], []
    for saga in sagas:
        done = enrolled.get(str(saga["data"].get("enrollment_id")))
        if saga["status"] == SagaStatus.COMPLETED and done:
            latencies.append((done - saga["created_at"]).total_seconds())
            starts.append(saga["created_at"])
            ends.append(done)
    span = (max(ends) - min(starts)).total_seconds() if ends else float("nan")
    latencies.sort()
    return {
        "completed": len(latencies), "total": len(sagas), "per_second": len(latencies) / span if span else 0.0,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
    }


def start_worker(log: Path) -> subprocess.Popen:
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "prs1", "worker", "--concurrency=2", "--pool=prefork",
         "--loglevel=WARNING", "-Q", celery_app.conf.task_default_queue, "--without-gossip", "--without-mingle",
         "-n", f"bench-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(4)
    return proc


def report(label: str, result: dict, *, throughput: bool = True) -> None:
    rate = f"{result['per_second']:8.1f} enrollments/s" if throughput else f"{'(latency only)':>22}"
    print(f"{label:<34} completed {result['completed']}/{result['total']}  {rate}  "
          f"p50 {result['p50'] * 1000:8.1f} ms  p95 {result['p95'] * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--paced", type=int, default=30, help="enrollments sent one at a time (unloaded latency)")
    args = parser.parse_args()
    tag = str(int(time.time()))

    # Baseline: the saga run eagerly, one enrollment after another, in this process.
    celery_app.conf.task_always_eager = True
    students, sections = build_school(f"{tag}e", args.baseline)
    baseline = measure(enroll_all(students, sections))

    # Workers: requests enqueue sagas; 2 worker processes run them (and the event handlers, and the sends).
    celery_app.conf.task_always_eager = False
    students, sections = build_school(f"{tag}w", args.count)
    paced_students, paced_sections = build_school(f"{tag}p", args.paced)
    log = ROOT / "var" / "bench-worker.log"
    worker = start_worker(log)
    try:
        # Unloaded: one request at a time, each waited for (the time one family waits).
        paced_ids = []
        for index, student_id in enumerate(paced_students):
            paced_ids += enroll_all([student_id], [paced_sections[index // SECTION_CAPACITY]])
            wait_done(paced_ids[-1:], timeout=120)
        paced = measure(paced_ids)
        # Saturated: every request at once (the first morning of enrollment).
        started = time.time()
        saga_ids = enroll_all(students, sections)
        enqueue_seconds = time.time() - started
        wait_done(saga_ids, timeout=1800)
        result = measure(saga_ids)
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)

    print(f"enrollment saga benchmark: {args.count} enrollments on 2 worker processes; baseline {args.baseline} "
          f"in-process (eager); requests enqueued in {enqueue_seconds:.1f} s")
    report("in-process, eager (baseline)", baseline)
    report("Celery worker, one at a time", paced, throughput=False)  # paced by this script's polling
    report("Celery worker, 2 processes, burst", result)
    if baseline["per_second"]:
        print(f"ratio (workers / baseline throughput): {result['per_second'] / baseline['per_second']:.2f}x")


if __name__ == "__main__":
    main()
