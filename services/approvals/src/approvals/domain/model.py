"""The approval aggregate: an approval of one frozen document version (its subject: a plan
or a report, by kind, id, version and content hash) walks the
levels of the chain version it started with; each level instance is one task,
decided by one or several assignees according to the level's quorum.

Nothing here does I/O: the service layer hands in the assignees (from the
directory), the due dates (from the working calendar) and the clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Protocol

from servicekit import scope as scope_rule
from servicekit.calendar import VIETNAM
from servicekit.i18n import N_, Message

from .chain import RESUME, ApprovalChain, ChainLevel, LevelName
from .errors import AlreadyDecided, InvalidDecision, NotFound, NotPermitted, SeparationOfDuties, TaskClosed, term
from .events import (
    ApprovalCompleted,
    ApprovalEvent,
    DecisionRecorded,
    Reassignment,
    Subject,
    TaskAssigned,
    TaskDeadlineEvent,
    TaskDelegated,
    TaskOverdue,
    TaskReminder,
    WithdrawalAnswered,
)
from .signing import decision_hash, iso_utc

DECISIONS = ("approve", "return", "reject")
OPEN = "open"


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Actor:
    """The caller, as their verified token describes them."""

    username: str
    roles: frozenset[str]
    org_unit: str | None = None
    province: str | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


# The kinds of document approvals decides on, and the words each is called by in messages.
DOCUMENT_KINDS = ("plan", "report")


def document_date(moment: datetime) -> date:
    """The calendar day of an action in Vietnam: the date that picks a not-yet-issued
    document's chain and the names in force (architecture: everything by date)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM).date()


@dataclass(frozen=True)
class SubjectContext:
    """What approvals knows of the document version under approval (from ``plan.submitted``
    or ``report.submitted``): its kind, id, version and content hash — the subject — and the
    facts about it that scope, separation of duties and messages need."""

    id: str
    version: int
    title: str
    org_unit: str
    province: str
    year: int
    content_sha256: str
    submitted_by: str
    created_by: str = ""
    edited_by: tuple[str, ...] = ()
    submitters: tuple[str, ...] = ()  # everyone who submitted any version of the document
    document_type: str = "annual"  # a plan's type or a report's kind (annual, semiannual)
    kind: str = "plan"
    # The stable ids of the version's activities, which a decision's comment may name
    # (None: submitted by a producer that did not say, so no comment names one).
    activity_ids: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        # however they were stored (a JSON column gives lists)
        object.__setattr__(self, "edited_by", tuple(self.edited_by))
        object.__setattr__(self, "submitters", tuple(self.submitters))
        if self.activity_ids is not None:
            object.__setattr__(self, "activity_ids", tuple(self.activity_ids))

    def has_activity(self, activity_id: str) -> bool:
        return activity_id in (self.activity_ids or ())

    @property
    def plan_id(self) -> str:
        """The older name of :attr:`id`: the events' ``plan_id`` is the subject's id whatever its kind."""
        return self.id

    @property
    def noun(self) -> str:
        return "report" if self.kind == "report" else "plan"

    def subject(self) -> Subject:
        return Subject(kind=self.kind, id=self.id, version=self.version, content_sha256=self.content_sha256)

    def context(self) -> dict[str, Any]:
        """The fields every approval event carries: the subject, and the plan fields describing
        the same document (``plan_id`` is its id), so receivers written for plans keep working."""
        return {
            "subject": self.subject(),
            "plan_id": self.id,
            "version": self.version,
            "title": self.title,
            "org_unit": self.org_unit,
            "province": self.province,
            "year": self.year,
        }

    def conflict_of(self, username: str) -> Message | None:
        """Why ``username`` may not decide on this document, or ``None``: whoever created it, or
        edited or submitted any of its versions (not only this one)."""
        if username == self.created_by:
            return N_("you created this {noun}", noun=term(self.noun))
        if username == self.submitted_by or username in self.submitters:
            return N_("you submitted this {noun}", noun=term(self.noun))
        if username in self.edited_by:
            return N_("you edited this {noun}", noun=term(self.noun))
        return None

    def with_submitters_of(self, earlier: SubjectContext) -> SubjectContext:
        """This version's context, also naming whoever submitted an earlier version (so the rule
        holds even for a submission from a producer that sends no ``submitters``)."""
        return replace(
            self, submitters=tuple(sorted({*self.submitters, *earlier.submitters, earlier.submitted_by} - {""}))
        )


