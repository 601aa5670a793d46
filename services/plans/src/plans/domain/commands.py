"""What callers ask the plans service to do (imperative), and the approval facts
it is told (the approvals service's events, as commands to this service)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .access import Actor


@dataclass(frozen=True)
class CreatePlan:
    actor: Actor
    content: dict[str, Any]
    plan_id: str | None = None


@dataclass(frozen=True)
class CopyLastYearsPlan:
    """Start the unit's plan for ``year`` from its approved plan of the year before."""

    actor: Actor
    year: int


@dataclass(frozen=True)
class ReplacePlan:
    actor: Actor
    plan_id: str
    content: dict[str, Any]
    expected_revision: int | None  # from If-Match; None ("*") is refused: an edit names the revision it read


@dataclass(frozen=True)
class SubmitPlan:
    """Submit a document: a plan, or a report (``kind``), whose id is ``plan_id``."""

    actor: Actor
    plan_id: str
    expected_revision: int | None = None
    reply: str = ""  # the drafters' answer to the comment that returned the plan (giải trình)
    kind: str = "plan"
    reply_activity_id: str = ""  # the activity of the submitted version the reply is about (empty: the whole)


@dataclass(frozen=True)
class WithdrawPlan:
    actor: Actor
    plan_id: str
    expected_revision: int | None = None
    kind: str = "plan"


@dataclass(frozen=True)
class CreateReport:
    """Start the report of ``kind`` (annual, semiannual) on an approved plan."""

    actor: Actor
    plan_id: str
    kind: str
    period_start: date | None = None
    period_end: date | None = None
    report_id: str | None = None


@dataclass(frozen=True)
class ReplaceReport:
    actor: Actor
    report_id: str
    content: dict[str, Any]
    expected_revision: int | None


@dataclass(frozen=True)
class RecordReceipt:
    """The ministry records that it received an issued report."""

    actor: Actor
    report_id: str
    note: str = ""


@dataclass(frozen=True)
class ApprovalFact:
    """What every approval event says: which approval of which plan version, and when."""

    event_id: str
    plan_id: str
    approval_id: str
    version: int
    occurred_at: datetime


@dataclass(frozen=True)
class RecordTaskAssigned(ApprovalFact):
    task_id: str = ""
    level: int = 1
    level_name: dict[str, str] = field(default_factory=dict)
    due_at: str | None = None
    assignees: tuple[str, ...] = ()
    role: str = ""  # the approver role the level is offered to (they may then read this version)
    # Set when the task passed to a dissolved body's successor: {task_id, predecessor, successor, date}.
    reassigned: dict[str, str] | None = None


@dataclass(frozen=True)
class RecordDecision(ApprovalFact):
    task_id: str = ""
    level: int = 1
    level_name: dict[str, str] = field(default_factory=dict)
    decision: str = "approve"
    comment: str = ""
    by: str = ""
    content_sha256: str | None = None
    on_behalf_of: str = ""  # whose place the decider held, by delegation
    delegation_kind: str = ""  # manual | out_of_office
    activity_id: str = ""  # the activity the comment is about (empty: the whole document)


@dataclass(frozen=True)
class RecordDelegation(ApprovalFact):
    """An approver's place on a task went to someone else (handed over, or while they are away)."""

    task_id: str = ""
    level: int = 1
    level_name: dict[str, str] = field(default_factory=dict)
    from_user: str = ""
    to_user: str = ""
    comment: str = ""
    kind: str = "manual"


@dataclass(frozen=True)
class CompleteApproval(ApprovalFact):
    outcome: str = "approved"
    level: int | None = None
    level_name: dict[str, str] = field(default_factory=dict)
    comment: str = ""
    by: str = ""
    activity_id: str = ""  # the activity the deciding comment is about (empty: the whole document)


@dataclass(frozen=True)
class AnswerWithdrawal(ApprovalFact):
    """The approvals service's verdict on a withdrawal request."""

    request_id: str = ""
    accepted: bool = False
    reason: str = ""
    by: str = ""


@dataclass(frozen=True)
class RenderNextDocument:
    """The renderer's step: render, sign and store the oldest issued document still without its file."""


# -- the ministry's calls and the national overview
@dataclass(frozen=True)
class IssueCall:
    actor: Actor
    body: dict[str, Any]  # reference, issued_on, plan_year, plan_due, report_year, report_due, priorities, provinces
    call_id: str | None = None


@dataclass(frozen=True)
class LinkCall:
    """A drafter says which call their document — a plan, or a report (``kind``) — answers
    (``call_id`` empty: none)."""

    actor: Actor
    plan_id: str
    call_id: str
    kind: str = "plan"


@dataclass(frozen=True)
class ApplyToOverview:
    """One event of the suite, for the overview read model (``name`` its routing key)."""

    event_id: str
    name: str
    data: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True)
class RemindCalls:
    """The reminder loop's step: remind provinces whose requested documents are due soon."""

    now: datetime | None = None


@dataclass(frozen=True)
class RebuildOverview:
    """Empty the overview read model and replay what feeds it."""


@dataclass(frozen=True)
class PutOrganisation:
    """Add an organisation to the registry, or replace its record (a new dated name, an end date,
    its agency code …): ``record`` in the seed file's shape; ``organisation_id`` when replacing."""

    actor: Actor
    record: dict[str, Any]
    organisation_id: str | None = None


@dataclass(frozen=True)
class RecordSuccession:
    """``record``: ``successor`` (or ``successors``), ``reason``, ``date``, ``act``, ``duties``."""

    actor: Actor
    predecessor: str
    record: dict[str, Any]


@dataclass(frozen=True)
class ImportIssuedDocument:
    """An administrator records a document issued before the suite existed, as it was issued: its
    real number, date, issuing body and signer. It is read-only history and takes no number from
    the register. ``kind`` names the document kind (``plan``, or ``report``: an issued BÁO CÁO on an
    approved plan named by ``content["plan_ref"]``; other kinds plug in beside them). The number is
    none when the record of the document does not give it (never made up)."""

    actor: Actor
    kind: str
    content: dict[str, Any]
    document_number: str | None
    issued_on: date
    signer_name: str = ""  # where known: the seeds do not always say who signed
    signer_position: str = ""
    issuer: str | None = None  # the issuing body's registry id; default: the rule of the issue date
    plan_id: str | None = None
