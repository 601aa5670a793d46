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
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from servicekit.i18n import N_
from servicekit.validation import Validation

from ..adapters.repository import PlanQuery
from ..domain import commands
from ..domain.access import Actor, Visibility, may_draft_for, visibility_of
from ..domain.calls import answering
from ..domain.catalogue import Catalogue
from ..domain.content import PlanContent
from ..domain.errors import (
    NothingToCopy,
    PlanForbidden,
    PlanInvalid,
    PlanNotApproved,
    PlanNotEditable,
    PlanNotFound,
    ReportExists,
    UnknownOrganisation,
    WithdrawalRefused,
)
from ..domain.model import APPROVED, PLAN, REJECTED, REPORT, SUBMITTED, VIETNAM, Plan
from ..domain.numbering import IssuingBodies, IssuingBody
from ..domain.organisation_registry import OrganisationRegistry
from ..domain.report import ANNUAL, ReportContent
from ..domain.rules import UnitCheck, content_validation, report_validation
from .documents import render_next_document
from .organisations import put_organisation, record_succession
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def readable(plan: Plan | None, actor: Actor, plan_id: str, kind: str = PLAN) -> Plan:
    """The document of ``kind`` as the actor may read it (an approver: the frozen version submitted to
    them); otherwise "not found", so ids leak nothing (a report's id is no plan's, and the reverse)."""
    view = plan.read_as(visibility_of(actor, kind=kind)) if plan is not None and plan.kind == kind else None
    if view is None:
        raise PlanNotFound(plan_id)
    return view


def writable(plan: Plan | None, actor: Actor, plan_id: str, kind: str = PLAN) -> Plan:
    view = readable(plan, actor, plan_id, kind)
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
    content = content.with_activity_ids(None, new_id)
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


def copy_last_years_plan(
    cmd: commands.CopyLastYearsPlan,
    uow: UnitOfWork,
    *,
    catalogue: Catalogue,
    issuing_bodies: IssuingBodies,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
) -> Plan:
    """A new draft for ``year`` from the unit's approved plan of the year before (an annual plan
    first, the latest approved otherwise) — or, when the unit has none, its predecessor's after a
    merger (the registry's successions, nearest first), the copy then belonging to the unit:
    activities, indicators, partners, legal bases and recipients carried over, dates moved by a
    year, budgets kept."""
    actor = cmd.actor
    unit = actor.org_unit or ""
    if not may_draft_for(actor, unit):
        raise PlanForbidden(N_("Only a drafter may create a plan, and only for their own unit."))
    now = clock()
    registry = issuing_bodies.registry()
    try:
        # A successor reads its predecessors' documents as history (the registry's rule).
        sources, readable = (unit, *registry.predecessors(unit)), registry.readable_units(unit)
    except UnknownOrganisation:
        sources, readable = (unit,), frozenset({unit})
    history = Visibility(units_all_statuses=readable)
    with uow:
        source = None
        for candidate in sources:
            approved = uow.plans.search(
                PlanQuery(visibility=history, status=APPROVED, year=cmd.year - 1, org_unit=candidate, limit=20)
            )
            chosen = next((plan for plan in approved if plan.plan_type == "annual"), approved[0] if approved else None)
            if chosen is not None:
                source = uow.plans.read(chosen.id)
                break
        if source is None:
            raise NothingToCopy(unit, cmd.year - 1)
        units = units_on(issuing_bodies, now)
        plan = Plan.create(
            new_id(),
            source.copied_for_next_year().taken_over_by(unit),
            province=issuing_bodies.province_of(unit, now.astimezone(VIETNAM).date()),
            by=actor.username,
            at=now,
            catalogue=catalogue,
            copied_from=source,
            units=units,
        )
        uow.plans.add(plan)
    return plan


DOCUMENT_NUMBER = re.compile(r"^\d{1,6}/[A-ZĐ]+(?:-[A-ZĐ0-9]+)+$")  # 213/KH-STTTT, 371/KH-UBND
IMPORTABLE_KINDS = (PLAN, REPORT)  # other document kinds add their own import beside these


# What an imported plan's content must state: a draft takes them from its author, history cannot.
PLAN_ESSENTIALS = ("title", "plan_type", "year", "org_unit")


