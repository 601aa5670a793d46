"""The plans service on real PostgreSQL and RabbitMQ: the outbox relay publishes
plan events; the consumer applies approval events delivered shuffled and twice;
the numbering register stays gapless under concurrent approvals."""

from __future__ import annotations

import random
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pika
import pytest
from plans.adapters.orm import Inbox, IssuedNumberRow, Outbox
from plans.bootstrap import bootstrap
from plans.config import PlansSettings
from plans.domain import commands
from plans.domain.numbering import IssuingBodies
from plans.entrypoints.consumer import build_consumer
from plans.views import get_plan, plan_timeline
from servicekit.broker import Publisher
from servicekit.db import Database
from servicekit.events import Event, new_event
from servicekit.outbox import OutboxRelay
from servicekit.topology import SUITE_QUEUES, declare_all
from sqlalchemy import func, select

from infra.local.sample_plans import drafter_of
from tests.support.waiting import wait_for

DRAFTER = drafter_of("svhttdl-cao-bang")
LEVELS = {
    1: {"vi": "Lãnh đạo Sở", "en": "Department leadership"},
    2: {"vi": "UBND tỉnh", "en": "Provincial People's Committee"},
    3: {"vi": "Bộ VHTTDL", "en": "Ministry"},
}
RETRY_DELAYS = (200,)


@pytest.fixture(scope="module")
def stack(plans_db: str, module_amqp_url: str):  # type: ignore[no-untyped-def]
    settings = PlansSettings(database_url=plans_db, amqp_url=module_amqp_url, log_format="text")
    db = Database(settings.database_url)
    yield settings, db, bootstrap(settings, db=db)
    db.dispose()


def submitted_plan(bus, body) -> str:  # type: ignore[no-untyped-def]
    plan = bus.handle(commands.CreatePlan(actor=DRAFTER, content=body))
    return bus.handle(commands.SubmitPlan(actor=DRAFTER, plan_id=plan.id)).id


def approval_events(plan_id: str, version: int = 1) -> list[Event]:
    """The approvals service's events for a three-level approval that ends approved."""
    approval_id, at = str(uuid.uuid4()), datetime.now(UTC)
    context = {
        "plan_id": plan_id,
        "version": version,
        "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2024",
        "org_unit": "svhttdl-cao-bang",
        "province": "ubnd-cao-bang",
        "year": 2024,
        "approval_id": approval_id,
    }
    events, approvers = [], {1: "dept.cb", 2: "province.cb", 3: "ministry.1"}
    for level in (1, 2, 3):
        at += timedelta(hours=2)
        events.append(
            new_event(
                "approval.task_assigned",
                source="/ttdn/approvals",
                subject=f"plans/{plan_id}",
                data={
                    **context,
                    "task_id": f"{approval_id}-{level}",
                    "level": level,
                    "level_name": LEVELS[level],
                    "role": "dept_approver",
                    "scope": "org_unit",
                    "due_at": (at + timedelta(days=3)).isoformat(),
                    "assignees": [approvers[level]],
                },
            )
        )
        at += timedelta(hours=2)
        events.append(
            new_event(
                "approval.decision_recorded",
                source="/ttdn/approvals",
                subject=f"plans/{plan_id}",
                data={
                    **context,
                    "task_id": f"{approval_id}-{level}",
                    "level": level,
                    "level_name": LEVELS[level],
                    "decision": "approve",
                    "comment": "Đồng ý.",
                    "by": approvers[level],
                    "decided_at": at.isoformat(),
                    "content_sha256": "0" * 64,
                    "signature": "1" * 64,
                },
            )
        )
    events.append(
        new_event(
            "approval.completed",
            source="/ttdn/approvals",
            subject=f"plans/{plan_id}",
            data={
                **context,
                "outcome": "approved",
                "level": 3,
                "level_name": LEVELS[3],
                "comment": "Đồng ý.",
                "by": "ministry.1",
            },
        )
    )
    # Give the events distinct, ordered CloudEvent times too (the completed one carries no decided_at).
    first = datetime.now(UTC) + timedelta(minutes=30)
    return [Event(**{**e.__dict__, "time": first + timedelta(hours=2 * i)}) for i, e in enumerate(events)]


