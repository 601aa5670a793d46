"""What a decision costs the database: the statements of one decision request, counted, so that a
change that adds a round trip to every decision is seen (bench/micro/approvals_decisions.py measures
the CPU)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient
from servicekit.db import Database
from sqlalchemy import Engine, event

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

    # The approval locked, then read; the absences of level 2's people; one flush (the approval,
    # the decision, the closed task, the new task and its people); the two events with the relays'
    # wake-up; the task lists' versions.
    assert len(sent) == 10, sent
    assert sent[0].startswith("SELECT approvals.id FROM approvals")
    assert sent[2].startswith("SELECT absences.")
    assert [s for s in sent if s.startswith("INSERT INTO outbox")] == [sent[-2]]
    assert not any("pg_notify" in s and s.startswith("SELECT") for s in sent)
    assert [key for key, _ in outbox_events(db, plan["plan_id"])] == [
        "approval.task_assigned",
        "approval.decision_recorded",
        "approval.task_assigned",
    ]