def import_issued_document(
    cmd: commands.ImportIssuedDocument,
    uow: UnitOfWork,
    *,
    catalogue: Catalogue,
    issuing_bodies: IssuingBodies,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
) -> Plan:
    """History imported, not re-enacted: the document as issued, checked against the organisations
    of its issue date, every problem at once; read-only, and no number is taken from the register."""
    if not cmd.actor.has_role("admin"):
        raise PlanForbidden(N_("Only an administrator imports issued documents."))
    validation = Validation()
    if cmd.kind not in IMPORTABLE_KINDS:
        validation.add(("kind",), "one-of", N_("Must be one of: {choices}.", choices=", ".join(IMPORTABLE_KINDS)))
        raise PlanInvalid(validation)
    if cmd.kind == REPORT:
        return _import_report(cmd, uow, catalogue=catalogue, issuing_bodies=issuing_bodies, clock=clock, new_id=new_id)
    day = cmd.issued_on
    missing = [name for name in PLAN_ESSENTIALS if cmd.content.get(name) in (None, "")]
    for name in missing:
        validation.add(("content", name), "required", N_("An imported plan states this field."))
    if missing:
        raise PlanInvalid(validation)
    content = PlanContent.from_dict(cmd.content)
    registry = issuing_bodies.registry()
    _check_document_number(cmd.document_number, validation)
    found = content_validation(
        content, catalogue, for_submission=True, units=lambda refs: registry.check_references(refs, day)
    )
    for violation in found:
        validation.add(("content", *violation.path), violation.rule, violation.message)
    if not validation.ok:
        raise PlanInvalid(validation)
    _check_issuer(cmd, registry, validation)
    if not validation.ok:
        raise PlanInvalid(validation)
    province = issuing_bodies.province_of(content.org_unit, day)
    with uow:
        plan = _imported(cmd, content, province, issuing_bodies, clock=clock, new_id=new_id)
        uow.plans.add(plan)
    return plan


def _check_issuer(cmd: commands.ImportIssuedDocument, registry: OrganisationRegistry, validation: Validation) -> None:
    """The issuer named, if any, must be in the registry on the day of issue."""
    if cmd.issuer is not None:
        for violation in registry.check_references({("issuer",): cmd.issuer}, cmd.issued_on):
            validation.add(violation.path, violation.rule, violation.message)


def _imported(
    cmd: commands.ImportIssuedDocument,
    content: PlanContent | ReportContent,
    province: str,
    issuing_bodies: IssuingBodies,
    *,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
) -> Plan:
    """The issued document of ``content`` as history: its issuer (the one named, else the rule of the
    unit on the day of issue), the place of that issuer, and its signer where the record names one."""
    day = cmd.issued_on
    issuer = cmd.issuer or issuing_bodies.for_unit(content.org_unit, day).code
    name, position = cmd.signer_name.strip(), cmd.signer_position.strip()
    return Plan.imported(
        cmd.plan_id or new_id(),
        content,
        province=province,
        document_number=cmd.document_number,
        issued_on=day,
        issuer=issuer,
        place=issuing_bodies.registry().place_on(issuer, day) or "",
        signer={"name": name, "position": position} if name else {},
        by=cmd.actor.username,
        at=clock(),
    )


def _check_document_number(number: str | None, validation: Validation) -> None:
    """A number and symbol as issued (none when the record of it does not say: never made up)."""
    if number is not None and not DOCUMENT_NUMBER.match(number):
        validation.add(
            ("document_number",),
            "document-number",
            N_("Not a number and symbol such as {example}.", example="213/KH-STTTT"),
        )


