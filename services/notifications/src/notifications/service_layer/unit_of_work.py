"""The notifications service's unit of work (servicekit's, with this service's
repositories). This service publishes no events, so it collects none for an
outbox; the consumer's unit of work joins the transaction the idempotent consumer
opened, so the inbox row and the messages commit together."""

from __future__ import annotations

import abc
from collections.abc import Iterable

from servicekit.unit_of_work import Aggregate, SqlAlchemyUnitOfWork
from servicekit.unit_of_work import UnitOfWork as KitUnitOfWork
from sqlalchemy.orm import Session

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


class UnitOfWork(KitUnitOfWork, abc.ABC):
    notifications: NotificationRepository
    audiences: AudienceRepository
    approvals: ApprovalRepository
    mail: MailQueue
    subscriptions: SubscriptionRepository
    deliveries: DeliveryRepository

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
