"""The pool pings a connection only after it has rested, and replaces a dead one before use."""

from __future__ import annotations

import psycopg
import pytest
from servicekit import db as kit_db
from servicekit.db import Database
from sqlalchemy import text


def _pings(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    ping = database.engine.dialect.do_ping

    def counted(connection: object) -> bool:
        calls.append(connection)
        return ping(connection)

    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    return calls


def test_a_connection_in_use_a_moment_ago_is_not_pinged_again(db: Database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pings = _pings(db, monkeypatch)
    for _ in range(5):
        with db.transaction() as session:
            assert session.scalar(text("SELECT 1")) == 1
    assert pings == []


def test_a_connection_that_died_while_resting_is_replaced_before_use(db: Database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        backend = session.scalar(text("SELECT pg_backend_pid()"))
    admin_url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    monkeypatch.setattr(kit_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has rested long enough
    pings = _pings(db, monkeypatch)
    with db.transaction() as session:  # no error: the ping found it dead and the pool made a new one
        assert session.scalar(text("SELECT pg_backend_pid()")) != backend
    assert pings
