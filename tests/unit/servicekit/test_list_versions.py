"""A person's list version goes up with the commit of a change that names them, and only then; the
list's ETag is weak, a digest of what the answer depends on, and a matching If-None-Match is a 304."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from servicekit.db import Database, declarative_base
from servicekit.list_versions import ListVersionMixin, current_version, list_etag, not_modified, note_changed, track
from sqlalchemy.orm import Session

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
