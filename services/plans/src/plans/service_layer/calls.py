"""The use cases of the ministry's calls and of the overview read model:
``handler(command, uow, *, dependencies)``, one transaction each."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from servicekit.i18n import N_
from servicekit.validation import Validation
from sqlalchemy import select

from ..domain import commands
from ..domain.calls import PLAN, REPORT, Call
from ..domain.compliance import Calendar, DocumentFacts, due_for_reminder
from ..domain.errors import CallInvalid, PlanForbidden, PlanNotEditable
from ..domain.model import VIETNAM
from ..domain.overview import document_key
from ..domain.provinces import Provinces
from .handlers import writable
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

CALL_WRITERS = ("ministry_approver",)


def issue_call(
    cmd: commands.IssueCall,
    uow: UnitOfWork,
    *,
    provinces: Provinces,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
) -> Call:
    if not cmd.actor.has_role(*CALL_WRITERS):
        raise PlanForbidden(N_("Only the ministry issues calls."))
    issued_on = cmd.body["issued_on"]
    with uow:
        call = Call.issue(
            cmd.call_id or new_id(),
            cmd.body,
            provinces_on=provinces.on(issued_on),
            issuer=provinces.ministry_on(issued_on),
            by=cmd.actor.username,
            at=clock(),
        )
        uow.calls.add(call)
    return call


def link_call(cmd: commands.LinkCall, uow: UnitOfWork, *, clock: Callable[[], datetime]) -> str:
    """The drafter changes the call their plan or report answers, while they may still edit it (409
    otherwise); the call must ask their province for a document of that kind and year (422 naming
    ``call_id`` otherwise). Returns the call now linked (empty: none)."""
    with uow:
        document = writable(uow.plans.get(cmd.plan_id, for_update=False), cmd.actor, cmd.plan_id, cmd.kind)
        if not document.is_editable:
            raise PlanNotEditable(document.status)
        if cmd.call_id:
            call = uow.calls.get(cmd.call_id)
            year = document.content.year
            if call is None or not call.asks_for(cmd.kind, year) or not call.addresses(document.province):
                validation = Validation()
                # the year as text: a year reads "2024", not a number grouped by thousands ("2.024")
                message = (
                    N_("This call does not ask your province for a report of {year}.", year=str(year))
                    if cmd.kind == REPORT
                    else N_("This call does not ask your province for a plan of {year}.", year=str(year))
                )
                validation.add(("call_id",), "not_answerable", message)
                raise CallInvalid(validation)
        uow.calls.link(cmd.kind, document.id, cmd.call_id, by=cmd.actor.username, at=clock())
    return cmd.call_id


# -- the overview read model
def apply_to_overview(cmd: commands.ApplyToOverview, uow: UnitOfWork) -> bool:
    """Merge one event into the read model (order-independent: see plans.domain.overview)."""
    with uow:
        if cmd.name.startswith("call."):
            if cmd.name == "call.issued":
                uow.overview.save_call(str(cmd.data["call_id"]), dict(cmd.data))
            return True
        key = document_key(cmd.name, cmd.data)
        if key is None:
            log.info("event names no document: not in the overview", extra={"type": cmd.name})
            return False
        document = uow.overview.document(*key, for_update=True)
        document.apply(cmd.name, cmd.data, cmd.occurred_at)
        uow.overview.save(document, cmd.occurred_at)
    return True


def rebuild_overview(cmd: commands.RebuildOverview, uow: UnitOfWork) -> int:
    """Empty the read model and replay, in order, what feeds it from this service's own records:
    every plan.*, report.* and call.* event in the outbox (published or not; the outbox keeps them),
    and the approval facts each document's timeline recorded from the approvals service's events
    (levels opened, the approval's end). Returns the number of events applied."""
    from ..adapters.orm import Outbox, TimelineRow

    applied = 0
    with uow:
        uow.overview.clear()
        session = uow.session  # type: ignore[attr-defined]
        rows = session.scalars(
            select(Outbox)
            .where(
                Outbox.routing_key.like("plan.%")
                | Outbox.routing_key.like("report.%")
                | Outbox.routing_key.like("call.%")
            )
            .order_by(Outbox.seq)
        )
        contexts: dict[str, dict[str, Any]] = {}
        for row in rows:
            event = json.loads(row.payload)
            data = event.get("data") or {}
            occurred = datetime.fromisoformat(event.get("time")) if event.get("time") else row.created_at
            _apply(uow, row.routing_key, data, occurred)
            if data.get("plan_id"):
                contexts[str(data["plan_id"])] = {
                    key: data.get(key) for key in ("plan_id", "title", "org_unit", "province", "year")
                }
            applied += 1
        for entry in session.scalars(
            select(TimelineRow)
            .where(TimelineRow.kind.in_(("task_assigned", "returned", "rejected", "cancelled")))
            .order_by(TimelineRow.seq)
        ):
            context = contexts.get(entry.plan_id)
            if context is None:
                continue
            details = entry.details or {}
            data = {**context, "version": entry.version, "level": entry.level}
            if entry.kind == "task_assigned":
                _apply(
                    uow,
                    "approval.task_assigned",
                    {**data, "level_name": details.get("level_name") or {}},
                    entry.occurred_at,
                )
            else:
                _apply(uow, "approval.completed", {**data, "outcome": entry.kind}, entry.occurred_at)
            applied += 1
    return applied


def _apply(uow: UnitOfWork, name: str, data: dict[str, Any], at: datetime) -> None:
    if name.startswith("call."):
        if name == "call.issued":
            uow.overview.save_call(str(data["call_id"]), data)
        return
    key = document_key(name, data)
    if key is None:
        return
    document = uow.overview.document(*key)
    document.apply(name, data, at)
    uow.overview.save(document, at)
    uow.session.flush()  # type: ignore[attr-defined]


def document_facts(uow: UnitOfWork, year: int | None = None) -> list[DocumentFacts]:
    """What the read model knows of every document (of ``year``), plus this service's own drafts of
    plans that have never been submitted (no event tells of a draft: plans emits none until a plan
    is submitted), so compliance can say ``draft`` rather than ``not started``."""
    known = uow.overview.documents(year=year)
    facts = [document.facts() for document in known]
    seen = {(document.kind, document.id) for document in known}
    for plan in uow.plans.drafts(year=year):
        if (PLAN, plan.id) not in seen:
            facts.append(
                DocumentFacts(
                    kind=PLAN,
                    id=plan.id,
                    province=plan.province,
                    year=plan.year,
                    status="draft",
                    call_id=uow.calls.link_of(PLAN, plan.id) or "",
                    plan_type=plan.plan_type,
                )
            )
    return facts


def remind_calls(
    cmd: commands.RemindCalls,
    uow: UnitOfWork,
    *,
    clock: Callable[[], datetime],
    calendar: Calendar,
    call_reminder_working_days: int,
) -> int:
    """Remind each addressed province whose requested document is due within the configured working
    days and not yet submitted — once per call, province and document."""
    now = cmd.now or clock()
    today = now.astimezone(VIETNAM).date()
    sent = 0
    with uow:
        reminded = uow.calls.reminded()
        for call in uow.calls.open_on(today):
            facts: list[DocumentFacts] = []
            for asked in call.requested:
                facts.extend(document_facts(uow, asked.year))
            for province, asked, left in due_for_reminder(
                call, facts, today, calendar, days_before=call_reminder_working_days, already=reminded
            ):
                uow.calls.get(call.id)  # tracked: its reminder events go to the outbox
                tracked = uow.calls.seen[call.id]
                tracked.remind(province, asked, left)
                uow.calls.record_reminder(call.id, province.id, asked.kind, now.astimezone(UTC))
                reminded.add((call.id, province.id, asked.kind))
                sent += 1
    return sent


HANDLERS: dict[type, Callable[..., Any]] = {
    commands.IssueCall: issue_call,
    commands.LinkCall: link_call,
    commands.ApplyToOverview: apply_to_overview,
    commands.RebuildOverview: rebuild_overview,
    commands.RemindCalls: remind_calls,
}
