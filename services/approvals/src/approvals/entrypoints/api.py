"""HTTP shape of the approvals use cases (paths without the gateway's /api/v1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from servicekit.db import Database
from servicekit.messagebus import MessageBus
from servicekit.web import current_principal

from .. import views
from ..domain import commands
from ..domain.chain import ApprovalChain
from ..domain.errors import NotFound, NotPermitted
from ..domain.model import Actor, Approval
from ..service_layer.unit_of_work import UnitOfWork
from . import schemas


@dataclass(frozen=True)
class ServiceContext:
    db: Database  # the task list reads it straight (views.tasks_for)
    bus: MessageBus

    def uow(self) -> UnitOfWork:
        uow: UnitOfWork = self.bus.uow()
        return uow

    def now(self) -> datetime:
        now: datetime = self.bus.dependencies["clock"]()
        return now


def service() -> ServiceContext:
    return current_app.extensions["approvals"]


def current_actor() -> Actor:
    principal = current_principal()
    return Actor(principal.username, principal.roles, principal.org_unit, principal.province)


approvals_blp = Blueprint(
    "approvals", __name__, url_prefix="/approvals", description="Approval tasks, decisions and delegation"
)
chains_blp = Blueprint(
    "approval-chains", __name__, url_prefix="/approval-chains", description="Approval chains (versioned data)"
)


@approvals_blp.route("/tasks")
class TaskList(MethodView):
    @approvals_blp.arguments(schemas.TaskQuery, location="query")
    @approvals_blp.response(200, schemas.TaskPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The caller's tasks (open by default): overdue first, then by due date."""
        context = service()
        actor = current_actor()
        with context.db.transaction() as session:
            return views.tasks_for(session, actor, views.TaskFilter(**query), context.now())


@approvals_blp.route("/<string:approval_id>")
class ApprovalDetail(MethodView):
    @approvals_blp.response(200, schemas.ApprovalSchema)
    def get(self, approval_id: str) -> dict[str, Any]:
        """The approval: chain version, tasks per level, decisions with their hash chain, ``verified``."""
        context = service()
        actor = current_actor()
        with context.uow() as uow:
            approval = uow.approvals.get(approval_id)
            if approval is None or not approval.visible_to(actor):
                raise NotFound("No such approval.")
        return approval_view(approval, context.now())


@approvals_blp.route("/tasks/<string:task_id>/decision")
class TaskDecision(MethodView):
    @approvals_blp.arguments(schemas.DecisionRequest)
    @approvals_blp.response(201, schemas.DecisionResult)
    def post(self, body: dict[str, Any], task_id: str) -> dict[str, Any]:
        """Approve, return (comment required) or reject (comment required). 409 when the task
        is closed or the caller already decided; 403 on separation of duties."""
        context = service()
        command = commands.RecordDecision(task_id, current_actor(), body["decision"], body["comment"])
        outcome = context.bus.handle(command)
        task = outcome.approval.task(task_id)
        return {
            "decision": outcome.decision,
            "task_status": task.status,
            "approval_id": outcome.approval.id,
            "approval_status": outcome.approval.status,
            "current_level": outcome.approval.current_level,
        }


@approvals_blp.route("/tasks/<string:task_id>/delegate")
class TaskDelegation(MethodView):
    @approvals_blp.arguments(schemas.DelegateRequest)
    @approvals_blp.response(201, schemas.DelegationSchema)
    def post(self, body: dict[str, Any], task_id: str) -> Any:
        """Hand the caller's place on the task to another eligible approver of the same scope."""
        context = service()
        command = commands.DelegateTask(task_id, current_actor(), body["to"], body["comment"])
        return context.bus.handle(command)


# -- chains


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotPermitted("Only administrators manage approval chains.")


