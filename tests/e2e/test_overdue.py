"""SLA timers in the running suite: the scheduler process runs on a clock set
40 days ahead (CLOCK_OFFSET_SECONDS), so a fresh task is past its SLA."""

from __future__ import annotations

import time

from infra.local.sample_plans import LANG_SON_2018
from tests.support.journeys import Person, plan_body
from tests.support.stack import Stack

FORTY_DAYS = str(40 * 24 * 3600)


def test_an_overdue_task_reminds_and_warns_its_approvers_once(stack: Stack, people: dict[str, Person]) -> None:
    drafter, dept = people["drafter.ls"], people["dept.ls"]
    plan = drafter.create_plan(plan_body(LANG_SON_2018, title="Kế hoạch tổ chức hội nghị báo cáo viên cấp tỉnh"))
    drafter.submit(plan["id"])
    dept.wait_for_task(plan["id"], level=1)

    stack.restart_process(
        "approvals-scheduler", {"CLOCK_OFFSET_SECONDS": FORTY_DAYS, "SCHEDULER_INTERVAL_SECONDS": "0.5"}
    )
    try:
        overdue = dept.wait_for_message(
            lambda m: m["plan_id"] == plan["id"] and m["event_type"] == "approval.task_overdue", "the overdue warning"
        )
        assert "Lạng Sơn" in overdue["body"] or plan["title"] in overdue["body"]
        dept.wait_for_message(
            lambda m: m["plan_id"] == plan["id"] and m["event_type"] == "approval.task_reminder", "the reminder"
        )
        time.sleep(2)  # four more scheduler ticks: a second warning would arrive now
        kinds = [m["event_type"] for m in dept.inbox() if m["plan_id"] == plan["id"]]
        assert kinds.count("approval.task_overdue") == 1
        assert kinds.count("approval.task_reminder") == 1
    finally:
        stack.restart_process("approvals-scheduler", {})
