"""The approvals service's events, turned into the plans service's use cases.
Runs inside servicekit's EventConsumer transaction (inbox row + effect commit together)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from servicekit.consumer import EventConsumer
from servicekit.contracts import events as contract
from servicekit.db import Database
from servicekit.events import Event
from servicekit.messagebus import MessageBus
from sqlalchemy.orm import Session

from ..adapters.orm import Inbox
from ..config import PlansSettings
from ..domain import commands
from ..service_layer.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)

QUEUE = "plans.approval-events"


def _occurred_at(payload: contract.ApprovalEvent) -> Any:
    if isinstance(payload, contract.DecisionRecorded):
        return payload.decided_at
    if isinstance(payload, contract.TaskDelegated):
        return payload.delegated_at
    return None


def to_command(event: Event) -> commands.ApprovalFact | None:
    """The command an approval event asks for; None for events this service does not use.
    The payload is read by the contract (servicekit.contracts.events), which parks a
    payload that breaks it as a MalformedEvent."""
    if event.name not in _USED:
        return None
    payload = contract.parse(event.name, event.data)
    assert isinstance(payload, contract.ApprovalEvent)
    common: dict[str, Any] = {
        "event_id": event.id,
        # The document decided on: a plan or a report, both kept here under their id (the subject's,
        # which plan_id repeats for receivers that know only plans).
        "plan_id": payload.subject.id if payload.subject else payload.plan_id,
        "approval_id": payload.approval_id,
        "version": payload.subject.version if payload.subject else payload.version,
        "occurred_at": _occurred_at(payload) or event.time,
        "level": getattr(payload, "level", None),
        "level_name": dict(getattr(payload, "level_name", {})),
    }
    if isinstance(payload, contract.WithdrawalAnswered):
        facts = {name: common[name] for name in ("event_id", "plan_id", "approval_id", "version", "occurred_at")}
        said = {"reason": payload.reason, "by": payload.by}
        return commands.AnswerWithdrawal(**facts, request_id=payload.request_id, accepted=payload.accepted, **said)
    if isinstance(payload, contract.TaskAssigned):
        due_at = contract.iso_utc(payload.due_at)
        reassigned = contract.to_data(payload)["reassigned"] if payload.reassigned is not None else None
        return commands.RecordTaskAssigned(
            **common,
            task_id=payload.task_id,
            due_at=due_at,
            assignees=payload.assignees,
            role=payload.role,
            reassigned=reassigned,
        )
    if isinstance(payload, contract.DecisionRecorded):
        said = {"comment": payload.comment, "by": payload.by, "content_sha256": payload.content_sha256}
        authority = {"on_behalf_of": payload.on_behalf_of, "delegation_kind": payload.delegation_kind}
        return commands.RecordDecision(
            **common,
            task_id=payload.task_id,
            decision=payload.decision,
            **said,
            **authority,
            activity_id=payload.activity_id,
        )
    if isinstance(payload, contract.TaskDelegated):
        return commands.RecordDelegation(
            **common,
            task_id=payload.task_id,
            from_user=payload.from_user,
            to_user=payload.to_user,
            comment=payload.comment,
            kind=payload.kind,
        )
    assert isinstance(payload, contract.ApprovalCompleted)
    return commands.CompleteApproval(
        **common, outcome=payload.outcome, comment=payload.comment, by=payload.by, activity_id=payload.activity_id
    )


_USED = frozenset(
    {
        contract.TaskAssigned.name,
        contract.DecisionRecorded.name,
        contract.TaskDelegated.name,
        contract.ApprovalCompleted.name,
        contract.WithdrawalAnswered.name,
    }
)


def make_handler(bus: MessageBus) -> Callable[[Session, Event], None]:
    """The EventConsumer's handler: the use case runs in the consumer's own transaction."""

    def handle(session: Session, event: Event) -> None:
        command = to_command(event)
        if command is None:
            log.info("event not used by plans", extra={"type": event.type})
            return
        bus.handle(command, SqlUnitOfWork(session=session))

    return handle


# -- the overview read model's queue: every fact about documents and calls
OVERVIEW_QUEUE = "plans.overview"


def to_overview_command(event: Event) -> commands.ApplyToOverview:
    """Any suite event as a fact for the overview. A type the contract knows is read by it (a payload
    that breaks it is parked); a type it does not know yet (report.* before their contract lands) is
    taken as it came: the read model reads only the fields it knows, leniently."""
    data = dict(event.data)
    if event.name in contract.EVENTS:
        data = contract.parse(event.name, event.data).payload()
    return commands.ApplyToOverview(event_id=event.id, name=event.name, data=data, occurred_at=event.time)


def make_overview_handler(bus: MessageBus) -> Callable[[Session, Event], None]:
    def handle(session: Session, event: Event) -> None:
        bus.handle(to_overview_command(event), SqlUnitOfWork(session=session))

    return handle


HANDLER_FOR_QUEUE = {QUEUE: make_handler, OVERVIEW_QUEUE: make_overview_handler}


def build_consumer(
    settings: PlansSettings, db: Database, bus: MessageBus, queue: str = QUEUE, **options: Any
) -> EventConsumer:
    """The consumer of one of this service's queues, ``plans.approval-events`` (the approvals service's
    facts) or ``plans.overview`` (the overview read model); ``options`` replace what the settings configure."""
    return EventConsumer.from_settings(
        settings, queue=queue, db=db, inbox_model=Inbox, handle=HANDLER_FOR_QUEUE[queue](bus), **options
    )
