"""The use cases of the plans service: ``handler(command, uow, *, dependencies)``, one
transaction each; ``bootstrap`` binds the dependencies (see ``HANDLERS``).

Drafters' commands (create, replace, submit, withdraw) come from the API; the
approval facts (a level opened, a decision, the end of an approval) come from
the approvals service's events through the consumer, and from the sample-data
loader, which replays the events approvals would send. What callers read is in
``plans.views``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicekit.i18n import N_

from ..domain import commands
from ..domain.access import Actor, may_draft_for, visibility_of
from ..domain.catalogue import Catalogue
from ..domain.content import PlanContent
from ..domain.errors import PlanForbidden, PlanNotEditable, PlanNotFound, WithdrawalRefused
from ..domain.model import APPROVED, SUBMITTED, VIETNAM, Plan
from ..domain.numbering import IssuingBodies, IssuingBody
from ..domain.rules import UnitCheck
from .documents import render_next_document
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def readable(plan: Plan | None, actor: Actor, plan_id: str) -> Plan:
    """The plan as the actor may read it (an approver: the frozen version submitted to them);
    otherwise "not found", so ids leak nothing."""
    view = plan.read_as(visibility_of(actor)) if plan is not None else None
    if view is None:
        raise PlanNotFound(plan_id)
    return view


def writable(plan: Plan | None, actor: Actor, plan_id: str) -> Plan:
    view = readable(plan, actor, plan_id)
    if view is not plan or plan is None or not may_draft_for(actor, plan.org_unit):
        raise PlanForbidden(N_("Only the drafters of the plan's unit may change it."))
    return plan


def units_on(issuing_bodies: IssuingBodies, at: datetime) -> UnitCheck:
    """The check of the organisations a document names, against the registry on the day of the
    action (a document not yet issued is dated by what is done to it)."""
    day = at.astimezone(VIETNAM).date()
    return lambda references: issuing_bodies.registry().check_references(references, day)


# -- the drafter's commands
def create_plan(
    cmd: commands.CreatePlan,
    uow: UnitOfWork,
    *,
    catalogue: Catalogue,
    issuing_bodies: IssuingBodies,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
) -> Plan:
    actor = cmd.actor
    content = PlanContent.from_dict({**cmd.content, "org_unit": cmd.content.get("org_unit") or actor.org_unit or ""})
    if not may_draft_for(actor, content.org_unit):
        raise PlanForbidden(N_("Only a drafter may create a plan, and only for their own unit."))
    now = clock()
    units = units_on(issuing_bodies, now)
    found = units({("org_unit",): content.org_unit})
    with uow:
        plan = Plan.create(
            cmd.plan_id or new_id(),
            content,
            # The province the unit belongs to today, from the registry (an unknown unit: the rules say so).
            province=issuing_bodies.province_of(content.org_unit, now.astimezone(VIETNAM).date()) if found.ok else "",
            by=actor.username,
            at=now,
            catalogue=catalogue,
            units=units,
        )
        uow.plans.add(plan)
    return plan


def replace_plan(
    cmd: commands.ReplacePlan,
    uow: UnitOfWork,
    *,
    catalogue: Catalogue,
    issuing_bodies: IssuingBodies,
    clock: Callable[[], datetime],
) -> Plan:
    with uow:
        plan = writable(uow.plans.get(cmd.plan_id, for_update=True), cmd.actor, cmd.plan_id)
        if not plan.is_editable:
            raise PlanNotEditable(plan.status)  # the plan's state answers first: no revision would help
        plan.check_revision(cmd.expected_revision, required=True)
        content = PlanContent.from_dict({**cmd.content, "org_unit": cmd.content.get("org_unit") or plan.org_unit})
        if content.org_unit != plan.org_unit:
            raise PlanForbidden(N_("A plan stays with the unit that drafted it."))
        now = clock()
        plan.replace(content, by=cmd.actor.username, at=now, catalogue=catalogue, units=units_on(issuing_bodies, now))
    return plan


def submit_plan(
    cmd: commands.SubmitPlan,
    uow: UnitOfWork,
    *,
    catalogue: Catalogue,
    issuing_bodies: IssuingBodies,
    clock: Callable[[], datetime],
) -> Plan:
    with uow:
        plan = writable(uow.plans.get(cmd.plan_id, for_update=True), cmd.actor, cmd.plan_id)
        plan.check_revision(cmd.expected_revision)
        drafters = tuple(sorted({*uow.plans.drafters_of(plan.org_unit), plan.created_by, *plan.editors}))
        now = clock()
        plan.submit(
            by=cmd.actor.username,
            at=now,
            catalogue=catalogue,
            drafters=drafters,
            units=units_on(issuing_bodies, now),
            reply=cmd.reply,
        )
    return plan


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal came to: the plan, and whether the approvals service's verdict is still awaited."""

    plan: Plan
    pending: bool = False


