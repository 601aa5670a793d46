"""Two approvers deciding one task at the same moment, over real HTTP on PostgreSQL:
exactly one decision is recorded, the other caller gets 409."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from approvals.adapters import orm
from flask import Flask
from flask.testing import FlaskClient
from servicekit.db import Database
from sqlalchemy import func, select
from werkzeug.serving import make_server

from .conftest import auth, open_task_of, plan_submitted


@pytest.fixture
def server_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def race(url: str, deciders: tuple[str, str], body: dict) -> list[tuple[int, str]]:
    """Both requests leave together (a barrier), each on its own connection; (status, problem type)."""
    barrier = threading.Barrier(len(deciders))
    headers = {who: auth(who) for who in deciders}  # signed before the race, not during it

    def one(who: str) -> tuple[int, str]:
        barrier.wait()
        response = requests.post(url, json=body, headers=headers[who], timeout=10)
        return response.status_code, response.json().get("type", "")

    with ThreadPoolExecutor(len(deciders)) as pool:
        return sorted(pool.map(one, deciders))


@pytest.mark.parametrize(
    ("deciders", "body"),
    [
        (("dept.cb", "dual.cb"), {"decision": "approve", "comment": ""}),
        (("dept.cb", "dual.cb"), {"decision": "return", "comment": "Bổ sung chỉ tiêu."}),
        (("dept.cb", "dept.cb"), {"decision": "approve", "comment": ""}),  # a double click
    ],
    ids=["two-approvers-approve", "two-approvers-return", "double-click"],
)
def test_one_task_racing_deciders_one_decision(
    server_url: str, deliver: Callable, db: Database, deciders: tuple[str, str], body: dict
) -> None:
    for _ in range(4):  # several rounds: a race that only sometimes overlaps proves little
        plan = plan_submitted()
        deliver("plan.submitted", plan)
        task = open_task_of(db, plan["plan_id"])
        (won, _), (lost, why) = race(f"{server_url}/approvals/tasks/{task.id}/decision", deciders, body)
        assert (won, lost) == (201, 409)
        # The row lock decided it: the loser reads the closed task (quorum of one), so it gets
        # the reason it can act on rather than a constraint violation.
        assert why == "urn:ttdn:problem:task-closed"
        with db.transaction() as session:
            count = session.scalar(
                select(func.count()).select_from(orm.DecisionRow).where(orm.DecisionRow.task_id == task.id)
            )
            levels = session.scalar(
                select(func.count()).select_from(orm.TaskRow).where(orm.TaskRow.approval_id == task.approval_id)
            )
        assert count == 1
        assert levels == (2 if body["decision"] == "approve" else 1)  # the next level opened once, or none


def test_a_quorum_of_all_counts_both_racing_approvals(
    server_url: str, deliver: Callable, db: Database, client: FlaskClient
) -> None:
    chain = client.get("/approval-chains/ttdn-plan", headers=auth("admin")).get_json()
    levels = [{k: v for k, v in level.items() if k != "level"} for level in chain["levels"]]
    levels[0]["quorum"] = "all"  # the director and the deputy both sign off
    published = client.put(
        "/approval-chains/ttdn-plan", json={"name": chain["name"], "levels": levels}, headers=auth("admin")
    )
    assert published.status_code == 200
    for _ in range(3):
        plan = plan_submitted()
        deliver("plan.submitted", plan)
        task = open_task_of(db, plan["plan_id"])
        outcomes = race(
            f"{server_url}/approvals/tasks/{task.id}/decision", ("dept.cb", "dual.cb"), {"decision": "approve"}
        )
        assert [status for status, _ in outcomes] == [201, 201]  # the second read the first's decision after the lock
        with db.transaction() as session:
            sequences = session.scalars(
                select(orm.DecisionRow.sequence)
                .where(orm.DecisionRow.task_id == task.id)
                .order_by(orm.DecisionRow.sequence)
            ).all()
        assert sequences == [1, 2]
        assert open_task_of(db, plan["plan_id"]).level == 2