def chain_view(chain: ApprovalChain, *, on: date | None = None) -> dict[str, Any]:
    """The chain version as published; ``on`` a document date, each level (and the receiver)
    also has ``name_on_date``, its name on that date."""
    shown = {
        "key": chain.key,
        "version": chain.version,
        **chain.definition(),
        "valid_from": chain.valid_from,
        "published_by": chain.published_by,
        "published_at": chain.published_at,
    }
    if on is not None:
        for level, content in zip(chain.levels, shown["levels"], strict=True):
            content["name_on_date"] = level.name_on(on).as_dict()
        if chain.receiver is not None:
            shown["receiver"]["name_on_date"] = chain.receiver.name_on(on).as_dict()
    return shown


@chains_blp.route("")
class ChainCollection(MethodView):
    @chains_blp.response(200, schemas.ChainList)
    def get(self) -> dict[str, Any]:
        """The latest version of every chain."""
        _require_admin(current_actor())
        with service().uow() as uow:
            chains = [uow.chains.latest(key) for key in uow.chains.all_keys()]
        return {"items": [chain_view(chain) for chain in chains if chain is not None]}


@chains_blp.route("/<string:key>")
class ChainResource(MethodView):
    @chains_blp.response(200, schemas.ChainWithVersions)
    def get(self, key: str) -> dict[str, Any]:
        """The latest version with every earlier one."""
        _require_admin(current_actor())
        with service().uow() as uow:
            versions = uow.chains.versions(key)
        if not versions:
            raise NotFound("No such approval chain.")
        return {**chain_view(versions[-1]), "versions": [chain_view(chain) for chain in versions]}

    @chains_blp.arguments(schemas.ChainDefinition)
    @chains_blp.response(200, schemas.ChainSchema)
    def put(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        """Publish the next version; approvals already started keep theirs. 422 lists every reason."""
        context = service()
        command = commands.PublishChain(
            key,
            current_actor(),
            body["name"],
            body["levels"],
            valid_from=body.get("valid_from"),
            receiver=body.get("receiver"),
        )
        return chain_view(context.bus.handle(command))


def subject_view(approval: Approval) -> dict[str, Any]:
    subject = approval.subject
    return {
        "kind": subject.kind,
        "id": subject.id,
        "version": subject.version,
        "content_sha256": subject.content_sha256,
        "title": subject.title,
        "org_unit": subject.org_unit,
        "province": subject.province,
        "year": subject.year,
        "document_type": subject.document_type,
        "submitted_by": subject.submitted_by,
        "document_date": approval.effective_on,
    }


def approval_view(approval: Approval, now: datetime) -> dict[str, Any]:
    subject = approval.subject
    day = approval.effective_on
    return {
        "id": approval.id,
        "status": approval.status,
        "current_level": approval.current_level,
        "started_at": approval.started_at,
        "completed_at": approval.completed_at,
        "subject": subject_view(approval),
        # The plan fields describe the same document whatever its kind (clients written for plans).
        "plan": {
            "plan_id": subject.id,
            "version": subject.version,
            "title": subject.title,
            "org_unit": subject.org_unit,
            "province": subject.province,
            "year": subject.year,
            "plan_type": subject.document_type,
            "content_sha256": subject.content_sha256,
            "submitted_by": subject.submitted_by,
        },
        "chain": chain_view(approval.chain, on=day),
        "tasks": [
            {
                "id": task.id,
                "level": task.level,
                "level_name": approval.level_name(task.level).as_dict(),
                "role": task.role,
                "scope": task.scope,
                "status": task.status,
                "assignees": task.assignees,
                "required_approvals": task.required_approvals,
                "assigned_at": task.assigned_at,
                "due_at": task.due_at,
                "overdue": task.is_overdue(now),
                "reminded_at": task.reminded_at,
                "overdue_at": task.overdue_at,
                "closed_at": task.closed_at,
            }
            for task in approval.tasks
        ],
        "decisions": approval.decisions,
        "delegations": approval.delegations,
        "verified": approval.verify_decisions(),
    }
