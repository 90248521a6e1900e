"""Consumer throughput vs a bare confluent-kafka consumer, same broker, same messages.

    bash scripts/bench.sh consumer_benchmark [--events 20000] [--aggregates 500]

Creates a scratch database (bench_prs1_consumer, dropped afterwards), produces N `user.created`
envelopes to a fresh topic namespace, then times `events.consumer.ContextConsumer` applying them with a
cheap handler (through the inbox: one transaction per delivery, offsets stored after it commits), and a
bare consumer (own group, no database) reading the same N messages and decoding their JSON. Prints
events/s for both, the ratio, and the median/p95 time per 1,000 messages.
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

from benchlib import percentile, run_on_scratch_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prs1.settings")

CHUNK = 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--aggregates", type=int, default=500, help="Distinct aggregate ids (message keys).")
    parser.add_argument("--database", default="bench_prs1_consumer")
    args = parser.parse_args()

    return run_on_scratch_database(args.database, "consumer_benchmark", lambda: run(args))


def chunk_seconds(stamps: list[float]) -> list[float]:
    """Time taken by each run of CHUNK consecutive messages."""
    return [stamps[i + CHUNK - 1] - stamps[i] for i in range(0, len(stamps) - CHUNK + 1, CHUNK)]


def produce(n: int, aggregates: int) -> None:
    from confluent_kafka import Producer

    from events import envelope, kafka

    producer = Producer(kafka.producer_config())
    topic = kafka.physical_topic("user-events")
    for seq in range(n):
        env = envelope.build(event_type="user.created", version="1.0", aggregate_id=str(seq % aggregates),
                             aggregate_type="User", payload={"userId": seq % aggregates, "seq": seq})
        while True:
            try:
                producer.produce(topic, key=env["aggregateId"].encode(), value=kafka.encode(env),
                                 headers=kafka.headers_of(env["eventType"], "1.0", env["correlationId"]))
                break
            except BufferError:
                producer.poll(0.05)
        if seq % 1000 == 999:
            producer.poll(0)
    if producer.flush(60):
        raise RuntimeError("messages left undelivered")


def bare_consumer(n: int) -> list[float]:
    """A plain consumer of the same topic: poll, decode, nothing else. Returns a timestamp per message."""
    import orjson
    from confluent_kafka import Consumer

    from events import kafka

    consumer = Consumer({**kafka.consumer_config(f"bench-bare-{uuid.uuid4().hex[:8]}"),
                         "enable.auto.commit": True, "enable.auto.offset.store": True})
    consumer.subscribe([kafka.physical_topic("user-events")])
    stamps: list[float] = []
    deadline = time.monotonic() + 300
    try:
        while len(stamps) < n and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=500, timeout=0.5):
                if not msg.error():
                    orjson.loads(msg.value())
                    stamps.append(time.perf_counter())
    finally:
        consumer.close()
    return stamps


def context_consumer(n: int) -> tuple[list[float], object]:
    from events import bus
    from events.consumer import ContextConsumer

    stamps: list[float] = []

    def on_user_created(event) -> None:  # the cheap handler: no query of its own
        stamps.append(time.perf_counter())

    bus.subscribe("user.created", context="benchconsumer")(on_user_created)
    consumer = ContextConsumer("benchconsumer", group=f"bench-ctx-{uuid.uuid4().hex[:8]}")
    stats = consumer.run(should_stop=lambda: False, max_messages=n, idle_timeout=30)
    return stamps, stats


def run(args) -> int:
    from django.conf import settings

    from events import kafka
    from events.models import InboxDelivery

    if not settings.KAFKA_BOOTSTRAP_SERVERS:
        print("consumer_benchmark: set KAFKA_BOOTSTRAP_SERVERS", file=sys.stderr)
        return 2
    settings.EVENTS_TOPIC_PREFIX = f"bench{uuid.uuid4().hex[:8]}."
    n = args.events
    kafka.ensure_topics()
    print(f"producing {n} messages ({args.aggregates} keys) ...", flush=True)
    started = time.perf_counter()
    produce(n, args.aggregates)
    print(f"  produced in {time.perf_counter() - started:.1f}s", flush=True)

    # --- the context consumer (inbox transaction per delivery) --------------------------------------
    started = time.perf_counter()
    stamps, stats = context_consumer(n)
    ctx_seconds = time.perf_counter() - started
    applied = InboxDelivery.objects.count()
    if stats.messages != n or stats.applied != n or applied != n:
        print(f"consumer_benchmark: consumer handled {stats.messages}, applied {stats.applied} "
              f"(inbox rows {applied}) of {n}", file=sys.stderr)
        return 1
    ctx_chunks = chunk_seconds(stamps)
    ctx_rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])  # first to last message: the steady state

    # --- the bare consumer, same messages --------------------------------------------------------------
    started = time.perf_counter()
    bare = bare_consumer(n)
    bare_seconds = time.perf_counter() - started
    if len(bare) < n:
        print(f"consumer_benchmark: bare consumer read {len(bare)} of {n}", file=sys.stderr)
        return 1
    bare_chunks = chunk_seconds(bare)
    bare_rate = (len(bare) - 1) / (bare[-1] - bare[0])

    print(f"events: {n}, keys: {args.aggregates}, broker: {kafka.base_config()['bootstrap.servers']}, "
          f"consumer batch {getattr(settings, 'EVENTS_CONSUMER_BATCH_SIZE', 500)}")
    print(f"context consumer: {ctx_rate:>10,.0f} events/s  (run {ctx_seconds:.2f}s incl. join/leave; per "
          f"{CHUNK} messages median {percentile(ctx_chunks, 0.5) * 1000:.0f} ms, "
          f"p95 {percentile(ctx_chunks, 0.95) * 1000:.0f} ms)")
    print(f"bare consumer:    {bare_rate:>10,.0f} events/s  (run {bare_seconds:.2f}s incl. join/leave; per "
          f"{CHUNK} messages median {percentile(bare_chunks, 0.5) * 1000:.0f} ms, "
          f"p95 {percentile(bare_chunks, 0.95) * 1000:.0f} ms)")
    print(f"ratio context/bare: {ctx_rate / bare_rate:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