# The name this class had when plans were the only subject.
PlanContext = SubjectContext


def in_scope(actor: Actor, role: str, scope: str, subject: SubjectContext) -> bool:
    """Does the caller's token put them on this level of this document?"""
    return role in actor.roles and scope_rule.in_scope(
        scope,
        person_org_unit=actor.org_unit,
        person_province=actor.province,
        org_unit=subject.org_unit,
        province=subject.province,
    )


class Step(Enum):
    """Where one decision takes the approval."""

    WAIT = "wait"  # the level's quorum is not reached yet
    NEXT_LEVEL = "next_level"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"


def next_step(decision: str, approvals_with_this: int, required: int, level: int, last_level: int) -> Step:
    """The pure heart of the workflow: one decision → the next state.

    A return or a reject ends the approval at once, whatever the quorum; an
    approval completes the level when enough distinct assignees approved.
    """
    if decision == "return":
        return Step.RETURNED
    if decision == "reject":
        return Step.REJECTED
    if approvals_with_this < required:
        return Step.WAIT
    return Step.APPROVED if level >= last_level else Step.NEXT_LEVEL


# Decisions and delegations are records, never changed once made (the hash chain shows any
# change); they are not frozen only because the ORM keeps its state on the instance.
@dataclass
class Decision:
    id: str
    approval_id: str
    task_id: str
    sequence: int
    level: int
    decision: str
    comment: str
    by: str
    decided_at: datetime
    content_sha256: str
    previous_hash: str | None
    hash: str
    # The subject decided on, signed with the decision (none on decisions recorded before subjects).
    subject_kind: str | None = None
    subject_id: str | None = None
    subject_version: int | None = None

    # The activity of the document the comment is about (its stable id; empty: the whole document).
    activity_id: str = ""

    def signed_subject(self) -> dict[str, Any] | None:
        if self.subject_kind is None:
            return None
        return {"kind": self.subject_kind, "id": self.subject_id, "version": self.subject_version}

    # A decision taken in someone else's place: whose, why and since when (part of the hash).
    on_behalf_of: str = ""
    delegation_kind: str = ""  # manual | out_of_office
    delegation_reason: str = ""
    delegated_at: datetime | None = None

    def delegation_record(self) -> dict[str, str] | None:
        if not self.on_behalf_of:
            return None
        return {
            "from": self.on_behalf_of,
            "kind": self.delegation_kind,
            "reason": self.delegation_reason,
            "at": iso_utc(self.delegated_at) if self.delegated_at else "",
        }

    def recomputed_hash(self) -> str:
        return decision_hash(
            approval_id=self.approval_id,
            task_id=self.task_id,
            level=self.level,
            decision=self.decision,
            comment=self.comment,
            by=self.by,
            decided_at=self.decided_at,
            content_sha256=self.content_sha256,
            previous_hash=self.previous_hash,
            subject=self.signed_subject(),
            delegation=self.delegation_record(),
            activity_id=self.activity_id,
        )


MANUAL = "manual"
OUT_OF_OFFICE = "out_of_office"


@dataclass
class Delegation:
    id: str
    task_id: str
    from_user: str
    to_user: str
    comment: str
    delegated_at: datetime
    kind: str = MANUAL  # manual (the approver handed the task over) | out_of_office (their deputy)


