"""What callers ask the approvals service to do (imperative), one handler each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .model import Actor, SubjectContext


@dataclass(frozen=True)
class StartApproval:
    """From ``plan.submitted`` or ``report.submitted``: open level 1 (or the level that returned)
    for a frozen version. ``document_date`` picks the chain version and dates the level names;
    none: the day of the submission (a document not yet issued is dated by the action)."""

    subject: SubjectContext
    submitted_at: datetime
    document_date: date | None = None


@dataclass(frozen=True)
class CancelApproval:
    """From ``plan.withdrawn`` / ``report.withdrawn``: the drafter recalled the version under approval."""

    subject_id: str
    version: int
    by: str
    withdrawn_at: datetime
    kind: str = "plan"


@dataclass(frozen=True)
class AnswerWithdrawal:
    """From ``plan.withdrawal_requested`` / ``report.withdrawal_requested``: the drafter asks to
    recall the version under approval, having seen ``seen_decisions`` of its decisions."""

    subject: SubjectContext
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
    activity_id: str = ""  # the activity of the decided version the comment is about (empty: the whole document)


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
    """Publish the next version of a chain; ``valid_from``: the first document date it applies to
    (none: every date, so it supersedes the earlier versions for every document from now on)."""

    key: str
    actor: Actor
    name: dict[str, str]
    levels: list[dict[str, Any]] = field(default_factory=list)
    valid_from: date | None = None
    receiver: dict[str, Any] | None = None

    def definition(self) -> dict[str, Any]:
        content: dict[str, Any] = {"name": self.name, "levels": self.levels}
        if self.receiver is not None:
            content["receiver"] = self.receiver
        return content


@dataclass(frozen=True)
class CheckDeadlines:
    now: datetime


@dataclass(frozen=True)
class KeepOrganisation:
    """An ``organisation.*`` event for the registry's copy; a succession hands the dissolved body's
    documents in flight to its successor at once."""

    payload: Any


@dataclass(frozen=True)
class HandOverDissolved:
    """Hand the documents in flight of every body dissolved by ``now`` (or only of ``organisations``)
    to their successors' approvers: the scheduler's sweep, for successions dated ahead of time."""

    now: datetime
    organisations: tuple[str, ...] | None = None


@dataclass(frozen=True)
class LoadBundledChains:
    """At ``migrate`` (or first need): each bundled chain becomes version 1 where its key has none."""
