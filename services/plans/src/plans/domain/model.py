"""The document aggregate (a plan, or a report on one): its status machine, its frozen
versions, its timeline and its reactions to the approval chain's events.

Plans and reports are two *kinds* of the same aggregate (architecture: documents as
kinds): they share versions with content hashes, revisions (ETags), the timeline,
withdrawal through the approval, the register and issuing; what differs by kind is
the content (:class:`PlanContent` or :class:`~.report.ReportContent`), its rules, the
document type in the number (``KH``/``BC``) and the event classes (``plan.*`` or
``report.*``, whose plan fields describe the report). A report also records the
ministry's receipt once it is issued.

Statuses: ``draft`` → ``submitted`` → ``approved`` | ``returned`` | ``rejected`` |
``withdrawn``; ``returned`` and ``withdrawn`` plans are edited and submitted again
as a new version. Approval events may arrive late, twice or out of order; each
is recorded in the timeline once (by event id) and changes the state only when
it concerns the current version's open approval and moves the plan forward.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from servicekit.i18n import N_
from servicekit.validation import Validation

from . import commands, events
from .access import FIRST_READER, Visibility, role_reader, user_reader
from .catalogue import Catalogue
from .content import PlanContent
from .errors import (
    AlreadyReceived,
    PlanInvalid,
    PlanNotEditable,
    RevisionMismatch,
    RevisionRequired,
    TransitionNotAllowed,
    WithdrawalInProgress,
)
from .numbering import IssuingBody, date_line, document_number
from .report import ReportContent
from .rules import UnitCheck, check_document

PLAN, REPORT = "plan", "report"
KINDS = (PLAN, REPORT)
# The document type in the number and symbol (Decree 30): 15/KH-UBND, 07/BC-UBND.
TYPE_CODES = {PLAN: "KH", REPORT: "BC"}
# The events each kind sends (the report's carry the plan fields, describing the report).
_SUBMITTED = {PLAN: events.PlanSubmitted, REPORT: events.ReportSubmitted}
_WITHDRAWAL_REQUESTED = {PLAN: events.PlanWithdrawalRequested, REPORT: events.ReportWithdrawalRequested}
_WITHDRAWN = {PLAN: events.PlanWithdrawn, REPORT: events.ReportWithdrawn}
_APPROVED = {PLAN: events.PlanApproved, REPORT: events.ReportApproved}
Content = PlanContent | ReportContent

DRAFT, SUBMITTED, APPROVED, RETURNED, REJECTED, WITHDRAWN = (
    "draft",
    "submitted",
    "approved",
    "returned",
    "rejected",
    "withdrawn",
)
STATUSES = (DRAFT, SUBMITTED, APPROVED, RETURNED, REJECTED, WITHDRAWN)
EDITABLE = frozenset({DRAFT, RETURNED, WITHDRAWN})
VIETNAM = timezone(timedelta(hours=7), "ICT")  # no daylight saving: a fixed offset is exact

# Order of kinds that share an instant: a level opens before it is decided, and the
# decision comes before the approval's end.
_KIND_RANK = {
    "created": 0,
    "edited": 1,
    "submitted": 2,
    "task_assigned": 3,
    "decision": 4,
    "approved": 5,
    "returned": 5,
    "rejected": 5,
    "cancelled": 5,
    "withdrawn": 6,
    "received": 7,
}


@dataclass(frozen=True)
class Stage:
    """The level now deciding the plan, named as the chain names it, and when its task is due."""

    level: int
    vi: str
    en: str
    due_at: str | None = None  # ISO 8601, as the approvals service set it

    def to_dict(self) -> dict[str, Any]:
        """The stage as the API and the timeline name it."""
        return {"level": self.level, "vi": self.vi, "en": self.en}

    def to_record(self) -> dict[str, Any]:
        """The stage as stored: its name and its task's due date."""
        return {**self.to_dict(), "due_at": self.due_at}


