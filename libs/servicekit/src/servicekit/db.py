"""SQLAlchemy engines and the one-transaction-per-use-case session scope.

SQLite is the embedded default, PostgreSQL (psycopg 3) the production store.
Build a :class:`Database` in the app factory or process entry point, after
gunicorn forks, never at import time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, class_mapper, sessionmaker
from sqlalchemy.orm.exc import UnmappedClassError
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Auto-incrementing 64-bit keys; SQLite only auto-increments INTEGER PRIMARY KEY.
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A ``TIMESTAMP WITH TIME ZONE`` column that always hands back aware UTC datetimes.

    PostgreSQL returns aware values already; SQLite stores text and returns naive ones.
    Everything is written in UTC (a naive value is taken as UTC), so reading attaches
    UTC where the driver dropped it. The column's DDL is ``DateTime(timezone=True)``,
    exactly as before, so the schema does not change."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # a raw SQLite value read without the column's type
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def declarative_base() -> type[DeclarativeBase]:
    """A fresh declarative base with its own MetaData and our naming convention."""

    class ServiceBase(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    return ServiceBase


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine)
    return engine


# A connection given back less than this long ago is taken as alive without a ping.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection at checkout only when it has been idle a while. ``pool_pre_ping``
    pings at every checkout: a round trip before each request's and each consumer batch's first
    statement, while the pool is healthy and its connections were in use a moment ago. A connection
    that has rested (the database may have restarted meanwhile, or a firewall dropped it) is still
    pinged, and a dead one is replaced before anyone uses it, as with pre-ping."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _rested_from(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["checked_in_at"] = time.monotonic()  # a fresh connection has just answered

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        rested = time.monotonic() - record.info.get("checked_in_at", float("-inf"))
        if rested < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the driver's own errors: the pool retries with a new connection
            raise DisconnectionError("a pooled connection did not answer its ping") from error


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling starts transactions lazily and lets two
    # writers deadlock on the read->write lock upgrade. Take the write lock at
    # BEGIN instead, and let WAL keep readers unblocked.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # a read outside any transaction (Database.reading): WAL serves it without a lock
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, *, pool_size: int = 5, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, pool_size=pool_size, echo=echo)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back if it raises."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only, outside any transaction: it takes no lock, so a process may
        read this way while one of its own transactions is open (on SQLite every transaction holds
        the write lock from its start, and a second one in the same process would wait for the
        first until the busy timeout)."""
        with (
            self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
            Session(bind=connection) as session,
        ):
            yield session

    def ping(self) -> bool:
        """True when the database answers (raises otherwise), for readiness checks."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()


_MAPPING = threading.Lock()


def map_once(aggregate: type, map_them: Callable[[], None]) -> None:
    """Run ``map_them`` (a service's imperative mapping) unless ``aggregate`` is mapped already: once
    per process, later calls do nothing. Under a lock: the first requests of a fresh gthread worker
    arrive together, and two threads mapping at once made one of them fail ("already has a primary
    mapper defined")."""
    with _MAPPING:
        try:
            class_mapper(aggregate)
        except UnmappedClassError:
            map_them()
