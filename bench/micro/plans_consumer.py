"""The plans consumer's cost per approval event, in process, on a scratch PostgreSQL database.

Prepares submitted plans, then feeds each plan's three-level approval (task assigned, decision,
per level, then the completion) through both of the plans service's queues' consumers, as the
broker would deliver them but without it (``EventConsumer.process_batch``): the plans' own queue
(timeline, state, number) and the overview's, each only the events its bindings route to it. The
plans' approvals are interleaved, as under many deciders. Prints, per queue, the CPU per approval
event (``time.process_time``: this process only, not the database's) and the SQL statements per
approval event, both over the events fed to either queue, so that an event a queue is not bound to
counts as the nothing it costs.

    .venv/bin/python -m bench.micro.plans_consumer --plans 60 --batch 1
    .venv/bin/python -m bench.micro.plans_consumer --profile var/plans-consumer.prof

The database is created beside the test databases (``TEST_PG_ADMIN_DSN``) and dropped at the end.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from plans.adapters.orm import Outbox
from plans.bootstrap import bootstrap
from plans.config import PlansSettings
from plans.domain import commands
from plans.entrypoints.consumer import OVERVIEW_QUEUE, QUEUE, build_consumer
from servicekit.consumer import EventConsumer
from servicekit.db import Database
from servicekit.events import Event, new_event
from servicekit.process import upgrade_database
from servicekit.topology import suite_queue
from sqlalchemy import select

from bench.micro import Statements, scratch_database
from infra.local.sample_plans import CAO_BANG_2024, drafter_of
from tests.support.audit import routed

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "plans" / "migrations"
DRAFTER = drafter_of("svhttdl-cao-bang")
WARM_UP = 3  # plans approved before measuring
LEVELS = {
    1: ({"vi": "Lãnh đạo Sở", "en": "Department leadership"}, "dept_approver", "dept.cb"),
    2: ({"vi": "UBND tỉnh", "en": "Provincial People's Committee"}, "province_approver", "province.cb"),
    3: ({"vi": "Bộ VHTTDL", "en": "Ministry"}, "ministry_approver", "ministry.1"),
}


def approval_of(plan_id: str, content_sha256: str, start: datetime) -> list[Event]:
    """The approvals service's events for one plan's three-level approval that ends approved."""
    approval_id = str(uuid.uuid4())
    context: dict[str, Any] = {
        "subject": {"kind": "plan", "id": plan_id, "version": 1, "content_sha256": content_sha256},
        "plan_id": plan_id,
        "version": 1,
        "title": CAO_BANG_2024["title"],
        "org_unit": "svhttdl-cao-bang",
        "province": "ubnd-cao-bang",
        "year": 2024,
        "approval_id": approval_id,
    }
    events, at = [], start
    for level, (level_name, role, approver) in LEVELS.items():
        task = {**context, "task_id": f"{approval_id}-{level}", "level": level, "level_name": level_name}
        at += timedelta(minutes=1)
        assigned = {**task, "role": role, "scope": "province", "due_at": (at + timedelta(days=3)).isoformat()}
        events.append(_event("approval.task_assigned", {**assigned, "assignees": [approver]}, plan_id, at))
        at += timedelta(minutes=1)
        said = {"decision": "approve", "comment": "Đồng ý.", "by": approver, "decided_at": at.isoformat()}
        decided = {**task, **said, "content_sha256": content_sha256, "signature": "1" * 64}
        events.append(_event("approval.decision_recorded", decided, plan_id, at))
    at += timedelta(seconds=1)
    ended = {"outcome": "approved", "level": 3, "level_name": LEVELS[3][0], "comment": "Đồng ý.", "by": "ministry.1"}
    events.append(_event("approval.completed", {**context, **ended}, plan_id, at))
    return events


def _event(name: str, data: dict[str, Any], plan_id: str, at: datetime) -> Event:
    event = new_event(name, source="/ttdn/approvals", subject=f"plans/{plan_id}", data=data)
    return Event(**{**event.__dict__, "time": at})


def bound(queue: str, events: list[Event]) -> list[Event]:
    """The events the broker would route to ``queue``."""
    spec = suite_queue(queue)
    return [event for event in events if routed(event.routing_key, spec)]


def feed(consumer: EventConsumer, events: list[Event], batch: int) -> None:
    for start in range(0, len(events), batch):
        consumer.process_batch([(event, None) for event in events[start : start + batch]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=43, help="plans approved (7 events each)")
    parser.add_argument("--batch", type=int, default=1, help="deliveries handled in one transaction")
    parser.add_argument("--profile", help="write a cProfile of the measured feeding to this file")
    parser.add_argument("--show", action="store_true", help="print the statements of the last plan's events")
    arguments = parser.parse_args()
    with scratch_database() as url:
        upgrade_database(MIGRATIONS, url)
        settings = PlansSettings(database_url=url, amqp_url="amqp://guest:guest@127.0.0.1:1/%2F", log_format="text")
        db = Database(url)
        bus = bootstrap(settings, db=db)
        plans = []
        for _ in range(WARM_UP + arguments.plans + 1):  # the first ones to warm up, the last one for --show
            plan = bus.handle(commands.CreatePlan(actor=DRAFTER, content=copy.deepcopy(CAO_BANG_2024)))
            submitted = bus.handle(commands.SubmitPlan(actor=DRAFTER, plan_id=plan.id))
            plans.append((submitted.id, submitted.versions[-1].content_sha256))
        consumers = {queue: build_consumer(settings, db, bus, queue) for queue in (QUEUE, OVERVIEW_QUEUE)}
        with db.transaction() as session:  # what the overview knew before the approvals: the plans' own events
            rows = session.scalars(select(Outbox).order_by(Outbox.seq)).all()
            known = [Event.from_json(row.payload.encode()) for row in rows]
        feed(consumers[OVERVIEW_QUEUE], known, 20)
        start = datetime.now(UTC)
        approvals = [approval_of(plan_id, sha, start) for plan_id, sha in plans[:-1]]
        # The plans side by side, as under many deciders; the first few plans warm up the caches
        # (statements compiled, the contract's schemas built), unmeasured.
        warm_up = [approval[step] for step in range(7) for approval in approvals[:WARM_UP]]
        events = [approval[step] for step in range(7) for approval in approvals[WARM_UP:]]
        for queue, consumer in consumers.items():
            feed(consumer, bound(queue, warm_up), arguments.batch)
        statements = Statements(db.engine)
        profile = cProfile.Profile(time.process_time) if arguments.profile else None
        print(f"{len(events)} approval events, {arguments.plans} plans, batches of {arguments.batch}")
        for queue, consumer in consumers.items():
            statements.count, statements.counting = 0, True
            if profile:
                profile.enable()
            delivered = bound(queue, events)
            began = time.process_time()
            feed(consumer, delivered, arguments.batch)
            spent = time.process_time() - began
            if profile:
                profile.disable()
            statements.counting = False
            print(
                f"{queue:24} {1000 * spent / len(events):6.2f} ms CPU/event"
                f"  {statements.count / len(events):5.2f} statements/event"
                f"  ({len(delivered)} delivered)"
            )
        if arguments.show:
            for queue, consumer in consumers.items():
                for event in bound(queue, approval_of(*plans[-1], start + timedelta(hours=1))):
                    statements.shown = []
                    consumer.process_batch([(event, None)])
                    print(f"-- {queue} {event.name}", *statements.shown, sep="\n   ")
            statements.shown = None
        if profile and arguments.profile:
            profile.dump_stats(arguments.profile)
        db.dispose()


if __name__ == "__main__":
    main()
