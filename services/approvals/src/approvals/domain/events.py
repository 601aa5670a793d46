"""What happened (past tense): the events of docs/events.md that approvals emits.

Every event carries the plan context so consumers need no lookups; the unit of
work turns them into CloudEvents in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar

from .signing import iso_utc


@dataclass(frozen=True)
class ApprovalEvent:
    name: ClassVar[str]
    context: dict[str, Any]
    approval_id: str

    @property
    def plan_id(self) -> str:
        return str(self.context["plan_id"])

    def data(self) -> dict[str, Any]:
        body = dict(self.context)
        for item in fields(self):
            if item.name != "context":
                body[_wire_name(item.name)] = _jsonable(getattr(self, item.name))
        return body


def _wire_name(name: str) -> str:
    return {"from_user": "from", "to_user": "to"}.get(name, name)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, tuple):
        return list(value)
    return value


@dataclass(frozen=True)
class TaskAssigned(ApprovalEvent):
    name: ClassVar[str] = "approval.task_assigned"
    task_id: str
    level: int
    level_name: dict[str, str]
    role: str
    scope: str
    due_at: datetime
    assignees: tuple[str, ...]
    required_approvals: int


@dataclass(frozen=True)
class TaskDelegated(ApprovalEvent):
    name: ClassVar[str] = "approval.task_delegated"
    task_id: str
    level: int
    level_name: dict[str, str]
    from_user: str
    to_user: str
    comment: str
    due_at: datetime


@dataclass(frozen=True)
class DecisionRecorded(ApprovalEvent):
    name: ClassVar[str] = "approval.decision_recorded"
    task_id: str
    level: int
    level_name: dict[str, str]
    decision: str
    comment: str
    by: str
    decided_at: datetime
    content_sha256: str
    signature: str


@dataclass(frozen=True)
class ApprovalCompleted(ApprovalEvent):
    name: ClassVar[str] = "approval.completed"
    outcome: str
    level: int
    level_name: dict[str, str]
    comment: str
    by: str
    chain_key: str
    chain_version: int


@dataclass(frozen=True)
class TaskDeadlineEvent(ApprovalEvent):
    """A task's SLA timer fired: its approvers are reminded, or warned that it is overdue."""

    task_id: str
    level: int
    level_name: dict[str, str]
    role: str
    scope: str
    due_at: datetime
    assignees: tuple[str, ...]


@dataclass(frozen=True)
class TaskReminder(TaskDeadlineEvent):
    name: ClassVar[str] = "approval.task_reminder"


@dataclass(frozen=True)
class TaskOverdue(TaskDeadlineEvent):
    name: ClassVar[str] = "approval.task_overdue"


@dataclass(frozen=True)
class WithdrawalAnswered(ApprovalEvent):
    """The verdict on a drafter's ``plan.withdrawal_requested``: taken under the approval's row lock,
    the same lock decisions take, so a withdrawal and a decision never both win."""

    name: ClassVar[str] = "approval.withdrawal_answered"
    request_id: str
    accepted: bool
    reason: str
    by: str
