"""The unit of work owns one transaction per use case and, at its end, writes
the aggregates' new domain events to the outbox in that same transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from types import TracebackType

from servicekit.db import Database
from servicekit.events import Event, new_event
from servicekit.outbox import record_event
from sqlalchemy.orm import Session

from ..adapters import orm
from ..adapters.repository import ApprovalRepository, ChainRepository, SqlApprovalRepository, SqlChainRepository
from ..domain.events import ApprovalEvent

EVENT_SOURCE = "/ttdn/approvals"


class UnitOfWork(AbstractContextManager["UnitOfWork"]):
    """Use as ``with uow: ...``; the work commits when the block ends without an error."""

    approvals: ApprovalRepository
    chains: ChainRepository

    # Events that belong to no approval (a withdrawal answered before its approval started).
    loose_events: list[ApprovalEvent]

    def collect_new_events(self) -> Iterator[ApprovalEvent]:
        while getattr(self, "loose_events", None):
            yield self.loose_events.pop(0)
        for approval in self.approvals.seen:
            while approval.events:
                yield approval.events.pop(0)


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, db: Database | None = None, *, session: Session | None = None) -> None:
        """Either open a transaction on ``db``, or join ``session``'s (the consumer's,
        which also holds the inbox row)."""
        if (db is None) == (session is None):
            raise ValueError("give a database or a session")
        self._db = db
        self._outer_session = session
        self._transaction: AbstractContextManager[Session] | None = None

    def __enter__(self) -> SqlUnitOfWork:
        if self._outer_session is not None:
            self.session = self._outer_session
        else:
            assert self._db is not None
            self._transaction = self._db.transaction()
            self.session = self._transaction.__enter__()
        self.approvals = SqlApprovalRepository(self.session)
        self.chains = SqlChainRepository(self.session)
        self.loose_events = []
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        try:
            if error is None:
                # One flush for the state and its outbox rows: without it every
                # record_event's NOTIFY would flush the row before it, a round trip each.
                with self.session.no_autoflush:
                    self.approvals.save_all()
                    for event in self.collect_new_events():
                        record_event(self.session, orm.Outbox, to_cloudevent(event))
                self.session.flush()
        except BaseException as failure:
            if self._transaction is not None:
                self._transaction.__exit__(type(failure), failure, failure.__traceback__)
                self._transaction = None
            raise
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            return transaction.__exit__(kind, error, tb)
        return None


def to_cloudevent(event: ApprovalEvent) -> Event:
    # subject plans/{plan_id}: the outbox keeps one plan's events in order (docs/events.md).
    return new_event(event.name, source=EVENT_SOURCE, subject=f"plans/{event.plan_id}", data=event.payload())
