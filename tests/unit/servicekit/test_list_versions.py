"""A person's list version goes up with the commit of a change that names them, and only then; the
list's ETag is weak, a digest of what the answer depends on, and a matching If-None-Match is a 304."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from servicekit.db import Database, declarative_base
from servicekit.list_versions import (
    LIST_CHANGES,
    ListChanges,
    ListVersionMixin,
    current_version,
    list_etag,
    not_modified,
    note_changed,
    preferred_wait,
    still_not_modified,
    track,
)
from sqlalchemy.orm import Session

from tests.support.waiting import wait_for

Base = declarative_base()


class Versions(ListVersionMixin, Base):
    pass


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'versions.db'}")
    Base.metadata.create_all(database.engine)
    return database


def versions(db: Database, *names: str) -> list[int]:
    with db.transaction() as session:
        return [current_version(session, Versions, name) for name in names]


def test_a_commit_raises_the_versions_it_named_once_and_a_rollback_none(db: Database) -> None:
    assert versions(db, "a", "b") == [0, 0]
    with db.transaction() as session:
        note_changed(session, Versions, ["b", "a", None])
        note_changed(session, Versions, ["a"])
    assert versions(db, "a", "b", "c") == [1, 1, 0]
    with pytest.raises(RuntimeError), db.transaction() as session:
        note_changed(session, Versions, ["a"])
        raise RuntimeError("the change fails")
    with db.transaction() as session:
        note_changed(session, Versions, ["b"])
    assert versions(db, "a", "b") == [1, 2]


def test_a_collector_finds_the_people_in_what_the_session_flushes(db: Database) -> None:
    flushed: list[int] = []

    def collect(session: Session) -> None:
        flushed.append(len(session.new))
        note_changed(session, Versions, [f"person-{len(session.new)}"] if session.new else [])

    with db.transaction() as session:
        track(session, collect)
        session.add(Versions(username="someone", version=7))  # written at the last moment: the commit flushes it
    assert flushed == [1] and versions(db, "person-1", "someone") == [1, 7]


def test_the_etag_is_weak_and_a_digest_of_every_part() -> None:
    tag = list_etag("tasks/1", "dept.cb", 3, [("limit", 50)], "vi")
    assert tag.startswith('W/"') and tag.endswith('"') and "dept.cb" not in tag
    assert tag == list_etag("tasks/1", "dept.cb", 3, [("limit", 50)], "vi")
    others = {
        list_etag("tasks/1", "dept.bk", 3, [("limit", 50)], "vi"),
        list_etag("tasks/1", "dept.cb", 4, [("limit", 50)], "vi"),
        list_etag("tasks/1", "dept.cb", 3, [("limit", 20)], "vi"),
        list_etag("tasks/1", "dept.cb", 3, [("limit", 50)], "en"),
    }
    assert tag not in others and len(others) == 4


@pytest.mark.parametrize(
    ("sent", "status"),
    [(None, None), ('W/"{}"', 304), ('"{}"', 304), ('W/"other", W/"{}"', 304), ('W/"other"', None), ("*", 304)],
)
def test_if_none_match_holding_the_tag_is_a_304_without_a_body(sent: str | None, status: int | None) -> None:
    tag = list_etag("inbox/1", "drafter.cb", 1)
    headers = {"If-None-Match": sent.format(tag[3:-1])} if sent else {}
    with Flask(__name__).test_request_context(headers=headers):
        answer = not_modified(tag)
    if status is None:
        assert answer is None
    else:
        assert answer is not None and answer.status_code == 304 and answer.get_data() == b""
        assert answer.headers["ETag"] == tag


@pytest.mark.parametrize(
    ("prefer", "seconds"),
    [
        (None, 0.0),
        ("wait=5", 5.0),
        ("respond-async, wait=2.5", 2.5),
        ('wait="3"', 3.0),
        ("WAIT=60", 10.0),  # at most the service's limit
        ("wait=soon", 0.0),
        ("wait=-1", 0.0),
        ("return=minimal", 0.0),
    ],
)
def test_the_wait_a_request_prefers_is_read_from_its_prefer_header(prefer: str | None, seconds: float) -> None:
    with Flask(__name__).test_request_context(headers={"Prefer": prefer} if prefer else {}):
        assert preferred_wait(10.0) == seconds


def waiting_app(db: Database, *, waiters: int = 2) -> Flask:
    app = Flask(__name__)
    changes = ListChanges(None, "list_versions", max_waiters=waiters, max_seconds=10.0)
    changes.RECHECK_SECONDS = 0.02  # SQLite has no NOTIFY: the rereads are all there is
    app.extensions[LIST_CHANGES] = changes
    return app


def tag_of(db: Database, name: str) -> str:
    return list_etag("inbox/1", name, versions(db, name)[0])


def test_a_poll_that_prefers_to_wait_gets_its_304_only_after_the_wait(db: Database) -> None:
    held = tag_of(db, "reader")
    headers = {"If-None-Match": held, "Prefer": "wait=0.1"}
    with waiting_app(db).test_request_context(headers=headers):
        answer = not_modified(held)
        assert answer is not None
        started = time.monotonic()
        assert still_not_modified(answer, "reader", lambda: tag_of(db, "reader")) is answer
    assert time.monotonic() - started >= 0.1
    assert answer.status_code == 304 and answer.headers["Preference-Applied"] == "wait=0.1"
    with waiting_app(db).test_request_context(headers={"If-None-Match": held}):  # no preference: at once
        answer = not_modified(held)
        assert answer is not None and still_not_modified(answer, "reader", lambda: tag_of(db, "reader")) is answer
        assert "Preference-Applied" not in answer.headers


def test_a_waiting_poll_is_answered_when_its_list_changes(db: Database) -> None:
    held = tag_of(db, "reader")
    app = waiting_app(db)
    changes: ListChanges = app.extensions[LIST_CHANGES]
    outcome: list[object] = []

    def poll() -> None:
        with app.test_request_context(headers={"If-None-Match": held, "Prefer": "wait=10"}):
            answer = not_modified(held)
            assert answer is not None
            outcome.append(still_not_modified(answer, "reader", lambda: tag_of(db, "reader")))

    waiting = threading.Thread(target=poll)
    waiting.start()
    wait_for(lambda: changes.waiting == 1, 5, "the poll to wait")
    with db.transaction() as session:
        note_changed(session, Versions, ["someone else"])
    time.sleep(0.1)
    assert outcome == []  # another person's change answers nobody here
    with db.transaction() as session:
        note_changed(session, Versions, ["reader"])
    waiting.join(5)
    assert outcome == [None] and changes.waiting == 0  # None: changed, answer the list in full


def test_beyond_the_waiters_allowed_a_poll_is_answered_at_once(db: Database) -> None:
    held = tag_of(db, "reader")
    app = waiting_app(db, waiters=1)
    changes: ListChanges = app.extensions[LIST_CHANGES]
    first = threading.Thread(target=changes.wait, args=("reader", lambda: True, 1.0))
    first.start()
    wait_for(lambda: changes.waiting == 1, 5, "the poll to wait")
    with app.test_request_context(headers={"If-None-Match": held, "Prefer": "wait=5"}):
        answer = not_modified(held)
        assert answer is not None
        started = time.monotonic()
        assert still_not_modified(answer, "other", lambda: tag_of(db, "other")) is answer
    assert time.monotonic() - started < 0.5 and "Preference-Applied" not in answer.headers
    first.join(5)
