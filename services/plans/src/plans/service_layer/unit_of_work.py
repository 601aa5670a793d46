"""The unit of work: one transaction per use case. On a clean exit it writes every
touched plan and the plan's new events to the outbox, in that same transaction,
then commits; on an error nothing is written at all."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Any

from servicekit.db import Database
from servicekit.events import new_event
from servicekit.outbox import record_event, retract_unpublished
from sqlalchemy.orm import Session

from ..adapters.issued_files import IssuedFiles
from ..adapters.numbering_register import SqlAlchemyNumberingRegister
from ..adapters.orm import Outbox
from ..adapters.repository import AbstractPlanRepository, SqlAlchemyPlanRepository
from ..domain.events import PlanEvent
from ..domain.numbering import NumberingRegister

EVENT_SOURCE = "/ttdn/plans"


class AbstractUnitOfWork(abc.ABC):
    plans: AbstractPlanRepository
    register: NumberingRegister
    issued_files: IssuedFiles  # issued documents waiting for (or holding) their signed file

    def __enter__(self) -> AbstractUnitOfWork:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Any:
        if exc_type is None:
            for plan in self.plans.seen.values():
                self.plans.persist(plan)
                while plan.pending_events:
                    self._record(plan.pending_events.pop(0))
        return False

    @abc.abstractmethod
    def _record(self, event: PlanEvent) -> None:
        """Keep ``event`` for publication with the state change."""

    @abc.abstractmethod
    def retract_submission(self, plan_id: str, version: int) -> bool:
        """Take back the ``plan.submitted`` of ``version`` if it has certainly not left the service
        (so no approval can have started on it); True when it was taken back."""


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """Opens its own transaction on ``db``, or joins ``session`` (the consumer's, which also
    holds the inbox row and commits when the handler returns)."""

    def __init__(self, db: Database | None = None, *, session: Session | None = None) -> None:
        if (db is None) == (session is None):
            raise ValueError("give either a database or a session")
        self._db = db
        self._given_session = session
        self._transaction: Any = None

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        if self._db is not None:
            self._transaction = self._db.transaction()
            self.session = self._transaction.__enter__()
        else:
            assert self._given_session is not None
            self.session = self._given_session
        self.plans = SqlAlchemyPlanRepository(self.session)
        self.register = SqlAlchemyNumberingRegister(self.session)
        self.issued_files = IssuedFiles(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Any:
        try:
            super().__exit__(exc_type, exc, tb)
        except BaseException as error:  # writing failed: roll back, then let the error through
            if self._transaction is not None:
                self._transaction.__exit__(type(error), error, error.__traceback__)
                self._transaction = None
            raise
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            return transaction.__exit__(exc_type, exc, tb)
        return False

    def _record(self, event: PlanEvent) -> None:
        message = new_event(event.name, source=EVENT_SOURCE, subject=f"plans/{event.plan_id}", data=event.payload())
        record_event(self.session, Outbox, message)

    def retract_submission(self, plan_id: str, version: int) -> bool:
        return retract_unpublished(
            self.session, Outbox, aggregate_id=f"plans/{plan_id}", routing_key="plan.submitted", version=version
        )
