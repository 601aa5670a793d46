"""The reports blueprint: year-end and six-month reports on approved plans, a second
document kind of this service. The same use cases as plans serve them where the
two kinds share a step (submit, withdraw, versions, timeline); views only translate
HTTP into use cases."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from servicekit.pagination import decode_cursor, encode_cursor

from .. import views
from ..adapters.repository import PlanQuery
from ..domain import commands
from ..domain.model import REPORT, Plan, PlanVersion
from ..domain.report import ReportContent
from ..service_layer import documents
from . import report_schemas as schemas
from .api import actor, bus, timeline_document
from .conditional import etag_for, parse_if_match
from .schemas import TimelineSchema, VersionListSchema

blp = Blueprint("reports", __name__, url_prefix="/reports", description="Year-end and six-month reports on plans")

REPORT_ID = [{"in": "path", "name": "report_id", "description": "The report's id", "required": True}]
ETAG = {"ETag": {"schema": {"type": "string"}}}


def _content_view(content: Any) -> dict[str, Any]:
    assert isinstance(content, ReportContent)
    document = content.view()
    document["kind"] = document.pop("report_kind")
    document["period_start"], document["period_end"] = content.period_start, content.period_end
    return document


def report_document(report: Plan, issue: documents.Issue | None = None) -> dict[str, Any]:
    version = report.current_version
    return {
        **_content_view(report.content),
        "id": report.id,
        "province": report.province,
        "status": report.status,
        "stage": report.stage.to_dict() if report.stage else None,
        "due_at": report.due_at,
        "editable": report.is_editable,
        "revision": report.revision,
        "current_version": version.number if version else None,
        "document_number": report.document_number,
        "issued_on": report.issued_on,
        "issuer": report.issuer,
        "date_line": report.date_line,
        "issuing_body": {
            "code": issue.body.code,
            "name": issue.body.name,
            "parent": issue.body.parent or None,
            "place": report.place,
            "signing_level": issue.body.signing_level,
        }
        if issue
        else None,
        "signer": {"username": issue.signer, "name": issue.signer_name, "level": issue.body.signing_level}
        if issue and issue.signer
        else None,
        "receipt": report.receipt,
        "created_by": report.created_by,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
    }


def with_etag(
    report: Plan, status: int = 200, issue: documents.Issue | None = None, **headers: str
) -> tuple[dict[str, Any], int, dict[str, str]]:
    return report_document(report, issue), status, {"ETag": etag_for(report.id, report.revision), **headers}


def version_document(version: PlanVersion, *, with_content: bool = False) -> dict[str, Any]:
    document: dict[str, Any] = {
        "number": version.number,
        "title": version.content.title,
        "content_sha256": version.content_sha256,
        "submitted_by": version.submitted_by,
        "submitted_at": version.submitted_at,
        "edited_by": list(version.edited_by),
        "approval_id": version.approval_id,
        "outcome": version.outcome,
    }
    if with_content:
        document["content"] = _content_view(version.content)
    return document


@blp.route("")
class ReportCollection(MethodView):
    @blp.arguments(schemas.ReportListArgsSchema, location="query")
    @blp.response(200, schemas.ReportPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the reports the caller may see, newest first (same scoping and paging as plans)"""
        cursor = args.pop("cursor", None)
        query = PlanQuery(after=decode_cursor(cursor) if cursor else None, kind=REPORT, **args)
        page, last = views.list_plans(query, actor(), bus().uow())
        return {"items": page, "next_cursor": encode_cursor(last.created_at, last.id) if last else None}

    @blp.arguments(schemas.ReportCreateSchema)
    @blp.response(201, schemas.ReportSchema, headers={**ETAG, "Location": {"schema": {"type": "string"}}})
    @blp.alt_response(404, response="NOT_FOUND", description="No such plan, or another unit's")
    @blp.alt_response(409, response="CONFLICT", description="The plan is not approved, or a report already covers it")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Start a report on an approved plan: every activity and indicator of its approved version, targets frozen"""
        report = bus().handle(
            commands.CreateReport(
                actor=actor(),
                plan_id=body["plan_id"],
                kind=body["kind"],
                period_start=body.get("period_start"),
                period_end=body.get("period_end"),
            )
        )
        return with_etag(report, 201, Location=url_for("reports.ReportItem", report_id=report.id))


@blp.route("/<string:report_id>", parameters=REPORT_ID)
class ReportItem(MethodView):
    @blp.response(200, schemas.ReportSchema, headers=ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="No such report, or one the caller may not see")
    def get(self, report_id: str) -> tuple[dict[str, Any], int, dict[str, str]] | Response:
        """The report with its results (target, actual, computed completion), status, stage, number and receipt"""
        report = views.get_plan(report_id, actor(), bus().uow(), kind=REPORT)
        if request.if_none_match.contains(etag_for(report.id, report.revision).strip('"')):
            return Response(status=304, headers={"ETag": etag_for(report.id, report.revision)})
        organisations = current_app.extensions["plans_organisations"]
        issue = views.issue_of(report, organisations, bus().dependencies["name_of"], bus().uow())
        return with_etag(report, issue=issue)

    @blp.arguments(schemas.ReportBodySchema)
    @blp.response(200, schemas.ReportSchema, headers=ETAG)
    @blp.alt_response(412, response="PRECONDITION_FAILED", description="If-Match names another revision")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED", description="No If-Match, or If-Match: *")
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"}}])
    def put(self, body: dict[str, Any], report_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Replace what the drafter writes in a draft, returned or withdrawn report (If-Match required)"""
        expected = parse_if_match(request.headers.get("If-Match"), report_id, required=True)
        report = bus().handle(
            commands.ReplaceReport(actor=actor(), report_id=report_id, content=body, expected_revision=expected)
        )
        return with_etag(report)


