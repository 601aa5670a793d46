"""What happened (past tense): the events of docs/events.md that approvals emits.

The payload classes are the suite's contract, defined once in
``servicekit.contracts.events``; each carries the plan context so consumers
need no lookups, and the unit of work turns them into CloudEvents in the outbox.
"""

from __future__ import annotations

from servicekit.contracts.events import (
    ApprovalCompleted,
    ApprovalEvent,
    DecisionRecorded,
    Reassignment,
    Subject,
    TaskAssigned,
    TaskDelegated,
    TaskOverdue,
    TaskReminder,
    WithdrawalAnswered,
)
from servicekit.contracts.events import TaskDeadline as TaskDeadlineEvent

__all__ = [
    "ApprovalCompleted",
    "ApprovalEvent",
    "DecisionRecorded",
    "Reassignment",
    "Subject",
    "TaskAssigned",
    "TaskDeadlineEvent",
    "TaskDelegated",
    "TaskOverdue",
    "TaskReminder",
    "WithdrawalAnswered",
]