def _import_report(
    cmd: commands.ImportIssuedDocument,
    uow: UnitOfWork,
    *,
    catalogue: Catalogue,
    issuing_bodies: IssuingBodies,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
) -> Plan:
    """An issued BÁO CÁO recorded as history: on an approved plan (``content.plan_ref``, itself often
    imported), its results keyed on that plan's activities as a drafter's edit is, every rule of a
    submission checked, every problem at once; approved, read-only, no register number taken."""
    body = cmd.content
    validation = Validation()
    _check_document_number(cmd.document_number, validation)
    _check_issuer(cmd, issuing_bodies.registry(), validation)
    plan_ref = str(body.get("plan_ref") or "")
    with uow:
        plan = uow.plans.get(plan_ref, for_update=True) if plan_ref else None
        if plan is None or plan.kind != PLAN:
            raise PlanNotFound(plan_ref)
        version = plan.current_version
        if plan.status != APPROVED or version is None:
            raise PlanNotApproved(plan.status)
        assert isinstance(version.content, PlanContent)
        kind = str(body.get("kind") or ANNUAL)
        content, unknown = _report_on(plan, kind, plan.org_unit, catalogue).edited(body, catalogue)
        for violation in report_validation(content, for_submission=True):
            validation.add(("content", *violation.path), violation.rule, violation.message)
        for path in unknown:
            validation.add(("content", *path), "unknown", N_("Not an activity or indicator of the plan reported on."))
        if not validation.ok:
            raise PlanInvalid(validation)
        _no_report_yet(uow, (plan.org_unit,), kind, content.year)
        report = _imported(cmd, content, plan.province, issuing_bodies, clock=clock, new_id=new_id)
        uow.plans.add(report)
    return report


def replace_plan(
    cmd: commands.ReplacePlan,
    uow: UnitOfWork,
    *,
    catalogue: Catalogue,
    issuing_bodies: IssuingBodies,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
) -> Plan:
    with uow:
        plan = writable(uow.plans.get(cmd.plan_id, for_update=True), cmd.actor, cmd.plan_id)
        if not plan.is_editable:
            raise PlanNotEditable(plan.status)  # the plan's state answers first: no revision would help
        plan.check_revision(cmd.expected_revision, required=True)
        content = PlanContent.from_dict({**cmd.content, "org_unit": cmd.content.get("org_unit") or plan.org_unit})
        if content.org_unit != plan.org_unit:
            raise PlanForbidden(N_("A plan stays with the unit that drafted it."))
        previous = plan.content if isinstance(plan.content, PlanContent) else None
        content = content.with_activity_ids(previous, new_id)
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
        plan = writable(uow.plans.get(cmd.plan_id, for_update=True), cmd.actor, cmd.plan_id, cmd.kind)
        plan.check_revision(cmd.expected_revision)
        drafters = tuple(sorted({*uow.plans.drafters_of(plan.org_unit), plan.created_by, *plan.editors}))
        now = clock()
        call_id = call_for_plan(uow, plan.id, plan.content.year, plan.province, kind=plan.kind)
        plan.submit(
            by=cmd.actor.username,
            at=now,
            catalogue=catalogue,
            drafters=drafters,
            units=units_on(issuing_bodies, now),
            call_id=call_id,
            reply=cmd.reply,
            reply_activity_id=cmd.reply_activity_id,
        )
    return plan


def call_for_plan(uow: UnitOfWork, plan_id: str, year: int, province: str, *, kind: str = "plan") -> str:
    """The ministry's call a document (a plan, or a report) answers: the one its drafter chose, else
    the latest that asks this province for this year's document of that kind (empty: none)."""
    calls = getattr(uow, "calls", None)
    if calls is None:  # a unit of work without calls (the unit tests' fake): the plan answers none
        return ""
    chosen = calls.link_of(kind, plan_id)
    if chosen is not None:
        return str(chosen)
    call = answering(calls.for_year(kind, year), kind, year, province)
    return call.id if call else ""


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
        plan = writable(uow.plans.get(cmd.plan_id, for_update=True), cmd.actor, cmd.plan_id, cmd.kind)
        plan.check_revision(cmd.expected_revision)
        if (
            plan.status == SUBMITTED
            and not plan.withdrawal_pending
            and uow.retract_submission(plan.id, plan.versions[-1].number, f"{plan.kind}.submitted")
        ):
            plan.withdraw(by=cmd.actor.username, at=clock())
            return Withdrawal(plan)
        request_id = new_id()
        plan.request_withdrawal(by=cmd.actor.username, at=clock(), request_id=request_id)
    return _await_verdict(
        uow, cmd.actor, plan.id, request_id, wait_seconds=withdrawal_wait_seconds, sleep=sleep, kind=cmd.kind
    )


