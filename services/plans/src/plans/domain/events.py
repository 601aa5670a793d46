"""What happened to a plan that other services must hear of (docs/events.md).
Each carries the plan context every event has, so consumers need no lookups."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class PlanEvent:
    name: ClassVar[str]
    plan_id: str
    version: int
    title: str
    org_unit: str
    province: str
    year: int

    def payload(self) -> dict[str, Any]:
        """The event's ``data``, JSON-ready (dates and times as ISO 8601)."""
        return {key: _json_ready(value) for key, value in asdict(self).items()}


def _json_ready(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


@dataclass(frozen=True)
class PlanSubmitted(PlanEvent):
    name: ClassVar[str] = "plan.submitted"
    content_sha256: str
    plan_type: str
    submitted_by: str
    created_by: str
    edited_by: tuple[str, ...]
    drafters: tuple[str, ...]
    submitted_at: datetime
    submitters: tuple[str, ...] = ()  # everyone who submitted any version, this one included


@dataclass(frozen=True)
class PlanWithdrawalRequested(PlanEvent):
    """The drafter asks to recall the version under approval; the approvals service, which decides
    under the same lock as decisions, answers with approval.withdrawal_answered."""

    name: ClassVar[str] = "plan.withdrawal_requested"
    request_id: str
    by: str
    requested_at: datetime
    seen_decisions: int  # the decisions on this version the drafter could have seen


@dataclass(frozen=True)
class PlanWithdrawn(PlanEvent):
    name: ClassVar[str] = "plan.withdrawn"
    by: str
    withdrawn_at: datetime


@dataclass(frozen=True)
class PlanApproved(PlanEvent):
    name: ClassVar[str] = "plan.approved"
    document_number: str
    issued_on: date
    issuer: str
