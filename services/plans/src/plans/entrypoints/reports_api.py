"""The reports blueprint: year-end and six-month reports on approved plans, a second
document kind of this service. The same use cases as plans serve them where the
two kinds share a step (submit, withdraw, versions, timeline), and the same HTTP steps
(``api.py``: reading, replacing, withdrawing, versions, paging); views only translate
HTTP into use cases."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from .. import views
from ..domain import commands
from ..domain.model import REPORT, Plan, PlanVersion
from ..domain.report import ReportContent
from ..service_layer import documents
from . import report_schemas as schemas
from .api import (
    ETAG,
    IF_MATCH_OPTIONAL,
    IF_MATCH_REQUIRED,
    LOCATION,
    Answer,
    actor,
    answer,
    bus,
    document_state,
    list_documents,
    read_document,
    replace_document,
    submission,
    timeline_document,
    versions_of,
    withdraw_document,
)
from .api import version_document as plan_version_document
from .conditional import parse_if_match
from .schemas import SubmitBodySchema, TimelineSchema, VersionListSchema

blp = Blueprint("reports", __name__, url_prefix="/reports", description="Year-end and six-month reports on plans")

REPORT_ID = [{"in": "path", "name": "report_id", "description": "The report's id", "required": True}]


def _content_view(content: Any) -> dict[str, Any]:
    assert isinstance(content, ReportContent)
    document = content.view()
    document["kind"] = document.pop("report_kind")
    document["period_start"], document["period_end"] = content.period_start, content.period_end
    return document


def report_document(report: Plan, issue: documents.Issue | None = None) -> dict[str, Any]:
    # A report's signer is shown only as the account that approved it.
    state = document_state(report, issue, signer_by_name=False)
    return {**_content_view(report.content), **state, "receipt": report.receipt}


def with_etag(report: Plan, status: int = 200, issue: documents.Issue | None = None, **headers: str) -> Answer:
    return answer(report_document(report, issue), report, status, **headers)


def version_document(version: PlanVersion, *, with_content: bool = False) -> dict[str, Any]:
    return plan_version_document(version, with_content=with_content, content_view=_content_view)


@blp.route("")
class ReportCollection(MethodView):
    @blp.arguments(schemas.ReportListArgsSchema, location="query")
    @blp.response(200, schemas.ReportPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the reports the caller may see, newest first (same scoping and paging as plans)"""
        return list_documents(args, REPORT)

    @blp.arguments(schemas.ReportCreateSchema)
    @blp.response(201, schemas.ReportSchema, headers={**ETAG, **LOCATION})
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
        return read_document(report_id, REPORT, report_document)

    @blp.arguments(schemas.ReportBodySchema)
    @blp.response(200, schemas.ReportSchema, headers=ETAG)
    @blp.alt_response(412, response="PRECONDITION_FAILED", description="If-Match names another revision")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED", description="No If-Match, or If-Match: *")
    @blp.doc(parameters=IF_MATCH_REQUIRED)
    def put(self, body: dict[str, Any], report_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Replace what the drafter writes in a draft, returned or withdrawn report (If-Match required)"""
        return replace_document(
            report_id,
            lambda expected: commands.ReplaceReport(
                actor=actor(), report_id=report_id, content=body, expected_revision=expected
            ),
            report_document,
        )


@blp.route("/<string:report_id>/submit", parameters=REPORT_ID)
class ReportSubmission(MethodView):
    @blp.response(200, schemas.ReportSchema, headers=ETAG)
    @blp.doc(parameters=IF_MATCH_OPTIONAL)
    @blp.arguments(SubmitBodySchema, required=False)
    def post(self, body: dict[str, Any], report_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Freeze the report as a new version and send it up the report chain, with the drafters'
        reply to the comment that returned it (optional body)"""
        expected = parse_if_match(request.headers.get("If-Match"), report_id, required=False)
        return with_etag(bus().handle(submission(report_id, body, expected, REPORT)))


@blp.route("/<string:report_id>/withdraw", parameters=REPORT_ID)
class ReportWithdrawal(MethodView):
    @blp.response(200, schemas.ReportSchema, headers=ETAG)
    @blp.alt_response(202, schema=schemas.ReportSchema, description="The approvals service has not answered yet")
    @blp.doc(parameters=IF_MATCH_OPTIONAL)
    def post(self, report_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Recall a submitted report while its approval is open (409 when a decision won the race)"""
        return withdraw_document(report_id, REPORT, report_document)


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
        return versions_of(report_id, REPORT, version_document)


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
