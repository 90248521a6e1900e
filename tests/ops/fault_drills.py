"""Fault drills with REAL processes, shared by tests/ops/test_faults.py (which asserts on what each drill
returns) and bench/recovery_benchmark.py (which runs each a few times and reports the recovery times).

Every drill measures its recovery time: from the fault (or, for a broker restart, from the broker being
back) to the first event published / applied after it, from the database's own timestamps
(OutboxEvent.published_at, InboxDelivery.processed_at) on this machine's clock.

The processes run with the drill settings below (DRILL_ENV): short delivery timeouts and backoffs, so a
drill takes seconds instead of the production minutes; the recovery times scale with them.

The caller provides: a migrated database reachable through Django's default connection (the test database,
or the benchmark's scratch database), the probe payload schema for user.created v99.0 registered and the
drill handler (tests.ops.fault_handlers) installed in this process's bus, Celery not eager for the worker
drill, and TANSU_BIN / KAFKA_BOOTSTRAP_SERVERS (scripts/test.sh, scripts/bench.sh).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection, transaction

from events import kafka, publish
from events.models import InboxDelivery, OutboxEvent, PendingDelivery
from tests.enrollment.worker import Worker, wait_for
from tests.events.conftest import ProbePayload, database_url, envelopes, free_port, read_topic, start_tansu
from tests.ops.fault_handlers import CONTEXT, HANDLER_NAME

ROOT = Path(__file__).resolve().parents[2]
TEST_VERSION = "99.0"
DRILL_ENV = {
    "EVENTS_RELAY_POLL_INTERVAL": "0.2",
    "EVENTS_RELAY_DELIVERY_TIMEOUT_MS": "3000",  # librdkafka message.timeout.ms: a send to a dead broker fails after it
    "EVENTS_RELAY_MAX_BACKOFF": "2",  # a failed row waits at most this long before it is sent again
    "EVENTS_RECOVERY_BACKOFF_BASE": "0.1",
    "EVENTS_RECOVERY_BACKOFF_CAP": "2",
    "KAFKA_CONSUMER_SESSION_TIMEOUT_MS": "6000",
    "EVENTS_CONSUMER_COMMIT_INTERVAL_MS": "200",
    "PYTHONUNBUFFERED": "1",
}


# --- helpers --------------------------------------------------------------------------------------------

def write_events(events: list[tuple[str, int]], *, label: str = "probe") -> list[dict]:
    """Publish user.created probes (aggregate, seq), all in one transaction; returns their envelopes."""
    with transaction.atomic():
        return [publish("user.created", aggregate_id=aggregate, aggregate_type="User",
                        payload=ProbePayload(seq=seq, label=label), version=TEST_VERSION)
                for aggregate, seq in events]


def stream(start: int, count: int, aggregates: int) -> list[tuple[str, int]]:
    return [(f"agg{seq % aggregates}", seq) for seq in range(start, start + count)]


def per_aggregate(envs: list[dict]) -> dict[str, list[int]]:
    order: dict[str, list[int]] = defaultdict(list)
    for env in envs:
        order[env["aggregateId"]].append(env["payload"]["seq"])
    return dict(order)


def first_seen(lines: list[tuple[str, int, str]]) -> dict[str, list[int]]:
    """Per aggregate, the seqs in the order their event first appears (a repeated run of a handler whose
    transaction rolled back shows up again later; the first appearance is the order of application)."""
    seen, order = set(), defaultdict(list)
    for aggregate, seq, event_id in lines:
        if event_id not in seen:
            seen.add(event_id)
            order[aggregate].append(seq)
    return dict(order)


def applied_lines(path: Path) -> list[tuple[str, int, str]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        aggregate, seq, event_id = line.split()
        rows.append((aggregate, int(seq), event_id))
    return rows


def inbox_count(event_ids: list[str]) -> int:
    return InboxDelivery.objects.filter(handler=HANDLER_NAME, event_id__in=event_ids).count()


def ids(envs: list[dict]) -> list[str]:
    return [env["eventId"] for env in envs]


def terminate_other_sessions() -> int:
    """pg_terminate_backend every session on this database except this process's own."""
    connection.ensure_connection()
    mine = connection.connection.info.backend_pid
    with psycopg.connect(database_url(), autocommit=True) as admin:
        return admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
                             "current_database() AND pid NOT IN (pg_backend_pid(), %s)", [mine]).fetchone()[0]


