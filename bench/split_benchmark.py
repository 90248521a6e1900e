"""What splitting costs: contract calls local vs remote, and enrollment throughput split vs monolith.

    bash scripts/bench.sh split_benchmark [--students 20] [--calls 300]

Starts two real deployments side by side with tests/split/harness.py (each on databases of its own,
created and dropped here): the monolith alone, and the monolith with grades and notifications as
services of their own (`manage.py serve_context`, HTTP between them, Kafka behind them). Then:

(b) enrollment throughput: N students enrolled through `POST /api/v1/academic/enrollments` as a
    secretary, timed from the first request until every saga has ended, in each deployment;
(a) latency per contract call, local vs remote (median, p95): every representative method whose context
    is a Contract interface (common.contracts), called in this process on the monolith-only database
    (local) and over HTTP on the split deployment (remote: the RPC endpoint of the process serving it).
Prints the figures; exits non-zero if a deployment could not start or a saga did not complete.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import percentile  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20, help="Enrollments per deployment.")
    parser.add_argument("--calls", type=int, default=300, help="Calls per contract method and side.")
    args = parser.parse_args()

    import django

    django.setup()
    from tests.split.harness import Deployment, SmtpServer

    with SmtpServer() as split_smtp, SmtpServer() as mono_smtp:
        split = Deployment(split=True, students=args.students, smtp_port=split_smtp.port)
        mono = Deployment(split=False, students=args.students, smtp_port=mono_smtp.port)
        try:
            started = time.perf_counter()
            split.start()
            mono.start()
            print(f"deployments up in {time.perf_counter() - started:.1f} s "
                  f"(split: {', '.join(split.groups)}; monolith alone)")
            ok = throughput(split, mono)
            latency(split, mono, args.calls)
            return 0 if ok else 1
        finally:
            split.stop()
            mono.stop()


def throughput(split, mono) -> bool:
    print("\n(b) enrollment throughput (API → saga ended)")
    ok = True
    for label, deployment in (("monolith", mono), ("split", split)):
        deployment.token()
        started = time.perf_counter()
        saga_ids = [deployment.enroll(student_id) for student_id in deployment.school["student_ids"]]
        sagas = deployment.wait_sagas(saga_ids, timeout=600)
        elapsed = time.perf_counter() - started
        statuses = sorted({s["status"] for s in sagas.values()})
        ok = ok and statuses == ["COMPLETED"]
        retried = {f"{step['name']}: {step['last_error'][:80]}" for s in sagas.values() for step in s["steps"]
                   if step["attempts"] > 1}
        retries = sum(step["attempts"] - 1 for s in sagas.values() for step in s["steps"] if step["attempts"] > 1)
        print(f"  {label:9s} {len(saga_ids)} enrollments in {elapsed:6.2f} s = {len(saga_ids) / elapsed:6.2f}/s "
              f"({', '.join(statuses)}; {retries} step retries{': ' + '; '.join(sorted(retried)) if retried else ''})")
    return ok


def _methods(split, mono) -> list[tuple[str, str, dict, str]]:
    """(context, method, kwargs, remote base URL) of the representative calls, ids from the school."""
    from common.tenancy import SYSTEM

    school = split.school
    enrollment = mono.query(mono.groups["monolith"].database,
                            "SELECT id FROM academic_enrollment ORDER BY id LIMIT 1")
    enrollment_id = enrollment[0]["id"] if enrollment else 1
    return [
        ("institution", "get_period", {"period_id": school["period_ids"][0]}, split.url),
        ("institution", "periods_of_year", {"institution_id": school["institution_id"],
                                            "year": time.localtime().tm_year}, split.url),
        ("academic", "get_section", {"scope": SYSTEM, "section_id": school["section_id"]}, split.url),
        ("users", "get_user", {"scope": SYSTEM, "user_id": school["student_ids"][0]}, split.url),
        ("grades", "grade_record_count", {"scope": SYSTEM, "enrollment_id": enrollment_id},
         split.groups["grades"].url),
    ]


def latency(split, mono, calls: int) -> None:
    from django.db import connection

    from common.contracts import RemoteContract, local, methods_of
    from prs1.rpc import contract_interfaces

    interfaces = {interface.context: interface for interface in contract_interfaces()}
    # local calls read the monolith-only deployment's database (it holds every context's tables)
    connection.close()
    connection.settings_dict["NAME"] = mono.groups["monolith"].database
    print(f"\n(a) latency per contract call, {calls} calls each (ms)")
    print(f"  {'method':36s} {'local p50':>10s} {'local p95':>10s} {'remote p50':>11s} {'remote p95':>11s}")
    for context, method, kwargs, url in _methods(split, mono):
        interface = interfaces.get(context)
        if interface is None or method not in methods_of(interface):
            print(f"  {context + '.' + method:36s} (not a Contract interface method yet)")
            continue
        remote = RemoteContract(interface, url)
        try:
            sides = {}
            for side, implementation in (("local", local(interface)), ("remote", remote)):
                fn = getattr(implementation, method)
                fn(**kwargs)  # warm up (connections, caches)
                times = []
                for _ in range(calls):
                    started = time.perf_counter()
                    fn(**kwargs)
                    times.append((time.perf_counter() - started) * 1000)
                sides[side] = (percentile(times, 0.5), percentile(times, 0.95))
        finally:
            remote.close()
        (lp50, lp95), (rp50, rp95) = sides["local"], sides["remote"]
        print(f"  {context + '.' + method:36s} {lp50:10.2f} {lp95:10.2f} {rp50:11.2f} {rp95:11.2f}")


if __name__ == "__main__":
    sys.exit(main())
