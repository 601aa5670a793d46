"""The events of the suite this service listens to (docs/events.md), by short name.

The names and payloads are the suite's contract, defined once in
``servicekit.contracts.events``."""

from __future__ import annotations

from servicekit.contracts import events as contract
from servicekit.events import TYPE_PREFIX, routing_key_for

PLAN_SUBMITTED = contract.PlanSubmitted.name
PLAN_WITHDRAWN = contract.PlanWithdrawn.name
PLAN_APPROVED = contract.PlanApproved.name
TASK_ASSIGNED = contract.TaskAssigned.name
TASK_DELEGATED = contract.TaskDelegated.name
DECISION_RECORDED = contract.DecisionRecorded.name
APPROVAL_COMPLETED = contract.ApprovalCompleted.name
TASK_REMINDER = contract.TaskReminder.name
TASK_OVERDUE = contract.TaskOverdue.name
CALL_ISSUED = contract.CallIssued.name
CALL_REMINDER = contract.CallReminder.name

# Every type an integrator may subscribe to.
SUBSCRIBABLE = tuple(contract.EVENTS)

__all__ = ["SUBSCRIBABLE", "TYPE_PREFIX", "short_name"]


def short_name(event_type: str) -> str:
    """``vn.ttdn.plan.approved`` -> ``plan.approved``; short names pass through."""
    return routing_key_for(event_type)
