"""What callers ask of the service (imperative): each command has one handler in
``service_layer.handlers``; the queries (``ListInbox``, ``ListDeliveries``) are read by
``notifications.views``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .deliveries import DeliveryJob


@dataclass(frozen=True)
class IncomingEvent:
    """A suite event to turn into messages and deliveries: its id, short name, payload and JSON."""

    id: str
    name: str
    data: Mapping[str, Any]
    json: str


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


@dataclass(frozen=True)
class ClaimDueDigests:
    """Claim every digest due now: stale claims first (a mailer died or SMTP failed), then new ones."""


@dataclass(frozen=True)
class SendDigest:
    batch_id: str


@dataclass(frozen=True)
class ClaimDueDeliveries:
    limit: int
    busy: frozenset[str] = frozenset()  # subscriptions with an attempt in flight in this process


@dataclass(frozen=True)
class AttemptDelivery:
    job: DeliveryJob
