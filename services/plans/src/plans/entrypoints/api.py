"""The plans blueprint (architecture §7, served without the gateway's /api/v1 prefix).
Views only translate HTTP into use cases; rules live in the domain.

Plans and reports are kinds of one aggregate: what their blueprints share (a document's state
beside its content, the ETag on every answer, reading with If-None-Match, replacing with If-Match,
withdrawing, versions, list paging) is written here once, for every kind; each blueprint keeps its
URLs, schemas and OpenAPI."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from flask import Response, current_app, jsonify, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from servicekit.calendar import VIETNAM
from servicekit.messagebus import MessageBus
from servicekit.pagination import decode_cursor, encode_cursor
from servicekit.web import current_principal
from werkzeug.routing import BaseConverter

from .. import views
from ..adapters.repository import PlanQuery
from ..domain import commands
from ..domain.access import Actor
from ..domain.model import PLAN, REPORT, Plan, PlanVersion, TimelineEntry
from ..service_layer import documents
from . import report_schemas, schemas
from .conditional import etag_for, parse_if_match


class PlanIdConverter(BaseConverter):
    """A plan id in a path: any segment but the names of the collection's own resources, so that
    /plans/catalogue is never taken for a plan (nor advertises a plan's methods in its Allow header)."""

    regex = r"(?!(?:catalogue|import)(?![^/]))[^/]+"


blp = Blueprint("plans", __name__, url_prefix="/plans", description="Drafting, versions and submission of TTĐN plans")

PLAN_ID = {"plan_id": {"description": "The plan's id (UUID)"}}
ETAG = {"ETag": {"schema": {"type": "string"}}}
LOCATION = {"Location": {"schema": {"type": "string"}}}
IF_MATCH_REQUIRED = [{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}}]
IF_MATCH_OPTIONAL = [{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"}}]

# A kind's view of a document: its content and state as the kind's schema shows them.
Render = Callable[[Plan, "documents.Issue | None"], dict[str, Any]]
Answer = tuple[dict[str, Any], int, dict[str, str]]


def bus() -> MessageBus:
    return current_app.extensions["plans"]


def actor() -> Actor:
    principal = current_principal()
    registry = bus().dependencies["organisation_registry"]()
    unit = principal.org_unit
    history = frozenset(registry.predecessors(unit)) if unit and unit in registry else frozenset()
    return Actor(
        username=principal.username,
        roles=principal.roles,
        org_unit=unit,
        province=principal.province,
        history_units=history,
    )


def document_state(document: Plan, issue: documents.Issue | None, *, signer_by_name: bool = True) -> dict[str, Any]:
    """Where a document of any kind stands: status, stage, revision, number, and once issued its
    issuing body and signer (``signer_by_name``: also a signer the record names without an account)."""
    version = document.current_version
    return {
        "id": document.id,
        "province": document.province,
        "status": document.status,
        "stage": document.stage.to_dict() if document.stage else None,
        "due_at": document.due_at,
        "editable": document.is_editable,
        "revision": document.revision,
        "current_version": version.number if version else None,
        "document_number": document.document_number,
        "issued_on": document.issued_on,
        "issuer": document.issuer,
        "date_line": document.date_line,
        "issuing_body": {
            "code": issue.body.code,
            "name": issue.body.name,
            "parent": issue.body.parent or None,
            "place": document.place,
            "signing_level": issue.body.signing_level,
        }
        if issue
        else None,
        "signer": {"username": issue.signer, "name": issue.signer_name, "level": issue.body.signing_level}
        if issue and (issue.signer or (signer_by_name and issue.signer_name))
        else None,
        "created_by": document.created_by,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
    }


def plan_document(plan: Plan, issue: documents.Issue | None = None) -> dict[str, Any]:
    return {**asdict(plan.content), **document_state(plan, issue), "total_budget_vnd": plan.content.total_budget_vnd}


def answer(document: dict[str, Any], of: Plan, status: int = 200, **headers: str) -> Answer:
    """A document's view with its ETag (and any other headers)."""
    return document, status, {"ETag": etag_for(of.id, of.revision), **headers}


def with_etag(plan: Plan, status: int = 200, issue: documents.Issue | None = None, **headers: str) -> Answer:
    return answer(plan_document(plan, issue), plan, status, **headers)


def read_document(document_id: str, kind: str, render: Render) -> Answer | Response:
    """A document of ``kind`` as the caller may read it, with who issued and signed it (304 for a
    fresh If-None-Match)."""
    document = views.get_plan(document_id, actor(), bus().uow(), kind=kind)
    if request.if_none_match.contains(etag_for(document.id, document.revision).strip('"')):
        return Response(status=304, headers={"ETag": etag_for(document.id, document.revision)})
    organisations = current_app.extensions["plans_organisations"]
    issue = views.issue_of(document, organisations, bus().dependencies["name_of"], bus().uow())
    return answer(render(document, issue), document)


def replace_document(document_id: str, command: Callable[[int | None], Any], render: Render) -> Answer:
    """A PUT of a document's content: ``command`` is the kind's replace command for the revision
    If-Match names (required)."""
    expected = parse_if_match(request.headers.get("If-Match"), document_id, required=True)
    document = bus().handle(command(expected))
    return answer(render(document, None), document)


def withdraw_document(document_id: str, kind: str, render: Render) -> Answer:
    """Recall a submitted document of ``kind``: 200 once withdrawn, 202 while the approvals service
    has not answered yet."""
    expected = parse_if_match(request.headers.get("If-Match"), document_id, required=False)
    withdrawal = bus().handle(
        commands.WithdrawPlan(actor=actor(), plan_id=document_id, expected_revision=expected, kind=kind)
    )
    return answer(render(withdrawal.plan, None), withdrawal.plan, 202 if withdrawal.pending else 200)


def list_documents(args: dict[str, Any], kind: str) -> dict[str, Any]:
    """A page of the documents of ``kind`` the caller may see, newest first, and the next page's cursor."""
    cursor = args.pop("cursor", None)
    query = PlanQuery(after=decode_cursor(cursor) if cursor else None, kind=kind, **args)
    page, last = views.list_plans(query, actor(), bus().uow())
    return {"items": page, "next_cursor": encode_cursor(last.created_at, last.id) if last else None}


def frozen_version(version: PlanVersion) -> dict[str, Any]:
    """What every kind shows of a frozen version."""
    return {
        "number": version.number,
        "title": version.content.title,
        "content_sha256": version.content_sha256,
        "submitted_by": version.submitted_by,
        "submitted_at": version.submitted_at,
        "edited_by": list(version.edited_by),
        "approval_id": version.approval_id,
        "outcome": version.outcome,
    }


def versions_of(document_id: str, kind: str, render: Callable[[PlanVersion], dict[str, Any]]) -> dict[str, Any]:
    """A document's frozen versions, oldest first."""
    document = views.get_plan(document_id, actor(), bus().uow(), kind=kind)
    return {"items": [render(version) for version in document.versions]}


def people_named(usernames: Iterable[str | None]) -> dict[str, str]:
    """How the pages name each of these people: "Nông Thị Hoa, Chuyên viên" (family name
    first, then their position), as the directory knows them; unknown people are left out."""
    person_of = bus().dependencies["person_of"]
    named: dict[str, str] = {}
    for username in dict.fromkeys(name for name in usernames if name):
        person = person_of(username)
        if person:
            named[username] = f"{person[0]}, {person[1]}" if person[1] else person[0]
    return named


def version_document(
    version: PlanVersion, *, with_content: bool = False, content_view: Callable[[Any], dict[str, Any]] = asdict
) -> dict[str, Any]:
    """A frozen version of any kind, with the drafters' reply and the submitter's name;
    ``content_view`` is how the kind shows its content."""
    document: dict[str, Any] = {
        **frozen_version(version),
        "reply": version.reply,
        "reply_activity_id": version.reply_activity_id,
        "submitted_by_name": people_named([version.submitted_by]).get(version.submitted_by),
    }
    if with_content:
        document["content"] = content_view(version.content)
    return document


@blp.route("")
class PlanCollection(MethodView):
    @blp.arguments(schemas.PlanListArgsSchema, location="query")
    @blp.response(200, schemas.PlanPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the plans the caller may see, newest first"""
        return list_documents(args, PLAN)

    @blp.arguments(schemas.PlanBodySchema)
    @blp.response(201, schemas.PlanSchema, headers={**ETAG, **LOCATION})
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Create a draft plan"""
        plan = bus().handle(commands.CreatePlan(actor=actor(), content=body))
        return with_etag(plan, 201, Location=url_for("plans.PlanItem", plan_id=plan.id))


@blp.route("/from-last-year")
class PlanFromLastYear(MethodView):
    @blp.arguments(schemas.CopyLastYearSchema)
    @blp.response(201, schemas.PlanSchema, headers={**ETAG, **LOCATION})
    @blp.alt_response(404, response="NOT_FOUND", description="The unit has no approved plan of the year before")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Start the unit's plan for a year from its approved plan of the year before: activities, indicators,
        partners, legal bases and recipients carried over, dates moved by a year, budgets kept"""
        year = body.get("year") or bus().dependencies["clock"]().astimezone(VIETNAM).year + 1
        plan = bus().handle(commands.CopyLastYearsPlan(actor=actor(), year=year))
        return with_etag(plan, 201, Location=url_for("plans.PlanItem", plan_id=plan.id))


@blp.route("/import")
class ImportIssued(MethodView):
    @blp.arguments(schemas.ImportIssuedSchema)
    @blp.response(201, schemas.PlanSchema, headers={**ETAG, **LOCATION})
    @blp.alt_response(404, response="NOT_FOUND", description="For a report: no such plan reported on")
    @blp.alt_response(
        409, response="CONFLICT", description="For a report: the plan is not approved, or a report already covers it"
    )
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]] | Response:
        """Import a plan or a report issued before the suite existed, with its real number, date, issuer
        and signer (admin): read-only history that takes no number from the register. For kind report
        the answer is the report as GET /reports/{id} shows it."""
        plan = bus().handle(
            commands.ImportIssuedDocument(
                actor=actor(),
                kind=body["kind"],
                content=body["content"],
                document_number=body.get("document_number"),
                issued_on=body["issued_on"],
                signer_name=(body.get("signer") or {}).get("name", ""),
                signer_position=(body.get("signer") or {}).get("position", ""),
                issuer=body.get("issuer"),
            )
        )
        issue = views.issue_of(
            plan, current_app.extensions["plans_organisations"], bus().dependencies["name_of"], bus().uow()
        )
        if plan.kind == REPORT:  # the report's own shape, where it lives
            from .reports_api import report_document

            response = jsonify(report_schemas.ReportSchema().dump(report_document(plan, issue)))
            response.status_code = 201
            response.headers["ETag"] = etag_for(plan.id, plan.revision)
            response.headers["Location"] = url_for("reports.ReportItem", report_id=plan.id)
            return response
        return with_etag(plan, 201, issue, Location=url_for("plans.PlanItem", plan_id=plan.id))


@blp.route("/catalogue")
class PlanCatalogue(MethodView):
    @blp.response(200, schemas.CatalogueSchema)
    def get(self) -> dict[str, Any]:
        """Plan types, activity categories, budget sources and indicator units, with their labels, and the
        fields of a plan's content a drafter writes"""
        return {**bus().dependencies["catalogue"].to_document(), "content_fields": schemas.content_fields()}


@blp.route("/<plan_id:plan_id>", parameters=[{"in": "path", "name": "plan_id", "description": "The plan's id"}])
class PlanItem(MethodView):
    @blp.response(200, schemas.PlanSchema, headers=ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="No such plan, or one the caller may not see")
    def get(self, plan_id: str) -> tuple[dict[str, Any], int, dict[str, str]] | Response:
        """The plan with its current content, status, stage and number (304 for a fresh If-None-Match)"""
        return read_document(plan_id, PLAN, plan_document)

    @blp.arguments(schemas.PlanBodySchema)
    @blp.response(200, schemas.PlanSchema, headers=ETAG)
    @blp.alt_response(412, response="PRECONDITION_FAILED", description="If-Match names another revision")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED", description="No If-Match, or If-Match: *")
    @blp.doc(parameters=IF_MATCH_REQUIRED)
    def put(self, body: dict[str, Any], plan_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Replace the content of a draft, returned or withdrawn plan (If-Match required)"""
        return replace_document(
            plan_id,
            lambda expected: commands.ReplacePlan(
                actor=actor(), plan_id=plan_id, content=body, expected_revision=expected
            ),
            plan_document,
        )


@blp.route("/<plan_id:plan_id>/submit")
class PlanSubmission(MethodView):
    @blp.response(200, schemas.PlanSchema, headers=ETAG)
    @blp.alt_response(412, response="PRECONDITION_FAILED", description="If-Match names another revision")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED", description="If-Match: * (name the ETag, or send none)")
    @blp.doc(parameters=IF_MATCH_OPTIONAL)
    @blp.arguments(schemas.SubmitBodySchema, required=False)
    def post(self, body: dict[str, Any], plan_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Freeze the content as a new version and send it for approval, with the drafters' reply to
        the comment that returned it (optional body)"""
        expected = parse_if_match(request.headers.get("If-Match"), plan_id, required=False)
        return with_etag(bus().handle(submission(plan_id, body, expected)))


def submission(document_id: str, body: dict[str, Any] | None, expected: int | None, kind: str = PLAN) -> Any:
    """The submission of a document of either kind, with the drafters' optional reply (giải trình)
    to the comment that returned it and the activity it is about."""
    body = body or {}
    return commands.SubmitPlan(
        actor=actor(),
        plan_id=document_id,
        expected_revision=expected,
        reply=body.get("reply", ""),
        reply_activity_id=body.get("activity_id", ""),
        kind=kind,
    )


@blp.route("/<plan_id:plan_id>/withdraw")
class PlanWithdrawal(MethodView):
    @blp.response(200, schemas.PlanSchema, headers=ETAG)
    @blp.alt_response(412, response="PRECONDITION_FAILED", description="If-Match names another revision")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED", description="If-Match: * (name the ETag, or send none)")
    @blp.alt_response(
        202,
        schema=schemas.PlanSchema,
        description="The approvals service has not answered yet; the withdrawal takes effect when it does",
    )
    @blp.doc(parameters=IF_MATCH_OPTIONAL)
    def post(self, plan_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Recall a submitted plan while its approval is open (409 when a decision won the race)"""
        return withdraw_document(plan_id, PLAN, plan_document)


@blp.route("/<plan_id:plan_id>/versions")
class PlanVersions(MethodView):
    @blp.response(200, schemas.VersionListSchema)
    def get(self, plan_id: str) -> dict[str, Any]:
        """The plan's frozen versions, oldest first"""
        return versions_of(plan_id, PLAN, version_document)


@blp.route("/<plan_id:plan_id>/versions/<int:number>")
class PlanVersionItem(MethodView):
    @blp.response(200, schemas.VersionSchema)
    def get(self, plan_id: str, number: int) -> dict[str, Any]:
        """One frozen version with its content and hash"""
        return version_document(views.get_version(plan_id, number, actor(), bus().uow()), with_content=True)


@blp.route("/<plan_id:plan_id>/timeline")
class PlanTimeline(MethodView):
    @blp.response(200, schemas.TimelineSchema)
    def get(self, plan_id: str) -> dict[str, Any]:
        """Every step of the plan — creation, edits, submissions, levels, decisions, outcome — in order"""
        return timeline_document(views.plan_timeline(plan_id, actor(), bus().uow()))


def timeline_document(timeline: Iterable[TimelineEntry]) -> dict[str, Any]:
    """A document's timeline (a plan's or a report's) with everyone in it named: each entry's actor
    (``actor_name``), and in ``people`` also whom a delegation handed the task to and whose place a
    decider held."""
    entries = [asdict(entry) for entry in timeline]
    mentioned = [
        username
        for entry in entries
        for username in (
            entry["actor"],
            *(entry["details"].get(key) for key in ("from", "to", "on_behalf_of")),
        )
        if isinstance(username, str)
    ]
    named = people_named(mentioned)
    return {"items": [{**entry, "actor_name": named.get(entry["actor"] or "")} for entry in entries], "people": named}
