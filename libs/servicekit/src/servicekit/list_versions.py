"""Conditional GETs of one person's list (an approver's tasks, a reader's inbox) that read one row.

A client that polls its list sends back the ``ETag`` of the answer it holds in ``If-None-Match``; while
nothing it would see has changed, the answer is ``304 Not Modified`` with no body, found without
running the list's query. The tag is made from a per-person version number kept in a small table of the
service (:class:`ListVersionMixin`: one row per person, read by its primary key), and from everything
else the answer depends on (the caller's claims, the query, the language, a moment in time), digested
(:func:`list_etag`), so a tag tells nothing of whose list it was or what it held.

Whatever changes what a person's list shows names that person in its transaction
(:func:`note_changed`, or a collector on the session's flushes that calls it); when the transaction
commits, their versions go up by one **in the same transaction**, in one round trip, its last: the
version changes if and only if the change commits. The people are written in sorted order, so two
transactions that change the same people take those rows' locks in the same order (no deadlock), and
each row stays locked only for the commit itself.

A reader reads the version *before* the list (:func:`current_version`, then the list's query): under
READ COMMITTED a change committed between the two statements can only put newer items under an older
tag, which costs the client one more full answer — never an old list under the current tag. The tags
are weak (``W/"…"``): they name a state of the list, not the bytes of one answer, and ``If-None-Match``
compares weakly anyway.

A client that wants to hear of a change as soon as it commits, rather than at its next poll, adds
``Prefer: wait=N`` (RFC 7240) to its conditional GET: while the tag still matches, the answer waits up
to N seconds (at most ``LIST_WAIT_MAX_SECONDS``) for the list to change, and comes back with the new
list the moment it does, or ``304`` with ``Preference-Applied: wait=N`` when it did not. On PostgreSQL
the bump's ``RETURNING`` notifies the person's name on the table's channel (sent at commit, never after
a rollback), and :class:`ListChanges` — one listening connection per process — wakes that person's
waiting requests; each also reads its tag again every second, so a notification lost with a dropped
connection costs at most that second. A waiting request holds a worker thread (not a database
connection): a process lets at most ``LIST_WAITERS`` wait at once, and answers the others at once, as
it may (a preference, not a demand).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from flask import Response, current_app, request
from sqlalchemy import BigInteger, String, Table, event, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Database
from .settings import ServiceSettings

log = logging.getLogger(__name__)

_PENDING = "ttdn.list_versions.pending"  # session.info: {version model: {usernames}}
_COLLECTING = "ttdn.list_versions.collecting"  # session.info: a flush collector names people (see track)


class ListVersionMixin:
    """Columns of the ``list_versions`` table: how many committed changes each person's list has seen."""

    __tablename__ = "list_versions"

    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def note_changed(session: Session, model: type[ListVersionMixin], usernames: Iterable[str | None]) -> None:
    """What ``usernames``' lists show changes in ``session``'s transaction: their versions go up when it commits."""
    names = {name for name in usernames if name}
    if names:
        session.info.setdefault(_PENDING, {}).setdefault(model, set()).update(names)


def track(session: Session, collect: Callable[[Session], None]) -> None:
    """Let ``collect`` find the people in each of ``session``'s flushes (it runs after the flush, with
    the session's new, dirty and deleted objects and their attribute histories still as they were,
    and calls :func:`note_changed`): a service whose aggregates are mapped names people from what
    the session writes, wherever it was changed. The commit flushes first, so nothing is missed."""
    session.info[_COLLECTING] = collect


def current_version(session: Session, model: type[ListVersionMixin], username: str) -> int:
    """The person's version (0 before the first change): one primary-key read."""
    version = session.scalar(select(model.version).where(model.username == username))
    return int(version or 0)


# The OpenAPI description of a polled list's conditional GET, for ``Blueprint.response(headers=…)`` and
# ``Blueprint.doc(parameters=…)``: the same words on the task list and the inbox.
LIST_ETAG = {"ETag": {"schema": {"type": "string"}, "description": "Weak; send it back in If-None-Match"}}
LIST_POLL_PARAMETERS = [
    {"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"}},
    {
        "in": "header",
        "name": "Prefer",
        "required": False,
        "schema": {"type": "string", "example": "wait=10"},
        "description": "With If-None-Match, `wait=N` (RFC 7240): answer the moment the list changes, or 304 after"
        " N seconds (at most LIST_WAIT_MAX_SECONDS; Preference-Applied says it waited)",
    },
]


