"""What callers ask of the service (imperative); each has one handler in service_layer.handlers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListInbox:
    reader: str
    unread_only: bool = False
    limit: int = 20
    cursor: str | None = None


@dataclass(frozen=True)
class MarkRead:
    reader: str
    notification_id: str


@dataclass(frozen=True)
class MarkAllRead:
    reader: str


@dataclass(frozen=True)
class CreateSubscription:
    owner: str
    url: str
    event_types: tuple[str, ...]
    province: str | None = None


@dataclass(frozen=True)
class DeleteSubscription:
    owner: str
    subscription_id: str


@dataclass(frozen=True)
class ListDeliveries:
    owner: str
    subscription_id: str
    limit: int = 50
    cursor: str | None = None
