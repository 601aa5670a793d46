"""Every event type of the contract through RabbitMQ into PostgreSQL: the
consumer process's real loop, queue topology and idempotent inbox."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from notifications.adapters.orm import (
    Inbox,
    NotificationMentionRow,
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
    """Who has the event in an inbox item (an item of its own, or the item of its happening)."""
    with db.transaction() as session:
        return sorted(
            session.scalars(select(NotificationMentionRow.recipient).where(NotificationMentionRow.event_id == event.id))
        )


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
            .join(NotificationMentionRow, NotificationMentionRow.notification_id == OutgoingMailRow.notification_id)
            .where(NotificationMentionRow.event_id == event.id)
        )
    assert mails == 3


def test_a_final_approval_redelivered_and_out_of_order_is_one_item_and_one_mail_per_drafter(running) -> None:
    db, publish, handled = running
    version = {"version": 7, "approval_id": "a7f3e2d1-0000-4000-8000-0000000000c7"}  # a happening of its own
    decision = sample_event("approval.decision_recorded", level=3, decision="approve", **version)
    completed = sample_event("approval.completed", level=3, outcome="approved", **version)
    number = sample_event("plan.approved", version=7)
    for event in (number, decision, number, completed, decision):  # the number first, two redelivered
        publish(event)
    handled(completed)
    sentinel = sample_event("plan.withdrawn")
    publish(sentinel)
    handled(sentinel)  # one consumer handles in order: the redeliveries are behind us
    with db.transaction() as session:
        items = session.execute(
            select(NotificationRow.recipient, NotificationRow.event_type, NotificationRow.body).where(
                NotificationRow.id.in_(
                    select(NotificationMentionRow.notification_id).where(
                        NotificationMentionRow.event_id.in_([decision.id, completed.id, number.id])
                    )
                )
            )
        ).all()
        mentions = session.scalar(
            select(func.count())
            .select_from(NotificationMentionRow)
            .where(NotificationMentionRow.event_id.in_([decision.id, completed.id, number.id]))
        )
        mails = session.execute(
            select(OutgoingMailRow.recipient, OutgoingMailRow.subject).where(
                OutgoingMailRow.notification_id.in_(
                    [
                        item_id
                        for item_id in session.scalars(
                            select(NotificationMentionRow.notification_id).where(
                                NotificationMentionRow.event_id == number.id
                            )
                        )
                    ]
                )
            )
        ).all()
    assert sorted(recipient for recipient, _, _ in items) == sorted(DRAFTERS)
    assert {event_type for _, event_type, _ in items} == {"plan.approved"}
    assert all(
        "(Trần Đức Thắng) phê duyệt và ban hành với số 15/KH-UBND" in body
        for recipient, _, body in items
        if recipient != "drafter2.cb"
    )
    assert mentions == 3 * len(DRAFTERS)  # each event once per drafter, however often it came
    assert sorted(recipient for recipient, _ in mails) == sorted(DRAFTERS)
    assert all(
        subject.startswith(("Kế hoạch đã được cấp số 15/KH-UBND", "Plan issued as No. 15/KH-UBND"))
        for _, subject in mails
    )