def list_etag(*parts: Any) -> str:
    """A weak ETag for the answer that ``parts`` determine (JSON-able values; others by ``str``)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"), ensure_ascii=False)
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()[:18]).decode("ascii")
    return f'W/"{digest}"'


def not_modified(etag: str) -> Response | None:
    """``304`` with the tag and no body when the request's ``If-None-Match`` holds ``etag``; else None."""
    if request.if_none_match and request.if_none_match.contains_weak(_opaque(etag)):
        return Response(status=304, headers={"ETag": etag})
    return None


def _opaque(etag: str) -> str:
    return etag.removeprefix("W/").strip('"')


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: Any) -> None:
    collect = session.info.get(_COLLECTING)
    if collect is not None:
        collect(session)


@event.listens_for(Session, "before_commit")
def _bump_versions(session: Session) -> None:
    if not (session.info.get(_PENDING) or session.info.get(_COLLECTING)) or session.in_nested_transaction():
        return  # nothing to bump, or a savepoint's release: the versions go up with the transaction's commit
    session.flush()  # what the commit would flush next: its changes name their people first
    pending: dict[type[ListVersionMixin], set[str]] = session.info.pop(_PENDING, None) or {}
    dialect = session.get_bind().dialect.name
    for model, usernames in pending.items():
        if usernames:
            bump = _bump(model.__table__, dialect)  # type: ignore[attr-defined]
            session.execute(bump, [{"username": name, "version": 1} for name in sorted(usernames)])


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: Any) -> None:
    if not previous.nested:  # a savepoint rolled back leaves the names of its changes: at worst one bump too many
        session.info.pop(_PENDING, None)


@functools.cache
def _bump(table: Table, dialect: str) -> Any:
    """The upsert of a person's version, run with every person's parameters in their sorted order.
    One statement shape, so it is compiled once per process (a ``VALUES`` list built into the
    statement is compiled anew on every commit), and built once (a consumer commits every batch);
    with ``RETURNING``, SQLAlchemy still sends the parameters as one multi-row ``VALUES`` statement,
    in their order (its "insertmanyvalues")."""
    postgres = dialect == "postgresql"
    insert = postgresql_insert if postgres else sqlite_insert
    statement = insert(table).on_conflict_do_update(
        index_elements=[table.c.username], set_={"version": table.c.version + 1}
    )
    if postgres:  # wakes the person's waiting requests at commit (ListChanges)
        return statement.returning(table.c.version, func.pg_notify(table.name, table.c.username))
    return statement.returning(table.c.version)


# -- waiting for a change (``Prefer: wait``) -------------------------------------------------------
LIST_CHANGES = "ttdn.list_changes"  # app.extensions: the process's ListChanges


