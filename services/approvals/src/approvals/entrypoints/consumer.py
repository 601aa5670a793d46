"""Turns the plans service's events into approval commands (queue ``approvals.plan-events``).

Runs inside servicekit's EventConsumer transaction, which also records the
event id in the inbox: a redelivered event is skipped before it gets here.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from servicekit.events import Event, MalformedEvent
from sqlalchemy.orm import Session

from ..domain import commands
from ..domain.model import PlanContext
from ..service_layer import handlers
from ..service_layer.handlers import Dependencies
from ..service_layer.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)

QUEUE = "approvals.plan-events"


def _text(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()


def _moment(value: Any, fallback: datetime) -> datetime:
    if not value:
        return fallback
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def plan_context(data: dict[str, Any]) -> PlanContext:
    try:
        return PlanContext(
            plan_id=_text(data["plan_id"]),
            version=int(data["version"]),
            title=_text(data["title"]),
            org_unit=_text(data["org_unit"]),
            province=_text(data["province"]),
            year=int(data["year"]),
            content_sha256=_text(data["content_sha256"]),
            submitted_by=_text(data["submitted_by"]),
            created_by=_text(data.get("created_by")),
            edited_by=tuple(sorted({_text(name) for name in data.get("edited_by") or () if name})),
            submitters=tuple(
                sorted({_text(name) for name in (*(data.get("submitters") or ()), data["submitted_by"]) if name})
            ),
            plan_type=_text(data.get("plan_type") or "annual"),
        )
    except (KeyError, TypeError, ValueError) as error:
        # A payload that breaks the contract will never succeed: park it, do not retry.
        raise MalformedEvent(f"plan.submitted lacks or mangles a field: {error}") from error


def make_handler(deps: Dependencies) -> Callable[[Session, Event], None]:
    def handle(session: Session, event: Event) -> None:
        uow = SqlUnitOfWork(session=session)
        if event.name == "plan.submitted":
            handlers.start_approval(
                commands.StartApproval(plan_context(event.data), _moment(event.data.get("submitted_at"), event.time)),
                uow,
                deps,
            )
        elif event.name == "plan.withdrawal_requested":
            data = event.data
            try:
                answer = commands.AnswerWithdrawal(
                    plan=plan_context({**data, "content_sha256": data.get("content_sha256") or "", "submitted_by": ""}),
                    request_id=_text(data["request_id"]),
                    by=_text(data["by"]),
                    seen_decisions=int(data.get("seen_decisions") or 0),
                    requested_at=_moment(data.get("requested_at"), event.time),
                )
            except (KeyError, TypeError, ValueError) as error:
                raise MalformedEvent(f"plan.withdrawal_requested lacks or mangles a field: {error}") from error
            handlers.answer_withdrawal(answer, uow, deps)
        elif event.name == "plan.withdrawn":
            data = event.data
            try:
                command = commands.CancelApproval(
                    _text(data["plan_id"]),
                    int(data["version"]),
                    _text(data.get("by")),
                    _moment(data.get("withdrawn_at"), event.time),
                )
            except (KeyError, TypeError, ValueError) as error:
                raise MalformedEvent(f"plan.withdrawn lacks or mangles a field: {error}") from error
            handlers.cancel_approval(command, uow, deps)
        else:
            log.info("event ignored", extra={"event_type": event.type})

    return handle
