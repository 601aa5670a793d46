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
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Response, request
from sqlalchemy import BigInteger, String, Table, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

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
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).on_conflict_do_update(
        index_elements=[table.c.username], set_={"version": table.c.version + 1}
    )
    return statement.returning(table.c.version)
