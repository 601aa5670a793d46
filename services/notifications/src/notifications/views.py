"""What callers read: ``view(…, uow)``, read-only."""

from __future__ import annotations

from dataclasses import dataclass

from .domain import commands
from .domain.errors import SubscriptionNotFound
from .domain.model import Notice
from .domain.webhooks import Subscription
from .service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class InboxPage:
    items: list[Notice]
    next_cursor: str | None
    unread_count: int
    version: int  # the reader's inbox version, read before the page: the page is never older than it


def list_inbox(query: commands.ListInbox, uow: UnitOfWork) -> InboxPage:
    with uow:
        version = uow.notifications.version(query.reader)
        items, next_cursor = uow.notifications.page(
            query.reader, unread_only=query.unread_only, limit=query.limit, cursor=query.cursor
        )
        return InboxPage(
            items=items,
            next_cursor=next_cursor,
            unread_count=uow.notifications.unread_count(query.reader),
            version=version,
        )


def inbox_version(reader: str, uow: UnitOfWork) -> int:
    """The reader's inbox version alone (one primary-key read): enough to answer a poll that has it."""
    with uow:
        return uow.notifications.version(reader)


def count_unread(reader: str, uow: UnitOfWork) -> int:
    with uow:
        return uow.notifications.unread_count(reader)


def list_subscriptions(owner: str, uow: UnitOfWork) -> list[Subscription]:
    with uow:
        return uow.subscriptions.of_owner(owner)


def list_deliveries(query: commands.ListDeliveries, uow: UnitOfWork) -> tuple[list[dict], str | None]:
    """A subscription's delivery log, newest first; another integrator's subscription is not found."""
    with uow:
        if uow.subscriptions.get(query.owner, query.subscription_id) is None:
            raise SubscriptionNotFound(query.subscription_id)
        return uow.deliveries.log(query.subscription_id, limit=query.limit, cursor=query.cursor)
