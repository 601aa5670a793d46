"""CPU and statements per event of the notifications consumer's handler, in-process.

    .venv/bin/python -m bench.micro.notifications_consumer [--plans 50] [--batch 10] [--database-url URL]

Feeds the events of approvals at work through the consumer's own processing (the inbox
statement, the contract's parse, the handler, the commit), without the broker, against a
scratch PostgreSQL database (created and dropped here unless ``--database-url`` is given):
each plan is submitted, then decided at levels 1, 2 and 3, each decision bringing
``approval.decision_recorded`` (the drafters are told) and ``approval.task_assigned`` for the
next level (its assignees are told), the last one ``approval.completed``. The plans' events
are interleaved as concurrent approvals interleave them, and handed over in batches of
``--batch``, as the consumer takes what arrived together. One integrator's subscription is
stored (it wants ``approval.completed``), so the subscriptions are read as in production.

Prints CPU ms per event (``time.process_time``: this process only, not PostgreSQL's), wall
ms per event and statements per event (counted on the engine), after a warm-up round that
is not counted (pydantic's adapters, SQLAlchemy's statement cache, the templates).
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from notifications.adapters.orm import WebhookSubscriptionRow
from notifications.bootstrap import bootstrap
from notifications.config import NotificationsSettings
from notifications.entrypoints.consumer import build_consumer
from notifications.testing import FakeDirectory, sample_event_data
from servicekit.db import Database
from servicekit.events import Event, new_event
from servicekit.process import upgrade_database
from sqlalchemy import event as sa_event

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "notifications" / "migrations"
PG_ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    name = f"ttdn_micro_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def event(name: str, plan_id: str, approval_id: str, **data: Any) -> Event:
    payload = sample_event_data(name, plan_id=plan_id, approval_id=approval_id, **data)
    return new_event(name, source="/ttdn/bench", subject=f"plans/{plan_id}", data=payload)


def approvals(plans: int) -> tuple[list[Event], list[Event]]:
    """The submissions of ``plans`` plans, and their decisions' events interleaved plan by plan."""
    submissions, rounds = [], []
    for _ in range(plans):
        plan_id, approval_id = str(uuid.uuid4()), str(uuid.uuid4())
        submissions.append(event("plan.submitted", plan_id, approval_id))
        steps = []
        for level in (1, 2, 3):
            task = {"level": level, "task_id": f"t-{level}-{plan_id[:8]}"}
            steps.append(event("approval.decision_recorded", plan_id, approval_id, decision="approve", **task))
            if level < 3:
                nxt = {"level": level + 1, "task_id": f"t-{level + 1}-{plan_id[:8]}"}
                steps.append(event("approval.task_assigned", plan_id, approval_id, **nxt))
            else:
                steps.append(event("approval.completed", plan_id, approval_id, outcome="approved", level=3))
        rounds.append(steps)
    interleaved = [step for level in zip(*rounds, strict=True) for step in level]
    return submissions, interleaved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=50, help="plans decided (6 events each)")
    parser.add_argument("--batch", type=int, default=10, help="events per consumer batch")
    parser.add_argument("--rounds", type=int, default=1, help="measured rounds (each with new plans)")
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with scratch_database(args.database_url) as url:
        upgrade_database(MIGRATIONS, url)
        db = Database(url)
        settings = NotificationsSettings(
            database_url=url, keycloak_url="http://127.0.0.1:9", public_url="https://ttdn.example", log_level="WARNING"
        )
        bus = bootstrap(settings, db=db, directory=FakeDirectory())
        consumer = build_consumer(settings, db, bus)
        with db.transaction() as session:
            session.add(
                WebhookSubscriptionRow(
                    id=str(uuid.uuid4()),
                    owner="ttdn-integrator-dashboard",
                    url="http://127.0.0.1:9/hooks",
                    event_types=["approval.completed"],
                    province=None,
                    secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    created_at=datetime.now(UTC),
                )
            )
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        sa_event.listen(db.engine, "before_cursor_execute", count)

        def feed(events: list[Event]) -> None:
            for start in range(0, len(events), args.batch):
                consumer.process_batch([(item, None) for item in events[start : start + args.batch]])

        warm_submissions, warm_events = approvals(10)
        feed(warm_submissions)
        feed(warm_events)
        for _ in range(args.rounds):
            submissions, events = approvals(args.plans)
            feed(submissions)
            statements[0] = 0
            cpu, wall = time.process_time(), time.perf_counter()
            feed(events)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            n = len(events)
            print(
                f"{n} events, batches of {args.batch}: {cpu / n * 1000:.2f} ms CPU/event, "
                f"{wall / n * 1000:.2f} ms wall/event, {statements[0] / n:.2f} statements/event"
            )
        db.dispose()


if __name__ == "__main__":
    main()
