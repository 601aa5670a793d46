"""The approval facts on real PostgreSQL, as the plans consumer applies them: a fact reads its plan
in one statement, without the content it does not need, and writes only what it adds or changes;
applied twice or out of order, each fact still leaves one timeline entry, one reader and one decider
of each; the overview writes nothing for an event that changes nothing of it."""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from plans.adapters.orm import (
    Outbox,
    OverviewDocumentRow,
    PlanDeciderRow,
    PlanVersionReaderRow,
    PlanVersionRow,
    TimelineRow,
)
from plans.adapters.repository import PlanQuery, SqlAlchemyPlanRepository
from plans.bootstrap import bootstrap
from plans.config import PlansSettings
from plans.domain import commands
from plans.domain.access import Actor, visibility_of
from plans.entrypoints.consumer import OVERVIEW_QUEUE, QUEUE, build_consumer, to_command
from plans.views import get_plan
from servicekit.db import Database
from servicekit.events import Event, new_event
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from infra.local.sample_plans import CAO_BANG_2024, drafter_of

DRAFTER = drafter_of("svhttdl-cao-bang")
APPROVERS = {
    1: ("dept_approver", "dept.cb"),
    2: ("province_approver", "province.cb"),
    3: ("ministry_approver", "ministry.1"),
}


@pytest.fixture(scope="module")
def stack(plans_db: str):  # type: ignore[no-untyped-def]
    settings = PlansSettings(database_url=plans_db, amqp_url="amqp://guest:guest@127.0.0.1:1/%2F", log_format="text")
    db = Database(settings.database_url)
    yield settings, db, bootstrap(settings, db=db)
    db.dispose()


def submitted(bus) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    plan = bus.handle(commands.CreatePlan(actor=DRAFTER, content=copy.deepcopy(CAO_BANG_2024)))
    plan = bus.handle(commands.SubmitPlan(actor=DRAFTER, plan_id=plan.id))
    return plan.id, plan.versions[-1].content_sha256


def approval(plan_id: str, sha: str) -> list[Event]:
    """The approvals service's events of a three-level approval that ends approved, in order."""
    approval_id, at = str(uuid.uuid4()), datetime.now(UTC)
    context: dict[str, Any] = {
        "subject": {"kind": "plan", "id": plan_id, "version": 1, "content_sha256": sha},
        "plan_id": plan_id,
        "version": 1,
        "title": CAO_BANG_2024["title"],
        "org_unit": "svhttdl-cao-bang",
        "province": "ubnd-cao-bang",
        "year": CAO_BANG_2024["year"],
        "approval_id": approval_id,
    }
    events = []

    def add(name: str, data: dict[str, Any]) -> None:
        nonlocal at
        at += timedelta(minutes=1)
        event = new_event(name, source="/ttdn/approvals", subject=f"plans/{plan_id}", data={**context, **data})
        events.append(Event(**{**event.__dict__, "time": at}))

    for level, (role, approver) in APPROVERS.items():
        task = {"task_id": f"{approval_id}-{level}", "level": level, "level_name": {"vi": f"Cấp {level}", "en": ""}}
        add("approval.task_assigned", {**task, "role": role, "scope": "province", "due_at": at.isoformat()})
        decided = {"decision": "approve", "by": approver, "decided_at": (at + timedelta(seconds=30)).isoformat()}
        add("approval.decision_recorded", {**task, **decided, "content_sha256": sha, "signature": "1" * 64})
    add("approval.completed", {"outcome": "approved", "level": 3, "by": "ministry.1"})
    return events


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    sent: list[str] = []

    def seen(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split()))

    sa_event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", seen)


def stored_of(db: Database, plan_id: str) -> dict[str, Any]:
    with db.transaction() as session:
        return {
            "entries": sorted(session.scalars(select(TimelineRow.entry_id).where(TimelineRow.plan_id == plan_id))),
            "readers": sorted(
                session.scalars(select(PlanVersionReaderRow.reader).where(PlanVersionReaderRow.plan_id == plan_id))
            ),
            "deciders": sorted(
                session.scalars(select(PlanDeciderRow.username).where(PlanDeciderRow.plan_id == plan_id))
            ),
            "approved": session.scalar(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.aggregate_id == f"plans/{plan_id}", Outbox.routing_key == "plan.approved")
            ),
        }


def test_facts_applied_twice_and_out_of_order_leave_one_of_each(stack: Any) -> None:
    """Without the inbox (the sample-data loader's way), every fact applied twice, shuffled: the plan
    ends as in order, each fact one timeline entry, each reader and decider once, approved once."""
    _, db, bus = stack
    in_order, shuffled = submitted(bus), submitted(bus)
    for (plan_id, sha), twice in ((in_order, False), (shuffled, True)):
        facts = [to_command(event) for event in approval(plan_id, sha)]
        if twice:
            facts = facts * 2
            random.Random(20240208).shuffle(facts)
        for fact in facts:
            bus.handle(fact)
    expected, found = stored_of(db, in_order[0]), stored_of(db, shuffled[0])
    assert len(found["entries"]) == len(expected["entries"]) == 2 + 7  # created, submitted, and the seven facts
    assert found["readers"] == expected["readers"]
    assert {"role:dept_approver", "user:dept.cb", "role:ministry_approver", "user:ministry.1"} <= set(found["readers"])
    assert found["deciders"] == expected["deciders"] == ["dept.cb", "ministry.1", "province.cb"]
    assert found["approved"] == expected["approved"] == 1
    plans = [get_plan(plan_id, DRAFTER, bus.uow()) for plan_id, _ in (in_order, shuffled)]
    assert [(plan.status, plan.stage, plan.revision) for plan in plans] == [("approved", None, plans[0].revision)] * 2
    assert all(plan.document_number and plan.issuer == "ubnd-cao-bang" for plan in plans)


