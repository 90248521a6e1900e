"""Relay throughput vs a bare confluent-kafka producer, same broker, same messages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 \
        .venv/bin/python bench/relay_benchmark.py [--events 50000] [--batch-size 5000]

Creates a scratch database (bench_prs1_relay, dropped afterwards), writes N outbox rows shaped like
`student.enrolled`, times `events.relay.Relay` draining them to the broker (claim FOR UPDATE SKIP LOCKED,
produce, wait for delivery reports, mark published), then times a bare idempotent producer sending the
same N keys/values/headers. Prints events/s for both, the ratio, and the median/p95 time per batch.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import run_on_scratch_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--aggregates", type=int, default=5_000, help="Distinct aggregate ids.")
    parser.add_argument("--database", default="bench_prs1_relay")
    args = parser.parse_args()

    return run_on_scratch_database(args.database, "relay_benchmark", lambda: run(args))


def fake_envelopes(n: int, aggregates: int):
    from events import envelope

    for seq in range(n):
        enrollment = seq % aggregates
        yield envelope.build(
            event_type="student.enrolled", version="1.0", aggregate_id=str(enrollment),
            aggregate_type="StudentEnrollment",
            payload={"enrollmentId": enrollment, "enrollmentCode": f"ENR-2026-{enrollment:06d}",
                     "studentUserId": 10_000 + enrollment, "studentCode": f"USR-2026-{enrollment:06d}",
                     "sectionId": 17, "sectionCode": "SEC-2026-5A", "academicYearId": "2026",
                     "enrollmentDate": "2026-03-01", "enrollmentType": "REGULAR", "previousInstitution": None,
                     "institutionId": 1, "seq": seq})


def run(args) -> int:
    from confluent_kafka import Producer
    from django.conf import settings

    from events import kafka
    from events.models import OutboxEvent
    from events.relay import Relay

    if not settings.KAFKA_BOOTSTRAP_SERVERS:
        print("relay_benchmark: set KAFKA_BOOTSTRAP_SERVERS", file=sys.stderr)
        return 2
    settings.EVENTS_TOPIC_PREFIX = f"bench{uuid.uuid4().hex[:8]}."

    n = args.events
    print(f"writing {n} outbox rows ({args.aggregates} aggregates) ...", flush=True)
    started = time.perf_counter()
    chunk: list[OutboxEvent] = []
    for env in fake_envelopes(n, args.aggregates):
        chunk.append(OutboxEvent(event_id=env["eventId"], event_type=env["eventType"], event_version="1.0",
                                 topic="academic-events", aggregate_type=env["aggregateType"],
                                 aggregate_id=env["aggregateId"], correlation_id=env["correlationId"],
                                 envelope=env))
        if len(chunk) == 5000:
            OutboxEvent.objects.bulk_create(chunk)
            chunk = []
    OutboxEvent.objects.bulk_create(chunk)
    print(f"  written in {time.perf_counter() - started:.1f}s", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_outboxevent")
    kafka.ensure_topics()

    # --- the relay ----------------------------------------------------------------------
    relay = Relay(batch_size=args.batch_size)
    relay.producer.list_topics(timeout=10)  # connect before the clock starts, like a running relay
    started = time.perf_counter()
    while relay.run_batch().claimed:
        pass
    relay_seconds = time.perf_counter() - started
    stats = relay.stats
    pending = OutboxEvent.objects.filter(published_at__isnull=True).count()
    if stats.published != n or pending:
        print(f"relay_benchmark: relay published {stats.published} of {n} ({pending} pending)", file=sys.stderr)
        return 1

    # --- the bare producer, same messages ------------------------------------------------
    messages = [(env["aggregateId"].encode(), kafka.encode(env),
                 kafka.headers_of(env["eventType"], env["eventVersion"], env["correlationId"]))
                for env in OutboxEvent.objects.order_by("created_at").values_list("envelope", flat=True).iterator()]
    topic = kafka.physical_topic("bare-producer")
    producer = Producer(kafka.producer_config())
    producer.list_topics(timeout=10)
    delivered = [0]

    def on_delivery(err, _msg):
        if err is None:
            delivered[0] += 1

    started = time.perf_counter()
    for index, (key, value, headers) in enumerate(messages):
        while True:
            try:
                producer.produce(topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.05)
        if index % 1000 == 999:
            producer.poll(0)
    producer.flush(120)
    bare_seconds = time.perf_counter() - started
    if delivered[0] != n:
        print(f"relay_benchmark: bare producer delivered {delivered[0]} of {n}", file=sys.stderr)
        return 1

    relay_rate, bare_rate = n / relay_seconds, n / bare_seconds
    size = sum(len(v) for _, v, _ in messages) / n
    print(f"events: {n}, batch size: {args.batch_size}, mean message: {size:.0f} bytes, "
          f"broker: {kafka.base_config()['bootstrap.servers']}")
    print(f"relay:          {relay_rate:>10,.0f} events/s  ({relay_seconds:.2f}s, {len(stats.batches)} batches, "
          f"batch median {stats.median() * 1000:.0f} ms, p95 {stats.p95() * 1000:.0f} ms)")
    print(f"  relay time split: claim {stats.claim_seconds:.2f}s, encode+produce+delivery reports "
          f"{stats.publish_seconds:.2f}s, mark published+commit {stats.mark_seconds:.2f}s")
    print(f"bare producer:  {bare_rate:>10,.0f} events/s  ({bare_seconds:.2f}s)")
    print(f"ratio relay/bare: {relay_rate / bare_rate:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