def withdraw_plan(
    cmd: commands.WithdrawPlan,
    uow: UnitOfWork,
    *,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
    withdrawal_wait_seconds: float,
    sleep: Callable[[float], None],
) -> Withdrawal:
    """Recall the submitted version (docs/security.md, "withdraw and decide").

    A version whose submission has not left this service is withdrawn at once: its ``plan.submitted``
    is taken back, so no approval can start on it. Otherwise the approval is the one arbiter: the
    request goes to the approvals service as an event, and this call waits for its verdict, which it
    takes under the same row lock as decisions: exactly one of a withdrawal and a decision wins.
    The request commits in one transaction of ``uow``; each look at the verdict is a short
    transaction of its own on the same ``uow``, so nothing is held while waiting."""
    with uow:
        plan = writable(uow.plans.get(cmd.plan_id, for_update=True), cmd.actor, cmd.plan_id)
        plan.check_revision(cmd.expected_revision)
        if (
            plan.status == SUBMITTED
            and not plan.withdrawal_pending
            and uow.retract_submission(plan.id, plan.versions[-1].number)
        ):
            plan.withdraw(by=cmd.actor.username, at=clock())
            return Withdrawal(plan)
        request_id = new_id()
        plan.request_withdrawal(by=cmd.actor.username, at=clock(), request_id=request_id)
    return _await_verdict(uow, cmd.actor, plan.id, request_id, wait_seconds=withdrawal_wait_seconds, sleep=sleep)


def _await_verdict(
    uow: UnitOfWork, actor: Actor, plan_id: str, request_id: str, *, wait_seconds: float, sleep: Callable[[float], None]
) -> Withdrawal:
    deadline = time.monotonic() + wait_seconds
    pause = 0.02
    while True:
        with uow:
            plan = readable(uow.plans.read(plan_id), actor, plan_id)
        request = plan.withdrawal or {}
        if request.get("id") != request_id:
            raise WithdrawalRefused(N_("another withdrawal request replaced this one"))
        if request.get("outcome") == "accepted":
            return Withdrawal(plan)
        if request.get("outcome") == "refused":
            raise WithdrawalRefused(str(request.get("reason") or ""))
        if time.monotonic() >= deadline:
            return Withdrawal(plan, pending=True)
        sleep(pause)
        pause = min(pause * 1.5, 0.25)


# -- what the approval chain tells us
def _plan_for_fact(uow: UnitOfWork, fact: commands.ApprovalFact) -> Plan | None:
    plan = uow.plans.get(fact.plan_id, for_update=True)
    if plan is None:
        log.warning(
            "approval event for an unknown plan ignored", extra={"plan_id": fact.plan_id, "event": fact.event_id}
        )
    return plan


def record_task_assigned(fact: commands.RecordTaskAssigned, uow: UnitOfWork) -> bool:
    with uow:
        plan = _plan_for_fact(uow, fact)
        return plan is not None and plan.record_task_assigned(fact)


def record_decision(fact: commands.RecordDecision, uow: UnitOfWork) -> bool:
    with uow:
        plan = _plan_for_fact(uow, fact)
        return plan is not None and plan.record_decision(fact)


def answer_withdrawal(fact: commands.AnswerWithdrawal, uow: UnitOfWork) -> bool:
    with uow:
        plan = _plan_for_fact(uow, fact)
        return plan is not None and plan.answer_withdrawal(fact)


def complete_approval(fact: commands.CompleteApproval, uow: UnitOfWork, *, issuing_bodies: IssuingBodies) -> bool:
    """The approval ended; on approval the plan takes the next number of its issuing body's
    register in this same transaction, so a number is never taken without the plan having it."""
    with uow:
        plan = _plan_for_fact(uow, fact)
        if plan is None:
            return False

        def take_number(body: IssuingBody, year: int) -> int:
            return uow.register.next_number(body.code, body.series, year, plan_id=plan.id)

        applied = plan.complete_approval(
            fact, issuing_body=lambda day: issuing_bodies.for_unit(plan.org_unit, day), take_number=take_number
        )
        if not applied:
            log.info("approval outcome did not change the plan", extra={"plan_id": plan.id, "event": fact.event_id})
        elif plan.status == APPROVED and plan.document_number and plan.issued_on and plan.issuer:
            # Issued: the number is taken now; the signed file is made by the renderer after this commits.
            uow.issued_files.await_rendering(
                "plan",
                plan.id,
                version=fact.version,
                document_number=plan.document_number,
                issuer=plan.issuer,
                issued_on=plan.issued_on,
            )
        return applied


HANDLERS: dict[type, Callable[..., Any]] = {
    commands.CreatePlan: create_plan,
    commands.ReplacePlan: replace_plan,
    commands.SubmitPlan: submit_plan,
    commands.WithdrawPlan: withdraw_plan,
    commands.RecordTaskAssigned: record_task_assigned,
    commands.RecordDecision: record_decision,
    commands.CompleteApproval: complete_approval,
    commands.AnswerWithdrawal: answer_withdrawal,
    commands.RenderNextDocument: render_next_document,  # the renderer process (service_layer/documents.py)
}