@dataclass
class Absence:
    """An approver away from ``starts_on`` to ``ends_on`` (inclusive, Vietnamese dates): the tasks
    offered to them in that range go to ``deputy`` instead (an out-of-office delegation)."""

    id: str
    username: str
    deputy: str
    starts_on: date
    ends_on: date
    reason: str
    created_at: datetime
    cancelled_at: datetime | None = None

    def covers(self, day: date) -> bool:
        return self.cancelled_at is None and self.starts_on <= day <= self.ends_on


@dataclass(eq=False)
class Task:
    """One level instance: offered to its assignees, closed by the quorum or by a return/reject."""

    id: str
    approval_id: str
    level: int
    role: str
    scope: str
    assignees: list[str]
    required_approvals: int
    assigned_at: datetime
    due_at: datetime
    remind_at: datetime
    status: str = OPEN  # open | approved | returned | rejected | cancelled
    closed_at: datetime | None = None
    reminded_at: datetime | None = None
    overdue_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and now > self.due_at

    def reminder_due(self, now: datetime) -> bool:
        return self.is_open and self.reminded_at is None and now >= self.remind_at

    def overdue_unannounced(self, now: datetime) -> bool:
        return self.is_overdue(now) and self.overdue_at is None

    def close(self, status: str, at: datetime) -> None:
        self.status = status
        self.closed_at = at


class OrganisationNames(Protocol):
    """What the approval reads of the organisation registry's copy: an organisation's name in force
    on a date, and who held an organisation's work on a date (servicekit.organisations.CopiedRegistry)."""

    def __contains__(self, organisation_id: object) -> bool: ...

    def name(self, organisation_id: str | None, day: date, *, short: bool = False) -> str: ...

    def holders_on(self, organisation_id: str, day: date, duty: str | None = None) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class HandOver:
    """The body a document belonged to was dissolved (``predecessor``) and ``successor`` took over its
    work on ``day``; ``successor_province`` is the successor's province then, where known."""

    predecessor: str
    successor: str
    day: date
    successor_province: str | None = None

    def moved(self, subject: SubjectContext) -> SubjectContext:
        """The subject as it belongs after the hand-over (its unit, its province or both)."""
        org_unit, province = subject.org_unit, subject.province
        if org_unit == self.predecessor:
            org_unit = self.successor
            if self.successor_province and province != self.successor:
                province = self.successor_province
        if province == self.predecessor:
            province = self.successor
        return replace(subject, org_unit=org_unit, province=province)


