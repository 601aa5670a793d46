"""The approvals service's events, turned into the plans service's use cases.
Runs inside servicekit's EventConsumer transaction (inbox row + effect commit together)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from servicekit.events import Event, MalformedEvent
from sqlalchemy.orm import Session

from ..domain import commands
from ..service_layer import handlers
from ..service_layer.handlers import Dependencies
from ..service_layer.unit_of_work import SqlAlchemyUnitOfWork

log = logging.getLogger(__name__)

QUEUE = "plans.approval-events"
OUTCOMES = ("approved", "returned", "rejected", "cancelled")


def _fact_fields(event: Event) -> dict[str, Any]:
    data = event.data
    try:
        occurred = data.get("decided_at") or data.get("occurred_at")
        return {
            "event_id": event.id,
            "plan_id": str(data["plan_id"]),
            "approval_id": str(data["approval_id"]),
            "version": int(data["version"]),
            "occurred_at": datetime.fromisoformat(occurred) if isinstance(occurred, str) else event.time,
        }
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedEvent(f"{event.type} lacks plan_id, approval_id or version: {error}") from error


def _level_name(data: dict[str, Any]) -> dict[str, str]:
    name = data.get("level_name") or {}
    return (
        {"vi": str(name.get("vi", "")), "en": str(name.get("en", ""))}
        if isinstance(name, dict)
        else {"vi": str(name), "en": str(name)}
    )


def to_command(event: Event) -> commands.ApprovalFact | None:
    """The command an approval event asks for; None for events this service does not use."""
    data = event.data
    common = _fact_fields(event)
    if event.name == "approval.task_assigned":
        return commands.RecordTaskAssigned(
            **common,
            task_id=str(data.get("task_id", "")),
            level=int(data.get("level", 1)),
            level_name=_level_name(data),
            due_at=data.get("due_at"),
            assignees=tuple(data.get("assignees") or ()),
            role=str(data.get("role") or ""),
        )
    if event.name == "approval.decision_recorded":
        return commands.RecordDecision(
            **common,
            task_id=str(data.get("task_id", "")),
            level=int(data.get("level", 1)),
            level_name=_level_name(data),
            decision=str(data.get("decision", "")),
            comment=str(data.get("comment") or ""),
            by=str(data.get("by") or ""),
            content_sha256=data.get("content_sha256"),
        )
    if event.name == "approval.withdrawal_answered":
        return commands.AnswerWithdrawal(
            **common,
            request_id=str(data.get("request_id") or ""),
            accepted=data.get("accepted") is True,
            reason=str(data.get("reason") or ""),
            by=str(data.get("by") or ""),
        )
    if event.name == "approval.completed":
        if data.get("outcome") not in OUTCOMES:
            raise MalformedEvent(f"approval.completed has an unknown outcome {data.get('outcome')!r}")
        return commands.CompleteApproval(
            **common,
            outcome=str(data.get("outcome", "")),
            level=data.get("level"),
            level_name=_level_name(data),
            comment=str(data.get("comment") or ""),
            by=str(data.get("by") or ""),
        )
    return None


_HANDLERS: dict[type, Callable[[Dependencies, Any], bool]] = {
    commands.RecordTaskAssigned: handlers.record_task_assigned,
    commands.RecordDecision: handlers.record_decision,
    commands.CompleteApproval: handlers.complete_approval,
    commands.AnswerWithdrawal: handlers.answer_withdrawal,
}


def make_handler(deps: Dependencies) -> Callable[[Session, Event], None]:
    """The EventConsumer's handler: the use case runs in the consumer's own transaction."""

    def handle(session: Session, event: Event) -> None:
        command = to_command(event)
        if command is None:
            log.info("event not used by plans", extra={"type": event.type})
            return
        in_session = replace(deps, uow=lambda: SqlAlchemyUnitOfWork(session=session))
        _HANDLERS[type(command)](in_session, command)

    return handle
