"""The approvals service's unit of work (servicekit's, with the approvals and chains
repositories): at its end it writes the touched approvals back and their new domain
events to the outbox, in that same transaction."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, Self

from servicekit.contracts import events as contract
from servicekit.db import Database
from servicekit.events import Event, new_event
from servicekit.list_versions import track
from servicekit.organisations import CopiedRegistry, CopyStore
from servicekit.unit_of_work import SqlAlchemyUnitOfWork
from servicekit.unit_of_work import UnitOfWork as KitUnitOfWork
from sqlalchemy.orm import Session

from ..adapters import orm
from ..adapters.repository import (
    AbsenceRepository,
    ApprovalRepository,
    ChainRepository,
    OpeningRepository,
    SqlAbsenceRepository,
    SqlApprovalRepository,
    SqlChainRepository,
    SqlOpeningRepository,
)
from ..domain.events import ApprovalEvent
from ..domain.model import Approval, OrganisationNames

EVENT_SOURCE = "/ttdn/approvals"


class UnitOfWork(KitUnitOfWork, abc.ABC):
    """Use as ``with uow: ...``; the work commits when the block ends without an error."""

    approvals: ApprovalRepository
    chains: ChainRepository
    absences: AbsenceRepository
    openings: OpeningRepository
    organisations: OrganisationCopy  # the copy of the organisation registry (fed by organisation.* events)

    # Events that belong to no approval (a withdrawal answered before its approval started).
    loose_events: list[ApprovalEvent]

    def __enter__(self) -> Self:
        self.loose_events = []
        return super().__enter__()

    def touched(self) -> Iterable[Approval]:
        return self.approvals.seen

    def collect_new_events(self) -> Iterator[ApprovalEvent]:
        while self.loose_events:
            yield self.loose_events.pop(0)
        yield from super().collect_new_events()

    def _drop_events(self) -> None:
        self.loose_events.clear()
        super()._drop_events()

    def _write_back(self) -> None:
        self.approvals.save_all()


class OrganisationCopy(Protocol):
    """The copy of the organisation registry, in this unit of work (servicekit.organisations.CopyStore)."""

    def keep(self, payload: contract.OrganisationEvent) -> list[contract.SuccessionFact]:
        """Apply one ``organisation.*`` event (idempotent, order-independent); the successions added."""
        ...

    def registry(self) -> CopiedRegistry:
        """The copy as this transaction sees it."""
        ...


class SqlUnitOfWork(SqlAlchemyUnitOfWork, UnitOfWork):
    """Opens a transaction on ``db``, or joins ``session``'s (the consumer's, which also
    holds the inbox row). ``names`` reads the organisation registry's copy (cached per process)
    for the level names of the approvals it loads."""

    event_source = EVENT_SOURCE
    outbox_model = orm.Outbox

    def __init__(
        self,
        db: Database | None = None,
        *,
        session: Session | None = None,
        names: Callable[[], OrganisationNames | None] | None = None,
    ) -> None:
        super().__init__(db, session=session)
        self._names = names

    def start(self, session: Session) -> None:
        orm.start_mappers()
        track(session, orm.task_list_changes)  # whose task lists this transaction changes: their ETags change
        self.absences = SqlAbsenceRepository(session)
        self.approvals = SqlApprovalRepository(session, self.absences)
        if self._given_session is None and self._names is not None:
            # Before the transaction's first statement: the copy is read on a connection of its own,
            # which must not be waited for while this one (and perhaps a row lock) is held.
            self.approvals.names = self._names()
        else:
            # The consumer's session holds its connection already; the copy is read only by a use
            # case that loads an approval, not by each of the organisation.* events of a first sync
            # (each of which makes the cached copy load again).
            self.approvals.read_names = self._names
        self.chains = SqlChainRepository(session)
        self.openings = SqlOpeningRepository(session)
        self.organisations = CopyStore(session, orm.OrganisationCopyRow, orm.SuccessionCopyRow)

    def _write_back(self) -> None:
        # One flush for the state and its outbox rows (see SqlAlchemyUnitOfWork._record).
        with self.session.no_autoflush:
            self.approvals.save_all()

    def to_cloudevent(self, event: ApprovalEvent) -> Event:  # type: ignore[override]
        return to_cloudevent(event)


def to_cloudevent(event: ApprovalEvent) -> Event:
    # subject plans/{plan_id} (the document's id, whatever its kind): the outbox keeps one
    # document's events in order (docs/events.md).
    return new_event(event.name, source=EVENT_SOURCE, subject=f"plans/{event.plan_id}", data=event.payload())
