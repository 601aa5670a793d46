"""The idempotent event consumer (architecture §5).

For each delivery, in one database transaction: record the event id in the
``inbox`` table (an id already there means the event was handled before), run
the handler, commit; only then ack. A handler error sends the message to a
delay queue (``<queue>.delay.<ms>``, growing with each attempt) and acks the
original, so the messages behind it are not blocked; after
``max_attempts`` the message is parked in ``<queue>.dlq``. A message that is
not a CloudEvent of ours is parked at once. Connection loss and broker
restarts are survived by reconnecting with backoff.

Batches: the deliveries that have arrived together (at most the prefetch) are
handled in one transaction, in delivery order, and acked together after it
commits: one inbox statement, one commit and one ack for the lot instead of
one of each per event. Order per aggregate is the queue's order, as before. If
any handler of the batch fails, the whole transaction is rolled back and the
batch is handled again one delivery at a time, each in its own transaction,
so that only the failing event is retried or parked. A batch is never waited
for: a lone delivery is handled as soon as it arrives.

A batch is also bounded in time (``CONSUMER_BATCH_SECONDS``): nothing a batch
did is visible before it commits, so a long batch would hold its first event's
effects back for the time all the others take. Once the handlers have run that
long, the transaction commits with the events handled so far (the inbox rows of
the rest are taken back first), they are acked, and the rest of the batch goes
on in a new transaction.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties
from sqlalchemy import Insert, String, any_, bindparam, delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .broker import connection_parameters
from .contracts.events import build_adapters
from .db import Database, UTCDateTime
from .events import Event, MalformedEvent
from .logs import event_context, request_id_var
from .metrics import EVENTS_CONSUMED, EVENTS_PARKED, EVENTS_RETRIED
from .settings import ServiceSettings
from .topology import QueueSpec, declare_queue, suite_queue

log = logging.getLogger(__name__)

RETRY_HEADER = "x-ttdn-attempts"
ERROR_HEADER = "x-ttdn-last-error"

Handler = Callable[[Session, Event], None]


@dataclass(frozen=True)
class Delivery:
    """One message as the broker handed it over."""

    tag: int
    routing_key: str
    properties: BasicProperties
    body: bytes


class InboxMixin:
    """Columns of the ``inbox`` table: the events a consumer has handled."""

    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(80), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(120))
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: datetime.now(UTC))


class EventConsumer:
    @classmethod
    def from_settings(
        cls,
        settings: ServiceSettings,
        *,
        queue: str,
        db: Database,
        inbox_model: type[InboxMixin],
        handle: Handler,
        **options: Any,
    ) -> EventConsumer:
        """The consumer of the suite's queue ``queue`` as a service's settings configure it (broker,
        exchange, prefetch, attempts, retry delays); ``options`` replace any of those."""
        configured: dict[str, Any] = {
            "amqp_url": settings.amqp_url,
            "exchange": settings.events_exchange,
            "prefetch": settings.consumer_prefetch,
            "batch_seconds": settings.consumer_batch_seconds,
            "max_attempts": settings.max_delivery_attempts,
            "retry_delays_ms": settings.retry_delays,
        }
        return cls(queue=suite_queue(queue), db=db, inbox_model=inbox_model, handle=handle, **{**configured, **options})

    def __init__(
        self,
        *,
        amqp_url: str,
        exchange: str,
        queue: QueueSpec,
        db: Database,
        inbox_model: type[InboxMixin],
        handle: Handler,
        prefetch: int = 20,
        batch_seconds: float = 0.05,
        max_attempts: int = 5,
        retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000),
        reconnect_max_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not retry_delays_ms:
            raise ValueError("at least one retry delay is needed")
        self.amqp_url = amqp_url
        self.exchange = exchange
        self.queue = queue
        self.db = db
        self.inbox_model = inbox_model
        self.handle = handle
        self.prefetch = prefetch
        self.batch_seconds = batch_seconds
        self.clock = clock  # measures a batch's time (tests move it by hand)
        self.max_attempts = max_attempts
        self.retry_delays_ms = retry_delays_ms
        self.reconnect_max_seconds = reconnect_max_seconds
        self.connected = threading.Event()
        self._pending: list[Delivery] = []
        # The inbox statements of every batch, built once.
        table = inbox_model.__table__  # type: ignore[attr-defined]
        statement: Insert
        if db.engine.dialect.name == "postgresql":
            statement = postgresql.insert(table).on_conflict_do_nothing()
        elif db.engine.dialect.name == "sqlite":
            statement = sqlite.insert(table).on_conflict_do_nothing()
        else:  # pragma: no cover - the suite runs on PostgreSQL and SQLite
            statement = insert(table)
        self._inbox_insert = statement.returning(table.c.event_id)
        # On PostgreSQL the ids are one array parameter: an expanding IN is rewritten for the number of
        # ids (a regular-expression substitution of the SQL) on every run, and each number is an SQL
        # text of its own to the server.
        taken_back = (
            table.c.event_id == any_(bindparam("event_ids", type_=postgresql.ARRAY(String)))
            if db.engine.dialect.name == "postgresql"
            else table.c.event_id.in_(bindparam("event_ids", expanding=True))
        )
        self._inbox_delete = delete(table).where(table.c.consumer == bindparam("consumer"), taken_back)

    # -- the processing of one message, independent of pika's loop
    def process(self, body: bytes, headers: dict | None, correlation_id: str | None = None) -> str:
        """Handle one message body. Returns ``handled``, ``duplicate``; raises on handler failure,
        :class:`MalformedEvent` on a message that can never succeed."""
        return self.process_batch([(Event.from_json(body), correlation_id)])[0]

    def process_batch(self, messages: Sequence[tuple[Event, str | None]], *, seconds: float | None = None) -> list[str]:
        """Handle parsed events in one transaction, in order: ``handled`` or ``duplicate`` for each.
        Raises (and writes nothing) if any handler fails; the caller then handles them one by one.

        With ``seconds``, no further handler starts once the handlers have run that long: the
        outcomes are then those of the first events only (at least one), and the inbox rows of the
        rest are taken back before the commit, so that they are handled in a later transaction."""
        outcomes: list[str] = []
        started = self.clock()
        with self.db.transaction() as session:
            fresh = self._record_in_inbox(session, [event for event, _ in messages])
            for index, (event, correlation_id) in enumerate(messages):
                if outcomes and seconds is not None and self.clock() - started >= seconds:
                    self._take_back(session, [later.id for later, _ in messages[index:] if later.id in fresh])
                    break
                if event.id not in fresh:
                    outcomes.append("duplicate")
                    continue
                fresh.discard(event.id)  # the same event twice in one batch: the second is a duplicate
                token = request_id_var.set(correlation_id)
                try:
                    with event_context(event.id):
                        self.handle(session, event)
                finally:
                    request_id_var.reset(token)
                outcomes.append("handled")
        return outcomes

    def _record_in_inbox(self, session: Session, events: Sequence[Event]) -> set[str]:
        """Insert the events' inbox rows in one statement; the ids that were new. An id another
        consumer is handling right now waits for that transaction, then counts as not new."""
        now = datetime.now(UTC)
        rows = [
            {"consumer": self.queue.name, "event_id": event.id, "event_type": event.type, "handled_at": now}
            for event in events
        ]
        # One row: one statement; several: SQLAlchemy writes them as one multi-row INSERT … RETURNING.
        inserted = session.execute(self._inbox_insert, rows[0] if len(rows) == 1 else rows)
        return {row[0] for row in inserted}

    def _take_back(self, session: Session, event_ids: list[str]) -> None:
        """Remove inbox rows this transaction wrote for events it will not handle."""
        if event_ids:
            session.execute(self._inbox_delete, {"consumer": self.queue.name, "event_ids": event_ids})

    def _on_message(
        self, channel: BlockingChannel, method: Basic.Deliver, properties: BasicProperties, body: bytes
    ) -> None:
        """pika's callback: keep the delivery; the run loop handles what arrived together as a batch."""
        self._pending.append(Delivery(method.delivery_tag, method.routing_key or "", properties, body))

    def _handle_pending(self, channel: BlockingChannel) -> None:
        deliveries, self._pending = self._pending, []
        if len(deliveries) == 1:
            self._handle_one(channel, deliveries[0])
            return
        parsed: list[tuple[Delivery, Event]] = []
        malformed: list[Delivery] = []
        for delivery in deliveries:
            try:
                parsed.append((delivery, Event.from_json(delivery.body)))
            except MalformedEvent as error:
                self._park_malformed(channel, delivery, error)
                malformed.append(delivery)
        acked_through = 0  # the tag up to which a multiple ack has covered every delivery
        while parsed:
            messages = [(event, delivery.properties.correlation_id) for delivery, event in parsed]
            try:
                outcomes = self.process_batch(messages, seconds=self.batch_seconds)
            except Exception as error:  # one handler failed: find which, one at a time
                log.info(
                    "batch failed; handling its deliveries one by one",
                    extra={"queue": self.queue.name, "size": len(parsed), "error": f"{error.__class__.__name__}"},
                )
                for delivery, _event in parsed:
                    self._handle_one(channel, delivery)  # each acked on its own
                for delivery in malformed:  # parked already; acked here unless an ack covered it
                    if delivery.tag > acked_through:
                        self._acknowledge(channel, delivery.tag)
                return
            done, parsed = parsed[: len(outcomes)], parsed[len(outcomes) :]
            for (delivery, _event), outcome in zip(done, outcomes, strict=True):
                EVENTS_CONSUMED.labels(self.queue.name, delivery.routing_key, outcome).inc()
            if parsed:  # the batch ran out of time: what it handled is committed, so it is acked now
                acked_through = done[-1][0].tag
                self._acknowledge(channel, acked_through, multiple=True)
        # Everything up to the last delivery is committed (or parked): one ack for all.
        self._acknowledge(channel, deliveries[-1].tag, multiple=True)

    def _handle_one(self, channel: BlockingChannel, delivery: Delivery) -> None:
        properties, body = delivery.properties, delivery.body
        headers = dict(properties.headers or {})
        routing_key = delivery.routing_key
        try:
            outcome = self.process(body, headers, properties.correlation_id)
        except MalformedEvent as error:
            self._park_malformed(channel, delivery, error)
            self._acknowledge(channel, delivery.tag)
            return
        except Exception as error:  # the handler's failure: retry later, never in a hot loop
            attempts = int(headers.get(RETRY_HEADER, 0)) + 1
            headers[RETRY_HEADER] = attempts
            reason = f"{error.__class__.__name__}: {error}"[:1000]
            if attempts >= self.max_attempts:
                log.error(
                    "handler failed; message parked",
                    extra={"queue": self.queue.name, "attempts": attempts, "error": reason},
                )
                self._forward(channel, self.queue.parking_queue, body, properties, headers, reason)
                EVENTS_PARKED.labels(self.queue.name).inc()
                EVENTS_CONSUMED.labels(self.queue.name, routing_key, "parked").inc()
            else:
                delay = self.retry_delays_ms[min(attempts - 1, len(self.retry_delays_ms) - 1)]
                log.warning(
                    "handler failed; retrying",
                    extra={"queue": self.queue.name, "attempts": attempts, "delay_ms": delay, "error": reason},
                )
                self._forward(channel, self.queue.retry_queue(delay), body, properties, headers, reason)
                EVENTS_RETRIED.labels(self.queue.name).inc()
                EVENTS_CONSUMED.labels(self.queue.name, routing_key, "retried").inc()
            self._acknowledge(channel, delivery.tag)
            return
        EVENTS_CONSUMED.labels(self.queue.name, routing_key, outcome).inc()
        self._acknowledge(channel, delivery.tag)

    def _park_malformed(self, channel: BlockingChannel, delivery: Delivery, error: MalformedEvent) -> None:
        """A message that can never succeed goes to the parking queue (confirmed before any ack)."""
        log.error("malformed message parked", extra={"queue": self.queue.name, "error": str(error)})
        headers = dict(delivery.properties.headers or {})
        self._forward(channel, self.queue.parking_queue, delivery.body, delivery.properties, headers, str(error))
        EVENTS_PARKED.labels(self.queue.name).inc()

    def _acknowledge(self, channel: BlockingChannel, tag: int, *, multiple: bool = False) -> None:
        """Ack after the commit (``multiple``: this delivery and every earlier one of the channel)."""
        channel.basic_ack(tag, multiple=multiple)

    def _forward(
        self, channel: BlockingChannel, queue: str, body: bytes, properties: BasicProperties, headers: dict, reason: str
    ) -> None:
        headers[ERROR_HEADER] = reason
        # Confirmed before the original is acked: a crash in between redelivers, never loses.
        channel.basic_publish(
            exchange="",
            routing_key=queue,
            body=body,
            properties=pika.BasicProperties(
                content_type=properties.content_type,
                delivery_mode=pika.DeliveryMode.Persistent,
                message_id=properties.message_id,
                correlation_id=properties.correlation_id,
                type=properties.type,
                headers=headers,
            ),
            mandatory=True,
        )

    # -- the connection loop
    def run(self, stop: threading.Event) -> None:
        build_adapters()  # before the first delivery, not on the first event of each type
        backoff = 0.2
        while not stop.is_set():
            connection = None
            try:
                connection = pika.BlockingConnection(connection_parameters(self.amqp_url))
                channel = connection.channel()
                channel.confirm_delivery()
                declare_queue(channel, self.exchange, self.queue, self.retry_delays_ms)
                channel.basic_qos(prefetch_count=self.prefetch)
                channel.basic_consume(self.queue.name, self._on_message)
                log.info("consumer connected", extra={"queue": self.queue.name})
                self.connected.set()
                backoff = 0.2
                self._pending = []  # deliveries of a lost channel come again
                while not stop.is_set():
                    # Returns once deliveries have been dispatched to _on_message (all that arrived
                    # together), or after the time limit when none came.
                    connection.process_data_events(time_limit=0.25)
                    if self._pending:
                        self._handle_pending(channel)
                # Graceful stop: the batch in hand was finished and acked; unacked prefetched
                # deliveries go back to the queue when the channel closes.
                channel.stop_consuming()
            except pika.exceptions.AMQPChannelError as error:
                log.error("channel error; reconnecting", extra={"queue": self.queue.name, "error": str(error)})
            except (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPError, OSError) as error:
                log.warning(
                    "broker connection lost; reconnecting", extra={"queue": self.queue.name, "error": repr(error)}
                )
            finally:
                self.connected.clear()
                if connection is not None and connection.is_open:
                    with contextlib.suppress(pika.exceptions.AMQPError, OSError):
                        connection.close()
            if not stop.is_set():
                stop.wait(backoff)
                backoff = min(backoff * 2, self.reconnect_max_seconds)
        log.info("consumer stopped", extra={"queue": self.queue.name})
