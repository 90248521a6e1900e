"""Real deployments for the split acceptance tests: separate processes, real HTTP, the test Kafka
broker, one PostgreSQL database per service.

- `Deployment(split=True)`: the monolith (gunicorn, its outbox relay, a Celery worker for the saga and
  the in-process handlers) with grades and notifications served elsewhere (PRS1_REMOTE_CONTEXTS); the
  grades and the notifications services, each `manage.py serve_context <ctx>` with its own database,
  PRS1_HOSTED_CONTEXTS, PRS1_DEFAULT_REMOTE_URL (the monolith) and PRS1_REMOTE_CONTEXTS (the other one).
- `Deployment(split=False)`: the same monolith processes and environment, one database, nothing remote.

Each process group has its own database(s), Redis key prefix and Celery queue; each deployment its own
topic prefix (EVENTS_TOPIC_PREFIX). The monolith group shares a PROMETHEUS_MULTIPROC_DIR, so its /metrics
shows what its Celery worker sees (the saga's remote calls and their circuit breaker). Every process
is stopped at the end (SIGTERM to its process group, then SIGKILL) and every database dropped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import psycopg
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
SPLIT_CONTEXTS = ("grades", "notifications")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def admin_url() -> str:
    """The PostgreSQL server the test stack uses (its maintenance database)."""
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return url.rsplit("/", 1)[0] + "/postgres"


def database_url(name: str) -> str:
    return admin_url().rsplit("/", 1)[0] + f"/{name}"


def create_database(name: str) -> None:
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


@dataclass
class Process:
    """One supervised child (its own session, so a signal reaches its whole process group)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> Process:
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=self.log.open("ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_group(self, sig: int) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """SIGKILL the process and its children (a crash, not a shutdown)."""
        self.signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.signal_group(signal.SIGKILL)  # children left behind by a supervisor that died first
        if self.process.poll() is None:
            self.process.wait(timeout=10)

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


@dataclass
class Group:
    """A process group sharing one environment: the monolith, or one split-out service."""

    name: str
    database: str
    port: int
    env: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Deployment:
    def __init__(self, *, split: bool, students: int, smtp_port: int, breaker_recovery_s: float = 2.0,
                 label: str | None = None) -> None:
        self.split = split
        self.students = students
        self.smtp_port = smtp_port
        self.breaker_recovery_s = breaker_recovery_s
        self.run = label or uuid.uuid4().hex[:8]
        kind = "split" if split else "mono"
        self.prefix = f"prs1_{kind}_{self.run}"
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.prefix}-", dir=ROOT / "var"))
        self.topic_prefix = f"{self.prefix}."
        self.groups: dict[str, Group] = {}
        self.school: dict = {}
        self.smtp = None  # the SMTP recorder the deployment's mail goes to (set by the fixture)
        self._token: str | None = None
        self._http = httpx.Client(timeout=30)
        names = ("monolith", *SPLIT_CONTEXTS) if split else ("monolith",)
        for name in names:
            self.groups[name] = Group(name=name, database=f"{self.prefix}_{name}", port=free_port(), env={})
        for group in self.groups.values():
            group.env = self._env(group)

    # --- environment ----------------------------------------------------------------------------

    def _env(self, group: Group) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "PRS1_"))}
        env.update({
            "DJANGO_SETTINGS_MODULE": "prs1.settings",
            "PYTHONUNBUFFERED": "1",
            "PRS1_ENV": "development",
            "DATABASE_URL": database_url(group.database),
            "DB_CONN_MAX_AGE": "0",
            "CACHE_KEY_PREFIX": f"{self.prefix}-{group.name}",
            "CELERY_TASK_DEFAULT_QUEUE": f"{self.prefix}-{group.name}",
            "EVENTS_TOPIC_PREFIX": self.topic_prefix,
            "EVENTS_RELAY_POLL_INTERVAL": "0.2",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_USE_TLS": "false",
            "SMS_BACKEND": "console",
            "CIRCUIT_BREAKER_RECOVERY_S": str(self.breaker_recovery_s),
            "REMOTE_RETRY_BASE_S": "0.05",
            "LOG_LEVEL": "WARNING",
            "LANGUAGE_CODE": "en",
        })
        for key in ("TEST_DATABASE_NAME", "METRICS_TOKEN", "METRICS_ALLOWED_NETWORKS"):
            env.pop(key, None)
        if group.name == "monolith":
            # the saga runs on the worker: its remote calls and breaker show on the monolith's /metrics
            metrics_dir = self.workdir / "metrics"
            metrics_dir.mkdir(exist_ok=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
            env["CELERY_TASK_ALWAYS_EAGER"] = "false"
            if self.split:
                env["PRS1_REMOTE_CONTEXTS"] = ",".join(f"{ctx}={self.groups[ctx].url}" for ctx in SPLIT_CONTEXTS)
        else:
            others = [ctx for ctx in SPLIT_CONTEXTS if ctx != group.name]
            env["PRS1_HOSTED_CONTEXTS"] = group.name
            env["PRS1_DEFAULT_REMOTE_URL"] = self.groups["monolith"].url
            env["PRS1_REMOTE_CONTEXTS"] = ",".join(f"{ctx}={self.groups[ctx].url}" for ctx in others)
            # notifications sends through its own Celery worker; grades enqueues nothing of its own
            env["CELERY_TASK_ALWAYS_EAGER"] = "false" if group.name == "notifications" else "true"
        return env

    def _process(self, group: Group, name: str, argv: list[str]) -> Process:
        process = Process(f"{group.name}-{name}", argv, group.env, self.workdir / f"{group.name}-{name}.log")
        group.processes.append(process)
        return process

    def _worker_argv(self, group: Group, concurrency: int) -> list[str]:
        return [PYTHON, "-m", "celery", "-A", "prs1", "worker", "--loglevel=WARNING", "--pool=threads",
                f"--concurrency={concurrency}", "-Q", group.env["CELERY_TASK_DEFAULT_QUEUE"], "--without-gossip",
                "--without-mingle", "--without-heartbeat", "-n", f"{group.name}-{self.run}@%h"]

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Deployment:
        try:
            for group in self.groups.values():
                create_database(group.database)
            with ThreadPoolExecutor(len(self.groups)) as pool:
                list(pool.map(self._migrate, self.groups.values()))
            self.school = self._build_school()
            monolith = self.groups["monolith"]
            self._process(monolith, "web", [GUNICORN, "prs1.wsgi:application", "--bind", f"127.0.0.1:{monolith.port}",
                                            "--workers", "2", "--timeout", "60"]).start()
            self._process(monolith, "relay", [PYTHON, "manage.py", "relay_outbox"]).start()
            self._process(monolith, "worker", self._worker_argv(monolith, concurrency=6)).start()
            for name in SPLIT_CONTEXTS if self.split else ():
                self.start_service(name)
            if self.split:
                self._process(self.groups["notifications"], "worker",
                              self._worker_argv(self.groups["notifications"], concurrency=2)).start()
            for group in self.groups.values():
                self.wait_ready(group)
        except BaseException:
            self.stop()
            raise
        return self

    def _migrate(self, group: Group) -> None:
        result = subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=group.env,
                                capture_output=True, text=True, timeout=300)
        if result.returncode:
            raise RuntimeError(f"migrate {group.name} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}")

    def _build_school(self) -> dict:
        result = subprocess.run([PYTHON, "-m", "tests.split.school", str(self.students)], cwd=ROOT,
                                env=self.groups["monolith"].env, capture_output=True, text=True, timeout=180)
        found = re.search(r"^SCHOOL (.*)$", result.stdout, re.MULTILINE)
        if result.returncode or not found:
            raise RuntimeError(f"building the school failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}")
        return json.loads(found.group(1))

    def start_service(self, name: str) -> Process:
        """Start (or restart) a split-out service: `manage.py serve_context <name>`."""
        group = self.groups[name]
        existing = next((p for p in group.processes if p.name == f"{name}-service"), None)
        if existing is not None:  # a restart: the database is migrated already
            existing.stop()
            existing.argv = [arg for arg in existing.argv if arg != "--migrate"]
            return existing.start()
        return self._process(group, "service", [PYTHON, "manage.py", "serve_context", name, "--bind",
                                                f"127.0.0.1:{group.port}", "--workers", "2", "--migrate"]).start()

    def service(self, name: str) -> Process:
        return next(p for p in self.groups[name].processes if p.name == f"{name}-service")

    def wait_ready(self, group: Group | str, timeout: float = 90) -> None:
        group = self.groups[group] if isinstance(group, str) else group

        def ready() -> bool:
            for process in group.processes:
                if not process.running():
                    raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
            try:
                return self._http.get(f"{group.url}/health/ready", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, timeout=timeout, interval=0.3, message=f"{group.name} /health/ready")

    def stop(self) -> None:
        for group in reversed(list(self.groups.values())):
            for process in reversed(group.processes):
                try:
                    process.stop()
                except Exception:
                    pass
        self._http.close()
        for group in self.groups.values():
            try:
                drop_database(group.database)
            except psycopg.Error:
                pass
        if not os.environ.get("KEEP_SPLIT_LOGS"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.tail(1500)}" for g in self.groups.values() for p in g.processes)

    # --- the API, as the frontend calls it -----------------------------------------------------------

    @property
    def url(self) -> str:
        return self.groups["monolith"].url

    def token(self) -> str:
        if self._token is None:
            response = self._http.post(f"{self.url}/api/v1/auth/login",
                                       json={"username": self.school["secretary"], "password": self.school["password"]})
            assert response.status_code == 200, response.text
            self._token = response.json()["access"]
        return self._token

    def enroll(self, student_id: int) -> str:
        response = self._http.post(f"{self.url}/api/v1/academic/enrollments",
                                   headers={"Authorization": f"Bearer {self.token()}",
                                            "Idempotency-Key": f"split-{self.run}-{student_id}"},
                                   json={"student_id": student_id, "section_id": self.school["section_id"],
                                         "enrollment_type": "REGULAR"})
        assert response.status_code == 202, response.text
        return response.json()["saga_id"]

    def saga(self, saga_id: str) -> dict:
        response = self._http.get(f"{self.url}/api/v1/academic/enrollments/sagas/{saga_id}",
                                  headers={"Authorization": f"Bearer {self.token()}"})
        assert response.status_code == 200, response.text
        return response.json()

    def wait_sagas(self, saga_ids: list[str], timeout: float = 120) -> dict[str, dict]:
        done: dict[str, dict] = {}

        def all_done() -> bool:
            for saga_id in saga_ids:
                if saga_id not in done:
                    body = self.saga(saga_id)
                    if body["status"] in ("COMPLETED", "COMPENSATED", "FAILED"):
                        done[saga_id] = body
            return len(done) == len(saga_ids)

        wait_for(all_done, timeout=timeout, interval=0.5, message=f"{len(saga_ids)} sagas to end")
        return done

    def metrics(self) -> str:
        response = self._http.get(f"{self.url}/metrics", timeout=5)
        assert response.status_code == 200, response.text[:300]
        return response.text

    # --- the databases --------------------------------------------------------------------------

    def database_of(self, context: str) -> str:
        """The database holding a context's tables ("monolith" for everything not split out)."""
        group = context if self.split and context in SPLIT_CONTEXTS else "monolith"
        return self.groups[group].database

    def query(self, database: str, sql: str, params: tuple = ()) -> list[dict]:
        with psycopg.connect(database_url(database), row_factory=psycopg.rows.dict_row) as conn:
            return list(conn.execute(sql, params))

    def tables(self, database: str) -> set[str]:
        rows = self.query(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row["tablename"] for row in rows}


class SmtpRecorder:
    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": sorted(envelope.rcpt_tos), "subject": str(parsed["subject"])})
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.recorder = SmtpRecorder()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def sample_values(metrics_text: str, name: str, **labels: str) -> list[float]:
    """The values of every sample of `name` whose labels include `labels` (Prometheus text format)."""
    values = []
    for line in metrics_text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        metric, _, label_text = head.partition("{")
        if metric != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', label_text))
        if all(found.get(k) == v for k, v in labels.items()):
            values.append(float(value))
    return values
