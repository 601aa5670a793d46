"""What happened to a plan or a report that other services must hear of (docs/events.md).

The payload classes are the suite's contract, defined once in
``servicekit.contracts.events``: this service emits them, the others parse them.
"""

from __future__ import annotations

from servicekit.contracts.events import (
    PlanApproved,
    PlanEvent,
    PlanSubmitted,
    PlanWithdrawalRequested,
    PlanWithdrawn,
    ReportApproved,
    ReportReceived,
    ReportSubmitted,
    ReportWithdrawalRequested,
    ReportWithdrawn,
    Subject,
)

__all__ = [
    "PlanApproved",
    "PlanEvent",
    "PlanSubmitted",
    "PlanWithdrawalRequested",
    "PlanWithdrawn",
    "ReportApproved",
    "ReportReceived",
    "ReportSubmitted",
    "ReportWithdrawalRequested",
    "ReportWithdrawn",
    "Subject",
]
