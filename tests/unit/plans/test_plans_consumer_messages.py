"""How the approvals service's events become this service's commands (no broker, no database)."""

from __future__ import annotations

import pytest
from plans.domain import commands
from plans.entrypoints.consumer import to_command
from servicekit.events import MalformedEvent, new_event

CONTEXT = {
    "plan_id": "5b0c7a9e-2f4d-4e1a-9c3b-7d8e6f5a4b3c",
    "version": 2,
    "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2024",
    "org_unit": "svhttdl-cao-bang",
    "province": "ubnd-cao-bang",
    "year": 2024,
    "approval_id": "a1b2c3d4-0000-4000-8000-000000000001",
}
LEVEL_2 = {"vi": "UBND tỉnh", "en": "Provincial People's Committee"}


def event(name: str, **data):  # type: ignore[no-untyped-def]
    return new_event(name, source="/ttdn/approvals", subject=f"plans/{CONTEXT['plan_id']}", data={**CONTEXT, **data})


def test_a_decision_with_its_time_of_decision():
    message = event("approval.decision_recorded", task_id="t-2", level=2, level_name=LEVEL_2, decision="return",
                    comment="Đề nghị bổ sung kinh phí.", by="province.cb", decided_at="2024-02-20T03:15:00+00:00",
                    content_sha256="ab" * 32, signature="cd" * 32, unknown_future_field=True)  # fmt: skip
    command = to_command(message)
    assert isinstance(command, commands.RecordDecision)
    assert (command.event_id, command.version, command.level, command.decision, command.by) == (
        message.id,
        2,
        2,
        "return",
        "province.cb",
    )
    assert command.occurred_at.isoformat() == "2024-02-20T03:15:00+00:00" and command.level_name == LEVEL_2


def test_a_task_assigned_takes_the_events_time():
    message = event("approval.task_assigned", task_id="t-2", level=2, level_name=LEVEL_2, role="province_approver",
                    scope="province", due_at="2024-03-01T10:00:00+07:00", assignees=["province.cb"])  # fmt: skip
    command = to_command(message)
    assert isinstance(command, commands.RecordTaskAssigned)
    assert command.occurred_at == message.time and command.assignees == ("province.cb",)


def test_events_plans_does_not_use_are_skipped():
    assert to_command(event("approval.task_overdue", task_id="t-2", level=2)) is None


def _completed_without(field: str | None = None, **changes):  # type: ignore[no-untyped-def]
    message = event("approval.completed", **{"outcome": "approved", "level": 3, "by": "ministry.1", **changes})
    if field:
        message.data.pop(field)
    return message


@pytest.mark.parametrize(
    "message",
    [
        _completed_without(version="two"),
        _completed_without("plan_id"),
        _completed_without("approval_id"),
        _completed_without(outcome="postponed"),
    ],
    ids=["version not a number", "no plan_id", "no approval_id", "unknown outcome"],
)
def test_unusable_events_are_parked_not_retried(message):
    with pytest.raises(MalformedEvent):
        to_command(message)
