"""The unit of work: one transaction per use case, and the repositories inside it.

This service publishes no events, so the unit of work collects none for the
outbox; the consumer's unit of work joins the transaction the idempotent
consumer opened, so the inbox row and the messages commit together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from servicekit.db import Database
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


class UnitOfWork(Protocol):
    # Read-only members, so that any object with repositories of these shapes fits.
    @property
    def notifications(self) -> NotificationRepository: ...
    @property
    def audiences(self) -> AudienceRepository: ...
    @property
    def approvals(self) -> ApprovalRepository: ...
    @property
    def mail(self) -> MailQueue: ...
    @property
    def subscriptions(self) -> SubscriptionRepository: ...
    @property
    def deliveries(self) -> DeliveryRepository: ...


class SqlUnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.notifications = SqlNotifications(session)
        self.audiences = SqlAudiences(session)
        self.approvals = SqlApprovals(session)
        self.mail = SqlMailQueue(session)
        self.subscriptions = SqlSubscriptions(session)
        self.deliveries = SqlDeliveries(session)


@contextmanager
def unit_of_work(db: Database) -> Iterator[SqlUnitOfWork]:
    """Commits when the block ends; rolls back everything if it raises."""
    with db.transaction() as session:
        yield SqlUnitOfWork(session)
