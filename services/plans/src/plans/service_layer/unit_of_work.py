"""The plans service's unit of work (servicekit's, with the plans repository and the
numbering register): on a clean exit it writes every touched plan and the plans'
new events to the outbox, in that same transaction, then commits."""

from __future__ import annotations

import abc
import itertools
from collections.abc import Iterable
from typing import Any

from servicekit.contracts.events import OrganisationEvent, aggregate_of
from servicekit.events import Event, new_event
from servicekit.outbox import retract_unpublished
from servicekit.unit_of_work import SqlAlchemyUnitOfWork
from servicekit.unit_of_work import UnitOfWork as KitUnitOfWork
from sqlalchemy.orm import Session

from ..adapters.calls import CallRepository, OverviewStore
from ..adapters.issued_files import IssuedFiles
from ..adapters.numbering_register import SqlAlchemyNumberingRegister
from ..adapters.organisations import OrganisationStore
from ..adapters.orm import Outbox
from ..adapters.repository import AbstractPlanRepository, SqlAlchemyPlanRepository
from ..domain.events import PlanEvent
from ..domain.numbering import NumberingRegister

EVENT_SOURCE = "/ttdn/plans"


class UnitOfWork(KitUnitOfWork, abc.ABC):
    plans: AbstractPlanRepository
    register: NumberingRegister
    issued_files: IssuedFiles  # issued documents waiting for (or holding) their signed file
    calls: CallRepository
    overview: OverviewStore  # the overview read model (fed by events only)
    organisations: OrganisationStore  # the organisation registry's tables (the administrator's changes)

    def touched(self) -> Iterable[Any]:
        calls = self.calls.seen.values() if getattr(self, "calls", None) is not None else ()
        # The registry's store keeps the organisation.* events of its changes like an aggregate.
        registry = [self.organisations] if getattr(self, "organisations", None) is not None else []
        return itertools.chain(self.plans.seen.values(), calls, registry)

    def _write_back(self) -> None:
        for plan in self.plans.seen.values():
            self.plans.persist(plan)

    @abc.abstractmethod
    def retract_submission(self, plan_id: str, version: int, routing_key: str = "plan.submitted") -> bool:
        """Take back the ``plan.submitted`` (``report.submitted`` for a report) of ``version`` if it has
        certainly not left the service (so no approval can have started on it); True when it was taken back."""


class SqlUnitOfWork(SqlAlchemyUnitOfWork, UnitOfWork):
    """Opens its own transaction on ``db``, or joins ``session`` (the consumer's)."""

    event_source = EVENT_SOURCE
    outbox_model = Outbox

    def start(self, session: Session) -> None:
        self.plans = SqlAlchemyPlanRepository(session)
        self.register = SqlAlchemyNumberingRegister(session)
        self.issued_files = IssuedFiles(session)
        self.calls = CallRepository(session)
        self.overview = OverviewStore(session)
        self.organisations = OrganisationStore(session)

    def to_cloudevent(self, event: PlanEvent | OrganisationEvent) -> Event:  # type: ignore[override]
        return new_event(event.name, source=EVENT_SOURCE, subject=aggregate_of(event), data=event.payload())

    def retract_submission(self, plan_id: str, version: int, routing_key: str = "plan.submitted") -> bool:
        return retract_unpublished(
            self.session, Outbox, aggregate_id=f"plans/{plan_id}", routing_key=routing_key, version=version
        )