def _await_verdict(
    uow: UnitOfWork,
    actor: Actor,
    plan_id: str,
    request_id: str,
    *,
    wait_seconds: float,
    sleep: Callable[[float], None],
    kind: str = PLAN,
) -> Withdrawal:
    deadline = time.monotonic() + wait_seconds
    pause = 0.02
    while True:
        with uow:
            plan = readable(uow.plans.read(plan_id), actor, plan_id, kind)
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


# -- reports on plans
def _report_on(
    plan: Plan, kind: str, org_unit: str, catalogue: Catalogue, period: tuple[date, date] | None = None
) -> ReportContent:
    """A draft report of ``kind`` on the approved version of ``plan``: every activity and indicator, targets frozen."""
    version = plan.current_version
    assert version is not None and isinstance(version.content, PlanContent)
    return ReportContent.from_plan(
        plan_id=plan.id,
        plan_version=version.number,
        plan_number=plan.document_number or "",
        plan=version.content,
        kind=kind,
        org_unit=org_unit,
        catalogue=catalogue,
        period=period,
    )


def _no_report_yet(uow: UnitOfWork, units: tuple[str, ...], kind: str, year: int) -> None:
    """Refuse a second report of ``kind`` for ``year`` by any of ``units`` (a rejected one does not count)."""
    for unit in units:
        for report_id, status in uow.plans.reports_of(unit, kind, year):
            if status != REJECTED:
                raise ReportExists(report_id, status)


def create_report(
    cmd: commands.CreateReport,
    uow: UnitOfWork,
    *,
    catalogue: Catalogue,
    issuing_bodies: IssuingBodies,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
) -> Plan:
    """A draft report on an approved plan of the drafter's unit: every activity and indicator of the
    plan's approved version, targets frozen. The plan's row is locked meanwhile, so two reports on one
    plan are made one after the other and the second sees the first. A successor body reports on its
    predecessor's plan of the year of the merger (the registry's succession, carrying external
    information, dated that year): the report is the successor's, as a draft of its own unit."""
    actor = cmd.actor
    with uow:
        plan = readable(uow.plans.get(cmd.plan_id, for_update=True), actor, cmd.plan_id)
        version = plan.current_version
        year = version.content.year if version is not None and isinstance(version.content, PlanContent) else None
        org_unit = plan.org_unit
        if not may_draft_for(actor, plan.org_unit):
            successor = actor.org_unit if actor.has_role("drafter") else None
            registry = issuing_bodies.registry()
            if not (
                successor
                and year is not None
                and plan.org_unit in actor.history_units
                and registry.succeeded_in(plan.org_unit, successor, year, duty="external_information")
            ):
                raise PlanNotFound(cmd.plan_id)  # another unit's plan: not found, as for reading it
            org_unit = successor
        if plan.status != APPROVED or version is None:
            raise PlanNotApproved(plan.status)
        assert isinstance(version.content, PlanContent)
        # the successor's, and any its predecessor made
        _no_report_yet(uow, tuple(dict.fromkeys((org_unit, plan.org_unit))), cmd.kind, version.content.year)
        now = clock()
        period = (cmd.period_start, cmd.period_end) if cmd.period_start and cmd.period_end else None
        content = _report_on(plan, cmd.kind, org_unit, catalogue, period)
        if cmd.period_start and not cmd.period_end:
            content = replace(content, period_start=cmd.period_start)
        elif cmd.period_end and not cmd.period_start:
            content = replace(content, period_end=cmd.period_end)
        report = Plan.create(
            cmd.report_id or new_id(),
            content,
            # A successor's report goes up its own province's chain.
            province=plan.province
            if org_unit == plan.org_unit
            else issuing_bodies.province_of(org_unit, now.astimezone(VIETNAM).date()),
            by=actor.username,
            at=now,
            catalogue=catalogue,
        )
        uow.plans.add(report)
    return report


