"""Recovery times after each fault, with real processes: median and p95 over a few runs.

    bash scripts/bench.sh recovery_benchmark [--runs 5] [--only relay_db,consumer_db,broker,worker]

Creates a scratch database (bench_prs1_recovery, dropped afterwards) and runs the fault drills of
tests/ops/fault_drills.py (the same code tests/ops/test_faults.py asserts on), each `--runs` times:
- relay_db: `relay_outbox` draining a backlog (batches of 50); its database sessions are terminated.
  Recovery: sessions killed -> first event published after it.
- consumer_db: `consume_events` applying a backlog (batches of 50); its database sessions are terminated.
  Recovery: sessions killed -> first event applied after it.
- broker: a private tansu broker SIGKILLed under a running relay and consumer, down ~2 s, started again.
  Recovery: broker back -> first event published to it, and -> first event applied after it.
- worker: a Celery worker SIGKILLed while a delivery runs; a new worker starts and the sweep is sent every
  0.5 s (EVENTS_DELIVERY_SWEEP_AFTER_S=3). Recovery: worker killed -> the stuck delivery applied (it is
  not re-sent before 3 s after it was scheduled, so the bound dominates).
The processes run with the drills' settings (DRILL_ENV, printed): short timeouts and backoffs. Each run
also checks that nothing was lost; a run that loses an event stops the benchmark.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import percentile, run_on_scratch_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")

DRILLS = ("relay_db", "consumer_db", "broker", "worker")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default=",".join(DRILLS), help=f"Comma-separated subset of {', '.join(DRILLS)}.")
    parser.add_argument("--database", default="bench_prs1_recovery")
    args = parser.parse_args()
    return run_on_scratch_database(args.database, "recovery_benchmark", lambda: run(args))


def run(args) -> int:
    from django.conf import settings

    from events import bus, schema
    from prs1.celery import app
    from tests.events.conftest import ProbePayload
    from tests.ops import fault_drills, fault_handlers

    if not settings.KAFKA_BOOTSTRAP_SERVERS or not os.environ.get("TANSU_BIN"):
        print("recovery_benchmark: run through scripts/bench.sh (KAFKA_BOOTSTRAP_SERVERS, TANSU_BIN)", file=sys.stderr)
        return 2
    wanted = [d for d in args.only.split(",") if d]
    unknown = set(wanted) - set(DRILLS)
    if unknown:
        print(f"recovery_benchmark: unknown drill(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for name in [h.name for h in bus.all_handlers()]:  # only the drill handler: the contexts' stay out
        bus.unsubscribe(name)
    fault_handlers.install()
    app.conf.task_always_eager = False
    shared_broker = settings.KAFKA_BOOTSTRAP_SERVERS
    print("drill settings: " + " ".join(f"{k}={v}" for k, v in fault_drills.DRILL_ENV.items()
                                        if k != "PYTHONUNBUFFERED"), flush=True)
    times: dict[str, list[float]] = defaultdict(list)
    with schema.registered("user.created", ProbePayload, version=fault_drills.TEST_VERSION):
        for drill in wanted:
            for number in range(1, args.runs + 1):
                settings.KAFKA_BOOTSTRAP_SERVERS = shared_broker
                settings.EVENTS_KAFKA_CONTEXTS = [fault_handlers.CONTEXT] if drill != "worker" else []
                tmp = Path(tempfile.mkdtemp(prefix=f"recovery-{drill}-"))
                try:
                    figures = once(drill, tmp, fault_drills)
                except BaseException:
                    print(f"recovery_benchmark: {drill} run {number} failed; its processes' logs are in {tmp}",
                          file=sys.stderr)
                    raise
                shutil.rmtree(tmp, ignore_errors=True)
                for label, seconds in figures.items():
                    times[label].append(seconds)
                print(f"  {drill} run {number}: " + ", ".join(f"{k} {v:.2f}s" for k, v in figures.items()),
                      flush=True)
    print(f"\nrecovery times over {args.runs} runs (seconds)")
    print(f"{'fault -> first success':<44} {'median':>8} {'p95':>8} {'max':>8}")
    for label, values in times.items():
        print(f"{label:<44} {statistics.median(values):>8.2f} {percentile(values, 0.95):>8.2f} {max(values):>8.2f}")
    return 0


def once(drill: str, tmp: Path, fault_drills) -> dict[str, float]:
    if drill == "relay_db":
        r = fault_drills.relay_connections_terminated(tmp)
        check(r.alive and r.done == r.written and r.terminated >= 1, f"relay_db: {r}")
        print(f"  (relay logged {r.recoveries_logged} recoveries: 0 = the sessions died between queries and "
              "the connection health check reconnected silently)", flush=True)
        return {"relay db sessions killed -> publish": r.recovery_s}
    if drill == "consumer_db":
        r = fault_drills.consumer_connections_terminated(tmp)
        check(r.alive and r.done == r.written and r.terminated >= 1, f"consumer_db: {r}")
        print(f"  (consumer logged {r.recoveries_logged} recoveries)", flush=True)
        return {"consumer db sessions killed -> apply": r.recovery_s}
    if drill == "broker":
        r = fault_drills.broker_restart(tmp)
        check(r.relay_alive and r.consumer_alive and r.pending == 0 and r.inbox_rows == len(r.written),
              f"broker: relay alive {r.relay_alive}, consumer alive {r.consumer_alive}, pending {r.pending}, "
              f"applied {r.inbox_rows}/{len(r.written)}")
        return {"broker back -> publish": r.publish_recovery_s, "broker back -> apply": r.apply_recovery_s}
    r = fault_drills.worker_killed(tmp)
    check(set(r.inbox_rows.values()) == {1} and r.pending_left == 0 and r.resent_after_s >= r.bound_s,
          f"worker: {r}")
    return {"worker killed -> new worker ready": r.new_worker_ready_s,
            "worker killed -> stuck delivery applied": r.recovery_s,
            "stuck delivery scheduled -> applied (bound 3)": r.resent_after_s}


def check(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"recovery_benchmark: a drill lost or duplicated something: {what}")


if __name__ == "__main__":
    sys.exit(main())
