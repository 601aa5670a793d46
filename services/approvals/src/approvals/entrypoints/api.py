"""HTTP shape of the approvals use cases (paths without the gateway's /api/v1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from servicekit.calendar import WorkingCalendar
from servicekit.db import Database
from servicekit.i18n import N_, request_locale
from servicekit.list_versions import LIST_ETAG, LIST_POLL_PARAMETERS, not_modified, still_not_modified
from servicekit.messagebus import MessageBus
from servicekit.web import current_principal
from sqlalchemy.orm import Session

from .. import views
from ..adapters.repository import fold
from ..domain import commands
from ..domain.chain import ApprovalChain
from ..domain.errors import NotFound, NotPermitted
from ..domain.model import Absence, Actor, Approval
from ..service_layer import handlers
from ..service_layer.ports import ApproverDirectory, PersonLike
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

    @property
    def calendar(self) -> WorkingCalendar:
        calendar: WorkingCalendar = self.bus.dependencies["calendar"]
        return calendar

    @property
    def directory(self) -> ApproverDirectory:
        directory: ApproverDirectory = self.bus.dependencies["directory"]
        return directory


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
    @approvals_blp.response(200, schemas.TaskPage, headers=LIST_ETAG)
    @approvals_blp.alt_response(304, description="Nothing the caller would see has changed since the ETag sent")
    @approvals_blp.doc(parameters=LIST_POLL_PARAMETERS)
    def get(self, query: dict[str, Any]) -> Response:
        """The caller's tasks (open by default): overdue first, then by due date. 304 with no body while
        the list is as the ETag in If-None-Match says (answered from one row: a poll is cheap); with
        `Prefer: wait=N` as well, the answer waits up to N seconds for the list to change."""
        context = service()
        actor = current_actor()
        locale = request_locale()

        def tag(session: Session) -> str:
            last_day_end = context.calendar.last_day_end_before(context.now())
            return views.task_list_tag(session, actor, query, last_day_end, locale)

        def current_tag() -> str:
            with context.db.reading() as session:
                return tag(session)

        # Outside any transaction (no BEGIN and COMMIT round trips for a read): the list's version,
        # then, unless the caller has this list already, the page in one statement.
        with context.db.reading() as session:
            etag = tag(session)
            unchanged = not_modified(etag)
            if unchanged is None:
                return self._page(session, actor, query, etag)
        # The caller has this list: waited for a change if it asks to (holding no connection meanwhile).
        if (unchanged := still_not_modified(unchanged, actor.username, current_tag)) is not None:
            return unchanged
        with context.db.reading() as session:
            return self._page(session, actor, query, tag(session))

    @staticmethod
    def _page(session: Session, actor: Actor, query: dict[str, Any], etag: str) -> Response:
        page = views.tasks_for(session, actor, views.TaskFilter(**query), service().now())
        response: Response = current_app.json.response(schemas.dump_task_page(page))  # TaskPage's shape, cheaply
        response.headers["ETag"] = etag
        return response


def person_view(person: PersonLike) -> dict[str, Any]:
    return {
        "username": person.username,
        "name": person.display_name,
        "position": person.position,
        "org_unit": person.org_unit,
    }


def matching(people: list[PersonLike], q: str | None) -> list[dict[str, Any]]:
    """People whose name, title or username contains the words of ``q`` (accents optional)."""
    words = fold(q or "").split()
    found = []
    for person in people:
        text = fold(f"{person.display_name} {person.position} {person.username}")
        if all(word in text for word in words):
            found.append(person_view(person))
    return sorted(found, key=lambda p: (fold(p["name"]), p["username"]))


@approvals_blp.route("/tasks/<string:task_id>/delegates")
class TaskDelegates(MethodView):
    @approvals_blp.arguments(schemas.PeopleQuery, location="query")
    @approvals_blp.response(200, schemas.PeopleList)
    def get(self, query: dict[str, Any], task_id: str) -> dict[str, Any]:
        """Whom the caller may delegate the task to: the level's eligible approvers (name and title),
        less themselves and those who may not decide on this plan; ``q`` searches name and title."""
        context = service()
        actor = current_actor()
        with context.uow() as uow:
            approval = uow.approvals.get_by_task(task_id)
            if approval is None:
                raise NotFound(N_("No such task."))
            task = approval.task(task_id)
        people = handlers.delegates_for(approval, task, actor, context.directory)
        return {"items": matching(list(people), query.get("q"))}


@approvals_blp.route("/tasks/<string:task_id>/opened")
class TaskOpened(MethodView):
    @approvals_blp.response(204)
    def post(self, task_id: str) -> None:
        """Record that the caller opened the task's decision page (what bulk approval requires)."""
        service().bus.handle(commands.NoteTaskOpened(task_id, current_actor()))


