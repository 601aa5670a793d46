"""Two relays on one outbox (two replicas of a service's relay process): every
event is published once, and one aggregate's events never overtake each other,
while plans are written concurrently and one relay is stopped midway."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pika
from servicekit.broker import Publisher
from servicekit.db import Database
from servicekit.events import Event, new_event
from servicekit.outbox import OutboxRelay, record_event
from servicekit.topology import declare_exchange

from tests.support.messaging import EXCHANGE, Outbox, run_in_thread

TAP = "kit-test.tap"
AGGREGATES = 24
EVENTS_EACH = 25


class CountingPublisher(Publisher):
    published = 0

    def publish(self, *args: object, **kwargs: object) -> None:
        super().publish(*args, **kwargs)  # type: ignore[arg-type]
        self.published += 1


def relay(url: str, amqp_url: str) -> OutboxRelay:
    # Each replica is its own process: its own engine and its own broker connection.
    publisher = CountingPublisher(amqp_url, EXCHANGE, on_connect=declare_exchange_only)
    return OutboxRelay(Database(url), Outbox, publisher, batch_size=20)


def declare_exchange_only(channel: pika.adapters.blocking_connection.BlockingChannel) -> None:
    declare_exchange(channel, EXCHANGE)


def write_events(db: Database, rounds: range) -> list[str]:
    """Each aggregate's events, written one transaction at a time, the aggregates interleaved
    by four writers as concurrent requests would."""
    written: list[str] = []
    lock = threading.Lock()

    def writer(first: int) -> None:
        for n in rounds:
            for plan in range(first, AGGREGATES, 4):
                event = new_event("plan.submitted", source="/plans", subject=f"plans/p{plan}", data={"n": n})
                with db.transaction() as session:
                    record_event(session, Outbox, event)
                with lock:
                    written.append(event.id)

    threads = [threading.Thread(target=writer, args=(first,)) for first in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return written


def test_two_relays_publish_each_event_once_in_each_aggregates_order(
    db: Database, postgres_url: str, amqp_url: str
) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    declare_exchange(channel, EXCHANGE)
    channel.queue_declare(TAP, durable=True)
    channel.queue_bind(TAP, EXCHANGE, "#")

    first, second = relay(postgres_url, amqp_url), relay(postgres_url, amqp_url)
    stop_first, first_thread = run_in_thread(first.run)
    stop_second, second_thread = run_in_thread(second.run)
    try:
        written = write_events(db, range(EVENTS_EACH // 2))
        stop_first.set()  # one replica goes away (a rolling restart) while events are written
        first_thread.join(10)
        written += write_events(db, range(EVENTS_EACH // 2, EVENTS_EACH))
        deadline = time.monotonic() + 30
        while channel.queue_declare(TAP, passive=True).method.message_count < len(written):
            assert time.monotonic() < deadline, "the outbox was not drained by the remaining relay"
            time.sleep(0.1)
    finally:
        stop_first.set()
        stop_second.set()
        first_thread.join(10)
        second_thread.join(10)

    arrived: list[tuple[str, str, int]] = []
    while (message := channel.basic_get(TAP, auto_ack=True))[0] is not None:
        _, properties, body = message
        event = Event.from_json(body)
        arrived.append((properties.message_id, event.subject, event.data["n"]))
    connection.close()

    assert len(written) == AGGREGATES * EVENTS_EACH
    assert sorted(message_id for message_id, _, _ in arrived) == sorted(written)  # each once, none lost
    assert second.publisher.published > 0  # the standby took over
    assert first.publisher.published + second.publisher.published == len(written)
    per_aggregate: dict[str, list[int]] = defaultdict(list)
    for _, subject, n in arrived:
        per_aggregate[subject].append(n)
    overtaken = {subject: ns for subject, ns in per_aggregate.items() if ns != sorted(ns)}
    assert not overtaken, f"events overtook each other in {len(overtaken)} aggregates"
