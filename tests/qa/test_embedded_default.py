"""A newcomer's `make run` on the embedded default: no DATABASE_URL/REDIS_URL/Kafka, so SQLite,
eager Celery, the local-memory cache and console email/SMS.

Runs the real commands in subprocesses (the test suite itself is on PostgreSQL): migrate, then
`seed_demo` twice on the same SQLite file — the second run must succeed too (the demo is
idempotent) — and checks that the demo school has something in every context.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

# Everything scripts/stack.sh exports for the full stack: a newcomer has none of it.
FULL_STACK_VARIABLES = ("DATABASE_URL", "TEST_DATABASE_NAME", "REDIS_URL", "CELERY_BROKER_URL",
                        "CELERY_RESULT_BACKEND", "CELERY_TASK_ALWAYS_EAGER", "CELERY_TASK_DEFAULT_QUEUE",
                        "CACHE_KEY_PREFIX", "KAFKA_BOOTSTRAP_SERVERS", "TANSU_BIN")

COUNTS = """
import json
from django.apps import apps
count = lambda label, **where: apps.get_model(label).objects.filter(**where).count()
print(json.dumps({
    "vendor": __import__("django.db", fromlist=["connection"]).connection.vendor,
    "sections": count("academic.Section"),
    "schedule_blocks": count("assignments.ScheduleBlock"),
    "grade_entries": count("grades.GradeEntry"),
    "absences": count("attendance.AttendanceRecord", status="ABSENT"),
    "messages": count("notifications.Message"),
    "admins": count("users.User", username="admin", is_superuser=True),
    "sagas_completed": count("sagas.SagaInstance", saga_type="student_enrollment", status="COMPLETED"),
    "sagas_compensated": count("sagas.SagaInstance", saga_type="student_enrollment", status="COMPENSATED"),
}))
"""


def _embedded_env(database: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in FULL_STACK_VARIABLES}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    # Empty wins over a developer's .env (read with overwrite=False): the embedded default.
    env["REDIS_URL"] = ""
    env["KAFKA_BOOTSTRAP_SERVERS"] = ""
    env["DJANGO_SETTINGS_MODULE"] = "prs1.settings"
    return env


def _manage(env: dict[str, str], *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return result


def test_migrate_and_seed_demo_twice_on_sqlite_with_eager_tasks(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = _embedded_env(database)

    _ok(_manage(env, "migrate", "--noinput"))
    first = _ok(_manage(env, "seed_demo", "--no-progress"))
    assert "user: admin" in first.stdout and "password:" in first.stdout
    second = _ok(_manage(env, "seed_demo", "--no-progress"))
    assert "Demo school ready." in second.stdout
    assert database.stat().st_size > 0

    counts = json.loads(_ok(_manage(env, "shell", "-c", COUNTS)).stdout.strip().splitlines()[-1])
    assert counts["vendor"] == "sqlite"
    assert counts["admins"] == 1
    for key in ("sections", "schedule_blocks", "grade_entries", "absences", "messages"):
        assert counts[key] > 0, counts
    # the demo admissions ran the enrollment saga once each, the second seed_demo started none
    assert (counts["sagas_completed"], counts["sagas_compensated"]) == (2, 1), counts
