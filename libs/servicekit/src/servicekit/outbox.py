"""The transactional outbox (architecture §5).

A use case calls :func:`record_event` inside its transaction; the row commits
or rolls back with the state change. The :class:`OutboxRelay` process
publishes committed rows in order, with confirms, and marks them sent. A
crash between publish and mark republishes the row: consumers dedupe by the
event id, which is the AMQP ``message_id`` and the CloudEvent ``id``.

Latency: on PostgreSQL the writing transaction also issues ``NOTIFY`` (sent
at commit), and the relay LISTENs, so a fresh event is published within
milliseconds; the poll interval is only the fallback. SQLite has no
notifications, so there the relay polls at a short interval.

Replicas: a relay publishes a batch only while it holds the outbox's
transaction-scoped advisory lock, taken in the very transaction that reads
and marks the rows. Two relays on one outbox therefore take turns, each batch
starting where the previous one committed, and the outbox keeps one order:
with ``SKIP LOCKED`` alone, the second relay took the rows after the first
one's batch and could publish a plan's later event before its earlier one.
The other relay is a hot standby: it tries again on every notification and
poll, so it takes over within ``poll_seconds`` when the active one stops
(its lock ends with its transaction or its connection). One active relay
publishes far more events per second than the suite writes (see
docs/scaling.md), so replicas are for availability, not throughput.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    String,
    Table,
    Text,
    any_,
    bindparam,
    func,
    insert,
    text,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from .broker import Publisher, PublishFailed
from .db import BigIntKey, Database, UTCDateTime
from .events import Event
from .logs import event_context, request_id_var
from .metrics import EVENTS_PUBLISHED, OUTBOX_LAG, OUTBOX_PENDING, PUBLISH_FAILURES
from .settings import ServiceSettings
from .topology import SUITE_QUEUES, declare_all

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "ttdn_outbox"
# How often the relay counts its backlog for the ttdn_outbox_pending gauge (not after every batch).
PENDING_GAUGE_SECONDS = 5.0


def relay_lock_key(table: str) -> int:
    """The advisory lock (a signed 64-bit key) that one outbox's relays take turns holding."""
    digest = hashlib.sha256(f"ttdn.outbox-relay:{table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class OutboxMixin:
    """Columns of the ``outbox`` table; a service maps it on its own Base."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(120))
    routing_key: Mapped[str] = mapped_column(String(120))
    aggregate_id: Mapped[str] = mapped_column(String(120))
    payload: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: datetime.now(UTC))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:  # noqa: N805
        return (
            Index(
                "ix_outbox_unpublished",
                "seq",
                postgresql_where=text("published_at IS NULL"),
                sqlite_where=text("published_at IS NULL"),
            ),
        )


def record_event(session: Session, outbox_model: type[OutboxMixin], event: Event) -> None:
    """Write ``event`` to the outbox in the caller's transaction."""
    record_events(session, outbox_model, [event])


def record_events(session: Session, outbox_model: type[OutboxMixin], events: Sequence[Event]) -> None:
    """Write ``events`` to the outbox in the caller's transaction, in their order (their ``seq``).

    The rows are written at once, by one INSERT for all of them, as plain rows: the session has
    nothing to track, flush or hand back (a unit of work's events cost one statement, not an ORM
    object and a flushed row each). On PostgreSQL the same statement wakes the relays up: each row
    it returns calls ``pg_notify`` on one channel with one payload, which PostgreSQL sends once per
    transaction, at its commit, however many rows and calls asked for it."""
    if not events:
        return
    request_id = request_id_var.get()
    headers = {"request_id": request_id} if request_id else {}
    now = datetime.now(UTC)
    rows = [
        {
            "event_id": event.id,
            "event_type": event.type,
            "routing_key": event.routing_key,
            "aggregate_id": event.subject,
            "payload": event.to_json(),
            "headers": headers,
            "created_at": now,
            "attempts": 0,
        }
        for event in events
    ]
    notify = session.get_bind().dialect.name == "postgresql"
    session.execute(_insert_rows(outbox_model.__table__, notify), rows)  # type: ignore[attr-defined]


@functools.cache
def _insert_rows(table: Table, notify: bool) -> Any:
    """The outbox's INSERT, built once per table: the rows in the order given (SQLAlchemy sends
    them as one multi-row statement that numbers them in that order), with the wake-up."""
    returned: list[Any] = [table.c.seq]
    if notify:
        returned.append(func.pg_notify(NOTIFY_CHANNEL, ""))
    return insert(table).returning(*returned, sort_by_parameter_order=True)


def retract_unpublished(
    session: Session, outbox_model: type[OutboxMixin], *, aggregate_id: str, routing_key: str, version: int
) -> bool:
    """Delete an event that has not left the service yet (of ``aggregate_id``, ``routing_key`` and
    ``data.version``), in the caller's transaction; True when it was still here.

    Only on PostgreSQL, where the relay holds the rows it is publishing (FOR UPDATE): a row it holds
    is skipped here and counts as sent. Elsewhere nothing can be known for sure, so nothing is retracted.
    """
    if session.get_bind().dialect.name != "postgresql":
        return False
    query = (
        sa_select(outbox_model)
        .where(
            outbox_model.aggregate_id == aggregate_id,
            outbox_model.routing_key == routing_key,
            outbox_model.published_at.is_(None),
        )
        .with_for_update(skip_locked=True)
    )
    for row in session.scalars(query):
        data = Event.from_json(row.payload).data if row.payload else {}
        if data.get("version") == version:
            session.delete(row)
            session.flush()
            return True
    return False


class OutboxRelay:
    """Publishes committed outbox rows; run one per service database."""

    @classmethod
    def from_settings(cls, settings: ServiceSettings, db: Database, outbox_model: type[OutboxMixin]) -> OutboxRelay:
        """A service's relay as its settings configure it, declaring the suite's queues on every
        connection so that no event is published before the queues that want it exist."""
        publisher = Publisher(
            settings.amqp_url,
            settings.events_exchange,
            on_connect=lambda channel: declare_all(
                channel, settings.events_exchange, SUITE_QUEUES, settings.retry_delays
            ),
        )
        return cls(
            db,
            outbox_model,
            publisher,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
        )

    def __init__(
        self,
        db: Database,
        outbox_model: type[OutboxMixin],
        publisher: Publisher,
        *,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        sqlite_poll_seconds: float = 0.05,
    ) -> None:
        self.db = db
        self.model = outbox_model
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds if db.is_postgres else min(poll_seconds, sqlite_poll_seconds)
        self._listener: psycopg.Connection | None = None
        self._lock_key = relay_lock_key(outbox_model.__tablename__)
        # True when the last batch stopped at a row the broker would not take.
        self.stalled = False
        # False while another relay holds this outbox (this one stands by).
        self.active: bool | None = None
        self.table = outbox_model.__table__  # type: ignore[attr-defined]
        self._counted_at = float("-inf")
        # Built once: a relay runs the same three statements on every wake-up.
        outbox = self.table
        self._read = (
            sa_select(
                outbox.c.seq,
                outbox.c.event_id,
                outbox.c.event_type,
                outbox.c.routing_key,
                outbox.c.payload,
                outbox.c.headers,
                outbox.c.created_at,
            )
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(self.batch_size)
        )
        if db.is_postgres:
            # Rows stay locked while they are published: a relay of an older release
            # (no advisory lock, during a rolling upgrade) skips them instead of double-sending.
            self._read = self._read.with_for_update(skip_locked=True)
        # On PostgreSQL the batch's numbers are one array parameter, as the consumers' take-back: an
        # expanding IN is rewritten for their count on every run and is an SQL text of its own per count.
        published = (
            outbox.c.seq == any_(bindparam("seqs", type_=postgresql.ARRAY(BigInteger)))
            if db.is_postgres
            else outbox.c.seq.in_(bindparam("seqs", expanding=True))
        )
        self._mark = (
            update(outbox).where(published).values(published_at=bindparam("now"), attempts=outbox.c.attempts + 1)
        )
        self._take_lock = text("SELECT pg_try_advisory_xact_lock(:key)")

    def publish_pending(self) -> int:
        """Publish one batch in order; returns how many were sent. Stops at the first failure
        so that events of one aggregate never overtake each other. The rows are read and marked
        with plain statements (no ORM objects): one read, and one update for the whole batch."""
        sent = 0
        self.stalled = False
        outbox = self.table
        with self.db.transaction() as session:
            if self.db.is_postgres and not self._take_turn(session):
                return 0
            published: list[int] = []
            now = datetime.now(UTC)
            for row in session.execute(self._read):
                try:
                    with event_context(row.event_id):
                        self.publisher.publish(
                            row.routing_key,
                            row.payload.encode("utf-8"),
                            message_id=row.event_id,
                            event_type=row.event_type,
                            correlation_id=(row.headers or {}).get("request_id"),
                        )
                except PublishFailed as error:
                    session.execute(
                        update(outbox)
                        .where(outbox.c.seq == row.seq)
                        .values(attempts=outbox.c.attempts + 1, last_error=str(error)[:2000])
                    )
                    PUBLISH_FAILURES.inc()
                    log.warning("outbox publish failed", extra={"event_id": row.event_id, "error": str(error)})
                    self.stalled = True
                    break
                now = datetime.now(UTC)
                published.append(row.seq)
                EVENTS_PUBLISHED.labels(row.routing_key).inc()
                OUTBOX_LAG.observe((now - row.created_at).total_seconds())
            if published:
                session.execute(self._mark, {"seqs": published, "now": now})
            sent = len(published)
        return sent

    def _take_turn(self, session: Session) -> bool:
        """Hold the outbox's relay lock for this transaction, or say that another relay holds it."""
        held = bool(session.scalar(self._take_lock, {"key": self._lock_key}))
        if held != self.active:
            log.info("outbox relay active" if held else "outbox relay standing by: another relay holds the outbox")
            self.active = held
        return held

    def pending_count(self) -> int:
        with self.db.transaction() as session:
            return (
                session.scalar(sa_select(func.count()).select_from(self.model).where(self.model.published_at.is_(None)))
                or 0
            )

    def run(self, stop: threading.Event) -> None:
        log.info("outbox relay started", extra={"poll_seconds": self.poll_seconds})
        if self.db.is_postgres:
            try:
                self._ensure_listener()  # listen before the first batch, so no commit slips between
            except (psycopg.Error, OSError):
                self._close_listener()
        backoff = 0.2
        while not stop.is_set():
            try:
                sent = self.publish_pending()
            except Exception:  # a database outage must not kill the relay
                log.exception("outbox relay cycle failed")
                self.stalled = True
            if self.stalled:  # the broker or the database is away: wait longer each time
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.2
            if sent == self.batch_size:
                continue  # more are waiting
            if time.monotonic() - self._counted_at >= PENDING_GAUGE_SECONDS:
                # A count of the backlog is a statement of its own: for the gauge, now and then.
                OUTBOX_PENDING.set(self.pending_count())
                self._counted_at = time.monotonic()
            self._wait_for_work(stop)
        self.publisher.close()
        self._close_listener()
        log.info("outbox relay stopped")

    # -- waiting: LISTEN/NOTIFY on PostgreSQL, a short poll on SQLite
    def _wait_for_work(self, stop: threading.Event) -> None:
        if not self.db.is_postgres:
            stop.wait(self.poll_seconds)
            self.publisher.process_events()
            return
        try:
            listener = self._ensure_listener()
            # Wake on the first notification or after the poll interval; notifications
            # that arrive while we publish queue up on this connection, so none is missed.
            for _ in listener.notifies(timeout=self.poll_seconds, stop_after=1):
                pass
        except (psycopg.Error, OSError):
            self._close_listener()
            stop.wait(self.poll_seconds)
        self.publisher.process_events()

    def _ensure_listener(self) -> psycopg.Connection:
        if self._listener is None or self._listener.closed:
            dsn = self.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._listener = psycopg.connect(dsn, autocommit=True)
            self._listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(psycopg.Error):
                self._listener.close()
            self._listener = None
