"""The notifications service's unit of work (servicekit's, with this service's
repositories). This service publishes no events, so it collects none for an
outbox; the consumer's unit of work joins the transaction the idempotent consumer
opened, so the inbox row and the messages commit together."""

from __future__ import annotations

import abc
from collections.abc import Iterable
from typing import Protocol

from servicekit.contracts import events as contract
from servicekit.organisations import CopiedRegistry, CopyStore
from servicekit.unit_of_work import Aggregate, SqlAlchemyUnitOfWork
from servicekit.unit_of_work import UnitOfWork as KitUnitOfWork
from sqlalchemy.orm import Session

from ..adapters.orm import OrganisationCopyRow, SuccessionCopyRow
from ..adapters.repository import (
    ApprovalRepository,
    AudienceRepository,
    DeliveryRepository,
    MailQueue,
    NotificationRepository,
    SqlApprovals,
    SqlAudiences,
    SqlDeliveries,
    SqlMailQueue,
    SqlNotifications,
    SqlSubscriptions,
    SubscriptionRepository,
)


class OrganisationCopy(Protocol):
    """The copy of the organisation registry (servicekit.organisations.CopyStore)."""

    def keep(self, payload: contract.OrganisationEvent) -> list[contract.SuccessionFact]: ...

    def registry(self) -> CopiedRegistry: ...


class UnitOfWork(KitUnitOfWork, abc.ABC):
    notifications: NotificationRepository
    audiences: AudienceRepository
    approvals: ApprovalRepository
    mail: MailQueue
    subscriptions: SubscriptionRepository
    deliveries: DeliveryRepository
    organisations: OrganisationCopy  # the organisation registry's copy, to name organisations

    def touched(self) -> Iterable[Aggregate]:
        return ()  # nothing here publishes events


class SqlUnitOfWork(SqlAlchemyUnitOfWork, UnitOfWork):
    def start(self, session: Session) -> None:
        self.notifications = SqlNotifications(session)
        self.audiences = SqlAudiences(session)
        self.approvals = SqlApprovals(session)
        self.mail = SqlMailQueue(session)
        self.subscriptions = SqlSubscriptions(session)
        self.deliveries = SqlDeliveries(session)
        self.organisations = CopyStore(session, OrganisationCopyRow, SuccessionCopyRow)