def replace_report(
    cmd: commands.ReplaceReport, uow: UnitOfWork, *, catalogue: Catalogue, clock: Callable[[], datetime]
) -> Plan:
    """The drafter's edit of a report: texts, period, and per planned activity its status, what was
    done, money spent and actual values; what the plan fixed (activities, targets) stays."""
    with uow:
        report = writable(uow.plans.get(cmd.report_id, for_update=True), cmd.actor, cmd.report_id, REPORT)
        if not report.is_editable:
            raise PlanNotEditable(report.status)
        report.check_revision(cmd.expected_revision, required=True)
        assert isinstance(report.content, ReportContent)
        content, unknown = report.content.edited(cmd.content, catalogue)
        validation = report_validation(content)
        for path in unknown:
            validation.add(path, "unknown", N_("Not an activity or indicator of the plan reported on."))
        if not validation.ok:
            raise PlanInvalid(validation)
        report.replace(content, by=cmd.actor.username, at=clock(), catalogue=catalogue)
    return report


def record_receipt(cmd: commands.RecordReceipt, uow: UnitOfWork, *, clock: Callable[[], datetime]) -> Plan:
    """The ministry records that it received an issued report (shown on the report, sent as report.received)."""
    if not cmd.actor.has_role("ministry_approver"):
        raise PlanForbidden(N_("Only the ministry records the receipt of a report."))
    with uow:
        report = uow.plans.get(cmd.report_id, for_update=True)
        readable(report, cmd.actor, cmd.report_id, REPORT)  # 404 unless the ministry may read it
        assert report is not None
        report.record_receipt(by=cmd.actor.username, at=clock(), note=cmd.note)
    return report


# -- what the approval chain tells us
def _plan_for_fact(uow: UnitOfWork, fact: commands.ApprovalFact) -> Plan | None:
    """The document a fact is about, read as the facts' rules need it: every fact only adds to the
    timeline, the versions' readers and the deciders, and reads none of them (the consumer's inbox
    has made sure the fact is new; a repeated timeline entry is kept out by the table's unique key)."""
    plan = uow.plans.get(fact.plan_id, for_update=True, appends_only=True)
    if plan is None:
        log.warning(
            "approval event for an unknown plan ignored", extra={"plan_id": fact.plan_id, "event": fact.event_id}
        )
    return plan


def _apply_fact(fact: commands.ApprovalFact, uow: UnitOfWork, apply: Callable[[Plan, Any], bool]) -> bool:
    """Apply an approval fact to its document in one transaction; whether it changed anything."""
    with uow:
        plan = _plan_for_fact(uow, fact)
        return plan is not None and apply(plan, fact)


def record_task_assigned(fact: commands.RecordTaskAssigned, uow: UnitOfWork) -> bool:
    return _apply_fact(fact, uow, Plan.record_task_assigned)


def record_decision(fact: commands.RecordDecision, uow: UnitOfWork) -> bool:
    return _apply_fact(fact, uow, Plan.record_decision)


def record_delegation(fact: commands.RecordDelegation, uow: UnitOfWork) -> bool:
    return _apply_fact(fact, uow, Plan.record_delegation)


def answer_withdrawal(fact: commands.AnswerWithdrawal, uow: UnitOfWork) -> bool:
    return _apply_fact(fact, uow, Plan.answer_withdrawal)


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
                plan.kind,
                plan.id,
                version=fact.version,
                document_number=plan.document_number,
                issuer=plan.issuer,
                issued_on=plan.issued_on,
            )
        return applied


HANDLERS: dict[type, Callable[..., Any]] = {
    commands.CreatePlan: create_plan,
    commands.CopyLastYearsPlan: copy_last_years_plan,
    commands.ImportIssuedDocument: import_issued_document,
    commands.ReplacePlan: replace_plan,
    commands.SubmitPlan: submit_plan,
    commands.WithdrawPlan: withdraw_plan,
    commands.CreateReport: create_report,
    commands.ReplaceReport: replace_report,
    commands.RecordReceipt: record_receipt,
    commands.RecordTaskAssigned: record_task_assigned,
    commands.RecordDecision: record_decision,
    commands.RecordDelegation: record_delegation,
    commands.CompleteApproval: complete_approval,
    commands.AnswerWithdrawal: answer_withdrawal,
    commands.RenderNextDocument: render_next_document,  # the renderer process (service_layer/documents.py)
    # the administrator's changes to the organisation registry (service_layer/organisations.py)
    commands.PutOrganisation: put_organisation,
    commands.RecordSuccession: record_succession,
}
