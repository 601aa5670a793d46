"""Turns the plans service's events into approval commands (queue ``approvals.plan-events``).

Runs inside servicekit's EventConsumer transaction, which also records the
event id in the inbox: a redelivered event is skipped before it gets here.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable

from servicekit.contracts import events as contract
from servicekit.events import Event
from servicekit.messagebus import MessageBus
from sqlalchemy.orm import Session

from ..domain import commands
from ..domain.model import PlanContext
from ..service_layer.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)

QUEUE = "approvals.plan-events"


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def plan_context(submitted: contract.PlanSubmitted) -> PlanContext:
    """What approvals keeps of a submitted version (read by the contract, which parks a
    payload that breaks it as a MalformedEvent)."""
    texts = ("plan_id", "title", "org_unit", "province", "content_sha256", "submitted_by", "created_by")
    return PlanContext(
        **{name: _text(getattr(submitted, name)) for name in texts},
        version=submitted.version,
        year=submitted.year,
        edited_by=tuple(sorted({_text(name) for name in submitted.edited_by if name})),
        submitters=tuple(sorted({_text(name) for name in (*submitted.submitters, submitted.submitted_by) if name})),
        plan_type=_text(submitted.plan_type or "annual"),
    )


def make_handler(bus: MessageBus) -> Callable[[Session, Event], None]:
    """The EventConsumer's handler: the use case runs in the consumer's own transaction."""

    def handle(session: Session, event: Event) -> None:
        uow = SqlUnitOfWork(session=session)
        if event.name == contract.PlanSubmitted.name:
            submitted = contract.parse(event.name, event.data)
            assert isinstance(submitted, contract.PlanSubmitted)
            bus.handle(commands.StartApproval(plan_context(submitted), submitted.submitted_at or event.time), uow)
        elif event.name == contract.PlanWithdrawalRequested.name:
            requested = contract.parse(event.name, event.data)
            assert isinstance(requested, contract.PlanWithdrawalRequested)
            answer = commands.AnswerWithdrawal(
                plan=PlanContext(
                    **{name: _text(getattr(requested, name)) for name in ("plan_id", "title", "org_unit", "province")},
                    version=requested.version,
                    year=requested.year,
                    content_sha256="",
                    submitted_by="",
                ),
                request_id=_text(requested.request_id),
                by=_text(requested.by),
                seen_decisions=requested.seen_decisions,
                requested_at=requested.requested_at,
            )
            bus.handle(answer, uow)
        elif event.name == contract.PlanWithdrawn.name:
            withdrawn = contract.parse(event.name, event.data)
            assert isinstance(withdrawn, contract.PlanWithdrawn)
            command = commands.CancelApproval(
                _text(withdrawn.plan_id), withdrawn.version, _text(withdrawn.by), withdrawn.withdrawn_at or event.time
            )
            bus.handle(command, uow)
        else:
            log.info("event ignored", extra={"event_type": event.type})

    return handle
