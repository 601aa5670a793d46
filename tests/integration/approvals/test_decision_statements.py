"""What a decision costs the database: the statements of one decision request, counted, so that a
change that adds a round trip to every decision is seen (bench/micro/approvals_decisions.py measures
the CPU)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from approvals.adapters import orm
from flask.testing import FlaskClient
from servicekit.db import Database
from sqlalchemy import Engine, delete, event, select

from .conftest import auth, open_task_of, outbox_events, plan_submitted


@contextmanager
def statements() -> Iterator[list[str]]:
    sent: list[str] = []

    def _note(_connection: object, _cursor: object, statement: str, *_rest: object) -> None:
        sent.append(" ".join(statement.split())[:60])

    event.listen(Engine, "before_cursor_execute", _note)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", _note)


def test_a_decision_is_one_lock_one_read_one_flush_and_one_outbox_statement(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    body = {"decision": "approve", "comment": "Đồng ý."}
    client.post(f"/approvals/tasks/{task.id}/decision", json=body, headers=auth("dept.cb"))  # warms the caches
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])

    with statements() as sent:
        answer = client.post(f"/approvals/tasks/{task.id}/decision", json=body, headers=auth("dept.cb"))
    assert answer.status_code == 201, answer.get_json()

    # The approval locked (asking whether any absence is in force today: none is, so level 2's people
    # are not looked up in the absences), then read; one flush (the approval, the decision, the closed
    # task, the new task and its people); the two events with the relays' wake-up; the task lists' versions.
    assert len(sent) == 9, sent
    assert sent[0].startswith("SELECT approvals.id, EXISTS (SELECT absences.id FROM absence")
    assert not any(s.startswith("SELECT absences.") for s in sent)
    assert [s for s in sent if s.startswith("INSERT INTO outbox")] == [sent[-2]]
    assert not any("pg_notify" in s and s.startswith("SELECT") for s in sent)
    assert [key for key, _ in outbox_events(db, plan["plan_id"])] == [
        "approval.task_assigned",
        "approval.decision_recorded",
        "approval.task_assigned",
    ]


def test_with_an_absence_in_force_the_opening_level_reads_who_is_away(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    away = orm.AbsenceRow(
        id=str(uuid.uuid4()),
        username="ministry.1",
        deputy="ministry.2",
        starts_on=date(2024, 3, 1),
        ends_on=date(2024, 3, 8),
        reason="Công tác.",
        created_at=datetime(2024, 3, 1, tzinfo=UTC),
    )
    with db.transaction() as session:
        session.add(away)
    try:
        plan = plan_submitted()
        deliver("plan.submitted", plan)
        body = {"decision": "approve", "comment": "Đồng ý."}
        task = open_task_of(db, plan["plan_id"])
        assert (
            client.post(f"/approvals/tasks/{task.id}/decision", json=body, headers=auth("dept.cb")).status_code == 201
        )
        task = open_task_of(db, plan["plan_id"])
        with statements() as sent:
            answer = client.post(f"/approvals/tasks/{task.id}/decision", json=body, headers=auth("province.cb"))
        assert answer.status_code == 201, answer.get_json()
    finally:
        with db.transaction() as session:
            session.execute(delete(orm.AbsenceRow).where(orm.AbsenceRow.id == away.id))

    # As above, and the periods of level 3's people read after the lock said one is in force; the
    # flush also writes the out-of-office delegation.
    assert len(sent) == 11, sent
    assert sent[2].startswith("SELECT absences.")
    assert sum(s.startswith("INSERT INTO delegations") for s in sent) == 1
    level_3 = open_task_of(db, plan["plan_id"])
    with db.transaction() as session:
        assignees = session.scalars(select(orm.AssigneeRow.username).where(orm.AssigneeRow.task_id == level_3.id))
        assert list(assignees) == ["ministry.2"]
    delegated = [data for key, data in outbox_events(db, plan["plan_id"]) if key == "approval.task_delegated"]
    assert [(d["from"], d["to"], d["kind"]) for d in delegated] == [("ministry.1", "ministry.2", "out_of_office")]
