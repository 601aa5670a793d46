"""The use cases: ``handler(command, uow, *, dependencies)``, one transaction each;
``bootstrap`` binds the dependencies (see ``HANDLERS``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from servicekit.calendar import VIETNAM, WorkingCalendar
from servicekit.clock import Clock
from servicekit.contracts import events as contract
from servicekit.i18n import N_
from servicekit.organisations import CopiedRegistry

from ..domain import commands
from ..domain.chain import ApprovalChain, chain_key_for, define_chain
from ..domain.errors import ApprovalError, InvalidDecision, NotFound, NotPermitted
from ..domain.events import WithdrawalAnswered
from ..domain.model import (
    Absence,
    Actor,
    Approval,
    Decision,
    Delegation,
    HandOver,
    OrganisationNames,
    Step,
    Task,
    document_date,
    in_scope,
    new_id,
)
from .ports import ApproverDirectory, PersonLike, largest_group
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

DEFAULT_CHAIN_KEY = chain_key_for("plan")


# -- chains ------------------------------------------------------------------


def bundled_chain_definitions() -> dict[str, dict[str, Any]]:
    """The chains shipped with the service (``approvals/chains/*.json``), by key."""
    found: dict[str, dict[str, Any]] = {}
    for entry in resources.files("approvals.chains").iterdir():
        if entry.name.endswith(".json"):
            document = json.loads(entry.read_text(encoding="utf-8"))
            found[document["key"]] = document
    return found


def ensure_default_chains(command: commands.LoadBundledChains, uow: UnitOfWork, *, clock: Clock) -> list[str]:
    """Load each bundled chain as version 1 where its key has no version yet."""
    loaded = []
    with uow:
        for key in bundled_chain_definitions():
            if uow.chains.latest(key) is None:
                _publish_bundled(uow, key, clock())
                loaded.append(key)
    return loaded


def _publish_bundled(uow: UnitOfWork, key: str, now: datetime) -> ApprovalChain:
    """The bundled definition of ``key`` becomes version 1 (at `migrate`, or on first need)."""
    definition = bundled_chain_definitions()[key]
    valid_from = date.fromisoformat(definition["valid_from"]) if definition.get("valid_from") else None
    chain = define_chain(key, 1, definition, published_by="system", published_at=now, valid_from=valid_from)
    uow.chains.add(chain)
    return chain


class NoChainInForce(Exception):
    """No version of the document kind's chain applies on the document's date (an administrator
    published only versions valid from a later date, and no bundled chain exists for the kind)."""


def chain_for(uow: UnitOfWork, kind: str, day: date, now: datetime) -> ApprovalChain:
    """The chain that approves a ``kind`` document dated ``day``: by kind (``ttdn-<kind>``), then
    the version in force on that date; the bundled definition is published on first need."""
    key = chain_key_for(kind)
    chain = uow.chains.in_force(key, day)
    if chain is not None:
        return chain
    if uow.chains.latest(key) is None and key in bundled_chain_definitions():
        published = _publish_bundled(uow, key, now)
        if published.applies_on(day):
            return published
    raise NoChainInForce(f"no version of the approval chain {key} applies on {day.isoformat()}")


def publish_chain(
    command: commands.PublishChain, uow: UnitOfWork, *, directory: ApproverDirectory, clock: Clock
) -> ApprovalChain:
    if not command.actor.is_admin:
        raise NotPermitted(N_("Only administrators publish approval chains."))
    with uow:
        latest = uow.chains.latest(command.key)
        version = 1 if latest is None else latest.version + 1
        chain = define_chain(
            command.key,
            version,
            command.definition(),
            published_by=command.actor.username,
            published_at=clock(),
            group_size=lambda role, scope: largest_group(directory, role, scope),
            valid_from=command.valid_from,
        )
        uow.chains.add(chain)
    return chain


# -- the approval lifecycle ----------------------------------------------------


class DirectoryUnavailable(Exception):
    """The identity provider could not say who is eligible; the use case is rolled back
    (HTTP 503, or a retried event) rather than offering a task to nobody."""


def eligible_usernames(directory: ApproverDirectory, approval: Approval, role: str, scope: str) -> list[str]:
    try:
        people = directory.eligible(role, scope, org_unit=approval.subject.org_unit, province=approval.subject.province)
    except Exception as error:  # python-keycloak and requests raise many types
        raise DirectoryUnavailable(f"{error.__class__.__name__}: {error}") from error
    return [person.username for person in people]


def local_day(moment: datetime) -> date:
    """The Vietnamese calendar day of an instant (out-of-office periods are such days)."""
    return moment.astimezone(VIETNAM).date()


def _open_level(
    approval: Approval,
    number: int,
    at: datetime,
    *,
    uow: UnitOfWork,
    directory: ApproverDirectory,
    calendar: WorkingCalendar,
    remind_share: float,
) -> None:
    level = approval.chain.level(number)
    people = eligible_usernames(directory, approval, level.role, level.scope)
    if not people:
        log.warning(
            "no eligible approver for level", extra={"approval_id": approval.id, "level": number, "role": level.role}
        )
    approval.open_level(
        number,
        people,
        at=at,
        due_at=calendar.due_at(at, level.sla_working_days),
        remind_share=remind_share,
        absences=uow.absences.covering(people, local_day(at)),
    )


def start_approval(
    command: commands.StartApproval,
    uow: UnitOfWork,
    *,
    directory: ApproverDirectory,
    calendar: WorkingCalendar,
    clock: Clock,
    remind_share: float = 0.5,
) -> Approval | None:
    """``plan.submitted`` / ``report.submitted``: a second delivery, or a stale one, has no effect.
    The chain is chosen by the document's kind and date; the approval keeps that version."""
    subject = command.subject
    now = clock()
    with uow:
        kind, subject_id = subject.kind, subject.id
        if uow.approvals.for_subject_version(kind, subject_id, subject.version) is not None:
            return None
        if uow.approvals.was_withdrawn(kind, subject_id, subject.version):
            return None  # the withdrawal overtook this submission (a retried delivery)
        previous = uow.approvals.latest_for_subject(kind, subject_id)
        if previous is not None and previous.subject.version > subject.version:
            return None  # an older version arriving late
        if previous is not None and previous.is_open:
            # The plans service does not resubmit while an approval is open; if it ever
            # does, the newer version supersedes the older one's approval.
            previous.cancel(by=subject.submitted_by, at=now, comment=f"superseded by version {subject.version}")
        if previous is not None:
            subject = subject.with_submitters_of(previous.subject)  # separation of duties spans every version
        day = command.document_date or document_date(command.submitted_at)
        chain = chain_for(uow, kind, day, now)
        # the SLA runs from `now`, below
        approval = Approval.start(subject, chain, at=command.submitted_at, effective_on=day)
        _open_level(
            approval,
            Approval.first_level_after(previous, chain),
            now,
            uow=uow,
            directory=directory,
            calendar=calendar,
            remind_share=remind_share,
        )
        uow.approvals.add(approval)
    return approval


def cancel_approval(command: commands.CancelApproval, uow: UnitOfWork, *, clock: Clock) -> Approval | None:
    """``plan.withdrawn`` / ``report.withdrawn``: cancels that very version's open approval; remembered
    when the submission has not arrived yet, so that it then starts nothing."""
    with uow:
        approval = uow.approvals.for_subject_version(command.kind, command.subject_id, command.version, for_update=True)
        if approval is None:
            uow.approvals.note_early_withdrawal(
                command.kind, command.subject_id, command.version, by=command.by, at=command.withdrawn_at
            )
            return None
        if not approval.is_open:
            return None
        approval.cancel(by=command.by, at=clock(), comment="withdrawn by the drafter")
    return approval


def answer_withdrawal(command: commands.AnswerWithdrawal, uow: UnitOfWork, *, clock: Clock) -> bool:
    """``plan.withdrawal_requested`` / ``report.withdrawal_requested``: the approval is the single arbiter
    of its own end. Under the approval's row lock (the lock a decision takes) the withdrawal wins when the
    approval is still open and nobody decided since the drafter looked; otherwise it is refused and nothing
    is cancelled. A version whose approval has not started is withdrawn at once, and will start nothing."""
    subject = command.subject
    with uow:
        approval = uow.approvals.for_subject_version(subject.kind, subject.id, subject.version, for_update=True)
        if approval is None:
            uow.approvals.note_early_withdrawal(
                subject.kind, subject.id, subject.version, by=command.by, at=command.requested_at
            )
            uow.loose_events.append(
                WithdrawalAnswered(
                    **subject.context(),
                    approval_id="",
                    request_id=command.request_id,
                    accepted=True,
                    reason="",
                    by=command.by,
                )
            )
            return True
        return approval.answer_withdrawal(
            command.request_id, by=command.by, seen_decisions=command.seen_decisions, at=clock()
        )


@dataclass(frozen=True)
class DecisionOutcome:
    approval: Approval
    decision: Decision
    step: Step


def record_decision(
    command: commands.RecordDecision,
    uow: UnitOfWork,
    *,
    directory: ApproverDirectory,
    calendar: WorkingCalendar,
    clock: Clock,
    remind_share: float = 0.5,
) -> DecisionOutcome:
    now = clock()
    with uow:
        uow.absences.ask_on(local_day(now))  # for the level the decision may open
        # Locks the approval row: a racing decider waits here and then finds the task closed.
        approval = uow.approvals.get_by_task(command.task_id, for_update=True)
        if approval is None:
            raise NotFound(N_("No such task."))
        task = approval.task(command.task_id)
        actor = command.actor
        if (
            task.is_open
            and actor.username not in task.assignees
            and in_scope(actor, task.role, task.scope, approval.subject)
        ):
            _admit_if_now_eligible(approval, task, actor.username, directory)
        step = approval.record_decision(
            command.task_id, actor, command.decision, command.comment, at=now, activity_id=command.activity_id
        )
        if step is Step.NEXT_LEVEL:
            _open_level(
                approval,
                task.level + 1,
                now,
                uow=uow,
                directory=directory,
                calendar=calendar,
                remind_share=remind_share,
            )
    return DecisionOutcome(approval, approval.decisions[-1], step)


def approve_tasks(
    command: commands.ApproveTasks,
    uow: UnitOfWork,
    *,
    directory: ApproverDirectory,
    calendar: WorkingCalendar,
    clock: Clock,
    remind_share: float = 0.5,
) -> list[DecisionOutcome]:
    """Approve several tasks in one transaction: all of them or none. Each is its own decision,
    with its own place and hash in its approval's chain. A task whose decision page the approver
    has not opened is refused, as is one they may not approve; every refusal is named at once
    (``task_ids.<index>``) and nothing is recorded."""
    now = clock()
    actor = command.actor
    with uow:
        opened = uow.openings.opened(command.task_ids, actor.username)
        uow.absences.ask_on(local_day(now))  # for the levels the decisions may open
        found: dict[int, tuple[Approval, Task]] = {}
        errors: dict[int, list[str]] = {}
        # Lock in one order (by task id; an approval has one open task), so that two bulk
        # approvals cannot deadlock.
        owners = {
            task_id: uow.approvals.get_by_task(task_id, for_update=True) for task_id in sorted(set(command.task_ids))
        }
        for index, task_id in enumerate(command.task_ids):
            approval = owners.get(task_id)
            try:
                if approval is None:
                    raise NotFound(N_("No such task."))
                task = approval.task(task_id)
                approval.check_may_act(task, actor)
            except ApprovalError as error:
                errors[index] = [error.detail]
                continue
            if task_id not in opened:
                errors[index] = ["open this task's decision page before approving it with others"]
            elif command.task_ids.index(task_id) != index:
                errors[index] = ["this task is listed twice"]
            else:
                found[index] = (approval, task)
        if errors:
            raise InvalidDecision(
                "Some of the tasks cannot be approved together; nothing was recorded.",
                {"task_ids": errors},  # type: ignore[dict-item]
            )
        outcomes = []
        for approval, task in found.values():
            step = approval.record_decision(task.id, actor, "approve", command.comment, at=now)
            if step is Step.NEXT_LEVEL:
                _open_level(
                    approval,
                    task.level + 1,
                    now,
                    uow=uow,
                    directory=directory,
                    calendar=calendar,
                    remind_share=remind_share,
                )
            outcomes.append(DecisionOutcome(approval, approval.decisions[-1], step))
    return outcomes


def note_task_opened(command: commands.NoteTaskOpened, uow: UnitOfWork, *, clock: Clock) -> bool:
    """Remember that the approver opened the task's decision page (the first time counts)."""
    with uow:
        approval = uow.approvals.get_by_task(command.task_id)
        if approval is None:
            raise NotFound(N_("No such task."))
        task = approval.task(command.task_id)
        if command.actor.username not in task.assignees or not in_scope(
            command.actor, task.role, task.scope, approval.subject
        ):
            raise NotFound(N_("No such task."))
        return uow.openings.record(task.id, command.actor.username, clock())


def _admit_if_now_eligible(approval: Approval, task: Task, username: str, directory: ApproverDirectory) -> None:
    if username in eligible_usernames(directory, approval, task.role, task.scope):
        approval.admit(task, username)


def delegate_task(
    command: commands.DelegateTask, uow: UnitOfWork, *, directory: ApproverDirectory, clock: Clock
) -> Delegation:
    with uow:
        approval = uow.approvals.get_by_task(command.task_id, for_update=True)
        if approval is None:
            raise NotFound(N_("No such task."))
        task = approval.task(command.task_id)
        delegation = approval.delegate(
            command.task_id,
            command.actor,
            command.to,
            command.comment,
            at=clock(),
            to_is_eligible=command.to in eligible_usernames(directory, approval, task.role, task.scope),
        )
    return delegation


# -- delegates and deputies ------------------------------------------------------


def delegates_for(approval: Approval, task: Task, actor: Actor, directory: ApproverDirectory) -> list[PersonLike]:
    """Whom ``actor`` may hand their place on ``task`` to: the level's eligible approvers, less
    themselves, those who may not decide on this plan, and fellow assignees when the level could
    then no longer reach its quorum (the rules ``Approval.delegate`` applies)."""
    approval.check_may_act(task, actor)
    try:
        people = directory.eligible(
            task.role, task.scope, org_unit=approval.subject.org_unit, province=approval.subject.province
        )
    except Exception as error:
        raise DirectoryUnavailable(f"{error.__class__.__name__}: {error}") from error
    short = len(task.assignees) - 1 < task.required_approvals
    return [
        person
        for person in people
        if person.username != actor.username
        and approval.subject.conflict_of(person.username) is None
        and not (short and person.username in task.assignees)
    ]


def approver_scopes(uow: UnitOfWork, actor: Actor) -> list[tuple[str, str]]:
    """The (role, scope) pairs of the default chain's levels the actor's roles put them on."""
    chain = uow.chains.latest(DEFAULT_CHAIN_KEY)
    levels = chain.levels if chain is not None else ()
    return sorted({(level.role, level.scope) for level in levels if level.role in actor.roles})


def deputies_for(actor: Actor, scopes: list[tuple[str, str]], directory: ApproverDirectory) -> list[PersonLike]:
    """Who may stand in for ``actor`` while they are away: someone who holds one of their approver
    roles in the same scope (same unit, same province, or nationally)."""
    found: dict[str, PersonLike] = {}
    try:
        for role, scope in scopes:
            for person in directory.eligible(role, scope, org_unit=actor.org_unit, province=actor.province):
                if person.username != actor.username:
                    found.setdefault(person.username, person)
    except Exception as error:
        raise DirectoryUnavailable(f"{error.__class__.__name__}: {error}") from error
    return [found[name] for name in sorted(found)]


def record_absence(
    command: commands.RecordAbsence, uow: UnitOfWork, *, directory: ApproverDirectory, clock: Clock
) -> Absence:
    """Every reason a period cannot be recorded is named at once; nothing is written then."""
    actor = command.actor
    now = clock()
    with uow:
        scopes = approver_scopes(uow, actor)
        if not scopes:
            raise NotPermitted(N_("Only approvers name a deputy for their absence."))
        errors: dict[str, list[str]] = {}
        if command.ends_on < command.starts_on:
            errors["ends_on"] = ["the absence ends before it starts"]
        elif command.ends_on < local_day(now):
            errors["ends_on"] = ["the absence is already over"]
        if not command.deputy:
            errors["deputy"] = ["choose who stands in for you"]
        elif command.deputy == actor.username:
            errors["deputy"] = ["you cannot be your own deputy"]
        elif command.deputy not in {person.username for person in deputies_for(actor, scopes, directory)}:
            errors["deputy"] = [f"{command.deputy} does not hold your approver role in your scope"]
        if errors:
            raise InvalidDecision(N_("The absence cannot be recorded."), errors)
        absence = Absence(
            id=new_id(),
            username=actor.username,
            deputy=command.deputy,
            starts_on=command.starts_on,
            ends_on=command.ends_on,
            reason=command.reason,
            created_at=now,
        )
        uow.absences.add(absence)
    return absence


def cancel_absence(command: commands.CancelAbsence, uow: UnitOfWork, *, clock: Clock) -> Absence:
    """Tasks that already went to the deputy stay with them; later ones come to the approver again."""
    with uow:
        absence = uow.absences.get(command.absence_id)
        if absence is None or absence.username != command.actor.username:
            raise NotFound(N_("No such absence."))
        if absence.cancelled_at is None:
            absence.cancelled_at = clock()
    return absence


@dataclass(frozen=True)
class DeadlineReport:
    reminded: int
    overdue: int


def check_deadlines(command: commands.CheckDeadlines, uow: UnitOfWork, *, batch_size: int = 500) -> DeadlineReport:
    """Remind once when the configured share of the SLA has passed; announce once when
    the due date has passed. The flags commit with the outbox rows, so each fires once."""
    reminded = overdue = 0
    with uow:
        for approval in uow.approvals.with_timers_due(command.now, limit=batch_size):
            for task in approval.tasks:
                if task.reminder_due(command.now):
                    approval.remind(task, command.now)
                    reminded += 1
                if task.overdue_unannounced(command.now):
                    approval.mark_overdue(task, command.now)
                    overdue += 1
    return DeadlineReport(reminded, overdue)


# -- the organisation registry's copy, and documents in flight of a dissolved body -------------


def keep_organisation(
    command: commands.KeepOrganisation,
    uow: UnitOfWork,
    *,
    directory: ApproverDirectory,
    calendar: WorkingCalendar,
    clock: Clock,
    organisation_names: Callable[[], OrganisationNames | None],
    remind_share: float = 0.5,
) -> int:
    """An ``organisation.*`` event: kept in the copy (the newest version wins, a succession is kept
    once, so redelivery and reordering change nothing). A succession whose date has come and that
    ends a body, or passes its external-information work, hands its documents in flight to the
    successor at once, in the same transaction; the number of tasks handed over."""
    payload = command.payload
    with uow:
        uow.organisations.keep(payload)
        handed = 0
        if isinstance(payload, contract.OrganisationSucceeded):
            # Known before or not (a succession recorded ahead of its date, published again): whatever
            # of the predecessor is still in flight once the date has come moves now, and only once.
            copy = uow.organisations.registry()  # this transaction's copy, the new succession included
            handed = _hand_over(
                uow,
                copy,
                {fact.predecessor for fact in payload.successions},
                now=clock(),
                directory=directory,
                calendar=calendar,
                remind_share=remind_share,
            )
    refresh = getattr(organisation_names, "refresh", None)
    if refresh is not None:
        refresh()
    return handed


def hand_over_dissolved(
    command: commands.HandOverDissolved,
    uow: UnitOfWork,
    *,
    directory: ApproverDirectory,
    calendar: WorkingCalendar,
    organisation_names: Callable[[], OrganisationNames | None],
    remind_share: float = 0.5,
) -> int:
    """The scheduler's sweep: the documents in flight of every body whose succession has taken
    effect by ``now`` (one recorded ahead of its date takes effect on it) go to the successors."""
    with uow:
        # The process's cached copy (at most a few seconds old: a sweep may wait for the next one);
        # the transaction's own where there is none.
        cached = organisation_names()
        copy = cached if isinstance(cached, CopiedRegistry) else uow.organisations.registry()
        predecessors = set(command.organisations) if command.organisations is not None else None
        return _hand_over(
            uow, copy, predecessors, now=command.now, directory=directory, calendar=calendar, remind_share=remind_share
        )


def _hand_over(
    uow: UnitOfWork,
    copy: CopiedRegistry,
    predecessors: set[str] | None,
    *,
    now: datetime,
    directory: ApproverDirectory,
    calendar: WorkingCalendar,
    remind_share: float,
) -> int:
    """Who counts as the successor: the one a succession passing external information names (a
    succession naming the duty wins over one passing everything), followed on while that one was
    dissolved in turn; a split that leaves several is not guessed at (the documents stay until an
    administrator records which successor carries the duty)."""
    today = document_date(now)
    moves: dict[str, HandOver] = {}
    for fact in copy.successions:
        if predecessors is not None and fact.predecessor not in predecessors:
            continue
        if fact.day > today or fact.predecessor in moves:
            continue
        successor = copy.successor_for(fact.predecessor)
        if successor is None:
            continue
        moves[fact.predecessor] = HandOver(
            predecessor=fact.predecessor,
            successor=successor,
            day=fact.day,
            successor_province=copy.province_on(successor, today),
        )
    if not moves:
        return 0
    uow.approvals.names = copy
    handed = 0
    for approval in uow.approvals.belonging_to(moves):
        approval.names = copy
        for predecessor in (approval.subject.org_unit, approval.subject.province):
            move = moves.get(predecessor)
            if move is None or not approval.is_open:
                continue
            moved = move.moved(approval.subject)
            task = approval.open_task()
            people: list[str] = []
            if task is not None:
                try:
                    found = directory.eligible(task.role, task.scope, org_unit=moved.org_unit, province=moved.province)
                except Exception as error:  # python-keycloak and requests raise many types
                    raise DirectoryUnavailable(f"{error.__class__.__name__}: {error}") from error
                people = [person.username for person in found]
            level = approval.chain.level(task.level if task is not None else approval.current_level)
            if approval.hand_over(
                move,
                people,
                at=now,
                due_at=calendar.due_at(now, level.sla_working_days),
                remind_share=remind_share,
            ):
                handed += 1
                log.info(
                    "task handed to the successor",
                    extra={"approval_id": approval.id, "predecessor": move.predecessor, "successor": move.successor},
                )
    return handed


HANDLERS: dict[type, Callable[..., Any]] = {
    commands.LoadBundledChains: ensure_default_chains,
    commands.PublishChain: publish_chain,
    commands.StartApproval: start_approval,
    commands.CancelApproval: cancel_approval,
    commands.AnswerWithdrawal: answer_withdrawal,
    commands.RecordDecision: record_decision,
    commands.DelegateTask: delegate_task,
    commands.ApproveTasks: approve_tasks,
    commands.NoteTaskOpened: note_task_opened,
    commands.RecordAbsence: record_absence,
    commands.CancelAbsence: cancel_absence,
    commands.CheckDeadlines: check_deadlines,
    commands.KeepOrganisation: keep_organisation,
    commands.HandOverDissolved: hand_over_dissolved,
}
