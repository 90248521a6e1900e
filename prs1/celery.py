"""The Celery app. Broker: Redis (full stack) or in-memory eager execution (embedded default).

Tasks are discovered per context (`apps/<context>/tasks.py`) and in `events/`.
Correlation and request ids travel with every task (see events.task_context).

Metrics: every task run is counted by name and final state (`prs1_celery_tasks_total{task,state}`) and
timed (`prs1_celery_task_seconds{task}`). A worker started with WORKER_METRICS_PORT (beat: BEAT_METRICS_PORT)
serves /metrics and /health on that port from its main process; the prefork pool's children write their
samples to PROMETHEUS_MULTIPROC_DIR (set it for the worker: the Procfile and deploy/ do), so one scrape
shows every child's counts. Beat counts the tasks it sends (`prs1_celery_tasks_published_total{task}`).
"""

import os
import time

from celery import Celery, signals
from prometheus_client import Counter, Histogram

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")

app = Celery("prs1")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

TASKS = Counter("prs1_celery_tasks_total", "Celery task runs by task name and final state "
                "(SUCCESS, FAILURE, RETRY, REVOKED)", ["task", "state"])
TASK_SECONDS = Histogram("prs1_celery_task_seconds", "Celery task run time", ["task"],
                         buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
PUBLISHED = Counter("prs1_celery_tasks_published_total", "Tasks sent to the broker by this process", ["task"])
_started: dict[str, float] = {}


def _name(sender=None, task=None, request=None) -> str:
    for candidate in (task, sender, getattr(request, "task", None)):
        name = getattr(candidate, "name", None) or (candidate if isinstance(candidate, str) else None)
        if name:
            return name
    return "unknown"


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **_kw) -> None:
    from common import replica_router

    replica_router.reset()  # each task reads from the replica (if any) until it writes
    if task_id:
        _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **_kw) -> None:
    started = _started.pop(task_id, None) if task_id else None
    name = _name(task=task)
    if started is not None:
        TASK_SECONDS.labels(name).observe(time.perf_counter() - started)
    if state:
        TASKS.labels(name, state).inc()


@signals.task_revoked.connect
def _task_revoked(sender=None, request=None, **_kw) -> None:
    TASKS.labels(_name(sender=sender, request=request), "REVOKED").inc()


@signals.before_task_publish.connect
def _task_published(sender=None, **_kw) -> None:
    PUBLISHED.labels(_name(sender=sender)).inc()


def _serve(port) -> None:
    if port:
        from django.conf import settings

        from events import metrics

        metrics.serve(int(port), settings.METRICS_BIND_ADDRESS)


@signals.worker_ready.connect
def _worker_metrics(**_kw) -> None:
    """In the worker's main process: serve the merged metrics of the pool; the series a worker is watched
    by (dead letters per handler, notification deliveries per channel) start at 0."""
    from django.conf import settings

    from apps.notifications import metrics as notification_metrics
    from events import bus
    from events import metrics as event_metrics

    for handler in bus.all_handlers():
        event_metrics.DEAD_LETTERS.labels(handler.name)
    for channel in notification_metrics.KPI_TARGETS:
        for counter in (notification_metrics.SENT, notification_metrics.DELIVERED, notification_metrics.FAILED,
                        notification_metrics.RETRIED):
            counter.labels(channel)
    _serve(settings.WORKER_METRICS_PORT)


@signals.worker_process_shutdown.connect
def _pool_child_exited(pid=None, **_kw) -> None:
    from events import metrics

    metrics.mark_process_dead(pid or os.getpid())


@signals.beat_init.connect
def _beat_metrics(**_kw) -> None:
    from django.conf import settings

    _serve(settings.BEAT_METRICS_PORT)
