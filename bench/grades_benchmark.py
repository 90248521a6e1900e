"""Grades: a student's period report and a 40-student bulk grading, p50/p95 under concurrent load.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/grades_benchmark.py [--sections 8] [--students 40] [--courses 8] [--threads 4]

Creates a scratch database (bench_prs1_grades, dropped afterwards) with one institution and its
calendar, one academic year and `--sections` sections of `--students` enrolled students, each
section taking `--courses` courses (real academic and institution contracts). Every course has a
four-component evaluation plan in the first period, fully graded, and one competency level per
student and course.

Report (`GET /api/v1/grades/student/{id}/period/{id}` through its selector, no HTTP):
  1. single-threaded (baseline), 2. `--threads` threads at once (the load case),
  3. a naive per-course loop (one course, plan, components, entries and scale lookup per course),
     from `--threads` threads — what the constant-query selector replaces.
Bulk grading (`POST /api/v1/grades/entries/bulk` through its service, one transaction each, outbox
rows included; event deliveries to handlers are not run — in production they are Celery tasks after
commit): 1. single-threaded, 2. `--threads` threads, 3. a naive per-student `grade_record` loop
from `--threads` threads. Each job grades a distinct (section, component).
Prints p50/p95 per operation and the ratios load/baseline and naive/optimized.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import percentile, run_on_scratch_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

BULK_COMPONENTS_PER_RUN = 4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=8)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--courses", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--reads", type=int, default=200, help="Report reads per run.")
    parser.add_argument("--database", default="bench_prs1_grades")
    args = parser.parse_args()

    return run_on_scratch_database(args.database, "grades_benchmark", lambda: run(args))


def build_school(args) -> dict:
    from apps.grades import services
    from apps.institution import contracts as institution
    from common.tenancy import SYSTEM
    from tests.academic.factories import (
        AcademicYearFactory,
        CourseFactory,
        CurriculumEntryFactory,
        EnrollmentFactory,
        SectionFactory,
    )
    from tests.institution.factories import InstitutionFactory, calendar_year
    from tests.users.factories import StudentFactory

    school = InstitutionFactory()
    calendar_year(school, 2026)
    year = AcademicYearFactory(institution_id=school.pk, year=2026)
    period = institution.periods_of_year(institution_id=school.pk, year=2026)[0].id
    sections, students, bulk_jobs = [], [], []
    grade_level = None
    courses = []
    for _ in range(args.sections):
        section = SectionFactory(academic_year=year, institution_id=school.pk, capacity=max(45, args.students))
        if grade_level is None:
            grade_level = section.grade_level
            for c in range(args.courses):
                course = CourseFactory(institution_id=school.pk, grade_level=grade_level, code=f"B-{c}",
                                       name=f"Curso {c}", competencies=[f"Competencia {c}"])
                CurriculumEntryFactory(course=course, academic_year=year)
                courses.append(course)
        roster = []
        for student in StudentFactory.create_batch(args.students):
            enrollment = EnrollmentFactory(section=section, student_id=student.pk, start_date=year.start_date)
            services.grade_records_initialize(scope=SYSTEM, enrollment_id=enrollment.pk, student_id=student.pk,
                                              section_id=section.pk)
            roster.append(student.pk)
        sections.append(section.pk)
        students.extend(roster)
        scale = services.scale_for_section(services._section(section.pk))
        for course in courses:
            plan = _section_plan(course.pk, period, section.pk, [("Examen", "EXAM", 40), ("Tareas", "ASSIGNMENT", 30),
                                                                 ("Proyecto", "PROJECT", 20),
                                                                 ("Participación", "PARTICIPATION", 10)])
            rng = random.Random(f"{section.pk}-{course.pk}")
            for component in plan.components.all():
                services.grades_record_bulk(scope=SYSTEM, actor=None, component_id=component.pk, section_id=section.pk, rows=[
                    services.BulkRow(student_id=s, value=_value(scale, rng)) for s in roster])
            for s in roster:
                services.competency_evaluate(scope=SYSTEM, actor=None, student_id=s, course_id=course.pk, period_id=period,
                                             competency=course.competencies[0], level="A")
        # a second period plan with many small components, graded only by the bulk runs
        weight = Decimal(100) / (3 * BULK_COMPONENTS_PER_RUN)
        weights = [weight.quantize(Decimal("0.01"))] * (3 * BULK_COMPONENTS_PER_RUN)
        weights[-1] += Decimal(100) - sum(weights)
        periods = institution.periods_of_year(institution_id=school.pk, year=2026)
        bulk_plan = _section_plan(courses[0].pk, periods[1].id, section.pk,
                                  [(f"Práctica {i}", "PRACTICE", w) for i, w in enumerate(weights)])
        ids = list(bulk_plan.components.order_by("position").values_list("pk", flat=True))
        bulk_jobs.append((section.pk, ids, roster, scale))
    return {"period": period, "students": students, "bulk": bulk_jobs}


def _section_plan(course_id, period_id, section_id, components):
    from apps.grades import services
    from common.tenancy import SYSTEM

    return services.evaluation_plan_create(
        scope=SYSTEM, actor=None, course_id=course_id, period_id=period_id, section_id=section_id, name="Plan",
        components=[services.ComponentInput(name=n, kind=k, weight=Decimal(str(w))) for n, k, w in components])


def _value(scale, rng):
    if scale.is_literal:
        return rng.choice(("AD", "A", "B", "C"))
    return Decimal(rng.randint(int(scale.min_value), int(scale.max_value)))


# --- the operations ---------------------------------------------------------------------------------


def report(student_id, period_id):
    from apps.grades import selectors
    from common.tenancy import SYSTEM

    result = selectors.student_period_report(scope=SYSTEM, student_id=student_id, period_id=period_id)
    assert result.courses


def naive_report(student_id, period_id):
    """One lookup per course: what a straightforward view would do."""
    from apps.academic import contracts as academic
    from apps.grades import averages
    from apps.grades.models import CompetencyEvaluation, EvaluationPlan, GradeEntry, GradeRecord
    from apps.grades.scales import Scale
    from apps.institution import contracts as institution
    from common.tenancy import SYSTEM

    lines = []
    for record in GradeRecord.objects.filter(student_id=student_id, period_id=period_id):
        course = academic.get_course(scope=SYSTEM, course_id=record.course_id)
        section = academic.get_section(scope=SYSTEM, section_id=record.section_id)
        scale = Scale.from_dto(institution.grading_scale(institution_id=section.institution_id, level=section.level))
        plan = EvaluationPlan.objects.filter(course_id=record.course_id, period_id=period_id,
                                             section_id=record.section_id).first() or \
            EvaluationPlan.objects.filter(course_id=record.course_id, period_id=period_id, section_id=None).first()
        components = list(plan.components.all()) if plan else []
        values = {e.component_id: e.value for e in GradeEntry.objects.filter(record=record)}
        competencies = list(CompetencyEvaluation.objects.filter(record=record))
        lines.append((course.name, averages.compute(components, values, scale), competencies))
    assert lines


def bulk(job):
    from apps.grades import services
    from common.tenancy import SYSTEM

    section_id, component_id, roster, scale = job
    rng = random.Random(component_id)
    services.grades_record_bulk(scope=SYSTEM, actor=None, component_id=component_id, section_id=section_id, rows=[
        services.BulkRow(student_id=s, value=_value(scale, rng)) for s in roster])


def naive_bulk(job):
    from django.db import transaction

    from apps.grades import services
    from common.tenancy import SYSTEM

    _section_id, component_id, roster, scale = job
    rng = random.Random(component_id)
    with transaction.atomic():
        for s in roster:
            services.grade_record(scope=SYSTEM, actor=None, student_id=s, component_id=component_id, value=_value(scale, rng))


def measure(fn, jobs, threads: int) -> list[float]:
    from django.db import connections

    def timed(job):
        started = time.perf_counter()
        fn(*job)
        return time.perf_counter() - started

    def work(chunk):
        # one database connection per thread, opened on its first job and kept (as a worker would)
        try:
            return [timed(job) for job in chunk]
        finally:
            connections.close_all()

    if threads == 1:
        return [timed(job) for job in jobs]
    chunks = [jobs[i::threads] for i in range(threads)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [t for chunk_times in pool.map(work, chunks) for t in chunk_times]


def run(args) -> int:
    from unittest import mock

    print(f"building {args.sections} sections x {args.students} students x {args.courses} courses ...", flush=True)
    with mock.patch("events.bus.dispatch_on_commit", lambda envelope: None):
        school = build_school(args)
        rng = random.Random(7)
        reads = [(rng.choice(school["students"]), school["period"]) for _ in range(args.reads)]
        report(*reads[0])  # warm-up
        read_base = measure(report, reads, threads=1)
        read_load = measure(report, reads, threads=args.threads)
        read_naive = measure(naive_report, reads, threads=args.threads)

        per_run = BULK_COMPONENTS_PER_RUN
        bulk_runs = [[((section, ids[r * per_run + i], roster, scale),)
                      for section, ids, roster, scale in school["bulk"] for i in range(per_run)] for r in range(3)]
        bulk_base = measure(bulk, bulk_runs[0], threads=1)
        bulk_load = measure(bulk, bulk_runs[1], threads=args.threads)
        bulk_naive = measure(naive_bulk, bulk_runs[2], threads=args.threads)

    def line(name, values):
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"{name:<48} n={len(values):<4} p50={p50 * 1000:8.1f} ms  p95={p95 * 1000:8.1f} ms")
        return p50, p95

    def ratios(load, base, naive):
        print(f"ratio {args.threads} threads / baseline:     p50 x{load[0] / base[0]:.2f}   p95 x{load[1] / base[1]:.2f}")
        print(f"ratio naive / optimized ({args.threads} threads): p50 x{naive[0] / load[0]:.2f}   "
              f"p95 x{naive[1] / load[1]:.2f}")

    print(f"\nstudent period report ({args.courses} courses x 4 components), per read:")
    base = line("constant-query selector, 1 thread (baseline)", read_base)
    load = line(f"constant-query selector, {args.threads} threads", read_load)
    ratios(load, base, line(f"naive per-course loop, {args.threads} threads", read_naive))
    print(f"\nbulk grades of a {args.students}-student section for one component, per request:")
    base = line("bulk service, 1 thread (baseline)", bulk_base)
    load = line(f"bulk service, {args.threads} threads", bulk_load)
    ratios(load, base, line(f"naive per-student grade_record loop, {args.threads} threads", bulk_naive))
    return 0


if __name__ == "__main__":
    sys.exit(main())
