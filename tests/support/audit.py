"""The lost-and-doubled audit of a running suite, read from the services' own
databases and from a tap queue that sees every published event: what each
outbox published, what each consumer's inbox handled, and in which order the
broker carried one aggregate's events."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import pika
import psycopg
from servicekit.topology import SUITE_QUEUES, QueueSpec

# Which service's consumer reads each suite queue (its inbox lives in that service's database).
CONSUMER_DATABASE = {
    "approvals.plan-events": "approvals",
    "plans.approval-events": "plans",
    "notifications.events": "notifications",
    "plans.overview": "plans",
}
PUBLISHERS = ("plans", "approvals")
TAP_QUEUE = "audit.tap"


def rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(sql, params).fetchall()


def routed(routing_key: str, spec: QueueSpec) -> bool:
    """Topic-exchange matching for the suite's bindings (exact keys, or ``prefix.#``)."""
    for binding in spec.bindings:
        if binding == routing_key or (binding.endswith(".#") and routing_key.startswith(binding[:-1])):
            return True
    return False


@dataclass
class Published:
    service: str
    seq: int
    aggregate: str
    routing_key: str


def published(databases: dict[str, str]) -> dict[str, Published]:
    events = {}
    for service in PUBLISHERS:
        for event_id, seq, aggregate, routing_key, sent in rows(
            databases[service], "SELECT event_id, seq, aggregate_id, routing_key, published_at FROM outbox"
        ):
            assert sent is not None, f"{service}'s outbox still holds {event_id}"
            events[event_id] = Published(service, seq, aggregate, routing_key)
    return events


def outboxes_drained(databases: dict[str, str]) -> bool:
    return all(
        rows(databases[s], "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0] == 0 for s in PUBLISHERS
    )


def unhandled(databases: dict[str, str]) -> dict[str, int]:
    """Per consumer: published events routed to its queue that its inbox has not recorded,
    and recorded ones that were never published (both must come to 0)."""
    events = published(databases)
    gaps = {}
    for spec in SUITE_QUEUES:
        expected = {event_id for event_id, e in events.items() if routed(e.routing_key, spec)}
        handled = {
            event_id
            for (event_id,) in rows(
                databases[CONSUMER_DATABASE[spec.name]], "SELECT event_id FROM inbox WHERE consumer = %s", (spec.name,)
            )
        }
        gaps[spec.name] = len(expected ^ handled)
    return gaps


def wait_until_every_event_is_handled(databases: dict[str, str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if outboxes_drained(databases):
            gaps = unhandled(databases)
            if not any(gaps.values()):
                return
        else:
            gaps = {"outbox": -1}
        if time.monotonic() > deadline:
            raise AssertionError(f"events not handled after {timeout}s: {gaps}")
        time.sleep(0.5)


def open_tap(amqp_url: str, exchange: str = "ttdn.events") -> None:
    """A queue bound to every routing key, read once at the end to see the broker's order."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url.split(",")[0]))
    channel = connection.channel()
    channel.exchange_declare(exchange, "topic", durable=True)
    channel.queue_declare(TAP_QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(TAP_QUEUE, exchange, "#")
    connection.close()


def drain_tap(amqp_url: str) -> list[str]:
    """The event ids the tap received, in arrival order."""
    connection = pika.BlockingConnection([pika.URLParameters(url) for url in amqp_url.split(",")])
    channel = connection.channel()
    arrived: list[str] = []
    while True:
        method, properties, _ = channel.basic_get(TAP_QUEUE, auto_ack=True)
        if method is None:
            break
        arrived.append(properties.message_id)
    connection.close()
    return arrived


def order_violations(arrived: list[str], events: dict[str, Published]) -> dict[str, list[int]]:
    """Aggregates whose events reached the broker in another order than their outbox's."""
    seen: set[str] = set()
    per_aggregate: dict[str, list[int]] = defaultdict(list)
    for event_id in arrived:
        if event_id in seen or event_id not in events:
            continue
        seen.add(event_id)
        event = events[event_id]
        per_aggregate[f"{event.service}:{event.aggregate}"].append(event.seq)
    return {aggregate: seqs for aggregate, seqs in per_aggregate.items() if seqs != sorted(seqs)}
