"""The ministry's calls and the national overview (served without the gateway's /api/v1 prefix)."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from .. import overview_views
from ..domain import commands
from ..domain.calls import PLAN, REPORT, Call
from .api import actor, bus
from .schemas import Text

calls_blp = Blueprint("calls", __name__, url_prefix="/calls", description="The ministry's calls and their compliance")
overview_blp = Blueprint("overview", __name__, url_prefix="", description="The national overview")
links_blp = Blueprint("plan_calls", __name__, url_prefix="/plans", description="The call a plan answers")
report_links_blp = Blueprint("report_calls", __name__, url_prefix="/reports", description="The call a report answers")


class CallBodySchema(Schema):
    reference = Text(required=True, validate=validate.Length(min=1, max=80))
    issued_on = fields.Date(required=True)
    plan_year = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=2000, max=2100))
    plan_due = fields.Date(allow_none=True)
    report_year = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=2000, max=2100))
    report_due = fields.Date(allow_none=True)
    priorities = Text(load_default="", validate=validate.Length(max=20_000))
    provinces = fields.List(
        Text(validate=validate.Length(min=1, max=80)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": "Registry ids (or codes) of the provinces addressed; absent or empty: all of them"},
    )


class ProvinceSchema(Schema):
    id = fields.String()
    code = fields.String()
    name = fields.String()


class CallSchema(Schema):
    id = fields.String()
    reference = fields.String()
    issued_on = fields.Date()
    issuer = fields.String()
    issuer_name = fields.String()
    plan_year = fields.Integer(allow_none=True)
    plan_due = fields.Date(allow_none=True)
    report_year = fields.Integer(allow_none=True)
    report_due = fields.Date(allow_none=True)
    priorities = fields.String()
    provinces = fields.List(fields.Nested(ProvinceSchema))
    citation = fields.String(metadata={"description": "How a document answering it cites it"})
    created_by = fields.String()
    created_at = fields.DateTime()


class CallListSchema(Schema):
    items = fields.List(fields.Nested(CallSchema))


class StandingSchema(Schema):
    kind = fields.String()
    year = fields.Integer()
    due = fields.Date()
    status = fields.String(
        metadata={"enum": ["not_started", "draft", "returned", "rejected", "submitted", "approved", "received"]}
    )
    late = fields.Boolean()
    working_days_late = fields.Integer()
    document_id = fields.String(allow_none=True)
    submitted_on = fields.Date(allow_none=True)
    level = fields.Integer(allow_none=True)
    level_name = fields.Dict(allow_none=True)
    document_number = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    received_on = fields.Date(allow_none=True)


class ProvinceComplianceSchema(Schema):
    province = fields.Nested(ProvinceSchema)
    late = fields.Boolean()
    documents = fields.List(fields.Nested(StandingSchema))


class ComplianceSchema(Schema):
    call = fields.Nested(CallSchema)
    as_of = fields.Date()
    provinces = fields.List(fields.Nested(ProvinceComplianceSchema))


class CallLinkSchema(Schema):
    call_id = Text(required=True, allow_none=False, validate=validate.Length(max=36))


class CallLinkViewSchema(Schema):
    call_id = fields.String(metadata={"description": "The call the document answers (empty: none)"})
    chosen = fields.Boolean(
        metadata={"description": "Whether the drafter chose it (otherwise the latest call that asks for it)"}
    )
    call = fields.Nested(CallSchema, allow_none=True)
    candidates = fields.List(
        fields.Nested(CallSchema),
        metadata={"description": "The calls that ask the document's province for it (its kind and year), newest first"},
    )


class OverviewArgsSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    province = Text(validate=validate.Length(min=1, max=80))


def call_document(call: Call) -> dict[str, Any]:
    return {
        "id": call.id,
        "reference": call.reference,
        "issued_on": call.issued_on,
        "issuer": call.issuer,
        "issuer_name": call.issuer_name,
        "plan_year": call.plan_year,
        "plan_due": call.plan_due,
        "report_year": call.report_year,
        "report_due": call.report_due,
        "priorities": call.priorities,
        "provinces": [{"id": p.id, "code": p.code, "name": p.name} for p in call.provinces],
        "citation": overview_views.citation(call),
        "created_by": call.created_by,
        "created_at": call.created_at,
    }


@calls_blp.route("")
class CallCollection(MethodView):
    @calls_blp.response(200, CallListSchema)
    def get(self) -> dict[str, Any]:
        """The calls the caller may see, newest first (a province's users: those addressed to it)"""
        return {"items": [call_document(call) for call in overview_views.list_calls(actor(), bus().uow())]}

    @calls_blp.arguments(CallBodySchema)
    @calls_blp.response(201, CallSchema, headers={"Location": {"schema": {"type": "string"}}})
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Issue a call (ministry only): its letter, what it asks for and by when, and whom"""
        call = bus().handle(commands.IssueCall(actor=actor(), body=body))
        return call_document(call), 201, {"Location": url_for("calls.CallItem", call_id=call.id)}


@calls_blp.route("/<call_id>")
class CallItem(MethodView):
    @calls_blp.response(200, CallSchema)
    def get(self, call_id: str) -> dict[str, Any]:
        """One call"""
        return call_document(overview_views.get_call(call_id, actor(), bus().uow()))


@calls_blp.route("/<call_id>/compliance")
class CallCompliance(MethodView):
    @calls_blp.response(200, ComplianceSchema)
    def get(self, call_id: str) -> dict[str, Any]:
        """Each addressed province's standing on each requested document: its state and lateness in
        Vietnamese working days (a province's users: their province only)"""
        deps = bus().dependencies
        return overview_views.call_compliance(
            call_id, actor(), bus().uow(), clock=deps["clock"], calendar=deps["calendar"]
        )


def _link_document(link: dict[str, Any]) -> dict[str, Any]:
    return {
        "call_id": link["call_id"],
        "chosen": link["chosen"],
        "call": call_document(link["call"]) if link["call"] else None,
        "candidates": [call_document(call) for call in link["candidates"]],
    }


def _link(kind: str, document_id: str, call_id: str) -> dict[str, Any]:
    bus().handle(commands.LinkCall(actor=actor(), plan_id=document_id, call_id=call_id, kind=kind))
    return _link_document(overview_views.call_link(document_id, actor(), bus().uow(), kind=kind))


@links_blp.route("/<plan_id>/call")
class PlanCallLink(MethodView):
    @links_blp.response(200, CallLinkViewSchema)
    def get(self, plan_id: str) -> dict[str, Any]:
        """The call the plan answers and the calls it may answer"""
        return _link_document(overview_views.call_link(plan_id, actor(), bus().uow(), kind=PLAN))

    @links_blp.arguments(CallLinkSchema)
    @links_blp.response(200, CallLinkViewSchema)
    def put(self, body: dict[str, Any], plan_id: str) -> dict[str, Any]:
        """Choose the call the plan answers (empty: none) while it is editable; otherwise it answers the
        latest call that asks its province for a plan of its year (422 for a call that does not)"""
        return _link(PLAN, plan_id, body["call_id"])


@report_links_blp.route("/<report_id>/call")
class ReportCallLink(MethodView):
    @report_links_blp.response(200, CallLinkViewSchema)
    def get(self, report_id: str) -> dict[str, Any]:
        """The call the report answers and the calls it may answer"""
        return _link_document(overview_views.call_link(report_id, actor(), bus().uow(), kind=REPORT))

    @report_links_blp.arguments(CallLinkSchema)
    @report_links_blp.response(200, CallLinkViewSchema)
    def put(self, body: dict[str, Any], report_id: str) -> dict[str, Any]:
        """Choose the call the report answers (empty: none) while it is editable; otherwise it answers
        the latest call that asks its province for a report of its year (422 for a call that does not)"""
        return _link(REPORT, report_id, body["call_id"])


@overview_blp.route("/overview")
class Overview(MethodView):
    @overview_blp.arguments(OverviewArgsSchema, location="query")
    @overview_blp.response(200, description="The year's overview: provinces, indicator totals, trend")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The national overview of a year (a province's users: their province only)"""
        return overview_views.overview(args["year"], actor(), bus(), province=args.get("province"))


@overview_blp.route("/overview.csv")
class OverviewCsv(MethodView):
    @overview_blp.arguments(OverviewArgsSchema, location="query")
    @overview_blp.response(200, description="The matrix as CSV (UTF-8 with BOM)")
    def get(self, args: dict[str, Any]) -> Response:
        """The overview's matrix as CSV"""
        from .exports import overview_csv

        data = overview_views.overview(args["year"], actor(), bus(), province=args.get("province"))
        return Response(
            overview_csv(data),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="tong-quan-{args["year"]}.csv"'},
        )


@overview_blp.route("/overview.xlsx")
class OverviewXlsx(MethodView):
    @overview_blp.arguments(OverviewArgsSchema, location="query")
    @overview_blp.response(200, description="The workbook: the matrix and the indicator totals")
    def get(self, args: dict[str, Any]) -> Response:
        """The overview as a workbook: one sheet for the matrix, one for the indicator totals"""
        from .exports import overview_workbook

        data = overview_views.overview(args["year"], actor(), bus(), province=args.get("province"))
        return Response(
            overview_workbook(data),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="tong-quan-{args["year"]}.xlsx"'},
        )
