"""Every event type of the contract through RabbitMQ into PostgreSQL: the
consumer process's real loop, queue topology and idempotent inbox."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from notifications.adapters.orm import (
    Inbox,
    NotificationRow,
    OutgoingMailRow,
    PlanAudienceRow,
    WebhookSubscriptionRow,
    webhook_deliveries,
)
from notifications.domain.events import SUBSCRIBABLE
from notifications.entrypoints.consumer import build_consumer
from notifications.testing import CAO_BANG_REPORT_ID, FakeDirectory
from servicekit.broker import Publisher
from servicekit.events import Event
from servicekit.topology import SUITE_QUEUES, declare_all
from sqlalchemy import func, select

from tests.integration.notifications.support import (
    PUBLIC_URL,
    make_deps,
    make_settings,
    migrated,
    sample_event,
    wait_for,
)

DRAFTERS = {"drafter.cb", "dual.cb", "drafter2.cb"}
OPEN_APPROVAL = "a7f3e2d1-0000-4000-8000-0000000000aa"  # the resubmitted version's approval
REPORT_APPROVAL = "a7f3e2d1-0000-4000-8000-0000000000bb"  # the year-end report's approval


@pytest.fixture(scope="module")
def running(module_postgres_url: str, module_amqp_url: str):
    db = migrated(module_postgres_url)
    settings = make_settings(
        module_postgres_url, amqp_url=module_amqp_url, retry_delays_ms="200", max_delivery_attempts=3
    )
    deps = make_deps(db, settings, FakeDirectory())
    with db.transaction() as session:  # an integrator listening to everything
        session.add(
            WebhookSubscriptionRow(
                id="3f9b2a70-6c1d-4e8f-a2b4-5d6e7f8091a2",
                owner="ttdn-integrator-dashboard",
                url="http://127.0.0.1:9/hooks",
                event_types=list(SUBSCRIBABLE),
                province=None,
                secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                created_at=datetime.now(UTC),
            )
        )
    consumer = build_consumer(settings, db, deps.bus)
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    assert consumer.connected.wait(20)
    publisher = Publisher(
        module_amqp_url,
        settings.events_exchange,
        on_connect=lambda channel: declare_all(channel, settings.events_exchange, SUITE_QUEUES, settings.retry_delays),
    )

    def publish(event: Event) -> None:
        publisher.publish(event.routing_key, event.to_json().encode(), message_id=event.id, event_type=event.type)

    def handled(event: Event) -> None:
        def seen() -> bool:
            with db.transaction() as session:
                return session.get(Inbox, ("notifications.events", event.id)) is not None

        wait_for(seen)

    submitted = sample_event("plan.submitted")
    publish(submitted)
    handled(submitted)
    yield db, publish, handled
    stop.set()
    thread.join(10)
    publisher.close()
    db.dispose()


def readers_of(db, event: Event) -> list[str]:
    with db.transaction() as session:
        return sorted(session.scalars(select(NotificationRow.recipient).where(NotificationRow.event_id == event.id)))


def deliveries_of(db, event: Event) -> int:
    with db.transaction() as session:
        return session.scalar(
            select(func.count()).select_from(webhook_deliveries).where(webhook_deliveries.c.event_id == event.id)
        )


@pytest.mark.parametrize(
    ("name", "overrides", "expected"),
    [
        ("plan.withdrawn", {}, set()),
        ("plan.approved", {}, DRAFTERS),
        ("approval.task_assigned", {"level": 1}, {"dept.cb"}),
        ("approval.task_delegated", {"level": 3}, {"ministry.2"}),
        ("approval.decision_recorded", {"level": 1}, DRAFTERS),
        ("approval.completed", {"level": 2}, DRAFTERS),
        ("approval.completed", {"outcome": "cancelled", "by": "drafter.cb"}, set()),
        ("approval.task_reminder", {"level": 2, "approval_id": OPEN_APPROVAL}, {"province.cb"}),
        ("approval.task_overdue", {"level": 3, "approval_id": OPEN_APPROVAL}, {"ministry.1", "ministry.2"}),
        # the sample approval completed above: a reminder that arrives late tells nobody
        ("approval.task_reminder", {"level": 2}, set()),
        # reports: the co-drafters hear of a submission and a withdrawal, every drafter of the rest
        ("report.submitted", {}, DRAFTERS - {"drafter.cb"}),
        ("approval.task_assigned", {"level": 2, "report": True, "approval_id": REPORT_APPROVAL}, {"province.cb"}),
        ("approval.decision_recorded", {"level": 2, "report": True, "approval_id": REPORT_APPROVAL}, DRAFTERS),
        ("report.approved", {}, DRAFTERS),
        ("report.received", {}, DRAFTERS),
        ("report.withdrawn", {}, DRAFTERS - {"drafter.cb"}),
    ],
)
def test_each_event_type_reaches_its_readers_and_the_subscribed_integrator(running, name, overrides, expected) -> None:
    db, publish, handled = running
    event = sample_event(name, **overrides)
    publish(event)
    handled(event)
    assert set(readers_of(db, event)) == expected
    assert deliveries_of(db, event) == 1


def test_plan_submitted_records_the_plans_drafters(running) -> None:
    db, _, _ = running
    with db.transaction() as session:
        audience = session.get(PlanAudienceRow, "5f0c8a1e-2b7d-4c55-9a7e-0d3c2f6b8a11")
        assert audience is not None and audience.drafters == ["drafter.cb", "dual.cb"]


def test_report_submitted_records_the_reports_drafters_and_links_to_the_report(running) -> None:
    db, publish, handled = running
    event = sample_event("report.submitted")
    publish(event)
    handled(event)
    with db.transaction() as session:
        audience = session.get(PlanAudienceRow, CAO_BANG_REPORT_ID)
        assert audience is not None and audience.drafters == ["drafter.cb", "dual.cb"]
        links = set(session.scalars(select(NotificationRow.link).where(NotificationRow.event_id == event.id)))
    assert links == {f"{PUBLIC_URL}/reports/{CAO_BANG_REPORT_ID}"}


def test_a_redelivered_event_makes_no_second_message_mail_or_delivery(running) -> None:
    db, publish, handled = running
    event = sample_event("approval.decision_recorded", level=1, task_id="t-redelivered")
    publish(event)
    publish(event)  # the broker redelivers, or the producer's relay republished after a crash
    sentinel = sample_event("plan.withdrawn")
    publish(sentinel)
    handled(sentinel)  # one consumer handles in order: the duplicate is behind us
    assert readers_of(db, event) == sorted(DRAFTERS)
    assert deliveries_of(db, event) == 1
    with db.transaction() as session:
        mails = session.scalar(
            select(func.count())
            .select_from(OutgoingMailRow)
            .join(NotificationRow, NotificationRow.id == OutgoingMailRow.notification_id)
            .where(NotificationRow.event_id == event.id)
        )
    assert mails == 3
