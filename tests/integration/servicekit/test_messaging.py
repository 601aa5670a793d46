"""servicekit's promise on real parts: nothing lost, nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import defaultdict

import pika
import pytest
from servicekit.db import Database
from servicekit.events import Event, new_event
from servicekit.outbox import record_event
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from tests.support.crashing_consumer import CRASH_EXIT_CODE
from tests.support.messaging import (
    QUEUE,
    Base,
    Inbox,
    Outbox,
    effect_count,
    effects,
    make_consumer,
    make_relay,
    record_effect,
    run_in_thread,
)
from tests.support.waiting import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
PROVINCES = ["CB", "BK", "KT", "LS", "QB", "CB2"]


def submit(db: Database, plan: str, n: int, **extra: object) -> str:
    event = new_event("plan.submitted", source="/plans", subject=f"plans/{plan}", data={"n": n, **extra})
    with db.transaction() as session:
        record_event(session, Outbox, event)
    return event.id


def queue_depth(amqp_url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return connection.channel().queue_declare(queue=queue, passive=True).method.message_count
    finally:
        connection.close()


def rabbitmq(action: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", action], check=True, capture_output=True, timeout=120)


@pytest.mark.broker_restart
def test_every_event_arrives_once_and_in_order_across_a_broker_restart(db: Database, amqp_url: str) -> None:
    delays = (200,)
    relay = make_relay(db, amqp_url, delays)
    consumer = make_consumer(db, amqp_url, delays=delays)
    relay_stop, relay_thread = run_in_thread(relay.run)
    consumer_stop, consumer_thread = run_in_thread(consumer.run)
    assert consumer.connected.wait(10)

    total = 600
    written: list[str] = []
    broker_stopped = threading.Event()

    def burst() -> None:
        for n in range(total):
            written.append(submit(db, PROVINCES[n % len(PROVINCES)], n))
            if n == total // 3:
                broker_stopped.wait(30)  # keep writing only once the broker is down

    writer = threading.Thread(target=burst)
    writer.start()
    wait_for(lambda: len(written) > total // 3, 30, "the first third of the burst")
    rabbitmq("stop_app")
    broker_stopped.set()
    try:
        wait_for(lambda: len(written) > total // 2, 30, "writes while the broker is down")
    finally:
        rabbitmq("start_app")
    writer.join(60)

    try:
        wait_for(lambda: effect_count(db) >= total, 120, "every event to be handled")
        time.sleep(0.5)  # a doubled effect would land now
    finally:
        relay_stop.set()
        consumer_stop.set()
        relay_thread.join(10)
        consumer_thread.join(10)

    applied = effects(db)
    assert len(applied) == total, "an event was lost or handled twice"
    assert sorted(effect.event_id for effect in applied) == sorted(written)
    per_plan: dict[str, list[int]] = defaultdict(list)
    for effect in applied:
        per_plan[effect.aggregate].append(effect.n)
    for plan, numbers in per_plan.items():
        assert numbers == sorted(numbers), f"events of {plan} were applied out of order"


def test_a_consumer_killed_between_commit_and_ack_has_no_second_effect(db: Database, amqp_url: str) -> None:
    delays = (100,)
    relay = make_relay(db, amqp_url, delays)
    submit(db, "CB", 1)
    assert relay.publish_pending() == 1

    crashed = subprocess.run(
        [sys.executable, "-m", "tests.support.crashing_consumer", db.url, amqp_url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT},
        capture_output=True,
        timeout=60,
    )
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr.decode()[-2000:]
    assert effect_count(db) == 1  # the effect committed...
    assert queue_depth(amqp_url, QUEUE.name) == 1  # ...but the broker still holds the message

    consumer = make_consumer(db, amqp_url, delays=delays)
    stop, thread = run_in_thread(consumer.run)
    try:
        wait_for(lambda: queue_depth(amqp_url, QUEUE.name) == 0, 20, "the redelivery to be acknowledged")
    finally:
        stop.set()
        thread.join(10)
    assert effect_count(db) == 1


def test_a_handler_that_always_fails_is_parked_and_blocks_nothing(db: Database, amqp_url: str) -> None:
    delays = (50, 100)
    relay = make_relay(db, amqp_url, delays)
    poison_id = submit(db, "KT", 0, poison=True)
    for n in range(1, 6):
        submit(db, "LS", n)
    assert relay.publish_pending() == 6

    consumer = make_consumer(db, amqp_url, delays=delays, max_attempts=3)
    stop, thread = run_in_thread(consumer.run)
    try:
        wait_for(lambda: effect_count(db) == 5, 20, "the messages behind the failing one")
        wait_for(lambda: queue_depth(amqp_url, QUEUE.parking_queue) == 1, 20, "the failing message to be parked")
    finally:
        stop.set()
        thread.join(10)

    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        _method, properties, _body = connection.channel().basic_get(QUEUE.parking_queue, auto_ack=True)
    finally:
        connection.close()
    assert properties.message_id == poison_id
    assert properties.headers["x-ttdn-attempts"] == 3
    assert "cannot be handled" in properties.headers["x-ttdn-last-error"]
    assert queue_depth(amqp_url, QUEUE.name) == 0


def test_a_failing_batch_with_a_malformed_message_leaves_nothing_unacknowledged(db: Database, amqp_url: str) -> None:
    """The batch fails on the poison event and is handled one delivery at a time; the malformed
    message parked on the way is acked too, so nothing comes back when the consumer stops."""
    delays = (50,)
    relay = make_relay(db, amqp_url, delays)
    submit(db, "KT", 0, poison=True)
    relay.publisher.publish("plan.submitted", b"not a cloudevent", message_id="junk", event_type="vn.ttdn.x")
    for n in range(1, 4):
        submit(db, "LS", n)
    assert relay.publish_pending() == 4

    consumer = make_consumer(db, amqp_url, delays=delays, max_attempts=1)
    stop, thread = run_in_thread(consumer.run)
    try:
        wait_for(lambda: effect_count(db) == 3, 20, "the messages behind the failing one")
        wait_for(lambda: queue_depth(amqp_url, QUEUE.parking_queue) == 2, 20, "the poison and the junk parked")
    finally:
        stop.set()
        thread.join(10)

    assert queue_depth(amqp_url, QUEUE.name) == 0  # an unacknowledged delivery would be back now
    assert queue_depth(amqp_url, QUEUE.parking_queue) == 2


def test_deliveries_that_arrive_together_are_handled_as_one_batch_once_each_in_order(
    db: Database, amqp_url: str
) -> None:
    """A backlog is taken in batches (one transaction and one ack each): every event once, each
    plan's in order; a redelivered copy inside a batch and a malformed message change nothing."""
    delays = (50,)
    relay = make_relay(db, amqp_url, delays)
    written = [submit(db, PROVINCES[n % 3], n) for n in range(60)]
    assert relay.publish_pending() == 60
    with db.transaction() as session:  # the relay published the 10th event twice (a crash before marking)
        again = session.scalar(select(Outbox).where(Outbox.event_id == written[10]))
        assert again is not None
        relay.publisher.publish(
            again.routing_key, again.payload.encode(), message_id=again.event_id, event_type=again.event_type
        )
    relay.publisher.publish("plan.submitted", b"not a cloudevent", message_id="junk", event_type="vn.ttdn.x")

    consumer = make_consumer(db, amqp_url, delays=delays)
    stop, thread = run_in_thread(consumer.run)
    try:
        wait_for(lambda: queue_depth(amqp_url, QUEUE.name) == 0, 20, "the backlog to be acknowledged")
        wait_for(lambda: queue_depth(amqp_url, QUEUE.parking_queue) == 1, 20, "the malformed message parked")
    finally:
        stop.set()
        thread.join(10)

    applied = effects(db)
    assert sorted(effect.event_id for effect in applied) == sorted(written)
    per_plan: dict[str, list[int]] = defaultdict(list)
    for effect in applied:
        per_plan[effect.aggregate].append(effect.n)
    assert all(numbers == sorted(numbers) for numbers in per_plan.values())
    with db.transaction() as session:  # one transaction per batch: its rows share their time
        transactions = session.scalar(select(func.count(distinct(Inbox.handled_at))))
    assert transactions is not None and transactions < 60 / 2