class Processes:
    """Subprocesses of one drill, with their output in log files (a full pipe would block them)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.running = tmp, []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        process.log_path = self.tmp / f"{name}.log"
        self.running.append(process)
        return process

    def relay(self, env: dict[str, str], *args: str) -> subprocess.Popen:
        return self.start("relay", [sys.executable, "manage.py", "relay_outbox", *args], env)

    def consumer(self, env: dict[str, str], *args: str) -> subprocess.Popen:
        return self.start("consumer", [sys.executable, "-m", "tests.ops.fault_handlers", "consume_events",
                                       "--context", CONTEXT, "--group", f"drill-{uuid.uuid4().hex[:8]}", *args], env)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def tail(self, process: subprocess.Popen) -> str:
        return process.log_path.read_text(errors="replace")[-3000:]


def process_env(servers: str, prefix: str, tmp: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, **DRILL_ENV, "DATABASE_URL": database_url(), "KAFKA_BOOTSTRAP_SERVERS": servers,
            "EVENTS_TOPIC_PREFIX": prefix, "PRS1_FAULT_HANDLERS": "1",
            "PRS1_FAULT_APPLIED": str(tmp / "applied.txt"), **extra}


def first_after(timestamps, moment: float) -> float | None:
    later = [ts.timestamp() - moment for ts in timestamps if ts is not None and ts.timestamp() >= moment]
    return min(later) if later else None


# --- broker restart -------------------------------------------------------------------------------------

@dataclass
class BrokerRestart:
    written: list[dict] = field(default_factory=list)  # every event, in write order
    after_restart: list[dict] = field(default_factory=list)  # those written once the broker was killed
    on_topic: list[dict] = field(default_factory=list)  # what the restarted broker holds
    applied: list[tuple[str, int, str]] = field(default_factory=list)  # the handler's runs, in order
    inbox_rows: int = 0
    pending: int = 0
    failed_sends: int = 0  # events written while the broker was down whose send failed at least once
    relay_alive: bool = False
    consumer_alive: bool = False
    downtime_s: float = 0.0
    publish_recovery_s: float | None = None  # broker back -> first event published to it
    apply_recovery_s: float | None = None  # broker back -> first event applied by the consumer after it


def broker_restart(tmp: Path, *, per_phase: int = 60, aggregates: int = 5, downtime: float = 2.0) -> BrokerRestart:
    """A private broker (tansu, memory storage); `relay_outbox` and `consume_events` run as subprocesses.

    Phase 1 is written, published and applied; the broker is SIGKILLed; phase 2 is written while it is down
    (the relay's sends fail and the rows stay pending); the broker is started again on the same port, the
    topics are created again (`manage.py kafka_topics`, i.e. kafka.ensure_topics: a memory broker forgets
    them); phase 3 is written. Neither the relay nor the consumer is restarted.

    A memory broker also forgets its log: what it had acknowledged and nobody had read yet would be gone,
    which is the storage's loss, not the processes'. So the drill lets the consumer finish phase 1 before
    the kill (with a persistent broker the unread tail would simply be read after the restart)."""
    port = free_port()
    servers = f"127.0.0.1:{port}"
    settings.KAFKA_BOOTSTRAP_SERVERS = servers
    settings.EVENTS_TOPIC_PREFIX = prefix = f"drill{uuid.uuid4().hex[:8]}."
    result = BrokerRestart()
    broker = start_tansu(port)
    procs = Processes(tmp)
    try:
        kafka.ensure_topics()
        env = process_env(servers, prefix, tmp)
        relay = procs.relay(env, "--batch-size", "25")
        consumer = procs.consumer(env)

        # Phase 1 is longer than phases 2 and 3 together, on the same aggregates (so the same partitions): the
        # consumer's position from phase 1 then lies past the end of every partition of the restarted (empty)
        # broker, so its next fetch is out of range and `auto.offset.reset=earliest` takes it to the start of
        # the new log. (Were the new log to grow past the old position first, a fetch there would land in the
        # middle of it: the memory broker losing its log is what makes offsets meaningless, not the processes.)
        first = per_phase * 3
        phase1 = write_events(stream(0, first, aggregates))
        wait_for(lambda: inbox_count(ids(phase1)) == len(phase1) or _died(relay, consumer, procs), timeout=90,
                 message="phase 1 applied")
        _check_alive(relay, consumer, procs)

        broker.kill()
        broker.wait(timeout=10)
        killed = time.time()
        phase2 = []
        for chunk in range(4):  # written while the broker is down, in four commits
            phase2 += write_events(stream(first + chunk * per_phase // 4, per_phase // 4, aggregates))
            time.sleep(downtime / 4)

        broker = start_tansu(port)
        back = time.time()
        result.downtime_s = back - killed
        kafka.ensure_topics(timeout=15)  # what `manage.py kafka_topics` does
        phase3 = write_events(stream(first + per_phase, per_phase, aggregates))

        result.written = phase1 + phase2 + phase3
        result.after_restart = phase2 + phase3
        wait_for(lambda: inbox_count(ids(result.written)) == len(result.written) or _died(relay, consumer, procs),
                 timeout=90, message="every event applied after the broker restart")
        result.relay_alive, result.consumer_alive = relay.poll() is None, consumer.poll() is None
        result.inbox_rows = inbox_count(ids(result.written))
        result.pending = OutboxEvent.objects.filter(published_at__isnull=True).count()
        result.failed_sends = OutboxEvent.objects.filter(event_id__in=ids(phase2), attempts__gt=0).count()
        later = ids(result.after_restart)
        result.publish_recovery_s = first_after(
            OutboxEvent.objects.filter(event_id__in=later).values_list("published_at", flat=True), back)
        result.apply_recovery_s = first_after(
            InboxDelivery.objects.filter(handler=HANDLER_NAME, event_id__in=later)
            .values_list("processed_at", flat=True), back)
        result.on_topic = envelopes(read_topic(servers, f"{prefix}user-events", expected=len(later), timeout=30))
        result.applied = applied_lines(tmp / "applied.txt")
    finally:
        procs.stop_all()
        if broker.poll() is None:
            broker.kill()
            broker.wait(timeout=10)
    return result


def _died(*processes_and_procs) -> bool:
    *processes, procs = processes_and_procs
    for process in processes:
        if process.poll() is not None:
            raise AssertionError(f"{process.args} exited ({process.returncode}): {procs.tail(process)}")
    return False


def _check_alive(relay, consumer, procs) -> None:
    _died(relay, consumer, procs)


# --- database connections terminated ----------------------------------------------------------------------

@dataclass
class ConnectionsTerminated:
    written: int = 0
    done: int = 0  # published (relay) or applied (consumer)
    terminated: int = 0  # sessions killed
    # "recovering from database" lines in the process's log: 0 when the sessions died between two queries
    # and Django's connection health check (CONN_HEALTH_CHECKS) reconnected before the next batch
    recoveries_logged: int = 0
    alive: bool = False
    recovery_s: float | None = None  # sessions killed -> first event published / applied after it


def relay_connections_terminated(tmp: Path, *, events: int = 2000, batch_size: int = 50) -> ConnectionsTerminated:
    """The relay drains a backlog in small batches; every other session on the database is terminated
    mid-backlog (the relay's, and its LISTEN connection)."""
    servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or settings.KAFKA_BOOTSTRAP_SERVERS
    settings.KAFKA_BOOTSTRAP_SERVERS = servers
    settings.EVENTS_TOPIC_PREFIX = prefix = f"drill{uuid.uuid4().hex[:8]}."
    result = ConnectionsTerminated()
    envs = write_events(stream(0, events, 7))
    result.written = len(envs)
    procs = Processes(tmp)
    try:
        relay = procs.relay(process_env(servers, prefix, tmp), "--batch-size", str(batch_size))
        backlog = OutboxEvent.objects.filter(event_id__in=ids(envs))
        wait_for(lambda: backlog.filter(published_at__isnull=False).count() >= events // 5 or _died(relay, procs),
                 timeout=60, interval=0.05, message="the relay under way")
        result.terminated = terminate_other_sessions()
        killed = time.time()
        wait_for(lambda: not backlog.filter(published_at__isnull=True).exists() or _died(relay, procs),
                 timeout=90, message="backlog published")
        result.alive = relay.poll() is None
        result.recoveries_logged = relay.log_path.read_text(errors="replace").count("recovering from database")
        result.done = backlog.filter(published_at__isnull=False).count()
        result.recovery_s = first_after(backlog.values_list("published_at", flat=True), killed)
    finally:
        procs.stop_all()
    return result


def consumer_connections_terminated(tmp: Path, *, events: int = 2000, batch_size: int = 50) -> ConnectionsTerminated:
    """The consumer applies a backlog already on the topic, `batch_size` messages per transaction; every
    other session on the database is terminated mid-backlog."""
    from django.core.management import call_command

    servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or settings.KAFKA_BOOTSTRAP_SERVERS
    settings.KAFKA_BOOTSTRAP_SERVERS = servers
    settings.EVENTS_TOPIC_PREFIX = prefix = f"drill{uuid.uuid4().hex[:8]}."
    result = ConnectionsTerminated()
    envs = write_events(stream(0, events, 7))
    result.written = len(envs)
    call_command("relay_outbox", "--once", stdout=io.StringIO())
    procs = Processes(tmp)
    try:
        consumer = procs.consumer(process_env(servers, prefix, tmp, EVENTS_CONSUMER_BATCH_SIZE=str(batch_size)))
        wait_for(lambda: inbox_count(ids(envs)) >= events // 5 or _died(consumer, procs), timeout=60,
                 interval=0.05, message="the consumer under way")
        result.terminated = terminate_other_sessions()
        killed = time.time()
        wait_for(lambda: inbox_count(ids(envs)) == events or _died(consumer, procs), timeout=90,
                 message="backlog applied")
        result.alive = consumer.poll() is None
        result.recoveries_logged = consumer.log_path.read_text(errors="replace").count("recovering from database")
        result.done = inbox_count(ids(envs))
        result.recovery_s = first_after(
            InboxDelivery.objects.filter(handler=HANDLER_NAME, event_id__in=ids(envs))
            .values_list("processed_at", flat=True), killed)
    finally:
        procs.stop_all()
    return result


# --- a worker killed mid-delivery ---------------------------------------------------------------------------

class DrillWorker(Worker):
    """tests.enrollment.worker.Worker with the drill handler loaded (`--include`)."""

    def start(self) -> DrillWorker:
        real_popen = subprocess.Popen

        def popen(argv, *args, **kwargs):
            return real_popen([*argv, "--include", "tests.ops.fault_handlers"], *args, **kwargs)

        subprocess.Popen = popen
        try:
            return super().start()
        finally:
            subprocess.Popen = real_popen


@dataclass
class WorkerKilled:
    stalled: dict = field(default_factory=dict)  # the envelope whose delivery was under way
    others: list[dict] = field(default_factory=list)  # queued behind it
    applied_in_flight: bool = True  # was the stalled delivery's inbox row there right after the kill?
    pending_after_kill: bool = False
    inbox_rows: dict[str, int] = field(default_factory=dict)
    pending_left: int = 0
    handler_runs: dict[str, int] = field(default_factory=dict)  # completed runs of the handler, per event
    bound_s: float = 0.0
    resent_after_s: float = 0.0  # delivery scheduled -> applied on the new worker
    recovery_s: float = 0.0  # worker killed -> the stalled delivery applied
    new_worker_ready_s: float = 0.0  # worker killed -> the new worker ready


def worker_killed(tmp: Path, *, bound: int = 3, others: int = 3, sweep_every: float = 0.5) -> WorkerKilled:
    """A real Celery worker runs the drill handler, which stalls inside its delivery transaction; the worker
    is SIGKILLed (with its pool) mid-delivery; a new worker starts and, like beat, `events.sweep_deliveries`
    is sent every `sweep_every` s. The new worker has EVENTS_DELIVERY_SWEEP_AFTER_S=`bound`."""
    from prs1.celery import app

    result = WorkerKilled(bound_s=bound)
    env = {"PRS1_FAULT_HANDLERS": "1", "PRS1_FAULT_STALL_DIR": str(tmp), "PRS1_FAULT_APPLIED": str(tmp / "applied.txt"),
           "EVENTS_DELIVERY_SWEEP_AFTER_S": str(bound), "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE}
    first = DrillWorker(concurrency=1, extra_env=env).start()
    try:
        result.stalled = write_events([("stalled", 1)], label="stall")[0]
        result.others = write_events([(f"queued{i}", i) for i in range(others)])
        marker = tmp / f"{result.stalled['eventId']}.started"
        wait_for(marker.exists, timeout=60, message="the stalled delivery under way")
        scheduled = PendingDelivery.objects.get(event_id=result.stalled["eventId"], handler=HANDLER_NAME).created_at
        first.kill()
        killed = time.time()
    finally:
        first.stop()
    result.applied_in_flight = inbox_count([result.stalled["eventId"]]) > 0
    result.pending_after_kill = PendingDelivery.objects.filter(event_id=result.stalled["eventId"]).exists()
    everything = [result.stalled, *result.others]
    with_new = DrillWorker(concurrency=2, extra_env=env)
    try:
        with_new.start()
        result.new_worker_ready_s = time.time() - killed

        def all_applied() -> bool:
            if inbox_count(ids(everything)) == len(everything):
                return True
            app.send_task("events.sweep_deliveries", queue=settings.CELERY_TASK_DEFAULT_QUEUE)
            time.sleep(sweep_every)
            return False

        wait_for(all_applied, timeout=60, interval=0, message="every delivery applied on the new worker")
        # let a sweep already sent settle; a re-sent duplicate must stay a no-op
        wait_for(lambda: not PendingDelivery.objects.filter(event_id__in=ids(everything)).exists(), timeout=30,
                 message="no delivery left pending")
    finally:
        with_new.stop()
    applied_at = InboxDelivery.objects.get(event_id=result.stalled["eventId"], handler=HANDLER_NAME).processed_at
    result.resent_after_s = (applied_at - scheduled).total_seconds()
    result.recovery_s = applied_at.timestamp() - killed
    result.inbox_rows = {env["eventId"]: inbox_count([env["eventId"]]) for env in everything}
    result.pending_left = PendingDelivery.objects.filter(event_id__in=ids(everything)).count()
    runs: dict[str, int] = defaultdict(int)
    for _aggregate, _seq, event_id in applied_lines(tmp / "applied.txt"):
        runs[event_id] += 1
    result.handler_runs = {event_id: runs.get(event_id, 0) for event_id in ids(everything)}
    return result
