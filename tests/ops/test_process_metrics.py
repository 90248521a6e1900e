"""Every process observed: the web (gunicorn, multiprocess mode), a Celery worker (prefork), the outbox
relay and a context consumer run as real processes against the test database and the test broker; each
one's /metrics is scraped and shows its key series, and the relay and consumer answer their probes."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import transaction
from prometheus_client.parser import text_string_to_metric_families

from events import bus, publish, schema
from tests.enrollment.worker import Worker, wait_for
from tests.events.conftest import ProbePayload, database_url, free_port, kafka_required, stop_process

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def scrape(port: int, path: str = "/metrics") -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def samples(text: str) -> dict[str, list]:
    """sample name -> [(labels, value)]"""
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def has_series(port: int, *names: str, path: str = "/metrics") -> bool:
    status, text = scrape(port, path)
    return status == 200 and all(name in samples(text) for name in names)


@pytest.fixture
def stack(tmp_path, settings):
    """env and a process list stopped at the end."""
    servers = kafka_required()
    prefix = f"t{uuid.uuid4().hex[:10]}."
    settings.KAFKA_BOOTSTRAP_SERVERS = servers
    settings.EVENTS_TOPIC_PREFIX = prefix
    env = {key: value for key, value in os.environ.items() if key not in ("METRICS_TOKEN", "METRICS_ALLOWED_NETWORKS")}
    env.update({"DATABASE_URL": database_url(), "KAFKA_BOOTSTRAP_SERVERS": servers, "EVENTS_TOPIC_PREFIX": prefix,
                "EVENTS_RELAY_POLL_INTERVAL": "0.2", "EVENTS_CONSUMER_STATS_INTERVAL_MS": "500",
                "PRS1_ENV": "development", "PYTHONUNBUFFERED": "1"})
    processes: list[subprocess.Popen] = []
    worker: list[Worker] = []
    yield {"env": env, "processes": processes, "worker": worker, "tmp": tmp_path}
    for process in processes:
        stop_process(process, timeout=30)
    for w in worker:
        w.stop()


def test_web_worker_relay_and_consumer_each_export_their_key_series(stack, monkeypatch):
    env, processes, tmp = stack["env"], stack["processes"], stack["tmp"]
    web_port, worker_port, relay_port, consumer_port = (free_port() for _ in range(4))
    log = (tmp / "processes.log").open("w")

    def start(argv, **extra):
        process = subprocess.Popen(argv, cwd=ROOT, env={**env, **extra}, stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        return process

    start([GUNICORN, "-c", "prs1/gunicorn.conf.py", "prs1.wsgi:application"], GUNICORN_BIND=f"127.0.0.1:{web_port}",
          GUNICORN_WORKERS="2", PROMETHEUS_MULTIPROC_DIR=str(tmp / "web"))
    (tmp / "web").mkdir()
    (tmp / "worker").mkdir()
    stack["worker"].append(Worker(concurrency=2, extra_env={
        **{k: env[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "EVENTS_TOPIC_PREFIX")},
        "WORKER_METRICS_PORT": str(worker_port), "PROMETHEUS_MULTIPROC_DIR": str(tmp / "worker")}).start())
    relay = start([sys.executable, "manage.py", "relay_outbox", "--metrics-port", str(relay_port)])
    consumer = start([sys.executable, "manage.py", "consume_events", "--context", "notifications",
                      "--metrics-port", str(consumer_port)])

    # one event through the outbox: the relay publishes it, the consumer reads it (no notifications handler
    # subscribes to attendance.marked: counted as skipped, nothing else happens)
    monkeypatch.setattr(bus, "handlers_for", lambda *a, **kw: [])
    with schema.registered("attendance.marked", ProbePayload, version="99.0"), transaction.atomic():
        publish("attendance.marked", aggregate_id=1, aggregate_type="Attendance", payload=ProbePayload(seq=1),
                version="99.0")
    wait_for(lambda: scrape(web_port, "/health")[0] == 200, timeout=60, message="gunicorn up")

    # web: Django's request and database series from every gunicorn worker, the outbox gauges computed now
    for _ in range(4):
        scrape(web_port, "/api/v1/nothing-here")
    wait_for(lambda: has_series(web_port, "django_http_requests_total_by_method_total",
                                "django_http_responses_total_by_status_total", "django_http_requests_latency_"
                                "including_middlewares_seconds_bucket", "prs1_outbox_pending_events",
                                "prs1_outbox_oldest_pending_age_seconds"), timeout=30, message="web series")
    web = samples(scrape(web_port)[1])
    assert any(labels.get("status") == "404" for labels, _ in web["django_http_responses_total_by_status_total"])

    # relay: published and recoveries; live and ready
    wait_for(lambda: has_series(relay_port, "prs1_outbox_published_total", "prs1_relay_recoveries_total",
                                "prs1_outbox_pending_events"), timeout=60, message="relay series")
    relay_samples = samples(scrape(relay_port)[1])
    assert sum(v for _, v in relay_samples["prs1_outbox_published_total"]) >= 1
    assert {labels["reason"] for labels, _ in relay_samples["prs1_relay_recoveries_total"]} >= {"database",
                                                                                             "producer_fatal"}
    assert scrape(relay_port, "/health/live")[0] == 200
    wait_for(lambda: scrape(relay_port, "/health/ready")[0] == 200, timeout=30, message="relay ready")

    # consumer: the message handled, its lag measured from librdkafka's statistics; live and ready
    wait_for(lambda: any(v >= 1 for _, v in samples(scrape(consumer_port)[1]).get("prs1_consumer_messages_total", [])),
             timeout=90, message="consumer handled the event")
    wait_for(lambda: has_series(consumer_port, "prs1_kafka_consumer_lag", "prs1_consumer_applied_total",
                                "prs1_consumer_duplicates_total", "prs1_consumer_recoveries_total"),
             timeout=60, message="consumer series")
    assert scrape(consumer_port, "/health/live")[0] == 200
    wait_for(lambda: scrape(consumer_port, "/health/ready")[0] == 200, timeout=30, message="consumer ready")

    # worker: task counts by name and state (a task run by a pool child), dead letters, notification counters
    from prs1.celery import app
    app.send_task("notifications.dispatch_due", queue=stack["worker"][0].extra_env.get("CELERY_TASK_DEFAULT_QUEUE"))
    wait_for(lambda: has_series(worker_port, "prs1_celery_tasks_total", "prs1_celery_task_seconds_bucket",
                                "prs1_event_dead_letters_total", "prs1_notifications_sent_total",
                                "prs1_notifications_failed_total"), timeout=60, message="worker series")
    tasks = samples(scrape(worker_port)[1])["prs1_celery_tasks_total"]
    assert any(labels == {"task": "notifications.dispatch_due", "state": "SUCCESS"} and value >= 1
               for labels, value in tasks)
    assert relay.poll() is None and consumer.poll() is None
    log.close()
