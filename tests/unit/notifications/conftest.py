"""In-memory fakes of the repositories, so use cases run without I/O."""

from __future__ import annotations

from datetime import datetime

import pytest
from notifications.adapters.templates import TemplateRenderer
from notifications.bootstrap import bootstrap
from notifications.config import NotificationsSettings
from notifications.domain.deliveries import WebhookDelivery
from notifications.domain.model import Notice, PlanAudience, QueuedMail
from notifications.domain.webhooks import DeliveryStatus, Subscription
from notifications.service_layer.unit_of_work import UnitOfWork
from notifications.testing import FakeDirectory
from servicekit.messagebus import MessageBus
from servicekit.organisations import MemoryCopyStore


class FakeNotifications:
    def __init__(self) -> None:
        self.items: list[Notice] = []

    def add(self, notice: Notice) -> None:
        self.items.append(notice)

    def of(self, reader: str) -> list[Notice]:
        return [n for n in self.items if n.recipient == reader]

    def page(self, reader, *, unread_only, limit, cursor):  # pragma: no cover - the API is tested on PostgreSQL
        raise NotImplementedError

    def unread_count(self, reader: str) -> int:
        return sum(1 for n in self.of(reader) if n.read_at is None)

    def mark_read(self, reader: str, notification_id: str, when: datetime) -> Notice | None:
        for index, notice in enumerate(self.items):
            if notice.id == notification_id and notice.recipient == reader:
                if notice.read_at is None:
                    self.items[index] = notice = Notice(**{**notice.__dict__, "read_at": when})
                return notice
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
    def __init__(self) -> None:
        self.queued: list[QueuedMail] = []

    def enqueue(self, mail: QueuedMail) -> None:
        self.queued.append(mail)


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
