"""The task list's answer is dumped by hand (its most frequent read); it must be exactly what its
documented schema, TaskPage, would give."""

from __future__ import annotations

from datetime import UTC, datetime

from approvals.entrypoints.schemas import TaskPage, TaskSummary, dump_task_page


def item(n: int, **changes: object) -> dict:
    base = {
        "id": f"task-{n}",
        "approval_id": f"approval-{n}",
        "subject": {"kind": "plan", "id": f"plan-{n}", "version": 2, "content_sha256": "ab" * 32},
        "plan_id": f"plan-{n}",
        "version": 2,
        "title": "Kế hoạch thông tin đối ngoại năm 2025 “biên giới”",
        "org_unit": "svhttdl-cao-bang",
        "province": "ubnd-cao-bang",
        "year": 2025,
        "level": 1,
        "level_name": {"vi": "Lãnh đạo Sở", "en": "Department leadership"},
        "role": "dept_approver",
        "scope": "org_unit",
        "status": "open",
        "assigned_at": datetime(2025, 3, 4, 1, 2, 3, 456789, tzinfo=UTC),
        "due_at": datetime(2025, 3, 11, 10, 0, tzinfo=UTC),
        "overdue": False,
        "delegated_by": None,
        "delegation_kind": None,
        "opened": False,
    }
    return {**base, **changes}


def test_the_hand_dump_is_the_schemas_dump() -> None:
    page = {
        "items": [
            item(1),
            item(2, delegated_by="dual.cb", delegation_kind="out_of_office", opened=True, overdue=True),
            item(3, status="approved", subject={"kind": "report", "id": "r", "version": 1, "content_sha256": ""}),
        ],
        "next_cursor": "eyJhIjoxfQ",
    }
    assert set(page["items"][0]) == set(TaskSummary().fields)  # the items hold exactly the schema's fields
    assert dump_task_page(page) == TaskPage().dump(page)
    assert dump_task_page({"items": [], "next_cursor": None}) == TaskPage().dump({"items": [], "next_cursor": None})
