"""The events of the suite this service listens to (docs/events.md), by short name."""

from __future__ import annotations

PLAN_SUBMITTED = "plan.submitted"
PLAN_WITHDRAWN = "plan.withdrawn"
PLAN_APPROVED = "plan.approved"
TASK_ASSIGNED = "approval.task_assigned"
TASK_DELEGATED = "approval.task_delegated"
DECISION_RECORDED = "approval.decision_recorded"
APPROVAL_COMPLETED = "approval.completed"
TASK_REMINDER = "approval.task_reminder"
TASK_OVERDUE = "approval.task_overdue"

# Every type an integrator may subscribe to.
SUBSCRIBABLE = (
    PLAN_SUBMITTED,
    PLAN_WITHDRAWN,
    PLAN_APPROVED,
    TASK_ASSIGNED,
    TASK_DELEGATED,
    DECISION_RECORDED,
    APPROVAL_COMPLETED,
    TASK_REMINDER,
    TASK_OVERDUE,
)

TYPE_PREFIX = "vn.ttdn."


def short_name(event_type: str) -> str:
    """``vn.ttdn.plan.approved`` -> ``plan.approved``; short names pass through."""
    return event_type[len(TYPE_PREFIX) :] if event_type.startswith(TYPE_PREFIX) else event_type
