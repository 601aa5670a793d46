"""Baselines measured on this machine in the same run as the suite's figures."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
import uuid

import pika
import psycopg
from servicekit.broker import connection_parameters


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pika_round_trip(amqp_url: str, samples: int = 1000, rate_per_second: float = 200.0) -> dict:
    """Publish (persistent, with confirms) -> consume on another connection, at a steady open-loop rate."""
    queue = f"bench.round-trip.{uuid.uuid4().hex[:8]}"
    received: dict[str, float] = {}
    ready = threading.Event()
    done = threading.Event()

    def consume() -> None:
        connection = pika.BlockingConnection(connection_parameters(amqp_url))
        channel = connection.channel()
        channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
        channel.basic_qos(prefetch_count=50)

        def on_message(ch, method, properties, body):  # type: ignore[no-untyped-def]
            received[properties.message_id] = time.perf_counter()
            ch.basic_ack(method.delivery_tag)

        channel.basic_consume(queue, on_message)
        ready.set()
        while not done.is_set():
            connection.process_data_events(time_limit=0.05)
        channel.queue_delete(queue)
        connection.close()

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    ready.wait(10)
    publisher = pika.BlockingConnection(connection_parameters(amqp_url))
    channel = publisher.channel()
    channel.confirm_delivery()
    sent: dict[str, float] = {}
    interval = 1.0 / rate_per_second
    start = time.perf_counter()
    for n in range(samples):
        target = start + n * interval
        while time.perf_counter() < target:
            time.sleep(min(0.001, max(0.0, target - time.perf_counter())))
        message_id = str(n)
        sent[message_id] = time.perf_counter()
        channel.basic_publish(
            "",
            queue,
            b'{"specversion":"1.0"}',
            pika.BasicProperties(delivery_mode=2, message_id=message_id),
            mandatory=True,
        )
    deadline = time.monotonic() + 30
    while len(received) < samples and time.monotonic() < deadline:
        time.sleep(0.01)
    done.set()
    consumer.join(10)
    publisher.close()
    latencies = [(received[k] - sent[k]) * 1000 for k in sent if k in received]
    return {
        "samples": len(latencies),
        "lost": samples - len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
    }


def pgbench_single_row_updates(admin_dsn: str, seconds: int = 15, clients: int = 8) -> dict:
    """PostgreSQL's own ceiling for one-row UPDATE transactions on this server."""
    name = f"ttdn_bench_pgbench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "")
    user_host = base.split("@")
    user = user_host[0] if len(user_host) == 2 else "postgres"
    host_port = user_host[-1]
    host, _, port = host_port.partition(":")
    env = {**os.environ, "PGUSER": user, "PGHOST": host, "PGPORT": port or "5432"}
    try:
        subprocess.run(["pgbench", "-i", "-q", "-s", "1", name], env=env, check=True, capture_output=True, timeout=120)
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
            script.write(
                "\\set aid random(1, 100000)\nUPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;\n"
            )
        output = subprocess.run(
            ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", script.name, name],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
        os.unlink(script.name)
        tps_line = next(line for line in output.splitlines() if line.startswith("tps"))
        tps = float(tps_line.split("=")[1].split()[0])
        return {"transactions_per_second": round(tps, 1), "clients": clients, "seconds": seconds}
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
