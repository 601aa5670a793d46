"""The consumer's event path on PostgreSQL, batch by batch (the consumer's own processing, without
the broker): what an event costs in statements whatever the number of its readers, the webhook
subscriptions read once per batch, and the grouping of one happening when its events arrive in
one batch, in several, or again."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from notifications.adapters.orm import (
    InboxVersionRow,
    NotificationMentionRow,
    NotificationRow,
    OutgoingMailRow,
    PlanAudienceRow,
    WebhookSubscriptionRow,
    webhook_deliveries,
)
from notifications.adapters.repository import SqlSubscriptions
from notifications.domain.webhooks import Subscription
from notifications.entrypoints.consumer import build_consumer
from notifications.testing import DEMO_PEOPLE, FakeDirectory, person
from servicekit.consumer import EventConsumer
from servicekit.db import Database
from servicekit.events import Event
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from tests.integration.notifications.support import make_deps, make_settings, sample_event

PLAN_ID = "5f0c8a1e-2b7d-4c55-9a7e-0d3c2f6b8a11"  # the sample plan (notifications.testing)
# The unit's drafters beside the demo realm's: a decision tells each of them.
COLLEAGUES = [
    (
        person(f"drafter{n}.cb", "Nông Thị", f"Mai {n}", org_unit="svhttdl-cao-bang", province="ubnd-cao-bang"),
        ("drafter",),
    )
    for n in range(3, 23)
]


def consumer_on(db: Database, directory: FakeDirectory) -> EventConsumer:
    deps = make_deps(db, make_settings(str(db.engine.url.render_as_string(hide_password=False))), directory)
    return build_consumer(deps.settings, db, deps.bus)


@contextmanager
def statements(db: Database) -> Iterator[Counter[str]]:
    """The statements sent while the block runs, counted by their first words."""
    seen: Counter[str] = Counter()

    def count(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        seen[" ".join(re.sub(r"\s+", " ", statement).split(" ")[:3])] += 1

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)


def handle(consumer: EventConsumer, *events: Event) -> list[str]:
    """The events as one batch of the consumer: one transaction."""
    return consumer.process_batch([(event, None) for event in events])


def subscribe(db: Database, event_types: list[str]) -> str:
    subscription_id = str(uuid.uuid4())
    with db.transaction() as session:
        session.add(
            WebhookSubscriptionRow(
                id=subscription_id,
                owner="ttdn-integrator-dashboard",
                url="http://127.0.0.1:9/hooks",
                event_types=event_types,
                province=None,
                secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                created_at=datetime.now(UTC),
            )
        )
    return subscription_id


def deliveries_of(db: Database, subscription_id: str) -> set[str]:
    with db.transaction() as session:
        return set(
            session.scalars(
                select(webhook_deliveries.c.event_id).where(webhook_deliveries.c.subscription_id == subscription_id)
            )
        )


def test_an_event_costs_the_same_statements_for_three_readers_as_for_twenty_three(db: Database) -> None:
    few = consumer_on(db, FakeDirectory())
    many = consumer_on(db, FakeDirectory([*DEMO_PEOPLE.values(), *COLLEAGUES]))
    handle(few, sample_event("plan.submitted"))
    handle(many, sample_event("plan.withdrawn"))  # each reads the organisations' names once, first
    costs = []
    for consumer, level in ((few, 1), (many, 2)):
        decision = sample_event("approval.decision_recorded", level=level)
        with statements(db) as seen:
            assert handle(consumer, decision) == ["handled"]
        costs.append(seen)
        with db.transaction() as session:
            readers = session.scalar(
                select(func.count()).select_from(NotificationRow).where(NotificationRow.event_id == decision.id)
            )
            mails = session.scalar(
                select(func.count())
                .select_from(OutgoingMailRow)
                .join(NotificationRow, NotificationRow.id == OutgoingMailRow.notification_id)
                .where(NotificationRow.event_id == decision.id)
            )
        assert (readers, mails) == ((3, 3) if consumer is few else (23, 23))
    assert costs[0] == costs[1]
    # The inbox row, the audience, the readers' items (none yet), the new items, their events, their
    # groups, their mails, the subscriptions, the readers' list versions: one statement each.
    assert sum(costs[1].values()) == 9, costs[1]


def test_a_batch_reads_the_subscriptions_once_and_the_next_batch_sees_one_created_meanwhile(db: Database) -> None:
    consumer = consumer_on(db, FakeDirectory())
    everything = subscribe(db, ["approval.task_assigned", "approval.decision_recorded"])
    handle(consumer, sample_event("plan.submitted"))
    first = [
        sample_event("approval.decision_recorded", level=1, task_id="t-a"),
        sample_event("approval.task_assigned", level=2, task_id="t-b"),
        sample_event("approval.task_assigned", level=3, task_id="t-c"),
    ]
    with statements(db) as seen:
        handle(consumer, *first)
    assert sum(n for words, n in seen.items() if words.startswith("SELECT webhook_subscriptions.")) == 1
    assert deliveries_of(db, everything) == {event.id for event in first}

    assigned = subscribe(db, ["approval.task_assigned"])  # as the API commits it, between two batches
    second = [
        sample_event("approval.decision_recorded", level=2, task_id="t-d"),
        sample_event("approval.task_assigned", level=3, task_id="t-e"),
    ]
    handle(consumer, *second)
    assert deliveries_of(db, everything) == {event.id for event in first + second}
    assert deliveries_of(db, assigned) == {second[1].id}


def test_a_final_approval_in_one_batch_or_across_batches_is_one_item_per_drafter(db: Database) -> None:
    consumer = consumer_on(db, FakeDirectory())
    handle(consumer, sample_event("plan.submitted"))
    drafters = ["drafter.cb", "drafter2.cb", "dual.cb"]

    def final_approval(version: int) -> list[Event]:
        at = {"version": version, "approval_id": str(uuid.uuid4())}
        return [
            sample_event("approval.decision_recorded", level=3, decision="approve", **at),
            sample_event("approval.completed", level=3, outcome="approved", **at),
            sample_event("plan.approved", version=version),
        ]

    def items_of(events: list[Event]) -> list[tuple[str, str, int]]:
        with db.transaction() as session:
            ids = select(NotificationMentionRow.notification_id).where(
                NotificationMentionRow.event_id.in_([event.id for event in events])
            )
            rows = session.execute(
                select(NotificationRow.recipient, NotificationRow.event_type, func.count(OutgoingMailRow.id))
                .outerjoin(OutgoingMailRow, OutgoingMailRow.notification_id == NotificationRow.id)
                .where(NotificationRow.id.in_(ids))
                .group_by(NotificationRow.id)
            ).all()
        return sorted((recipient, event_type, mails) for recipient, event_type, mails in rows)

    expected = [(drafter, "plan.approved", 1) for drafter in drafters]
    together = final_approval(2)
    decision, completed, number = together
    assert handle(consumer, number, decision, completed, decision) == ["handled", "handled", "handled", "duplicate"]
    assert items_of(together) == expected

    apart = final_approval(3)
    decision, completed, number = apart
    assert handle(consumer, decision) == ["handled"]
    with db.transaction() as session:
        before = dict(session.execute(select(InboxVersionRow.username, InboxVersionRow.version)).all())
    assert handle(consumer, number, completed) == ["handled", "handled"]
    assert handle(consumer, completed, number) == ["duplicate", "duplicate"]
    assert items_of(apart) == expected
    with db.transaction() as session:
        after = dict(session.execute(select(InboxVersionRow.username, InboxVersionRow.version)).all())
        mentions = session.scalar(
            select(func.count())
            .select_from(NotificationMentionRow)
            .where(NotificationMentionRow.event_id.in_([event.id for event in apart]))
        )
    assert mentions == 3 * len(drafters)
    assert {name: after[name] - before.get(name, 0) for name in drafters} == dict.fromkeys(drafters, 1)


def test_a_subscription_added_or_removed_in_the_transaction_that_read_them_counts_at_once(db: Database) -> None:
    kept = subscribe(db, ["approval.completed"])
    with db.transaction() as session:
        subscriptions = SqlSubscriptions(session)
        assert [s.id for s in subscriptions.active()] == [kept]
        added = Subscription(
            id=str(uuid.uuid4()),
            owner="egov-caobang",
            url="http://127.0.0.1:9/egov",
            event_types=("approval.completed",),
            province=None,
            secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            created_at=datetime.now(UTC),
        )
        subscriptions.add(added)
        assert sorted(s.id for s in subscriptions.active()) == sorted([kept, added.id])
        assert subscriptions.remove("ttdn-integrator-dashboard", kept, datetime.now(UTC))
        assert [s.id for s in subscriptions.active()] == [added.id]


def test_a_resubmission_adds_its_new_editors_to_the_documents_drafters_and_the_same_one_writes_nothing(
    db: Database,
) -> None:
    consumer = consumer_on(db, FakeDirectory())
    handle(consumer, sample_event("plan.submitted"), sample_event("plan.submitted", edited_by=["drafter2.cb"]))
    with statements(db) as seen:
        handle(consumer, sample_event("plan.submitted", edited_by=["dual.cb"]))
    assert not [words for words in seen if words.startswith(("UPDATE plan_audiences", "INSERT INTO plan_audiences"))]
    with db.transaction() as session:
        drafters = session.scalar(select(PlanAudienceRow.drafters).where(PlanAudienceRow.plan_id == PLAN_ID))
    assert drafters == ["drafter.cb", "dual.cb", "drafter2.cb"]


def test_a_session_reads_the_subscriptions_again_in_its_next_transaction(db: Database) -> None:
    first = subscribe(db, ["approval.completed"])
    with db.sessions() as session:
        subscriptions = SqlSubscriptions(session)
        assert [s.id for s in subscriptions.active()] == [first]  # the read begins the transaction
        session.commit()
        second = subscribe(db, ["approval.completed"])
        assert sorted(s.id for s in subscriptions.active()) == sorted([first, second])
