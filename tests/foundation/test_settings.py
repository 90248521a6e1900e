"""Settings come from the environment; production refuses to start without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "JWT_SECRET", "DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS",
                          "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}}
    return subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'prs1.settings'); "
                               "django.setup(); from django.conf import settings as s; "
                               "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], "
                               "s.CELERY_TASK_ALWAYS_EAGER, s.TIME_ZONE, s.LANGUAGE_CODE, "
                               "s.EMAIL_BACKEND.rsplit('.', 2)[-2])"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_with_nothing_set_the_embedded_default_runs():
    result = _load_settings({})
    assert result.returncode == 0, result.stderr
    engine, cache, eager, tz, language, email = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert cache.endswith("LocMemCache")
    assert eager == "True"
    assert (tz, language, email) == ("America/Lima", "es", "console")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "JWT_SECRET"])
def test_production_without_a_secret_is_a_startup_error(missing):
    env = {"PRS1_ENV": "production", "SECRET_KEY": "s" * 50, "JWT_SECRET": "j" * 40, "ALLOWED_HOSTS": "x.pe"}
    del env[missing]
    result = _load_settings(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_production_refuses_a_short_jwt_secret():
    result = _load_settings({"PRS1_ENV": "production", "SECRET_KEY": "s" * 50, "JWT_SECRET": "short"})
    assert result.returncode != 0
    assert "256 bits" in result.stderr


def test_full_stack_settings_come_from_the_environment():
    result = _load_settings({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert result.returncode == 0, result.stderr
    engine, cache, eager, *_ = result.stdout.split()
    assert "postgresql" in engine and cache.endswith("RedisCache") and eager == "False"


def test_celery_is_configured_for_reliable_delivery():
    from prs1.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert "sagas.resume_stale" in {entry["task"] for entry in conf.beat_schedule.values()}
    app.loader.import_default_modules()  # what a worker does at start: discover every context's tasks
    assert {"events.deliver_event", "sagas.advance", "sagas.resume_stale"} <= set(app.tasks)
