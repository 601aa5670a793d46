"""In-memory fakes of the repositories, so use cases run without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from notifications.adapters.templates import TemplateRenderer
from notifications.bootstrap import bootstrap
from notifications.config import NotificationsSettings
from notifications.domain.deliveries import WebhookDelivery
from notifications.domain.model import InboxItem, MailState, Notice, PlanAudience, QueuedMail
from notifications.domain.webhooks import DeliveryStatus, Subscription
from notifications.service_layer.unit_of_work import UnitOfWork
from notifications.testing import FakeDirectory
from servicekit.messagebus import MessageBus
from servicekit.organisations import MemoryCopyStore


class FakeNotifications:
    """The inbox items in a list (newest last), the groups they answer to beside them."""

    def __init__(self) -> None:
        self.items: list[InboxItem] = []

    def items_for(self, readers, keys) -> dict[str, list[InboxItem]]:  # type: ignore[no-untyped-def]
        wanted, found = set(keys), {}
        for item in self.items:
            if item.recipient in readers and item.keys & wanted:
                found.setdefault(item.recipient, []).append(item)
        return found

    def save(self, changes) -> None:  # type: ignore[no-untyped-def]
        for item, absorbed in changes:
            gone = {other.id for other in absorbed if other.id != item.id}
            self.items = [kept for kept in self.items if kept.id not in gone]
            if all(kept.id != item.id for kept in self.items):
                self.items.append(item)

    def of(self, reader: str) -> list[InboxItem]:
        return [n for n in self.items if n.recipient == reader]

    def page(self, reader, *, unread_only, limit, cursor):  # pragma: no cover - the API is tested on PostgreSQL
        raise NotImplementedError

    def unread_count(self, reader: str) -> int:
        return sum(1 for n in self.of(reader) if n.read_at is None)

    def version(self, reader: str) -> int:  # pragma: no cover - the API is tested on PostgreSQL
        raise NotImplementedError

    def mark_read(self, reader: str, notification_id: str, when: datetime) -> Notice | None:
        for item in self.items:
            if item.id == notification_id and item.recipient == reader:
                if item.read_at is None:
                    item.read_at = when
                return item.notice()
        return None

    def mark_all_read(self, reader: str, when: datetime) -> int:
        unread = [n for n in self.of(reader) if n.read_at is None]
        for notice in unread:
            self.mark_read(reader, notice.id, when)
        return len(unread)


class FakeAudiences:
    def __init__(self) -> None:
        self.plans: dict[str, PlanAudience] = {}

    def get(self, plan_id: str) -> PlanAudience | None:
        stored = self.plans.get(plan_id)
        return PlanAudience(stored.plan_id, list(stored.drafters)) if stored else None

    def save(self, audience: PlanAudience) -> None:
        self.plans[audience.plan_id] = PlanAudience(audience.plan_id, list(audience.drafters))


class FakeApprovals:
    def __init__(self) -> None:
        self.closed: dict[str, str] = {}

    def is_closed(self, approval_id: str) -> bool:
        return approval_id in self.closed

    def close(self, approval_id: str, outcome: str, when: datetime) -> None:
        self.closed.setdefault(approval_id, outcome)


class FakeMailQueue:
    """Mails by id; ``claimed`` are those a mailer took (sent or on their way)."""

    def __init__(self) -> None:
        self.rows: dict[int, QueuedMail] = {}
        self.claimed: set[int] = set()

    @property
    def queued(self) -> list[QueuedMail]:
        return [self.rows[key] for key in sorted(self.rows)]

    def enqueue(self, mails) -> None:  # type: ignore[no-untyped-def]
        for mail in mails:
            self.rows[max(self.rows, default=0) + 1] = mail

    def claim_all(self) -> None:
        self.claimed |= set(self.rows)

    def of_items(self, notification_ids) -> list[MailState]:  # type: ignore[no-untyped-def]
        wanted = set(notification_ids)
        return [
            MailState(key, mail.notification_id, key not in self.claimed, mail.subject)
            for key, mail in sorted(self.rows.items())
            if mail.notification_id in wanted
        ]

    def retarget(self, notification_ids, to: str) -> None:  # type: ignore[no-untyped-def]
        for key, mail in self.rows.items():
            if mail.notification_id in set(notification_ids):
                self.rows[key] = replace(mail, notification_id=to)

    def rewrite(self, mail_id: int, mail: QueuedMail) -> bool:
        if mail_id in self.claimed:
            return False
        self.rows[mail_id] = mail
        return True

    def drop(self, mail_ids) -> None:  # type: ignore[no-untyped-def]
        for key in mail_ids:
            if key not in self.claimed:
                self.rows.pop(key, None)


class FakeSubscriptions:
    def __init__(self) -> None:
        self.items: dict[str, Subscription] = {}

    def add(self, subscription: Subscription) -> None:
        self.items[subscription.id] = subscription

    def of_owner(self, owner: str) -> list[Subscription]:
        return [s for s in self.items.values() if s.owner == owner]

    def get(self, owner: str, subscription_id: str) -> Subscription | None:
        found = self.items.get(subscription_id)
        return found if found and found.owner == owner else None

    def remove(self, owner: str, subscription_id: str, when: datetime) -> bool:
        if self.get(owner, subscription_id) is None:
            return False
        del self.items[subscription_id]
        return True

    def active(self) -> list[Subscription]:
        return list(self.items.values())

    def by_id(self, subscription_id: str) -> Subscription | None:
        return self.items.get(subscription_id)


class FakeDeliveries:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict] = {}

    def add(self, delivery: WebhookDelivery) -> None:
        self.rows.setdefault(
            (delivery.subscription_id, delivery.event_id),
            {
                "id": delivery.id,
                "event_type": delivery.event_type,
                "payload": delivery.payload,
                "status": delivery.status,
                "give_up_at": delivery.give_up_at,
            },
        )

    def cancel_pending(self, subscription_id: str, when: datetime) -> None:
        for (sub, _), row in self.rows.items():
            if sub == subscription_id and row["status"] == DeliveryStatus.PENDING:
                row["status"] = DeliveryStatus.CANCELLED

    def log(self, subscription_id, *, limit, cursor):
        return [row for (sub, _), row in self.rows.items() if sub == subscription_id][:limit], None


class FakeUnitOfWork(UnitOfWork):
    """Shares its stores across uses, like a database; nothing here publishes events."""

    def __init__(self) -> None:
        self.notifications = FakeNotifications()
        self.audiences = FakeAudiences()
        self.approvals = FakeApprovals()
        self.mail = FakeMailQueue()
        self.subscriptions = FakeSubscriptions()
        self.deliveries = FakeDeliveries()
        self.organisations = MemoryCopyStore()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture(scope="session")
def renderer() -> TemplateRenderer:
    return TemplateRenderer()


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()


def make_bus(directory: FakeDirectory, renderer: TemplateRenderer, **overrides: object) -> MessageBus:
    """The use cases over the fakes, wired by the service's own bootstrap."""
    settings = NotificationsSettings(
        public_url="https://ttdn.caobang.gov.vn",
        webhook_backoff_base_seconds=5,
        webhook_backoff_cap_seconds=3600,
        webhook_give_up_seconds=86400,
        webhook_allowed_hosts="",
    )
    return bootstrap(
        settings,
        uow=FakeUnitOfWork,
        directory=directory,
        renderer=renderer,
        clock=lambda: datetime.fromisoformat("2024-01-17T08:00:05+00:00"),
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
def bus(directory: FakeDirectory, renderer: TemplateRenderer) -> MessageBus:
    return make_bus(directory, renderer, resolve=lambda host: ["203.162.10.20"])