def test_a_fact_reads_its_plan_in_one_statement_and_writes_what_it_adds(stack: Any) -> None:
    settings, db, bus = stack
    plan_id, sha = submitted(bus)
    consumer = build_consumer(settings, db, bus, QUEUE)
    sent_for: dict[str, list[list[str]]] = {}
    for event in approval(plan_id, sha):
        with statements(db) as sent:
            assert consumer.process_batch([(event, None)]) == ["handled"]
        sent_for.setdefault(event.name, []).append(sent)
    for name in ("approval.task_assigned", "approval.decision_recorded"):
        for sent in sent_for[name]:
            # the inbox, the plan, then at most: its stage, its version's approval, the timeline entry,
            # the reader, the decider
            assert len(sent) <= 6, sent
            assert [s for s in sent if s.startswith("SELECT")] == [sent[1]]
            assert " FOR UPDATE OF plans" in sent[1] and ".content," not in sent[1].split(" FROM ")[0] + ","
            assert not any("plan_timeline" in s or "plan_deciders" in s for s in sent if s.startswith("SELECT"))
    (completion,) = sent_for["approval.completed"]
    assert sum("SELECT plans.content FROM plans" in s for s in completion) == 1  # the title and issuer: read once
    assert not any("SELECT plan_versions.content FROM" in s for s in completion)


def test_the_overview_writes_nothing_for_an_event_that_changes_nothing(stack: Any) -> None:
    settings, db, bus = stack
    plan_id, sha = submitted(bus)
    with db.transaction() as session:  # what the overview knew before: the plan's own events
        known = [Event.from_json(row.payload.encode()) for row in session.scalars(select(Outbox).order_by(Outbox.seq))]
    consumer = build_consumer(settings, db, bus, OVERVIEW_QUEUE)
    consumer.process_batch([(event, None) for event in known])

    def change() -> tuple[str, str]:
        with db.transaction() as session:
            row = session.get(OverviewDocumentRow, ("plan", plan_id))
            assert row is not None
            return row.change, row.status

    for event in approval(plan_id, sha):
        before = change()
        with statements(db) as sent:
            consumer.process_batch([(event, None)])
        after = change()
        if event.name == "approval.decision_recorded":
            assert after == before and len(sent) == 2  # the inbox and the read
        else:
            assert after[0] != before[0] and len(sent) == 3  # the inbox, the read, the write
    assert change()[1] == "approved"


def test_an_approvers_search_reads_their_versions_newest_plan_first_each_plan_once(stack: Any) -> None:
    """The ministry's search of the versions it may read walks its readers' rows in the list's order:
    pages newest first, a plan whose two versions it may read listed once, a newer plan not yet offered
    to it (level 1 only) not at all, and every page after its cursor."""
    _, db, bus = stack
    marker = f"quokka{uuid.uuid4().hex[:8]}"
    plans = []
    for number in range(5):
        content = {**copy.deepcopy(CAO_BANG_2024), "title": f"Kế hoạch tập huấn {marker} số {number}"}
        plan = bus.handle(commands.CreatePlan(actor=DRAFTER, content=content))
        plan = bus.handle(commands.SubmitPlan(actor=DRAFTER, plan_id=plan.id))
        plans.append((plan.id, plan.versions[-1].content_sha256))
    for plan_id, sha in plans[:4]:
        for fact in approval(plan_id, sha):
            bus.handle(to_command(fact))
    newest_id, newest_sha = plans[4]
    bus.handle(to_command(approval(newest_id, newest_sha)[0]))  # offered to the department only
    twice = plans[1][0]
    with db.transaction() as session:  # a second frozen version of one plan, offered to the ministry again
        first = session.get(PlanVersionRow, (twice, 1))
        assert first is not None
        columns = {column.key: getattr(first, column.key) for column in PlanVersionRow.__table__.columns}
        session.add(PlanVersionRow(**{**columns, "number": 2}))
        session.flush()
        reader = session.get(PlanVersionReaderRow, (twice, 1, "role:ministry_approver"))
        assert reader is not None
        session.add(
            PlanVersionReaderRow(plan_id=twice, number=2, reader=reader.reader, plan_created_at=reader.plan_created_at)
        )

    ministry = visibility_of(Actor("ministry.9", frozenset({"ministry_approver"})))  # decided none of them
    found: list[str] = []
    after = None
    while True:
        with db.transaction() as session:
            page = SqlAlchemyPlanRepository(session).search(
                PlanQuery(visibility=ministry, q=f"tap huan {marker}", limit=2, after=after)
            )
        found += [summary.id for summary in page]
        if len(page) < 2:
            break
        after = (page[-1].created_at, page[-1].id)
    assert found == [plan_id for plan_id, _ in reversed(plans[:4])]