@dataclass
class PlanVersion:
    """A submitted, frozen copy of the content and the hash approvers decide on."""

    number: int
    content: Content
    content_sha256: str
    submitted_by: str
    submitted_at: datetime
    edited_by: tuple[str, ...] = ()
    approval_id: str | None = None  # the approval that decides this version, once heard of
    outcome: str | None = None  # approved / returned / rejected / cancelled / withdrawn
    # Who may read this frozen version besides the unit's drafters: "role:<approver role>" for each
    # level it was offered to, "user:<username>" for each person who decided on it (access.Visibility).
    readers: set[str] = field(default_factory=set)
    # The drafters' reply to the comment that sent the previous version back (giải trình): it
    # travels with this version to the approver.
    reply: str = ""
    reply_activity_id: str = ""  # the activity of this version the reply is about (empty: the whole document)


@dataclass(frozen=True)
class TimelineEntry:
    id: str  # the approval event's id, or a fresh one for the plan's own steps
    kind: str
    occurred_at: datetime
    version: int | None = None
    level: int | None = None
    actor: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    seq: int | None = None  # storage order, the last tie-breaker

    def sort_key(self) -> tuple[Any, ...]:
        return (self.occurred_at, _KIND_RANK.get(self.kind, 9), self.level or 0, self.seq or 0)


@dataclass(frozen=True)
class PlanSummary:
    """A plan as a list shows it."""

    id: str
    title: str
    plan_type: str
    year: int
    org_unit: str
    province: str
    status: str
    stage: Stage | None
    document_number: str | None
    revision: int
    created_at: datetime
    updated_at: datetime

    @property
    def due_at(self) -> str | None:
        """When the open level's task is due (while the plan is under approval)."""
        return self.stage.due_at if self.stage else None


def activity_ids_of(content: PlanContent | ReportContent) -> tuple[str, ...]:
    """The stable ids (content model v2) of a version's activities, which comments may name: a plan's
    activities; a report's results on the plan's activities (those done outside the plan have none)."""
    if isinstance(content, ReportContent):
        return tuple(result.activity_id for result in content.results if result.activity_id)
    return tuple(activity.id for activity in content.activities if activity.id)


def figures_of(content: PlanContent | ReportContent) -> dict[str, Any]:
    """A version's figures as ``plan.submitted`` / ``report.submitted`` carry them, for the national
    overview: a plan's budget (in total and by activity category) and its indicators' targets; a
    report's money spent (in total and by category) and its indicators' actual values."""
    budgets: dict[str, int] = {}
    figures: list[events.IndicatorFigure] = []
    if isinstance(content, ReportContent):
        for result in content.results:
            budgets[result.category] = budgets.get(result.category, 0) + (result.spent_vnd or 0)
            figures.extend(
                events.IndicatorFigure(
                    code=indicator.code,
                    name=indicator.name,
                    unit=indicator.unit,
                    category=result.category,
                    value=int(indicator.actual),
                )
                for indicator in result.indicators
                if indicator.actual is not None
            )
        return {"total_budget_vnd": content.total_spent_vnd, "budgets": budgets, "indicators": tuple(figures)}
    for activity in content.activities:
        budgets[activity.category] = budgets.get(activity.category, 0) + activity.budget_vnd
        figures.extend(
            events.IndicatorFigure(
                code=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                category=activity.category,
                value=indicator.target,
            )
            for indicator in activity.indicators
        )
    return {"total_budget_vnd": content.total_budget_vnd, "budgets": budgets, "indicators": tuple(figures)}