@approvals_blp.route("/tasks/decisions")
class BulkApproval(MethodView):
    @approvals_blp.arguments(schemas.BulkApprovalRequest)
    @approvals_blp.response(201, schemas.DecisionResults)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Approve several tasks whose decision pages the caller has opened: each is its own decision
        with its own hash. All or nothing: a 422 names every task that cannot be approved."""
        command = commands.ApproveTasks(tuple(body["task_ids"]), current_actor(), body["comment"])
        outcomes = service().bus.handle(command)
        return {
            "items": [
                {
                    "decision": outcome.decision,
                    "task_status": outcome.approval.task(outcome.decision.task_id).status,
                    "approval_id": outcome.approval.id,
                    "approval_status": outcome.approval.status,
                    "current_level": outcome.approval.current_level,
                }
                for outcome in outcomes
            ]
        }


def people_of(approval: Approval, directory: ApproverDirectory) -> dict[str, dict[str, Any]]:
    """Names and titles of everyone the approval's record mentions (deciders, delegators, delegates,
    assignees), so that a history reads "Lương Thị Thu (được Hoàng Văn Minh ủy quyền)"."""
    usernames = {d.by for d in approval.decisions} | {d.on_behalf_of for d in approval.decisions}
    usernames |= {d.from_user for d in approval.delegations} | {d.to_user for d in approval.delegations}
    usernames |= {name for task in approval.tasks for name in task.assignees}
    found = {}
    for username in sorted(usernames - {""}):
        for person in _people_named(directory, username):
            found[username] = person_view(person)
    return found


def absence_view(absence: Absence, directory: ApproverDirectory) -> dict[str, Any]:
    deputy = next((p for p in _people_named(directory, absence.deputy)), None)
    return {
        "id": absence.id,
        "username": absence.username,
        "deputy": absence.deputy,
        "deputy_name": deputy.display_name if deputy is not None else absence.deputy,
        "starts_on": absence.starts_on,
        "ends_on": absence.ends_on,
        "reason": absence.reason,
        "created_at": absence.created_at,
        "cancelled_at": absence.cancelled_at,
    }


def _people_named(directory: ApproverDirectory, username: str) -> list[PersonLike]:
    person = getattr(directory, "person", None)
    if person is None:
        return []
    try:
        found = person(username)
    except Exception:  # a name is a nicety; the username stands in
        return []
    return [found] if found is not None else []


@approvals_blp.route("/out-of-office")
class Absences(MethodView):
    @approvals_blp.response(200, schemas.AbsenceList)
    def get(self) -> dict[str, Any]:
        """The caller's out-of-office periods and their deputies, the latest first."""
        context = service()
        with context.uow() as uow:
            absences = uow.absences.of(current_actor().username)
        return {"items": [absence_view(absence, context.directory) for absence in absences]}

    @approvals_blp.arguments(schemas.AbsenceRequest)
    @approvals_blp.response(201, schemas.AbsenceSchema)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Name a deputy for a period (Vietnamese dates, inclusive): tasks arriving then go to them,
        recorded as out-of-office delegations. 422 names every wrong field."""
        context = service()
        command = commands.RecordAbsence(
            current_actor(), body["deputy"], body["starts_on"], body["ends_on"], body["reason"]
        )
        return absence_view(context.bus.handle(command), context.directory)


@approvals_blp.route("/out-of-office/deputies")
class Deputies(MethodView):
    @approvals_blp.arguments(schemas.PeopleQuery, location="query")
    @approvals_blp.response(200, schemas.PeopleList)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Who may stand in for the caller: holders of their approver role in the same scope."""
        context = service()
        actor = current_actor()
        with context.uow() as uow:
            scopes = handlers.approver_scopes(uow, actor)
        if not scopes:
            raise NotPermitted(N_("Only approvers name a deputy for their absence."))
        return {"items": matching(list(handlers.deputies_for(actor, scopes, context.directory)), query.get("q"))}


@approvals_blp.route("/out-of-office/<string:absence_id>")
class AbsenceResource(MethodView):
    @approvals_blp.response(200, schemas.AbsenceSchema)
    def delete(self, absence_id: str) -> dict[str, Any]:
        """End the period now: later tasks come to the caller again (those already handed over stay)."""
        context = service()
        return absence_view(context.bus.handle(commands.CancelAbsence(absence_id, current_actor())), context.directory)


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
                raise NotFound(N_("No such approval."))
        return {**approval_view(approval, context.now()), "people": people_of(approval, context.directory)}


@approvals_blp.route("/tasks/<string:task_id>/decision")
class TaskDecision(MethodView):
    @approvals_blp.arguments(schemas.DecisionRequest)
    @approvals_blp.response(201, schemas.DecisionResult)
    def post(self, body: dict[str, Any], task_id: str) -> dict[str, Any]:
        """Approve, return (comment required) or reject (comment required); the comment may name one
        activity of the decided version (``activity_id``, else 422). 409 when the task is closed or
        the caller already decided; 403 on separation of duties."""
        context = service()
        command = commands.RecordDecision(
            task_id, current_actor(), body["decision"], body["comment"], activity_id=body["activity_id"]
        )
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
        raise NotPermitted(N_("Only administrators manage approval chains."))


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
            raise NotFound(N_("No such approval chain."))
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