def test_the_relay_publishes_plan_submitted_with_the_contracts_fields(stack, body):
    settings, db, bus = stack
    plan_id = submitted_plan(bus, body)
    publisher = Publisher(
        settings.amqp_url,
        settings.events_exchange,
        on_connect=lambda ch: declare_all(ch, settings.events_exchange, SUITE_QUEUES, RETRY_DELAYS),
    )
    relay = OutboxRelay(db, Outbox, publisher)
    wait_for(lambda: relay.publish_pending() == 0 and relay.pending_count() == 0, what="the outbox to drain")
    publisher.close()
    connection = pika.BlockingConnection(pika.URLParameters(settings.amqp_url))
    try:
        channel = connection.channel()
        found = None
        while found is None:
            method, properties, raw = channel.basic_get("approvals.plan-events", auto_ack=True)
            assert method is not None, "plan.submitted was not routed to approvals.plan-events"
            event = Event.from_json(raw)
            if event.data["plan_id"] == plan_id:
                found = (event, properties)
    finally:
        connection.close()
    event, properties = found
    assert (
        event.type == "vn.ttdn.plan.submitted"
        and event.subject == f"plans/{plan_id}"
        and properties.message_id == event.id
    )
    assert {
        "plan_id",
        "version",
        "title",
        "org_unit",
        "province",
        "year",
        "content_sha256",
        "plan_type",
        "submitted_by",
        "created_by",
        "edited_by",
        "drafters",
        "submitted_at",
    } <= set(event.data)
    assert (
        event.data["title"] == "Kế hoạch hoạt động thông tin đối ngoại năm 2024"
        and event.data["submitted_by"] == "drafter.cb"
    )


def test_the_consumer_applies_shuffled_and_redelivered_approval_events(stack, body):
    settings, db, bus = stack
    plan_id = submitted_plan(bus, body)
    events = approval_events(plan_id)
    deliveries = events * 2
    random.Random(20240208).shuffle(deliveries)

    consumer = build_consumer(settings, db, bus, retry_delays_ms=RETRY_DELAYS)
    stop = threading.Event()
    worker = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    worker.start()
    try:
        wait_for(consumer.connected.is_set, what="the consumer to connect")
        publisher = Publisher(settings.amqp_url, settings.events_exchange)
        for event in deliveries:
            publisher.publish(event.routing_key, event.to_json().encode(), message_id=event.id, event_type=event.type)
        publisher.close()

        def handled() -> bool:
            with db.transaction() as session:
                count = session.scalar(
                    select(func.count()).select_from(Inbox).where(Inbox.event_id.in_([e.id for e in events]))
                )
            return count == len(events)

        wait_for(handled, what="every approval event to be handled")
    finally:
        stop.set()
        worker.join(10)

    plan = get_plan(plan_id, DRAFTER, bus.uow())
    assert (plan.status, plan.stage, plan.issuer) == ("approved", None, "ubnd-cao-bang")
    assert re.fullmatch(r"\d{2,}/KH-UBND", plan.document_number)
    kinds = [(entry.kind, entry.level, entry.actor) for entry in plan_timeline(plan_id, DRAFTER, bus.uow())]
    assert kinds == [
        ("created", None, "drafter.cb"),
        ("submitted", None, "drafter.cb"),
        ("task_assigned", 1, None),
        ("decision", 1, "dept.cb"),
        ("task_assigned", 2, None),
        ("decision", 2, "province.cb"),
        ("task_assigned", 3, None),
        ("decision", 3, "ministry.1"),
        ("approved", 3, "ministry.1"),
    ]
    with db.transaction() as session:
        approved = session.scalars(
            select(Outbox).where(Outbox.aggregate_id == f"plans/{plan_id}", Outbox.routing_key == "plan.approved")
        ).all()
        assert len(approved) == 1  # approved once, however often the completion arrived
        assert (
            session.scalar(select(func.count()).select_from(IssuedNumberRow).where(IssuedNumberRow.plan_id == plan_id))
            == 1
        )


def test_concurrent_approvals_take_gapless_unique_numbers(stack, body):
    settings, db, bus = stack
    # A register of its own for this test, so the module's other approvals do not share it.
    issuer_bus = bootstrap(
        settings,
        db=db,
        issuing_bodies=IssuingBodies(
            units={"svhttdl-cao-bang": {"issuer": "ubnd-cao-bang-CONCURRENCY", "symbol": "UBND"}}
        ),
    )
    plan_ids = [submitted_plan(bus, body) for _ in range(24)]
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def approve(chunk: list[str]) -> None:
        start.wait()
        for plan_id in chunk:
            try:
                fact = commands.CompleteApproval(
                    event_id=str(uuid.uuid4()),
                    plan_id=plan_id,
                    approval_id=str(uuid.uuid4()),
                    version=1,
                    occurred_at=datetime(2024, 3, 1, 3, tzinfo=UTC),
                    outcome="approved",
                    level=3,
                    by="ministry.1",
                )
                assert issuer_bus.handle(fact)
            except BaseException as error:
                failures.append(error)

    threads = [threading.Thread(target=approve, args=(plan_ids[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    numbers = sorted(get_plan(plan_id, DRAFTER, bus.uow()).document_number for plan_id in plan_ids)
    assert numbers == sorted(f"{n:02d}/KH-UBND" for n in range(1, 25))
    with db.transaction() as session:
        issued = session.scalars(
            select(IssuedNumberRow.number).where(IssuedNumberRow.issuer == "ubnd-cao-bang-CONCURRENCY")
        ).all()
    assert sorted(issued) == list(range(1, 25))
