"""The embedded default (`make run`): the same flow on a SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from approvals.__main__ import migrate_database
from approvals.bootstrap import bootstrap
from approvals.config import ApprovalsSettings
from approvals.entrypoints.app import create_app
from approvals.entrypoints.consumer import build_consumer
from approvals.entrypoints.scheduler import DeadlineScheduler
from servicekit.auth import TokenVerifier
from servicekit.db import Database
from servicekit.events import new_event

from tests.support.tokens import ISSUER, KEY_A, KeySet
from tests.unit.approvals.fakes import FakeClock, FakeDirectory

from .conftest import auth, plan_submitted


def test_submission_decisions_list_and_timers_on_sqlite(tmp_path: Path) -> None:
    settings = ApprovalsSettings(database_url=f"sqlite:///{tmp_path / 'approvals.db'}", log_format="text")
    migrate_database(settings)
    clock = FakeClock(datetime(2024, 3, 4, 1, 0, tzinfo=UTC))
    db = Database(settings.database_url)
    bus = bootstrap(settings, db=db, directory=FakeDirectory(), clock=clock)
    consumer = build_consumer(settings, db, bus)
    verifier = TokenVerifier("http://idp.test", "ttdn", issuer=ISSUER, jwks_source=KeySet(KEY_A))
    client = create_app(settings, verifier=verifier, directory=FakeDirectory(), clock=clock).test_client()
    plans = [plan_submitted(title=f"Kế hoạch thông tin đối ngoại năm 202{n}", year=2020 + n) for n in range(3)]
    for plan in plans:
        event = new_event("plan.submitted", source="/ttdn/plans", subject=f"plans/{plan['plan_id']}", data=plan)
        assert consumer.process(event.to_json().encode(), {}) == "handled"
        clock.advance(days=1)

    page = client.get("/approvals/tasks?limit=2", headers=auth("dept.cb")).get_json()
    rest = client.get(f"/approvals/tasks?limit=2&cursor={page['next_cursor']}", headers=auth("dept.cb")).get_json()
    assert [t["year"] for t in page["items"] + rest["items"]] == [2020, 2021, 2022]

    task = page["items"][0]
    decided = client.post(
        f"/approvals/tasks/{task['id']}/decision", json={"decision": "approve"}, headers=auth("dept.cb")
    )
    assert decided.status_code == 201 and decided.get_json()["current_level"] == 2
    detail = client.get(f"/approvals/{task['approval_id']}", headers=auth("province.cb")).get_json()
    assert detail["verified"] is True and [t["level"] for t in detail["tasks"]] == [1, 2]

    clock.advance(days=30)
    report = DeadlineScheduler(bus, interval_seconds=30).tick()
    assert (report.reminded, report.overdue) == (3, 3)  # two level-1 tasks and the new level-2 task
    db.dispose()
