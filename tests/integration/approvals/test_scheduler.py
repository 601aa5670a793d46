"""SLA timers on PostgreSQL, driven by a controllable clock: a reminder once when
half the SLA has passed, an overdue notice once when the due date has passed, and
the `scheduler` process stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from approvals.bootstrap import bootstrap
from approvals.config import ApprovalsSettings
from approvals.entrypoints.scheduler import DeadlineScheduler
from flask.testing import FlaskClient
from servicekit.db import Database

from tests.unit.approvals.fakes import FakeClock, FakeDirectory

from .conftest import auth, open_task_of, outbox_events, plan_submitted


def test_reminder_then_overdue_each_once(
    settings: ApprovalsSettings, db: Database, deliver: Callable, clock: FakeClock, client: FlaskClient
) -> None:
    # Friday 13 Feb 2026, 09:00 in Cao Bằng: the department's 3 working days run across Tết.
    clock.now = datetime(2026, 2, 13, 2, 0, tzinfo=UTC)
    plan = plan_submitted(year=2026, title="Kế hoạch thông tin đối ngoại năm 2026")
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    assert task.due_at == datetime(2026, 2, 25, 10, 0, tzinfo=UTC)
    scheduler = DeadlineScheduler(
        bootstrap(settings, db=db, directory=FakeDirectory(), clock=clock), interval_seconds=30
    )

    def notices() -> list[str]:
        return [
            key
            for key, _ in outbox_events(db, plan["plan_id"])
            if key in ("approval.task_reminder", "approval.task_overdue")
        ]

    scheduler.tick()
    assert notices() == []
    clock.now = datetime(2026, 2, 19, 6, 0, tzinfo=UTC)  # past half the time, in the middle of Tết
    scheduler.tick()
    scheduler.tick()
    assert notices() == ["approval.task_reminder"]
    clock.now = datetime(2026, 2, 25, 10, 0, 1, tzinfo=UTC)
    scheduler.tick()
    scheduler.tick()
    assert notices() == ["approval.task_reminder", "approval.task_overdue"]
    overdue = next(data for key, data in outbox_events(db, plan["plan_id"]) if key == "approval.task_overdue")
    assert overdue["due_at"] == "2026-02-25T10:00:00.000000+00:00" and overdue["assignees"] == ["dept.cb", "dual.cb"]
    listed = client.get("/approvals/tasks?year=2026", headers=auth("dept.cb")).get_json()["items"]
    assert next(item for item in listed if item["id"] == task.id)["overdue"] is True


def test_the_scheduler_process_stops_on_sigterm(settings: ApprovalsSettings) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SCHEDULER_INTERVAL_SECONDS": "30",
        "LOG_FORMAT": "text",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "approvals", "scheduler"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        started = ""
        while "deadline scheduler started" not in started:
            line = process.stderr.readline()  # type: ignore[union-attr]
            assert line, "the scheduler exited before starting"
            started += line
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "deadline scheduler stopped" in process.stderr.read()  # type: ignore[union-attr]
    finally:
        if process.poll() is None:
            process.kill()
