"""A minimal service of our own for testing servicekit's messaging on real
PostgreSQL and RabbitMQ: an outbox, an inbox, and an ``effects`` table that
records every time a handler's effect was applied (with no unique key, so a
doubled effect would show)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel
from servicekit.broker import Publisher
from servicekit.consumer import EventConsumer, InboxMixin
from servicekit.db import BigIntKey, Database, declarative_base
from servicekit.events import Event
from servicekit.outbox import OutboxMixin, OutboxRelay
from servicekit.topology import QueueSpec, declare_all
from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

Base = declarative_base()
EXCHANGE = "ttdn.events"
QUEUE = QueueSpec("kit-test.plan-events", ("plan.#",))


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class Effect(Base):
    __tablename__ = "effects"

    seq: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64))
    aggregate: Mapped[str] = mapped_column(String(64))
    n: Mapped[int] = mapped_column(Integer)


def record_effect(session: Session, event: Event) -> None:
    if event.data.get("poison"):
        raise RuntimeError("this plan cannot be handled")
    session.add(Effect(event_id=event.id, aggregate=event.subject, n=event.data["n"]))


def effects(db: Database) -> list[Effect]:
    with db.transaction() as session:
        return list(session.scalars(select(Effect).order_by(Effect.seq)))


def effect_count(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Effect)) or 0


def make_relay(db: Database, amqp_url: str, delays: tuple[int, ...]) -> OutboxRelay:
    def declare(channel: BlockingChannel) -> None:
        declare_all(channel, EXCHANGE, (QUEUE,), delays)

    publisher = Publisher(amqp_url, EXCHANGE, on_connect=declare)
    return OutboxRelay(db, Outbox, publisher, poll_seconds=0.5)


def make_consumer(
    db: Database,
    amqp_url: str,
    *,
    delays: tuple[int, ...],
    max_attempts: int = 5,
    handle: Callable[[Session, Event], None] = record_effect,
    consumer_class: type[EventConsumer] = EventConsumer,
    **options: Any,
) -> EventConsumer:
    return consumer_class(
        amqp_url=amqp_url,
        exchange=EXCHANGE,
        queue=QUEUE,
        db=db,
        inbox_model=Inbox,
        handle=handle,
        prefetch=20,
        max_attempts=max_attempts,
        retry_delays_ms=delays,
        reconnect_max_seconds=1.0,
        **options,
    )


def run_in_thread(target: Callable[[threading.Event], None]) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), daemon=True)
    thread.start()
    return stop, thread