class ListChanges:
    """The requests of this process waiting for a person's list to change, and the one connection
    that LISTENs on the version table's channel to wake them (started on the first wait, so after
    gunicorn forks). ``max_waiters`` bounds how many may wait at once: each holds a worker thread."""

    RECHECK_SECONDS = 1.0  # a waiter reads its tag again this often, notified or not

    def __init__(self, dsn: str | None, channel: str, *, max_waiters: int, max_seconds: float) -> None:
        self.dsn, self.channel = dsn, channel
        self.max_waiters, self.max_seconds = max_waiters, max_seconds
        self._waiting: dict[str, set[threading.Event]] = {}
        self._count = 0
        self._lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self.listening = threading.Event()  # set while the LISTEN is in place

    @classmethod
    def for_table(cls, db: Database, model: type[ListVersionMixin], settings: ServiceSettings) -> ListChanges:
        """For ``model``'s table in ``db`` (a servicekit Database); without a listener on SQLite."""
        dsn = None
        if db.is_postgres:
            dsn = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        table = model.__table__.name  # type: ignore[attr-defined]
        return cls(dsn, table, max_waiters=settings.list_waiters, max_seconds=settings.list_wait_max_seconds)

    @property
    def waiting(self) -> int:
        """How many requests of this process are waiting now."""
        return self._count

    def wait(self, username: str, unchanged: Callable[[], bool], seconds: float) -> bool | None:
        """Wait until ``unchanged()`` turns false (True) or ``seconds`` pass (False); None when as many
        requests as allowed are waiting already (nothing waited). ``unchanged`` is asked first, after
        this request is registered, so a change committed just before cannot be missed."""
        woken = threading.Event()
        with self._lock:
            if self._count >= self.max_waiters:
                return None
            self._count += 1
            self._waiting.setdefault(username, set()).add(woken)
        try:
            self._ensure_listening()
            deadline = time.monotonic() + seconds
            while unchanged():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                woken.wait(min(left, self.RECHECK_SECONDS))
                woken.clear()
            return True
        finally:
            with self._lock:
                self._count -= 1
                waiters = self._waiting.get(username, set())
                waiters.discard(woken)
                if not waiters:
                    self._waiting.pop(username, None)

    def _wake(self, username: str | None = None) -> None:
        """Wake ``username``'s waiters (everyone's with None) to read their tags again."""
        with self._lock:
            for name, waiters in self._waiting.items():
                if username is None or name == username:
                    for woken in waiters:
                        woken.set()

    def _ensure_listening(self) -> None:
        if self.dsn is None:
            return
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(target=self._listen, name="list-changes", daemon=True)
                self._listener.start()

    def _listen(self) -> None:
        """LISTEN until the connection is lost; then, while requests wait, listen again a second
        later (meanwhile their own rereads carry on), and once listening again every waiter reads
        its tag anew: a change may have committed while nobody listened. With nobody waiting the
        thread ends, and the next wait starts another (a database dropped under an idle process
        is not retried for ever)."""
        assert self.dsn is not None
        while True:
            try:
                with psycopg.connect(self.dsn, autocommit=True) as connection:
                    connection.execute(f'LISTEN "{self.channel}"')
                    self.listening.set()
                    self._wake()
                    for notification in connection.notifies():
                        self._wake(notification.payload)
            except (psycopg.Error, OSError) as error:
                self.listening.clear()
                with self._lock:
                    if not self._waiting:
                        self._listener = None
                        return
                log.warning("list changes: listening failed, again in a second", extra={"error": str(error)})
            time.sleep(1.0)


def requested_wait(prefer: str) -> float:
    """The seconds a ``Prefer`` header's ``wait=N`` (RFC 7240) asks for; 0 without one that is a
    positive number. The gateway reads a long poll's wait with it too."""
    for preference in prefer.split(","):
        name, _, value = preference.split(";", 1)[0].strip().partition("=")
        if name.strip().lower() == "wait":
            with contextlib.suppress(ValueError):
                seconds = float(value.strip().strip('"'))
                if seconds > 0:
                    return seconds
    return 0.0


def preferred_wait(max_seconds: float) -> float:
    """The seconds the request's ``Prefer: wait=N`` asks for, at most ``max_seconds``; 0 without one."""
    for prefer in request.headers.getlist("Prefer"):
        if seconds := requested_wait(prefer):
            return min(seconds, max_seconds)
    return 0.0


def still_not_modified(answer: Response, username: str, current_tag: Callable[[], str]) -> Response | None:
    """For a ``304`` (``answer``) to a request that prefers to wait: wait for ``username``'s list to
    change. ``current_tag`` reads the list's tag anew (one primary-key read, its own connection).
    Returns the ``304`` when nothing changed in the time waited (with ``Preference-Applied``), None
    when the list changed (answer it in full); ``answer`` itself when the request does not ask to
    wait, or too many are waiting already."""
    changes: ListChanges | None = current_app.extensions.get(LIST_CHANGES)
    seconds = preferred_wait(changes.max_seconds) if changes is not None else 0.0
    if changes is None or not seconds:
        return answer
    changed = changes.wait(username, lambda: not_modified(current_tag()) is not None, seconds)
    if changed:
        return None
    if changed is False:
        answer.headers["Preference-Applied"] = f"wait={seconds:g}"
    return answer