def test_a_batch_that_runs_out_of_time_commits_what_it_handled_and_goes_on_in_a_new_transaction(
    db: Database, amqp_url: str
) -> None:
    """Each handler takes 30 ms on the consumer's clock and a batch may take 50: a transaction then
    holds at most two events, yet every event is handled once and in order, and no event has an
    inbox row without its effect (the rows of those left for later were taken back)."""
    delays = (50,)
    relay = make_relay(db, amqp_url, delays)
    written = [submit(db, PROVINCES[n % 3], n) for n in range(40)]
    assert relay.publish_pending() == 40
    now = [0.0]

    def slow_effect(session: Session, event: Event) -> None:
        now[0] += 0.030
        record_effect(session, event)

    consumer = make_consumer(db, amqp_url, delays=delays, handle=slow_effect, batch_seconds=0.05, clock=lambda: now[0])
    stop, thread = run_in_thread(consumer.run)
    try:
        wait_for(lambda: effect_count(db) >= 40, 20, "the backlog to be handled")
        time.sleep(0.5)  # anything handled twice would show now
    finally:
        stop.set()
        thread.join(10)

    applied = effects(db)
    assert sorted(effect.event_id for effect in applied) == sorted(written)
    per_plan: dict[str, list[int]] = defaultdict(list)
    for effect in applied:
        per_plan[effect.aggregate].append(effect.n)
    assert all(numbers == sorted(numbers) for numbers in per_plan.values())
    with db.transaction() as session:
        handled = sorted(session.scalars(select(Inbox.event_id)))
        per_transaction = list(session.scalars(select(func.count()).select_from(Inbox).group_by(Inbox.handled_at)))
    assert handled == sorted(written)
    assert max(per_transaction) == 2  # batched still, and cut at the time limit
    assert sum(per_transaction) == 40


def test_a_relay_without_a_broker_stalls_at_the_first_row_and_keeps_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from servicekit.broker import Publisher
    from servicekit.outbox import OutboxRelay

    from tests.support.stack import free_port

    database = Database(f"sqlite:///{tmp_path}/outbox.db")
    Base.metadata.create_all(database.engine)
    submit(database, "CB", 1)
    submit(database, "CB", 2)
    relay = OutboxRelay(database, Outbox, Publisher(f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F", "ttdn.events"))
    assert relay.publish_pending() == 0
    assert relay.stalled
    with database.transaction() as session:
        rows = session.query(Outbox).order_by(Outbox.seq).all()
        assert [(row.attempts, row.published_at is None) for row in rows] == [(1, True), (0, True)]
        assert "broker unavailable" in rows[0].last_error