@blp.route("/<string:report_id>/submit", parameters=REPORT_ID)
class ReportSubmission(MethodView):
    @blp.response(200, schemas.ReportSchema, headers=ETAG)
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"}}])
    def post(self, report_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Freeze the report as a new version and send it up the report chain"""
        expected = parse_if_match(request.headers.get("If-Match"), report_id, required=False)
        report = bus().handle(
            commands.SubmitPlan(actor=actor(), plan_id=report_id, expected_revision=expected, kind=REPORT)
        )
        return with_etag(report)


@blp.route("/<string:report_id>/withdraw", parameters=REPORT_ID)
class ReportWithdrawal(MethodView):
    @blp.response(200, schemas.ReportSchema, headers=ETAG)
    @blp.alt_response(202, schema=schemas.ReportSchema, description="The approvals service has not answered yet")
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"}}])
    def post(self, report_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Recall a submitted report while its approval is open (409 when a decision won the race)"""
        expected = parse_if_match(request.headers.get("If-Match"), report_id, required=False)
        withdrawal = bus().handle(
            commands.WithdrawPlan(actor=actor(), plan_id=report_id, expected_revision=expected, kind=REPORT)
        )
        return with_etag(withdrawal.plan, 202 if withdrawal.pending else 200)


@blp.route("/<string:report_id>/receipt", parameters=REPORT_ID)
class ReportReceipt(MethodView):
    @blp.arguments(schemas.ReceiptBodySchema)
    @blp.response(200, schemas.ReportSchema, headers=ETAG)
    @blp.alt_response(409, response="CONFLICT", description="Not issued yet, or its receipt is already recorded")
    def post(self, body: dict[str, Any], report_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """The ministry records that it received the issued report (it receives reports rather than approving them)"""
        report = bus().handle(commands.RecordReceipt(actor=actor(), report_id=report_id, note=body.get("note", "")))
        return with_etag(report)


@blp.route("/<string:report_id>/versions", parameters=REPORT_ID)
class ReportVersions(MethodView):
    @blp.response(200, VersionListSchema)
    def get(self, report_id: str) -> dict[str, Any]:
        """The report's frozen versions, oldest first"""
        report = views.get_plan(report_id, actor(), bus().uow(), kind=REPORT)
        return {"items": [version_document(version) for version in report.versions]}


@blp.route("/<string:report_id>/versions/<int:number>", parameters=REPORT_ID)
class ReportVersionItem(MethodView):
    @blp.response(200, schemas.ReportVersionSchema)
    def get(self, report_id: str, number: int) -> dict[str, Any]:
        """One frozen version of the report with its content and hash"""
        version = views.get_version(report_id, number, actor(), bus().uow(), kind=REPORT)
        return version_document(version, with_content=True)


@blp.route("/<string:report_id>/timeline", parameters=REPORT_ID)
class ReportTimeline(MethodView):
    @blp.response(200, TimelineSchema)
    def get(self, report_id: str) -> dict[str, Any]:
        """Every step of the report — creation, edits, submissions, levels, decisions, issue, receipt — in order"""
        return timeline_document(views.plan_timeline(report_id, actor(), bus().uow(), kind=REPORT))