@dataclass(eq=False)
class Approval:
    id: str
    subject: SubjectContext
    chain: ApprovalChain
    started_at: datetime
    effective_on: date  # the document date: it picked the chain version and dates the level names
    status: str = OPEN  # open | approved | returned | rejected | cancelled
    current_level: int = 1
    completed_at: datetime | None = None
    tasks: list[Task] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    delegations: list[Delegation] = field(default_factory=list)
    events: list[ApprovalEvent] = field(default_factory=list, repr=False)

    # -- starting
    @classmethod
    def start(
        cls,
        subject: SubjectContext,
        chain: ApprovalChain,
        *,
        at: datetime,
        first_level: int = 1,
        effective_on: date | None = None,
    ) -> Approval:
        return cls(
            id=new_id(),
            subject=subject,
            chain=chain,
            started_at=at,
            effective_on=effective_on or document_date(at),
            current_level=first_level,
        )

    @property
    def plan(self) -> SubjectContext:
        """The older name of :attr:`subject`, from when plans were the only documents approved."""
        return self.subject

    # The organisation registry's copy, handed in by the repository (not stored): names levels.
    names: OrganisationNames | None = field(default=None, repr=False, compare=False)

    def level_name(self, number: int) -> LevelName:
        """Level ``number``'s name on this approval's document date (a 2017 plan's ministry level
        is the Ministry of Information and Communications, a 2026 one the Ministry of Culture,
        Sports and Tourism). A level that names an organisation takes its Vietnamese name from the
        registry's copy, as in force on that date (the chain's own name where the copy does not
        know it yet); the English name is the chain's."""
        level = self.chain.level(number)
        name = level.name_on(self.effective_on)
        organisation = self._level_organisation(level)
        if organisation is None or self.names is None:
            return name
        return LevelName(self.names.name(organisation, self.effective_on), name.en)

    def _level_organisation(self, level: ChainLevel) -> str | None:
        """The organisation a level names on the document date, when its chain says it names one:
        the document's unit, its province, or the holder of a named body's work (a duty) then."""
        if level.organisation is None:
            return None
        if level.organisation == "org_unit":
            return self.subject.org_unit or None
        if level.organisation == "province":
            return self.subject.province or None
        if self.names is None or level.organisation not in self.names:
            return None
        holders = self.names.holders_on(level.organisation, self.effective_on, level.duty)
        return holders[0] if len(holders) == 1 else None

    @staticmethod
    def first_level_after(previous: Approval | None, chain: ApprovalChain) -> int:
        """Level 1, unless the previous version was returned at a level whose chain says
        to resume there (and this chain still has that level)."""
        if previous is None or previous.status != "returned":
            return 1
        returned_at = previous.current_level
        if returned_at <= chain.last_level and chain.level(returned_at).on_resubmit == RESUME:
            return returned_at
        return 1

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def level(self) -> ChainLevel:
        return self.chain.level(self.current_level)

    def open_level(
        self,
        number: int,
        assignees: Iterable[str],
        *,
        at: datetime,
        due_at: datetime,
        remind_share: float,
        absences: Mapping[str, Absence] | None = None,
    ) -> Task:
        """Offer level ``number`` to ``assignees``; those who authored the document are left out.
        The reminder falls when ``remind_share`` of the time to the due date has passed.

        An assignee in ``absences`` (away the day the task arrives) is replaced by their deputy,
        recorded as an out-of-office delegation — when the deputy is eligible for this level
        and free to decide on this plan; otherwise the task stays with the absent approver."""
        level = self.chain.level(number)
        eligible = {name for name in assignees if self.subject.conflict_of(name) is None}
        substitutes = [
            absence
            for absence in sorted((absences or {}).values(), key=lambda a: a.username)
            if absence.username in eligible and absence.deputy in eligible and absence.deputy not in (absences or {})
        ]
        away = {absence.username for absence in substitutes}
        people = sorted((eligible - away) | {absence.deputy for absence in substitutes})
        task = Task(
            id=new_id(),
            approval_id=self.id,
            level=number,
            role=level.role,
            scope=level.scope,
            assignees=people,
            required_approvals=level.quorum.required(len(people)),
            assigned_at=at,
            due_at=due_at,
            remind_at=at + (due_at - at) * remind_share,
        )
        self.current_level = number
        self.tasks.append(task)
        self._task_assigned(task)
        for absence in substitutes:
            self._record_delegation(task, absence.username, absence.deputy, absence.reason, at, OUT_OF_OFFICE)
        return task

    def hand_over(
        self,
        hand_over: HandOver,
        assignees: Iterable[str],
        *,
        at: datetime,
        due_at: datetime,
        remind_share: float,
    ) -> Task | None:
        """The body this document belonged to was dissolved and ``hand_over.successor`` took over its
        work: the document now belongs to the successor (its unit, its province), and the open task,
        unless it is a national one, goes to the successor's approvers (``assignees``, resolved by the
        caller for the moved subject). The approval keeps its chain version, its level and its record;
        the task keeps its id and gets a full SLA again from ``at`` (the new approvers never saw it).
        Returns the task handed over, or ``None`` when nothing changed."""
        if not self.is_open:
            return None
        moved = hand_over.moved(self.subject)
        if moved == self.subject:
            return None
        before, self.subject = self.subject, moved
        task = self.open_task()
        # Only a task whose scope moved changes hands: a department's task when the unit was
        # dissolved, a province's when the province was; a national one never.
        if task is None or getattr(before, task.scope, None) == getattr(moved, task.scope, None):
            return None
        level = self.chain.level(task.level)
        people = sorted({name for name in assignees if self.subject.conflict_of(name) is None})
        task.assignees = people
        task.required_approvals = level.quorum.required(len(people))
        task.assigned_at = at
        task.due_at = due_at
        task.remind_at = at + (due_at - at) * remind_share
        task.reminded_at = None
        task.overdue_at = None
        self._task_assigned(
            task,
            Reassignment(
                task_id=task.id, predecessor=hand_over.predecessor, successor=hand_over.successor, day=hand_over.day
            ),
        )
        return task

    def _task_assigned(self, task: Task, reassigned: Reassignment | None = None) -> None:
        """Tell of a task offered to its assignees: a level opening, or a hand-over (``reassigned``)."""
        self.events.append(
            TaskAssigned(
                **self.subject.context(),
                approval_id=self.id,
                task_id=task.id,
                level=task.level,
                level_name=self.level_name(task.level).as_dict(),
                role=task.role,
                scope=task.scope,
                due_at=task.due_at,
                assignees=tuple(task.assignees),
                required_approvals=task.required_approvals,
                reassigned=reassigned,
            )
        )

    # -- reading
    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise NotFound(N_("No such task."))

    def open_task(self) -> Task | None:
        return next((task for task in self.tasks if task.is_open), None)

    def visible_to(self, actor: Actor) -> bool:
        """Architecture §4: the unit's drafters, whoever can act on one of its levels,
        whoever decided on it, and admins."""
        if actor.is_admin:
            return True
        if "drafter" in actor.roles and actor.org_unit == self.subject.org_unit:
            return True
        if any(in_scope(actor, level.role, level.scope, self.subject) for level in self.chain.levels):
            return True
        return any(decision.by == actor.username for decision in self.decisions)

    # -- deciding
    def admit(self, task: Task, username: str) -> None:
        """Add an approver who became eligible after the task was offered (a new deputy director),
        never one who handed this task to someone else."""
        if (
            username not in task.assignees
            and self.subject.conflict_of(username) is None
            and self.delegated_by(task, username) is None
        ):
            task.assignees = sorted([*task.assignees, username])

    def delegated_by(self, task: Task, username: str) -> Delegation | None:
        return next((d for d in self.delegations if d.task_id == task.id and d.from_user == username), None)

    def delegated_to(self, task: Task, username: str) -> Delegation | None:
        """The delegation that put ``username`` on the task, if they hold it in someone's place."""
        return next((d for d in reversed(self.delegations) if d.task_id == task.id and d.to_user == username), None)

    def check_may_act(self, task: Task, actor: Actor) -> None:
        """404 outside the level's scope, 403 for separation of duties, 409 once closed."""
        if not in_scope(actor, task.role, task.scope, self.subject):
            raise NotFound(N_("No such task."))
        conflict = self.subject.conflict_of(actor.username)
        if conflict is not None:
            raise SeparationOfDuties(
                N_(
                    "Separation of duties: {conflict}, so you may not decide or delegate its approval.",
                    conflict=conflict,
                )
            )
        if not task.is_open:
            raise TaskClosed(
                N_("The task is closed ({status}); no more decisions are taken on it.", status=term(task.status))
            )
        if actor.username not in task.assignees:
            handed = self.delegated_by(task, actor.username)
            if handed is not None:
                raise NotPermitted(N_("You delegated this task to {to}.", to=handed.to_user))
            raise NotPermitted(N_("The task is not assigned to you."))

    def record_decision(
        self, task_id: str, actor: Actor, decision: str, comment: str, *, at: datetime, activity_id: str = ""
    ) -> Step:
        """``activity_id``: the activity of the decided version the comment is about (empty: the
        whole document)."""
        task = self.task(task_id)
        self.check_may_act(task, actor)
        errors: dict[str, list[Message]] = {}
        detail: Message | None = None
        if decision not in DECISIONS:
            detail = N_("Unknown decision.")
            errors["decision"] = [N_("one of {choices}", choices=", ".join(DECISIONS))]
        elif decision in ("return", "reject") and not comment:
            detail = N_(
                "A comment is required to {decision} a {noun}.", decision=term(decision), noun=term(self.subject.noun)
            )
            errors["comment"] = [N_("required when the decision is {decision}", decision=term(decision))]
        if activity_id and not self.subject.has_activity(activity_id):
            detail = detail or N_(
                "The comment names an activity this version of the {noun} does not have.", noun=term(self.subject.noun)
            )
            errors["activity_id"] = [N_("not an activity of version {version}", version=self.subject.version)]
        if errors:
            raise InvalidDecision(detail or N_("Unknown decision."), errors)
        mine = [d for d in self.decisions if d.task_id == task.id]
        if any(d.by == actor.username for d in mine):
            raise AlreadyDecided(N_("You have already decided this task."))
        previous_hash = self.decisions[-1].hash if self.decisions else None
        handed = self.delegated_to(task, actor.username)
        record = Decision(
            id=new_id(),
            approval_id=self.id,
            task_id=task.id,
            sequence=len(self.decisions) + 1,
            level=task.level,
            decision=decision,
            comment=comment,
            by=actor.username,
            decided_at=at,
            content_sha256=self.subject.content_sha256,
            previous_hash=previous_hash,
            hash="",
            subject_kind=self.subject.kind,
            subject_id=self.subject.id,
            subject_version=self.subject.version,
            on_behalf_of=handed.from_user if handed else "",
            delegation_kind=handed.kind if handed else "",
            delegation_reason=handed.comment if handed else "",
            delegated_at=handed.delegated_at if handed else None,
            activity_id=activity_id,
        )
        # Sealed before anyone sees it; a copy made by replace() would cost a second mapped instance.
        record.hash = signature = record.recomputed_hash()
        self.decisions.append(record)
        level = self.chain.level(task.level)
        self.events.append(
            DecisionRecorded(
                **self.subject.context(),
                approval_id=self.id,
                task_id=task.id,
                level=task.level,
                level_name=self.level_name(level.number).as_dict(),
                decision=decision,
                comment=comment,
                by=actor.username,
                decided_at=at,
                content_sha256=self.subject.content_sha256,
                signature=signature,
                on_behalf_of=record.on_behalf_of,
                delegation_kind=record.delegation_kind,
                activity_id=activity_id,
            )
        )
        approvals = sum(1 for d in mine if d.decision == "approve") + (decision == "approve")
        step = next_step(decision, approvals, task.required_approvals, task.level, self.chain.last_level)
        if step is Step.NEXT_LEVEL:
            task.close("approved", at)
        elif step is not Step.WAIT:
            task.close(step.value, at)
            self._complete(step.value, at, by=actor.username, comment=comment, activity_id=activity_id)
        return step

    def delegate(
        self, task_id: str, actor: Actor, to: str, comment: str, *, at: datetime, to_is_eligible: bool
    ) -> Delegation:
        task = self.task(task_id)
        self.check_may_act(task, actor)
        errors: dict[str, list[Message]] = {}
        if to == actor.username:
            errors["to"] = [N_("you cannot delegate a task to yourself")]
        elif to in task.assignees and len(task.assignees) - 1 < task.required_approvals:
            # Handing the task to a fellow assignee drops one approver; refuse it when the
            # level could then no longer reach its quorum.
            errors["to"] = [
                N_("{to} is already an assignee, and without you this level cannot reach its quorum", to=to)
            ]
        elif self.subject.conflict_of(to) is not None:
            errors["to"] = [
                N_("{to} may not decide on this {noun} (separation of duties)", to=to, noun=term(self.subject.noun))
            ]
        elif not to_is_eligible:
            errors["to"] = [
                N_(
                    "{to} is not a {role} of this task's {scope} scope",
                    to=to,
                    role=term(task.role),
                    scope=term(task.scope),
                )
            ]
        if errors:
            raise InvalidDecision(N_("The task cannot be delegated to this person."), errors)
        # The delegator hands over their place: the number of assignees, and so the quorum, stays.
        task.assignees = sorted({name for name in task.assignees if name != actor.username} | {to})
        return self._record_delegation(task, actor.username, to, comment, at, MANUAL)

    def _record_delegation(
        self, task: Task, from_user: str, to_user: str, comment: str, at: datetime, kind: str
    ) -> Delegation:
        delegation = Delegation(new_id(), task.id, from_user, to_user, comment, at, kind)
        self.delegations.append(delegation)
        self.events.append(
            TaskDelegated(
                **self.subject.context(),
                approval_id=self.id,
                task_id=task.id,
                level=task.level,
                level_name=self.level_name(task.level).as_dict(),
                from_user=from_user,
                to_user=to_user,
                comment=comment,
                due_at=task.due_at,
                kind=kind,
                delegated_at=at,
            )
        )
        return delegation

    # -- the drafter's withdrawal
    def answer_withdrawal(self, request_id: str, *, by: str, seen_decisions: int, at: datetime) -> bool:
        """Accept the withdrawal while the approval is open and no decision was taken that the drafter
        had not seen; otherwise refuse it. The verdict is announced before the cancellation, so the
        plans service hears it first."""
        if not self.is_open:
            reason = f"the approval is already {self.status}"
        elif len(self.decisions) > seen_decisions:
            reason = "a decision was recorded while the withdrawal was on its way"
        else:
            reason = ""
        accepted = not reason
        self.events.append(
            WithdrawalAnswered(
                **self.subject.context(),
                approval_id=self.id,
                request_id=request_id,
                accepted=accepted,
                reason=reason,
                by=by,
            )
        )
        if accepted:
            self.cancel(by=by, at=at, comment="withdrawn by the drafter")
        return accepted

    # -- ending
    def cancel(self, *, by: str, at: datetime, comment: str = "") -> None:
        for task in self.tasks:
            if task.is_open:
                task.close("cancelled", at)
        self._complete("cancelled", at, by=by, comment=comment)

    def _complete(self, outcome: str, at: datetime, *, by: str, comment: str, activity_id: str = "") -> None:
        self.status = outcome
        self.completed_at = at
        self.events.append(
            ApprovalCompleted(
                **self.subject.context(),
                approval_id=self.id,
                outcome=outcome,
                level=self.current_level,
                level_name=self.level_name(self.current_level).as_dict(),
                comment=comment,
                activity_id=activity_id,
                by=by,
                chain_key=self.chain.key,
                chain_version=self.chain.version,
            )
        )

    # -- timers
    def remind(self, task: Task, at: datetime) -> None:
        task.reminded_at = at
        self.events.append(self._deadline_event(TaskReminder, task))

    def mark_overdue(self, task: Task, at: datetime) -> None:
        task.overdue_at = at
        self.events.append(self._deadline_event(TaskOverdue, task))

    def _deadline_event(self, kind: type[TaskDeadlineEvent], task: Task) -> TaskDeadlineEvent:
        return kind(
            **self.subject.context(),
            approval_id=self.id,
            task_id=task.id,
            level=task.level,
            level_name=self.level_name(task.level).as_dict(),
            role=task.role,
            scope=task.scope,
            due_at=task.due_at,
            assignees=tuple(task.assignees),
        )

    # -- the record
    def verify_decisions(self) -> bool:
        """Recompute the hash chain; false when any stored decision was altered, removed or reordered,
        or is about another subject than this approval's."""
        previous: str | None = None
        for expected_sequence, decision in enumerate(self.decisions, start=1):
            if decision.sequence != expected_sequence or decision.previous_hash != previous:
                return False
            if decision.content_sha256 != self.subject.content_sha256 or decision.recomputed_hash() != decision.hash:
                return False
            signed = decision.signed_subject()
            if signed is not None and signed != {
                "kind": self.subject.kind,
                "id": self.subject.id,
                "version": self.subject.version,
            }:
                return False
            previous = decision.hash
        return True
