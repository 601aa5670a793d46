"""The use cases of the plans service, one function each, one transaction each.

Drafters' commands (create, replace, submit, withdraw) come from the API; the
approval facts (a level opened, a decision, the end of an approval) come from
the approvals service's events through the consumer, and from the sample-data
loader, which replays the events approvals would send.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from ..adapters.repository import PlanQuery
from ..domain import commands
from ..domain.access import Actor, may_draft_for, visibility_of
from ..domain.catalogue import Catalogue
from ..domain.content import PlanContent
from ..domain.errors import PlanForbidden, PlanNotEditable, PlanNotFound, VersionNotFound, WithdrawalRefused
from ..domain.model import APPROVED, SUBMITTED, Plan, PlanSummary, PlanVersion, TimelineEntry
from ..domain.numbering import IssuingBodies, IssuingBody
from .unit_of_work import AbstractUnitOfWork

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return str(uuid.uuid4())


def _nobody(_username: str) -> str | None:
    return None


@dataclass(frozen=True)
class Dependencies:
    """What the use cases need, wired by ``bootstrap`` (real) or by the unit tests (fakes)."""

    uow: Callable[[], AbstractUnitOfWork]
    catalogue: Catalogue = field(default_factory=Catalogue)
    issuing_bodies: IssuingBodies = field(default_factory=IssuingBodies)
    clock: Callable[[], datetime] = _now
    new_id: Callable[[], str] = _new_id
    withdrawal_wait_seconds: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    # A person's name as the directory gives it (family name first), None when it cannot say.
    name_of: Callable[[str], str | None] = _nobody


# -- reading
def _readable(plan: Plan | None, actor: Actor, plan_id: str) -> Plan:
    """The plan as the actor may read it (an approver: the frozen version submitted to them);
    otherwise "not found", so ids leak nothing."""
    view = plan.read_as(visibility_of(actor)) if plan is not None else None
    if view is None:
        raise PlanNotFound(plan_id)
    return view


def _writable(plan: Plan | None, actor: Actor, plan_id: str) -> Plan:
    view = _readable(plan, actor, plan_id)
    if view is not plan or plan is None or not may_draft_for(actor, plan.org_unit):
        raise PlanForbidden("Only the drafters of the plan's unit may change it.")
    return plan


def get_plan(deps: Dependencies, actor: Actor, plan_id: str, *, with_timeline: bool = False) -> Plan:
    with deps.uow() as uow:
        return _readable(uow.plans.read(plan_id, with_timeline=with_timeline), actor, plan_id)


def plan_timeline(deps: Dependencies, actor: Actor, plan_id: str) -> list[TimelineEntry]:
    """Every step of the plan in the order it happened."""
    return get_plan(deps, actor, plan_id, with_timeline=True).ordered_timeline()


def get_version(deps: Dependencies, actor: Actor, plan_id: str, number: int) -> PlanVersion:
    plan = get_plan(deps, actor, plan_id)
    version = next((version for version in plan.versions if version.number == number), None)
    if version is None:
        raise VersionNotFound(plan_id, number)
    return version


def list_plans(deps: Dependencies, actor: Actor, query: PlanQuery) -> tuple[list[PlanSummary], PlanSummary | None]:
    """A page of the plans the actor may see, and the last plan of the page when more may follow."""
    visible = replace(query, visibility=visibility_of(actor), limit=query.limit + 1)
    with deps.uow() as uow:
        found = uow.plans.search(visible)
    page = found[: query.limit]
    return page, (page[-1] if len(found) > query.limit else None)


# -- the drafter's commands
def create_plan(deps: Dependencies, cmd: commands.CreatePlan) -> Plan:
    actor = cmd.actor
    content = PlanContent.from_dict({**cmd.content, "org_unit": cmd.content.get("org_unit") or actor.org_unit or ""})
    if not may_draft_for(actor, content.org_unit):
        raise PlanForbidden("Only a drafter may create a plan, and only for their own unit.")
    with deps.uow() as uow:
        plan = Plan.create(
            cmd.plan_id or deps.new_id(),
            content,
            province=deps.issuing_bodies.province_of(content.org_unit),
            by=actor.username,
            at=deps.clock(),
            catalogue=deps.catalogue,
        )
        uow.plans.add(plan)
    return plan


def replace_plan(deps: Dependencies, cmd: commands.ReplacePlan) -> Plan:
    with deps.uow() as uow:
        plan = _writable(uow.plans.get(cmd.plan_id, for_update=True), cmd.actor, cmd.plan_id)
        if not plan.is_editable:
            raise PlanNotEditable(plan.status)  # the plan's state answers first: no revision would help
        plan.check_revision(cmd.expected_revision, required=True)
        content = PlanContent.from_dict({**cmd.content, "org_unit": cmd.content.get("org_unit") or plan.org_unit})
        if content.org_unit != plan.org_unit:
            raise PlanForbidden("A plan stays with the unit that drafted it.")
        plan.replace(content, by=cmd.actor.username, at=deps.clock(), catalogue=deps.catalogue)
    return plan


def submit_plan(deps: Dependencies, cmd: commands.SubmitPlan) -> Plan:
    with deps.uow() as uow:
        plan = _writable(uow.plans.get(cmd.plan_id, for_update=True), cmd.actor, cmd.plan_id)
        plan.check_revision(cmd.expected_revision)
        drafters = tuple(sorted({*uow.plans.drafters_of(plan.org_unit), plan.created_by, *plan.editors}))
        plan.submit(by=cmd.actor.username, at=deps.clock(), catalogue=deps.catalogue, drafters=drafters)
    return plan


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal came to: the plan, and whether the approvals service's verdict is still awaited."""

    plan: Plan
    pending: bool = False


