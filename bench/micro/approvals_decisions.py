"""The approvals API's decision request, measured in-process against a scratch PostgreSQL database.

    python -m bench.micro.approvals_decisions [--decisions 300] [--via service|http] [--rounds 3]

Starts a third as many Cao Bằng plans as decisions are asked for (three levels each), then
records every level's approval, level by level (department, province, ministry), either through
the message bus as ``TaskDecision.post`` calls it (``--via service``: the use case alone) or
through the Flask test client (``--via http``: the whole request, token check and schemas
included). Prints the CPU milliseconds (``time.process_time``) and the SQL statements per
decision of each round; only the decisions are timed, not the plans' start. Compare changes by
running it on the code before and after, interleaved, on the same machine: the figures move
with the machine's load.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from approvals.__main__ import migrate_database
from approvals.adapters import orm
from approvals.bootstrap import bootstrap
from approvals.config import ApprovalsSettings
from approvals.domain import commands
from approvals.domain.model import Actor, SubjectContext
from servicekit.db import Database
from sqlalchemy import Engine, event, select

from bench.micro import scratch_database
from tests.unit.approvals.fakes import FakeClock, FakeDirectory

TASKS = orm.TaskRow.__table__

# Who decides each level of a Cao Bằng plan (bench.decisions.APPROVERS), as their tokens say.
DECIDERS = {
    1: ("dept.cb", "dept_approver", "svhttdl-cao-bang", "ubnd-cao-bang"),
    2: ("province.cb", "province_approver", "ubnd-cao-bang", "ubnd-cao-bang"),
    3: ("ministry.1", "ministry_approver", "cuc-ttcs-ttdn", None),
}


def subject() -> SubjectContext:
    return SubjectContext(
        id=str(uuid.uuid4()),
        version=1,
        title="Kế hoạch hoạt động thông tin đối ngoại năm 2024",
        org_unit="svhttdl-cao-bang",
        province="ubnd-cao-bang",
        year=2024,
        content_sha256=uuid.uuid4().hex + uuid.uuid4().hex,
        submitted_by="drafter.cb",
        created_by="drafter.cb",
        edited_by=("drafter.cb",),
        submitters=("drafter.cb",),
    )


@contextmanager
def counting() -> Iterator[list[int]]:
    """Statements sent on any engine (the HTTP app builds its own)."""
    count = [0]

    def _count(*_args: Any) -> None:
        count[0] += 1

    event.listen(Engine, "before_cursor_execute", _count)
    try:
        yield count
    finally:
        event.remove(Engine, "before_cursor_execute", _count)


def service_decider(bus: Any) -> Callable[[str, int], None]:
    def decide(task_id: str, level: int) -> None:
        username, role, org_unit, province = DECIDERS[level]
        actor = Actor(username, frozenset({role}), org_unit, province)
        bus.handle(commands.RecordDecision(task_id, actor, "approve", "Đồng ý"))

    return decide


def http_decider(settings: ApprovalsSettings, directory: FakeDirectory, clock: FakeClock) -> Callable[[str, int], None]:
    from approvals.entrypoints.app import create_app
    from servicekit.auth import TokenVerifier

    from tests.integration.approvals.conftest import auth
    from tests.support.tokens import ISSUER, KEY_A, KeySet

    verifier = TokenVerifier("http://idp.test", "ttdn", issuer=ISSUER, jwks_source=KeySet(KEY_A))
    client = create_app(settings, verifier=verifier, directory=directory, clock=clock).test_client()
    headers = {level: auth(username) for level, (username, *_rest) in DECIDERS.items()}

    def decide(task_id: str, level: int) -> None:
        answer = client.post(
            f"/approvals/tasks/{task_id}/decision",
            json={"decision": "approve", "comment": "Đồng ý"},
            headers=headers[level],
        )
        assert answer.status_code == 201, answer.get_json()

    return decide


def open_tasks(db: Database, approval_ids: list[str]) -> list[str]:
    """The open task of each approval (not timed, not counted)."""
    with db.transaction() as session:
        found = dict(
            session.execute(
                select(TASKS.c.approval_id, TASKS.c.id).where(
                    TASKS.c.approval_id.in_(approval_ids), TASKS.c.status == "open"
                )
            ).all()
        )
    return [found[approval_id] for approval_id in approval_ids if approval_id in found]


def run(url: str, decisions: int, via: str, rounds: int) -> list[float]:
    """The CPU milliseconds per decision of each round."""
    settings = ApprovalsSettings(
        database_url=url, keycloak_url="http://idp.test", log_format="text", log_level="WARNING"
    )
    migrate_database(settings)
    db = Database(url)
    clock, directory = FakeClock(datetime(2024, 3, 4, 1, 0, tzinfo=UTC)), FakeDirectory()
    bus = bootstrap(settings, db=db, directory=directory, clock=clock)
    decide = service_decider(bus) if via == "service" else http_decider(settings, directory, clock)
    figures = []
    for number in range(rounds + 1):  # the first round warms up (caches, prepared statements)
        plans = max(1, decisions // len(DECIDERS)) if number else 10
        approval_ids = [bus.handle(commands.StartApproval(subject(), clock())).id for _ in range(plans)]
        cpu, statements = 0.0, 0
        for level in DECIDERS:
            tasks = open_tasks(db, approval_ids)
            assert len(tasks) == plans, f"level {level}: {len(tasks)} open tasks of {plans} approvals"
            with counting() as counted:
                started = time.process_time()
                for task_id in tasks:
                    decide(task_id, level)
                cpu += time.process_time() - started
            statements += counted[0]
        if number:
            made = plans * len(DECIDERS)
            figures.append(1000 * cpu / made)
            print(f"round {number}: {figures[-1]:6.2f} ms CPU/decision, {statements / made:5.2f} statements/decision")
    db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=300)
    parser.add_argument("--via", choices=("service", "http"), default="service")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    with scratch_database() as url:
        figures = run(url, arguments.decisions, arguments.via, arguments.rounds)
    print(f"median {statistics.median(figures):.2f}, least {min(figures):.2f} ms CPU/decision ({arguments.via})")


if __name__ == "__main__":
    main()