class Plan:
    def __init__(
        self,
        *,
        id: str,
        content: Content,
        province: str,
        created_by: str,
        created_at: datetime,
        status: str = DRAFT,
        revision: int = 1,
        updated_at: datetime | None = None,
        editors: list[str] | None = None,
        versions: list[PlanVersion] | None = None,
        timeline: list[TimelineEntry] | None = None,
        deciders: set[str] | None = None,
        stage: Stage | None = None,
        document_number: str | None = None,
        issued_on: date | None = None,
        issuer: str | None = None,
        place: str | None = None,
        withdrawal: dict[str, Any] | None = None,
        kind: str = PLAN,
        receipt: dict[str, Any] | None = None,
    ) -> None:
        self.id = id
        self.kind = kind
        self.content = content
        self.province = province
        self.created_by = created_by
        self.created_at = created_at
        self.status = status
        self.revision = revision
        self.updated_at = updated_at or created_at
        self.editors = editors or []  # everyone who replaced the content, in order of first edit
        self.versions = versions or []
        self.timeline = timeline or []
        self.deciders = deciders or set()
        self.stage = stage
        self.document_number = document_number
        self.issued_on = issued_on
        self.issuer = issuer
        self.place = place
        # The last withdrawal request: {id, version, by, requested_at, outcome (None while the
        # approvals service decides, then "accepted" or "refused"), reason}.
        self.withdrawal = withdrawal
        # A report's receipt by the ministry: {by, received_at, note}.
        self.receipt = receipt
        self.events: list[events.PlanEvent] = []

    # -- creation and editing
    @classmethod
    def create(
        cls,
        plan_id: str,
        content: Content,
        *,
        province: str,
        by: str,
        at: datetime,
        catalogue: Catalogue,
        copied_from: Plan | None = None,
        units: UnitCheck | None = None,
    ) -> Plan:
        check_document(content, catalogue, units=units)
        kind = REPORT if isinstance(content, ReportContent) else PLAN
        plan = cls(id=plan_id, content=content, province=province, created_by=by, created_at=at, kind=kind)
        details = None
        if copied_from is not None:
            details = {
                "copied_from": copied_from.id,
                "copied_title": copied_from.content.title,
                "copied_number": copied_from.document_number,
            }
        plan._log("created", at, actor=by, version=1, details=details)
        return plan

    def copied_for_next_year(self) -> PlanContent:
        """What a copy for the next year starts from: the content of the approved version."""
        content = self.current_version.content if self.current_version is not None else None
        if self.status != APPROVED or not isinstance(content, PlanContent):
            raise TransitionNotAllowed("copy", self.status)
        return content.for_next_year()

    @classmethod
    def imported(
        cls,
        plan_id: str,
        content: Content,
        *,
        province: str,
        document_number: str | None,
        issued_on: date,
        issuer: str,
        place: str,
        signer: dict[str, str],
        by: str,
        at: datetime,
    ) -> Plan:
        """A plan (or a report) issued before the suite existed, recorded as it was issued (history, not
        re-enacted): approved, read-only, its one version the issued text, no register number taken."""
        plan = cls(
            id=plan_id,
            content=content,
            kind=REPORT if isinstance(content, ReportContent) else PLAN,
            province=province,
            created_by=by,
            created_at=at,
            status=APPROVED,
            document_number=document_number,
            issued_on=issued_on,
            issuer=issuer,
            place=place,
        )
        plan.versions.append(
            PlanVersion(
                number=1,
                content=content,
                content_sha256=content.sha256(),
                submitted_by=by,
                submitted_at=at,
                outcome=APPROVED,
            )
        )
        details = {
            "document_number": document_number,
            "issued_on": issued_on.isoformat(),
            "issuer": issuer,
            "signer": signer,
        }
        plan._log("imported", at, actor=by, version=1, details=details)
        return plan

    @property
    def imported_signer(self) -> dict[str, str] | None:
        """The signer an imported plan was issued with (a person of before the suite, by name)."""
        for entry in self.timeline:
            if entry.kind == "imported":
                signer = entry.details.get("signer")
                return dict(signer) if isinstance(signer, dict) and signer else None
        return None

    @property
    def org_unit(self) -> str:
        return self.content.org_unit

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def current_version(self) -> PlanVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def next_version_number(self) -> int:
        return len(self.versions) + 1

    @property
    def due_at(self) -> str | None:
        """When the open level's task is due (while the plan is under approval)."""
        return self.stage.due_at if self.stage else None

    @property
    def date_line(self) -> str | None:
        return date_line(self.place, self.issued_on) if self.place and self.issued_on else None

    def check_revision(self, expected: int | None, *, required: bool = False) -> None:
        """Optimistic concurrency: a write names the revision it was based on; an edit of the
        content (``required``) must name one, where submit and withdraw may omit it."""
        if expected is None and required:
            raise RevisionRequired()
        if expected is not None and expected != self.revision:
            raise RevisionMismatch(expected, self.revision)

    @property
    def type_code(self) -> str:
        return TYPE_CODES[self.kind]

    def replace(
        self, content: Content, *, by: str, at: datetime, catalogue: Catalogue, units: UnitCheck | None = None
    ) -> None:
        if not self.is_editable:
            raise PlanNotEditable(self.status)
        if isinstance(content, ReportContent) != (self.kind == REPORT):
            raise TransitionNotAllowed("change the kind of", self.kind)
        check_document(content, catalogue, units=units)
        self.content = content
        if by not in self.editors:
            self.editors.append(by)
        self._touch(at)
        self._log("edited", at, actor=by, version=self.next_version_number)

    # -- the drafter's transitions
    def _reply_check(self, reply: str, activity_id: str) -> Validation:
        """A reply may name one activity of the version it goes with (by its stable id), and only a reply."""
        validation = Validation()
        if activity_id and not reply:
            validation.add(("activity_id",), "reply-required", N_("names what a reply is about: write the reply too"))
        elif activity_id and activity_id not in activity_ids_of(self.content):
            validation.add(("activity_id",), "unknown-activity", N_("not an activity of this version"))
        return validation

    def submit(
        self,
        *,
        by: str,
        at: datetime,
        catalogue: Catalogue,
        drafters: tuple[str, ...] = (),
        units: UnitCheck | None = None,
        call_id: str = "",
        reply: str = "",
        reply_activity_id: str = "",
    ) -> PlanVersion:
        """Freeze the content as a new version and send it up the chain; ``call_id`` is the ministry's
        call the plan answers (its figures travel with the event, for the national overview)."""
        if not self.is_editable:
            raise TransitionNotAllowed("submit", self.status)
        reply_check = self._reply_check(reply, reply_activity_id)
        try:
            check_document(self.content, catalogue, for_submission=True, units=units)
        except PlanInvalid as invalid:  # every broken rule at once, the reply's among them
            invalid.validation.violations.extend(reply_check.violations)
            raise
        if not reply_check.ok:
            raise PlanInvalid(reply_check)
        edited_by = tuple(
            dict.fromkeys(
                e.actor
                for e in self.timeline
                if e.kind == "edited" and e.version == self.next_version_number and e.actor
            )
        )
        version = PlanVersion(
            number=self.next_version_number,
            content=self.content,
            content_sha256=self.content.sha256(),
            submitted_by=by,
            submitted_at=at,
            edited_by=edited_by,
            readers={FIRST_READER},
            reply=reply,
            reply_activity_id=reply_activity_id,
        )
        self.versions.append(version)
        self.status = SUBMITTED
        self.stage = None  # set when the approval opens its first level
        self._touch(at)
        details = {"content_sha256": version.content_sha256, **({"reply": reply} if reply else {})}
        if reply_activity_id:
            details["reply_activity_id"] = reply_activity_id
        self._log("submitted", at, actor=by, version=version.number, details=details)
        self.events.append(
            _SUBMITTED[self.kind](
                **self._context(version.number),
                content_sha256=version.content_sha256,
                plan_type=self.content.plan_type,
                submitted_by=by,
                created_by=self.created_by,
                edited_by=tuple(self.editors),
                drafters=drafters,
                submitted_at=at,
                submitters=tuple(dict.fromkeys(v.submitted_by for v in self.versions)),
                call_id=call_id,
                **figures_of(version.content),
                reply=reply,
                reply_activity_id=reply_activity_id,
                activity_ids=activity_ids_of(version.content),
            )
        )
        return version

    @property
    def withdrawal_pending(self) -> bool:
        return self.withdrawal is not None and self.withdrawal.get("outcome") is None

    def request_withdrawal(self, *, by: str, at: datetime, request_id: str) -> None:
        """Ask the approval (the one arbiter of its own end) to let the drafter recall this version; the
        plan stays submitted until the verdict arrives (:meth:`answer_withdrawal`)."""
        if self.status != SUBMITTED:
            raise TransitionNotAllowed("withdraw", self.status)
        if self.withdrawal_pending:
            raise WithdrawalInProgress()
        version = self.versions[-1]
        seen = sum(1 for e in self.timeline if e.kind == "decision" and e.version == version.number)
        self.withdrawal = {
            "id": request_id,
            "version": version.number,
            "by": by,
            "requested_at": at.isoformat(),
            "outcome": None,
            "reason": "",
        }
        self.events.append(
            _WITHDRAWAL_REQUESTED[self.kind](
                **self._context(version.number), request_id=request_id, by=by, requested_at=at, seen_decisions=seen
            )
        )

    def answer_withdrawal(self, fact: commands.AnswerWithdrawal) -> bool:
        """The approval's verdict on our request: accepted, the plan is withdrawn; refused, it stays
        where the approval took it. A verdict on another request, or a repeated one, changes nothing."""
        request = self.withdrawal
        if request is None or request.get("id") != fact.request_id or request.get("outcome") is not None:
            return False
        if fact.accepted and request["version"] == fact.version and self.status in (SUBMITTED, WITHDRAWN):
            if self.status == SUBMITTED:
                self.withdraw(by=request["by"], at=fact.occurred_at)
            # else the approval's cancellation arrived first and already made the plan editable again
            self.withdrawal = {**request, "outcome": "accepted"}
        else:
            self.withdrawal = {**request, "outcome": "refused", "reason": fact.reason or "the approval refused it"}
        return True

    def withdraw(self, *, by: str, at: datetime) -> None:
        if self.status != SUBMITTED:
            raise TransitionNotAllowed("withdraw", self.status)
        version = self.versions[-1]
        version.outcome = WITHDRAWN
        self.status = WITHDRAWN
        self.stage = None
        self._touch(at)
        self._log("withdrawn", at, actor=by, version=version.number)
        self.events.append(_WITHDRAWN[self.kind](**self._context(version.number), by=by, withdrawn_at=at))

    # -- the approval chain's events
    def record_task_assigned(self, fact: commands.RecordTaskAssigned) -> bool:
        version = self._version_of(fact)
        if version is None:
            return False
        if fact.role:
            version.readers.add(role_reader(fact.role))  # this version was submitted to that level
        stage = Stage(fact.level, fact.level_name.get("vi", ""), fact.level_name.get("en", ""), fact.due_at)
        details: dict[str, Any] = {"level_name": stage.to_dict(), "task_id": fact.task_id, "due_at": fact.due_at}
        if fact.reassigned:
            details["reassigned"] = dict(fact.reassigned)  # the task passed to a dissolved body's successor
        self._log_fact(fact, "task_assigned", level=fact.level, details=details)
        # A late task for a lower level (its successor already opened) must not move the stage back;
        # a task handed to a successor's approvers keeps its level and starts its due time again.
        moved = bool(fact.reassigned) and self.stage is not None and fact.level == self.stage.level
        if self._is_open(version) and (self.stage is None or fact.level > self.stage.level or moved):
            self.stage = stage
            self._touch(fact.occurred_at, bump=False)
        return True

    def record_decision(self, fact: commands.RecordDecision) -> bool:
        if fact.by:
            self.deciders.add(fact.by)  # whoever decided keeps reading the plan, whatever happens next
        version = self._version_of(fact)
        if version is None:
            return False
        if fact.by:
            version.readers.add(user_reader(fact.by))
        self._log_fact(
            fact,
            "decision",
            level=fact.level,
            actor=fact.by,
            details={
                "decision": fact.decision,
                "comment": fact.comment,
                "level_name": fact.level_name,
                "task_id": fact.task_id,
                **(
                    {"on_behalf_of": fact.on_behalf_of, "delegation_kind": fact.delegation_kind}
                    if fact.on_behalf_of
                    else {}
                ),
                **({"activity_id": fact.activity_id} if fact.activity_id else {}),
            },
        )
        return True

    def record_delegation(self, fact: commands.RecordDelegation) -> bool:
        """The history shows who handed their place to whom, why and when."""
        version = self._version_of(fact)
        if version is None:
            return False
        if fact.to_user:
            version.readers.add(user_reader(fact.to_user))  # the delegate reads what they decide on
        self._log_fact(
            fact,
            "delegated",
            level=fact.level,
            actor=fact.from_user,
            details={
                "from": fact.from_user,
                "to": fact.to_user,
                "comment": fact.comment,
                "kind": fact.kind,
                "level_name": fact.level_name,
                "task_id": fact.task_id,
            },
        )
        return True

    def complete_approval(
        self,
        fact: commands.CompleteApproval,
        *,
        issuing_body: Callable[[date], IssuingBody],
        take_number: Callable[[IssuingBody, int], int],
    ) -> bool:
        """The approval ended. On ``approved`` the plan takes its number from the issuing body's register
        (in the caller's transaction) and becomes read-only."""
        if fact.by and fact.outcome in (APPROVED, RETURNED, REJECTED):
            self.deciders.add(fact.by)
        version = self._version_of(fact)
        if version is not None and fact.by and fact.outcome in (APPROVED, RETURNED, REJECTED):
            version.readers.add(user_reader(fact.by))
        if version is None or not self._is_open(version):
            return False
        details: dict[str, Any] = {"outcome": fact.outcome, "comment": fact.comment, "level_name": fact.level_name}
        if fact.activity_id:
            details["activity_id"] = fact.activity_id
        version.outcome = fact.outcome
        self.stage = None
        if fact.outcome == APPROVED:
            issued_on = fact.occurred_at.astimezone(VIETNAM).date()
            body = issuing_body(issued_on)
            number = take_number(body, issued_on.year)
            self.status = APPROVED
            self.document_number = document_number(number, body, self.type_code)
            self.issued_on = issued_on
            self.issuer = body.code
            self.place = body.place
            details.update(document_number=self.document_number, issued_on=issued_on.isoformat(), issuer=body.code)
            self.events.append(
                _APPROVED[self.kind](
                    **self._context(version.number),
                    document_number=self.document_number,
                    issued_on=issued_on,
                    issuer=body.code,
                )
            )
        elif fact.outcome in (RETURNED, REJECTED):
            self.status = fact.outcome
        else:  # cancelled on the approvals side: the drafter may edit and submit again
            self.status = WITHDRAWN
        kind = fact.outcome if fact.outcome in (APPROVED, RETURNED, REJECTED) else "cancelled"
        self._log_fact(fact, kind, level=fact.level, actor=fact.by or None, details=details)
        self._touch(fact.occurred_at)
        return True

    # -- the ministry receives an issued report
    def record_receipt(self, *, by: str, at: datetime, note: str = "") -> None:
        """The ministry records that it received the issued report (it receives reports rather than
        approving them); recorded once."""
        if self.kind != REPORT or self.status != APPROVED:
            raise TransitionNotAllowed("record the receipt of", self.status if self.kind == REPORT else self.kind)
        if self.receipt is not None:
            raise AlreadyReceived(self.receipt.get("received_at", ""))
        version = self.versions[-1]
        self.receipt = {"by": by, "received_at": at.isoformat(), "note": note}
        self._touch(at)
        self._log("received", at, actor=by, version=version.number, details={"note": note})
        self.events.append(
            events.ReportReceived(
                **self._context(version.number),
                document_number=self.document_number or "",
                received_by=by,
                received_at=at,
                note=note,
            )
        )

    # -- reading
    def read_as(self, visibility: Visibility) -> Plan | None:
        """The plan as this reader may see it, or None when they may not see it at all.

        The unit's drafters and admins (and integrators, once approved) read the working copy;
        approvers read the latest frozen version submitted to a level they may act on, or that
        they decided, and only those versions — never edits made since (architecture §4)."""
        if visibility.sees_working_copy(org_unit=self.org_unit, status=self.status):
            return self
        readable = [
            version
            for version in self.versions
            if visibility.reads_version(org_unit=self.org_unit, province=self.province, readers=version.readers)
        ]
        if not readable:
            return None
        view = copy.copy(self)
        view.content = readable[-1].content
        view.versions = readable
        view.events = []
        return view

    def ordered_timeline(self) -> list[TimelineEntry]:
        return sorted(self.timeline, key=TimelineEntry.sort_key)

    def summary(self) -> PlanSummary:
        return PlanSummary(
            id=self.id,
            title=self.content.title,
            plan_type=self.content.plan_type,
            year=self.content.year,
            org_unit=self.org_unit,
            province=self.province,
            status=self.status,
            stage=self.stage,
            document_number=self.document_number,
            revision=self.revision,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )

    # -- internals
    def _version_of(self, fact: commands.ApprovalFact) -> PlanVersion | None:
        """The version an approval event concerns, or None when it concerns none we know
        (a version not submitted here, or a second approval of a version already being decided)."""
        if not 1 <= fact.version <= len(self.versions):
            return None
        version = self.versions[fact.version - 1]
        if version.approval_id is None:
            version.approval_id = fact.approval_id
        elif version.approval_id != fact.approval_id:
            return None
        return version

    def _is_open(self, version: PlanVersion) -> bool:
        """Only the current version's undecided approval may change the plan's state."""
        return version is self.versions[-1] and version.outcome is None and self.status == SUBMITTED

    def _context(self, version: int) -> dict[str, Any]:
        frozen = next((v for v in self.versions if v.number == version), None)
        sha = frozen.content_sha256 if frozen is not None else ""
        context: dict[str, Any] = {
            "subject": events.Subject(kind=self.kind, id=self.id, version=version, content_sha256=sha),
            "plan_id": self.id,
            "version": version,
            "title": self.content.title,
            "org_unit": self.org_unit,
            "province": self.province,
            "year": self.content.year,
        }
        content = self.content
        if isinstance(content, ReportContent):
            context.update(
                report_id=self.id,
                report_kind=content.report_kind,
                plan_ref=content.plan_ref,
                plan_ref_version=content.plan_ref_version,
                plan_ref_number=content.plan_ref_number,
                period_start=content.period_start,
                period_end=content.period_end,
            )
        return context

    def _touch(self, at: datetime, *, bump: bool = True) -> None:
        if bump:
            self.revision += 1
        self.updated_at = max(self.updated_at, at)

    def _log(
        self,
        kind: str,
        at: datetime,
        *,
        actor: str | None = None,
        version: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.timeline.append(
            TimelineEntry(
                id=str(uuid.uuid4()), kind=kind, occurred_at=at, version=version, actor=actor, details=details or {}
            )
        )

    def _log_fact(
        self,
        fact: commands.ApprovalFact,
        kind: str,
        *,
        level: int | None = None,
        actor: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        if any(entry.id == fact.event_id for entry in self.timeline):
            return  # the same event delivered again
        self.timeline.append(
            TimelineEntry(
                id=fact.event_id,
                kind=kind,
                occurred_at=fact.occurred_at,
                version=fact.version,
                level=level,
                actor=actor,
                details={**(details or {}), "approval_id": fact.approval_id},
            )
        )