def withdraw_plan(deps: Dependencies, cmd: commands.WithdrawPlan) -> Withdrawal:
    """Recall the submitted version (docs/security.md, "withdraw and decide").

    A version whose submission has not left this service is withdrawn at once: its ``plan.submitted``
    is taken back, so no approval can start on it. Otherwise the approval is the one arbiter: the
    request goes to the approvals service as an event, and this call waits for its verdict, which it
    takes under the same row lock as decisions: exactly one of a withdrawal and a decision wins."""
    with deps.uow() as uow:
        plan = _writable(uow.plans.get(cmd.plan_id, for_update=True), cmd.actor, cmd.plan_id)
        plan.check_revision(cmd.expected_revision)
        if (
            plan.status == SUBMITTED
            and not plan.withdrawal_pending
            and uow.retract_submission(plan.id, plan.versions[-1].number)
        ):
            plan.withdraw(by=cmd.actor.username, at=deps.clock())
            return Withdrawal(plan)
        request_id = deps.new_id()
        plan.request_withdrawal(by=cmd.actor.username, at=deps.clock(), request_id=request_id)
    return _await_verdict(deps, cmd.actor, plan.id, request_id)


def _await_verdict(deps: Dependencies, actor: Actor, plan_id: str, request_id: str) -> Withdrawal:
    deadline = time.monotonic() + deps.withdrawal_wait_seconds
    pause = 0.02
    while True:
        plan = get_plan(deps, actor, plan_id)
        request = plan.withdrawal or {}
        if request.get("id") != request_id:
            raise WithdrawalRefused("another withdrawal request replaced this one")
        if request.get("outcome") == "accepted":
            return Withdrawal(plan)
        if request.get("outcome") == "refused":
            raise WithdrawalRefused(str(request.get("reason") or ""))
        if time.monotonic() >= deadline:
            return Withdrawal(plan, pending=True)
        deps.sleep(pause)
        pause = min(pause * 1.5, 0.25)


# -- what the approval chain tells us
def _plan_for_fact(uow: AbstractUnitOfWork, fact: commands.ApprovalFact) -> Plan | None:
    plan = uow.plans.get(fact.plan_id, for_update=True)
    if plan is None:
        log.warning(
            "approval event for an unknown plan ignored", extra={"plan_id": fact.plan_id, "event": fact.event_id}
        )
    return plan


def record_task_assigned(deps: Dependencies, fact: commands.RecordTaskAssigned) -> bool:
    with deps.uow() as uow:
        plan = _plan_for_fact(uow, fact)
        return plan is not None and plan.record_task_assigned(fact)


def record_decision(deps: Dependencies, fact: commands.RecordDecision) -> bool:
    with deps.uow() as uow:
        plan = _plan_for_fact(uow, fact)
        return plan is not None and plan.record_decision(fact)


def answer_withdrawal(deps: Dependencies, fact: commands.AnswerWithdrawal) -> bool:
    with deps.uow() as uow:
        plan = _plan_for_fact(uow, fact)
        return plan is not None and plan.answer_withdrawal(fact)


def complete_approval(deps: Dependencies, fact: commands.CompleteApproval) -> bool:
    """The approval ended; on approval the plan takes the next number of its issuing body's
    register in this same transaction, so a number is never taken without the plan having it."""
    with deps.uow() as uow:
        plan = _plan_for_fact(uow, fact)
        if plan is None:
            return False

        def take_number(body: IssuingBody, year: int) -> int:
            return uow.register.next_number(body.code, body.series, year, plan_id=plan.id)

        applied = plan.complete_approval(
            fact, issuing_body=lambda: deps.issuing_bodies.for_unit(plan.org_unit), take_number=take_number
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
