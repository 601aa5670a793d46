"""The approvals service's copy of the organisation registry on PostgreSQL, fed through its
consumer (inbox included): the newest version wins, a redelivery or a late older event changes
nothing; and a Bắc Kạn plan in flight on 1 July 2025 passes to Thái Nguyên's approvers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from approvals.adapters import orm
from approvals.bootstrap import bootstrap
from approvals.config import ApprovalsSettings
from approvals.entrypoints.consumer import QUEUE, make_handler
from servicekit.consumer import EventConsumer
from servicekit.contracts import events as contract
from servicekit.db import Database
from servicekit.events import new_event
from servicekit.organisations import CachedCopy, CopiedRegistry
from servicekit.topology import suite_queue
from sqlalchemy import func, select

from tests.integration.approvals.conftest import open_task_of, outbox_events, plan_submitted
from tests.support.orgs import registry_events
from tests.unit.approvals.fakes import FakeClock, FakeDirectory

# The bodies of the story: Bắc Kạn's department and province, and what took them over.
BODIES = (
    "svhttdl-bac-kan",
    "ubnd-bac-kan",
    "svhttdl-thai-nguyen-2025",
    "ubnd-thai-nguyen-2025",
    "bo-vhttdl",
    "bo-tttt",
)


def story_events() -> tuple[list[Any], dict[str, contract.OrganisationSucceeded]]:
    states, successions = [], {}
    for event in registry_events():
        if isinstance(event, contract.OrganisationSucceeded):
            successions[event.organisation_id] = event
        elif getattr(event, "organisation_id", "") in BODIES:
            states.append(event)
    return states, successions


@pytest.fixture
def at() -> FakeClock:
    return FakeClock(datetime(2025, 6, 20, 2, 0, tzinfo=UTC))  # Friday 20 June 2025, 09:00 in Bắc Kạn


@pytest.fixture
def deliver(settings: ApprovalsSettings, db: Database, at: FakeClock) -> Callable[..., str]:
    consumer = EventConsumer(
        amqp_url=settings.amqp_url,
        exchange=settings.events_exchange,
        queue=suite_queue(QUEUE),
        db=db,
        inbox_model=orm.Inbox,
        handle=make_handler(bootstrap(settings, db=db, directory=FakeDirectory(), clock=at)),
    )

    def _deliver(payload: Any, event_id: str | None = None) -> str:
        if isinstance(payload, dict):  # a plan.submitted
            event = new_event(
                "plan.submitted", source="/ttdn/plans", subject=f"plans/{payload['plan_id']}", data=payload
            )
        else:
            event = new_event(
                payload.name,
                source="/ttdn/plans",
                subject=contract.aggregate_of(payload),
                data=payload.payload(),
                id=event_id,
            )
        return consumer.process(event.to_json().encode(), {})

    return _deliver


def test_the_copy_keeps_the_newest_version_whatever_the_order(deliver, db: Database) -> None:  # type: ignore[no-untyped-def]
    seeded = registry_events()
    for payload in seeded:  # what the plans service's first migrate sends: every one is handled
        assert deliver(payload) == "handled"
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(orm.OrganisationCopyRow)) == sum(
            1 for p in seeded if isinstance(p, contract.OrganisationState)
        )
        assert session.scalar(select(func.count()).select_from(orm.SuccessionCopyRow)) == sum(
            len(p.successions) for p in seeded if isinstance(p, contract.OrganisationSucceeded)
        )
    states, _ = story_events()
    bo = next(state for state in states if state.organisation_id == "bo-vhttdl")
    newer = contract.OrganisationChanged(
        **{name: getattr(bo, name) for name in ("organisation_id", "changed_at", "kind", "levels", "parents")},
        names=(
            *bo.names,
            contract.OrganisationName(
                since=datetime(2026, 1, 1).date(), full="Bộ Văn hóa và Thông tin", abbreviation="BVHTT"
            ),
        ),
        version=bo.version + 1000,
    )
    deliver(newer, "org-newer")
    deliver(newer, "org-newer")  # redelivered: the inbox stops it
    deliver(bo, "org-older-late")  # the older state arriving late, as a new message
    with db.transaction() as session:
        row = session.get(orm.OrganisationCopyRow, "bo-vhttdl")
        assert row is not None and row.version == newer.version
        assert row.state["names"][-1]["full"] == "Bộ Văn hóa và Thông tin"
        assert session.scalar(select(orm.Inbox).where(orm.Inbox.event_id == "org-newer")) is not None


def test_the_organisation_events_read_no_names_and_a_submission_reads_them_once(
    settings: ApprovalsSettings, db: Database, at: FakeClock
) -> None:
    """The process's copy of the names is for level names: the organisation.* events of a first sync
    never ask for it (each would load it again after the last one's refresh), a plan does."""
    reads: list[int] = []
    copy = CachedCopy(db, orm.OrganisationCopyRow, orm.SuccessionCopyRow)

    def names() -> CopiedRegistry:
        reads.append(1)
        return copy()

    bus = bootstrap(settings, db=db, directory=FakeDirectory(), clock=at, organisation_names=names)
    consumer = EventConsumer(
        amqp_url=settings.amqp_url,
        exchange=settings.events_exchange,
        queue=suite_queue(QUEUE),
        db=db,
        inbox_model=orm.Inbox,
        handle=make_handler(bus),
    )

    def deliver(name: str, subject: str, data: dict[str, Any]) -> None:
        event = new_event(name, source="/ttdn/plans", subject=subject, data=data)
        assert consumer.process(event.to_json().encode(), {}) == "handled"

    for payload in registry_events():
        deliver(payload.name, contract.aggregate_of(payload), payload.payload())
    assert reads == []
    plan = plan_submitted()
    deliver("plan.submitted", f"plans/{plan['plan_id']}", plan)
    assert len(reads) == 1


def test_a_plan_in_flight_passes_to_the_successors_approvers_once(  # type: ignore[no-untyped-def]
    deliver, db: Database, at: FakeClock
) -> None:
    states, successions = story_events()
    for state in states:
        deliver(state)
    plan = plan_submitted(
        org_unit="svhttdl-bac-kan",
        province="ubnd-bac-kan",
        year=2025,
        submitted_by="drafter.old-bk",
        created_by="drafter.old-bk",
        edited_by=["drafter.old-bk"],
        drafters=["drafter.old-bk"],
        submitted_at="2025-06-20T02:00:00Z",
    )
    deliver(plan)
    task = open_task_of(db, plan["plan_id"])
    first_due = task.due_at
    with db.transaction() as session:
        assignees = session.scalars(select(orm.AssigneeRow.username).where(orm.AssigneeRow.task_id == task.id)).all()
    assert assignees == []  # nobody is left in Bắc Kạn's department

    at.now = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)  # 1 July 2025, 08:00: Bắc Kạn is part of Thái Nguyên
    deliver(successions["svhttdl-bac-kan"], "bk-succeeded")
    deliver(successions["svhttdl-bac-kan"], "bk-succeeded-again")  # published again: nothing more
    deliver(successions["ubnd-bac-kan"], "bk-province-succeeded")  # the province: the open task is the department's

    handed = open_task_of(db, plan["plan_id"])
    assert handed.id == task.id and handed.level == 1 and handed.due_at > first_due
    with db.transaction() as session:
        assignees = session.scalars(select(orm.AssigneeRow.username).where(orm.AssigneeRow.task_id == task.id)).all()
        approval = session.scalars(select(orm.ApprovalRow).where(orm.ApprovalRow.plan_id == plan["plan_id"])).one()
    assert list(assignees) == ["dept.bk"]  # Thái Nguyên's department approver
    assert (approval.org_unit, approval.province) == ("svhttdl-thai-nguyen-2025", "ubnd-thai-nguyen-2025")
    assert approval.chain_version == 1
    assigned = [data for key, data in outbox_events(db, plan["plan_id"]) if key == "approval.task_assigned"]
    assert len(assigned) == 2
    assert assigned[-1]["reassigned"] == {
        "task_id": task.id,
        "predecessor": "svhttdl-bac-kan",
        "successor": "svhttdl-thai-nguyen-2025",
        "date": "2025-07-01",
    }
    assert contract.parse("approval.task_assigned", json.loads(json.dumps(assigned[-1]))).assignees == ("dept.bk",)
