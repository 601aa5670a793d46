"""The events of the suite this service listens to (docs/events.md), by short name.

The names and payloads are the suite's contract, defined once in
``servicekit.contracts.events``."""

from __future__ import annotations

from servicekit.contracts import events as contract
from servicekit.events import TYPE_PREFIX, routing_key_for

PLAN_SUBMITTED = contract.PlanSubmitted.name
PLAN_WITHDRAWN = contract.PlanWithdrawn.name
PLAN_APPROVED = contract.PlanApproved.name
REPORT_SUBMITTED = contract.ReportSubmitted.name
REPORT_WITHDRAWN = contract.ReportWithdrawn.name
REPORT_APPROVED = contract.ReportApproved.name
REPORT_RECEIVED = contract.ReportReceived.name
TASK_ASSIGNED = contract.TaskAssigned.name
TASK_DELEGATED = contract.TaskDelegated.name
DECISION_RECORDED = contract.DecisionRecorded.name
APPROVAL_COMPLETED = contract.ApprovalCompleted.name
TASK_REMINDER = contract.TaskReminder.name
TASK_OVERDUE = contract.TaskOverdue.name

# Every type an integrator may subscribe to.
SUBSCRIBABLE = tuple(contract.EVENTS)

__all__ = ["SUBSCRIBABLE", "TYPE_PREFIX", "document_kind", "short_name"]

DOCUMENT_KINDS = ("plan", "report")


def short_name(event_type: str) -> str:
    """``vn.ttdn.plan.approved`` -> ``plan.approved``; short names pass through."""
    return routing_key_for(event_type)


def document_kind(event_name: str, data: object) -> str:
    """The kind of document an event is about: its ``subject.kind``, else the kind its type
    names (``report.approved`` → ``report``), else a plan (an approval event of an older producer)."""
    subject = data.get("subject") if isinstance(data, dict) else None
    if isinstance(subject, dict) and subject.get("kind") in DOCUMENT_KINDS:
        return str(subject["kind"])
    prefix = short_name(event_name).split(".", 1)[0]
    return prefix if prefix in DOCUMENT_KINDS else "plan"
