"""What callers ask the approvals service to do (imperative), one handler each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .model import Actor, PlanContext


@dataclass(frozen=True)
class StartApproval:
    """From ``plan.submitted``: open level 1 (or the level that returned) for a frozen version."""

    plan: PlanContext
    submitted_at: datetime


@dataclass(frozen=True)
class CancelApproval:
    """From ``plan.withdrawn``: the drafter recalled the version under approval."""

    plan_id: str
    version: int
    by: str
    withdrawn_at: datetime


@dataclass(frozen=True)
class AnswerWithdrawal:
    """From ``plan.withdrawal_requested``: the drafter asks to recall the version under approval,
    having seen ``seen_decisions`` of its decisions."""

    plan: PlanContext
    request_id: str
    by: str
    seen_decisions: int
    requested_at: datetime


@dataclass(frozen=True)
class RecordDecision:
    task_id: str
    actor: Actor
    decision: str
    comment: str = ""


@dataclass(frozen=True)
class DelegateTask:
    task_id: str
    actor: Actor
    to: str
    comment: str = ""


@dataclass(frozen=True)
class ApproveTasks:
    """Approve several tasks at once, each its own decision with its own hash; only tasks whose
    decision page the approver has opened."""

    task_ids: tuple[str, ...]
    actor: Actor
    comment: str = ""


@dataclass(frozen=True)
class NoteTaskOpened:
    """The approver opened the task's decision page."""

    task_id: str
    actor: Actor


@dataclass(frozen=True)
class RecordAbsence:
    """An approver will be away from ``starts_on`` to ``ends_on``: tasks arriving then go to ``deputy``."""

    actor: Actor
    deputy: str
    starts_on: date
    ends_on: date
    reason: str = ""


@dataclass(frozen=True)
class CancelAbsence:
    absence_id: str
    actor: Actor


@dataclass(frozen=True)
class PublishChain:
    key: str
    actor: Actor
    name: dict[str, str]
    levels: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CheckDeadlines:
    now: datetime


@dataclass(frozen=True)
class LoadBundledChains:
    """At ``migrate`` (or first need): each bundled chain becomes version 1 where its key has none."""
