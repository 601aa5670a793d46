"""Turns the documents' events into approval commands (queue ``approvals.plan-events``): the
submission, withdrawal request and withdrawal of a plan or a report version; and the organisation
registry's events into its copy (a succession hands a dissolved body's open tasks to its successor).

Runs inside servicekit's EventConsumer transaction, which also records the
event id in the inbox: a redelivered event is skipped before it gets here.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from typing import Any

from servicekit.consumer import EventConsumer
from servicekit.contracts import events as contract
from servicekit.db import Database
from servicekit.events import Event
from servicekit.messagebus import MessageBus
from servicekit.organisations import ORGANISATION_EVENTS
from sqlalchemy.orm import Session

from ..adapters.orm import Inbox
from ..config import ApprovalsSettings
from ..domain import commands
from ..domain.model import SubjectContext
from ..service_layer.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)

QUEUE = "approvals.plan-events"

# The events approvals acts on, by what they ask; the kind of document an event is about when
# it carries no ``subject`` (a producer written before subjects existed).
SUBMITTED = {contract.PlanSubmitted.name: "plan", contract.ReportSubmitted.name: "report"}
WITHDRAWAL_REQUESTED = {
    contract.PlanWithdrawalRequested.name: "plan",
    contract.ReportWithdrawalRequested.name: "report",
}
WITHDRAWN = {contract.PlanWithdrawn.name: "plan", contract.ReportWithdrawn.name: "report"}


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def subject_of(payload: contract.PlanEvent, default_kind: str) -> tuple[str, str]:
    """The kind and id of the document an event is about: its ``subject`` where it has one,
    else the event type's kind and the plan fields' id (``report_id`` for a report)."""
    if payload.subject is not None:
        return payload.subject.kind, _text(payload.subject.id)
    report_id = getattr(payload, "report_id", "")
    return default_kind, _text(report_id or payload.plan_id)


def _document_type(payload: contract.PlanEvent, kind: str) -> str:
    if kind == "report":
        return _text(getattr(payload, "report_kind", "") or "annual")
    return _text(getattr(payload, "plan_type", "") or "annual")


def subject_context(submitted: contract.PlanSubmitted, default_kind: str = "plan") -> SubjectContext:
    """What approvals keeps of a submitted version (read by the contract, which parks a
    payload that breaks it as a MalformedEvent)."""
    kind, subject_id = subject_of(submitted, default_kind)
    texts = ("title", "org_unit", "province", "content_sha256", "submitted_by", "created_by")
    return SubjectContext(
        **{name: _text(getattr(submitted, name)) for name in texts},
        id=subject_id,
        version=submitted.version,
        year=submitted.year,
        edited_by=tuple(sorted({_text(name) for name in submitted.edited_by if name})),
        submitters=tuple(sorted({_text(name) for name in (*submitted.submitters, submitted.submitted_by) if name})),
        document_type=_document_type(submitted, kind),
        kind=kind,
        activity_ids=None if submitted.activity_ids is None else tuple(_text(i) for i in submitted.activity_ids if i),
    )


# The name this function had when plans were the only subject.
plan_context = subject_context


def make_handler(bus: MessageBus) -> Callable[[Session, Event], None]:
    """The EventConsumer's handler: the use case runs in the consumer's own transaction."""

    names = bus.dependencies.get("organisation_names")

    def handle(session: Session, event: Event) -> None:
        uow = SqlUnitOfWork(session=session, names=names)
        if event.name in ORGANISATION_EVENTS:
            # The organisation registry's copy; a succession hands a dissolved body's open tasks over.
            bus.handle(commands.KeepOrganisation(contract.parse(event.name, event.data)), uow)
        elif event.name in SUBMITTED:
            submitted = contract.parse(event.name, event.data)
            assert isinstance(submitted, contract.PlanSubmitted)
            subject = subject_context(submitted, SUBMITTED[event.name])
            bus.handle(commands.StartApproval(subject, submitted.submitted_at or event.time), uow)
        elif event.name in WITHDRAWAL_REQUESTED:
            requested = contract.parse(event.name, event.data)
            assert isinstance(requested, contract.PlanWithdrawalRequested)
            kind, subject_id = subject_of(requested, WITHDRAWAL_REQUESTED[event.name])
            answer = commands.AnswerWithdrawal(
                subject=SubjectContext(
                    **{name: _text(getattr(requested, name)) for name in ("title", "org_unit", "province")},
                    id=subject_id,
                    version=requested.version,
                    year=requested.year,
                    content_sha256=requested.subject.content_sha256 if requested.subject else "",
                    submitted_by="",
                    kind=kind,
                ),
                request_id=_text(requested.request_id),
                by=_text(requested.by),
                seen_decisions=requested.seen_decisions,
                requested_at=requested.requested_at,
            )
            bus.handle(answer, uow)
        elif event.name in WITHDRAWN:
            withdrawn = contract.parse(event.name, event.data)
            assert isinstance(withdrawn, contract.PlanWithdrawn)
            kind, subject_id = subject_of(withdrawn, WITHDRAWN[event.name])
            command = commands.CancelApproval(
                subject_id, withdrawn.version, _text(withdrawn.by), withdrawn.withdrawn_at or event.time, kind=kind
            )
            bus.handle(command, uow)
        else:
            log.info("event ignored", extra={"event_type": event.name})

    return handle


def build_consumer(settings: ApprovalsSettings, db: Database, bus: MessageBus, **options: Any) -> EventConsumer:
    """The consumer of ``approvals.plan-events`` (``options`` replace what the settings configure)."""
    return EventConsumer.from_settings(
        settings, queue=QUEUE, db=db, inbox_model=Inbox, handle=make_handler(bus), **options
    )
