"""A request waiting for a person's list (``Prefer: wait``) is woken by PostgreSQL's notification at the
commit that raises that person's version, not by its own rereads; a rollback wakes nobody."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
from servicekit.db import Database, declarative_base
from servicekit.list_versions import ListChanges, ListVersionMixin, current_version, note_changed

from tests.support.waiting import wait_for

Base = declarative_base()


class Versions(ListVersionMixin, Base):
    __tablename__ = "waited_list_versions"


@pytest.fixture
def db(db: Database) -> Database:
    """The package's test database (conftest), with this module's version table."""
    Base.metadata.create_all(db.engine)
    return db


def version(db: Database, name: str) -> int:
    with db.reading() as session:
        return current_version(session, Versions, name)


class Settings:
    list_waiters = 4
    list_wait_max_seconds = 10.0


def test_the_commit_that_raises_a_version_wakes_its_waiter_and_a_rollback_does_not(db: Database) -> None:
    changes = ListChanges.for_table(db, Versions, Settings())
    changes.RECHECK_SECONDS = 60  # nothing but the notification can wake the waiter in time
    reader = f"reader-{uuid.uuid4().hex[:8]}"
    held = version(db, reader)
    outcome: list[bool | None] = []

    def wait() -> None:
        outcome.append(changes.wait(reader, lambda: version(db, reader) == held, 20))

    waiting = threading.Thread(target=wait)
    waiting.start()
    wait_for(lambda: changes.waiting == 1, 5, "the request to wait")
    assert changes.listening.wait(5)  # the LISTEN is in place before the change commits

    with pytest.raises(RuntimeError), db.transaction() as session:
        note_changed(session, Versions, [reader])
        raise RuntimeError("rolled back")
    waiting.join(0.5)
    assert waiting.is_alive() and outcome == []

    started = time.monotonic()
    with db.transaction() as session:
        note_changed(session, Versions, [reader])
    waiting.join(10)
    assert outcome == [True] and time.monotonic() - started < 10


def test_the_listener_ends_with_its_connection_when_nobody_waits_and_the_next_wait_starts_another(
    db: Database,
) -> None:
    changes = ListChanges.for_table(db, Versions, Settings())
    reader = f"reader-{uuid.uuid4().hex[:8]}"
    assert changes.wait(reader, lambda: True, 0.05) is False
    assert changes.listening.wait(5)
    with psycopg.connect(db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query = %s AND pid <> pg_backend_pid()",
            (f'LISTEN "{Versions.__tablename__}"',),
        )
    wait_for(lambda: changes._listener is None, 5, "the listener to end")
    assert not changes.listening.is_set()

    changes.RECHECK_SECONDS = 60
    held = version(db, reader)
    outcome: list[bool | None] = []
    waiting = threading.Thread(
        target=lambda: outcome.append(changes.wait(reader, lambda: version(db, reader) == held, 20))
    )
    waiting.start()
    assert changes.listening.wait(5)
    with db.transaction() as session:
        note_changed(session, Versions, [reader])
    waiting.join(10)
    assert outcome == [True]
