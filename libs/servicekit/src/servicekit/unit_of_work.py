"""One way to write a use case, the same in every service.

A use case is ``handler(command, uow, **dependencies)``: the command says what is
wanted, the unit of work owns the one transaction, and the other dependencies
(clock, calendar, directory …) are bound once per process by the service's
``bootstrap`` (see :mod:`servicekit.messagebus`). Inside, the handler writes
``with uow: ...``; the block commits when it ends without an error.

:class:`UnitOfWork` is the base every service's unit of work extends. On a clean
exit it asks the repositories to write back what they track, collects each
touched aggregate's new domain events (``aggregate.events``), writes them to the
outbox in the same transaction, and commits; on an error nothing is written and
the events are dropped. :class:`SqlAlchemyUnitOfWork` either opens its own
transaction on a :class:`~servicekit.db.Database` or joins a session it is given
(the consumer's, which also holds the inbox row and commits when the handler
returns) — the same handler code runs in both.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self

from sqlalchemy.orm import Session

from .db import Database
from .events import Event, new_event
from .outbox import OutboxMixin, record_events


class DomainEvent(Protocol):
    """What an aggregate's event offers the outbox: its type, its subject and its data."""

    @property
    def name(self) -> str: ...

    @property
    def subject(self) -> str: ...

    def data(self) -> dict[str, Any]: ...


class Aggregate(Protocol):
    """An aggregate keeps the events of what happened to it until the unit of work takes them."""

    events: list[Any]


class UnitOfWork(abc.ABC):
    """The transaction of one use case; subclasses say which aggregates it touched."""

    def __enter__(self) -> Self:
        self._begin()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if error is not None:
            self._drop_events()
            self._rollback(error)
            return
        try:
            self._write_back()
            self._record(list(self.collect_new_events()))
        except BaseException as failure:  # writing failed: roll back, then let the error through
            self._rollback(failure)
            raise
        self._commit()

    @abc.abstractmethod
    def touched(self) -> Iterable[Aggregate]:
        """The aggregates this unit of work loaded or added (their events go to the outbox)."""

    def collect_new_events(self) -> Iterator[Any]:
        for aggregate in self.touched():
            while aggregate.events:
                yield aggregate.events.pop(0)

    def _drop_events(self) -> None:
        for aggregate in self.touched():
            aggregate.events.clear()

    # -- hooks
    def _begin(self) -> None:
        """Open (or join) the transaction and build the repositories."""
        return None  # optional hook

    def _write_back(self) -> None:
        """Write what the repositories track but the session does not (before the events)."""
        return None  # optional hook

    def _record(self, events: list[Any]) -> None:
        """Keep ``events`` for publication with the state change (the outbox)."""
        if events:
            raise RuntimeError(f"{type(self).__name__} publishes no events but was given {len(events)}")

    def _commit(self) -> None:
        """Make the work durable."""
        return None  # optional hook

    def _rollback(self, error: BaseException) -> None:
        """Undo the work."""
        return None  # optional hook


class SqlAlchemyUnitOfWork(UnitOfWork):
    """Opens its own transaction on ``db``, or joins ``session``'s.

    A subclass sets ``event_source`` and ``outbox_model`` when its service publishes
    events, and builds its repositories in :meth:`start`."""

    event_source: ClassVar[str] = ""
    outbox_model: ClassVar[type[OutboxMixin] | None] = None
    session: Session

    def __init__(self, db: Database | None = None, *, session: Session | None = None) -> None:
        if (db is None) == (session is None):
            raise ValueError("give either a database or a session")
        self._db = db
        self._given_session = session
        self._transaction: AbstractContextManager[Session] | None = None

    @abc.abstractmethod
    def start(self, session: Session) -> None:
        """Build the repositories over ``session``."""

    def _begin(self) -> None:
        if self._given_session is not None:
            self.session = self._given_session
        else:
            assert self._db is not None
            self._transaction = self._db.transaction()
            self.session = self._transaction.__enter__()
        self.start(self.session)

    def _record(self, events: list[Any]) -> None:
        # The state first (one flush: whatever fails here fails inside the use case), then every
        # event's outbox row in one statement (record_events).
        self.session.flush()
        if not events:
            return
        if self.outbox_model is None:
            raise RuntimeError(f"{type(self).__name__} has no outbox for {events[0].name}")
        record_events(self.session, self.outbox_model, [self.to_cloudevent(event) for event in events])

    def to_cloudevent(self, event: DomainEvent) -> Event:
        return new_event(event.name, source=self.event_source, subject=event.subject, data=event.data())

    def _commit(self) -> None:
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            transaction.__exit__(None, None, None)

    def _rollback(self, error: BaseException) -> None:
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            transaction.__exit__(type(error), error, error.__traceback__)
