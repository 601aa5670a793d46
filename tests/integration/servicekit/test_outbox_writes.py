"""How the outbox is written on PostgreSQL: a transaction's events in one statement, in their order,
and one wake-up for the relays per committed transaction, none for a rolled-back one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from servicekit.db import Database
from servicekit.events import new_event
from servicekit.logs import request_id_var
from servicekit.outbox import NOTIFY_CHANNEL, record_event, record_events
from sqlalchemy import event, select

from tests.support.messaging import Outbox


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    sent: list[str] = []

    def _note(_connection: object, _cursor: object, statement: str, *_rest: object) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", _note)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", _note)


def listening(db: Database) -> psycopg.Connection:
    connection = psycopg.connect(db.engine.url.render_as_string(hide_password=False).replace("+psycopg", ""))
    connection.autocommit = True
    connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
    return connection


def wake_ups(connection: psycopg.Connection) -> int:
    return sum(1 for _ in connection.notifies(timeout=0.5))


def test_a_transactions_events_are_one_statement_in_their_order(db: Database) -> None:
    events = [new_event("plan.submitted", source="/plans", subject=f"plans/p{n}", data={"n": n}) for n in range(5)]
    token = request_id_var.set("req-1")
    try:
        with statements(db) as sent, db.transaction() as session:
            record_events(session, Outbox, events)
    finally:
        request_id_var.reset(token)
    assert len(sent) == 1 and sent[0].startswith("INSERT INTO outbox")
    with db.transaction() as session:
        rows = session.scalars(select(Outbox).order_by(Outbox.seq)).all()
    assert [row.event_id for row in rows] == [e.id for e in events]
    assert {row.headers["request_id"] for row in rows} == {"req-1"}
    assert all(row.published_at is None and row.attempts == 0 for row in rows)


def test_one_wake_up_per_committed_transaction_and_none_for_a_rolled_back_one(db: Database) -> None:
    listener = listening(db)
    try:
        with db.transaction() as session:
            record_event(session, Outbox, new_event("plan.submitted", source="/plans", subject="plans/a", data={}))
            record_events(
                session,
                Outbox,
                [new_event("plan.approved", source="/plans", subject=f"plans/{n}", data={}) for n in "bcd"],
            )
            assert wake_ups(listener) == 0  # sent at the commit
        assert wake_ups(listener) == 1

        with db.transaction() as session:
            record_event(session, Outbox, new_event("plan.submitted", source="/plans", subject="plans/e", data={}))
        assert wake_ups(listener) == 1

        try:
            with db.transaction() as session:
                record_event(session, Outbox, new_event("plan.submitted", source="/plans", subject="plans/f", data={}))
                raise RuntimeError("the use case fails")
        except RuntimeError:
            pass
        assert wake_ups(listener) == 0
    finally:
        listener.close()


def test_no_events_no_statement(db: Database) -> None:
    with statements(db) as sent, db.transaction() as session:
        record_events(session, Outbox, [])
    assert sent == []
