"""The HTTP shapes of reports (the same schemas validate requests and make the OpenAPI
document). A report's body is edited as GET returns it: the fields the plan fixed
(titles of planned activities, targets, budgets) and the computed ones (completion
percentages, shortfalls) are accepted and ignored, so a client may send back what it read."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain.model import STATUSES
from ..domain.report import QUALIFIERS, REPORT_KINDS, RESULT_STATUSES
from .schemas import DUE_AT, IssuingBodySchema, SignerSchema, StageSchema, Text, VersionSummarySchema, _text


class ActualValue(fields.Number):
    """A figure: a JSON number (not a string, not a boolean), or null while unknown."""

    num_type = float
    default_error_messages = {"invalid": "Not a number."}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return int(value) if isinstance(value, int) or float(value).is_integer() else float(value)


class Money(fields.Integer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, allow_none=True, validate=validate.Range(min=0, max=10**15), **kwargs)


class IndicatorResultSchema(Schema):
    name = _text(300)
    unit = _text(60)
    code = _text(80)
    target = fields.Integer(allow_none=True, metadata={"description": "Frozen from the plan (ignored when sent)"})
    actual = ActualValue(
        allow_none=True, validate=validate.Range(min=0, max=10**15), metadata={"description": "The value achieved"}
    )
    qualifier = Text(
        validate=validate.OneOf(("", *QUALIFIERS)),
        metadata={"description": 'Kept beside the figure ("trên 200 người"); does not change the arithmetic'},
    )
    direction = fields.String(
        metadata={"enum": ["at_least", "at_most"], "description": "From the indicator catalogue (ignored when sent)"}
    )
    completion_pct = fields.Float(
        allow_none=True,
        metadata={"description": "actual ÷ target, one decimal (target ÷ actual for an at-most indicator); computed"},
    )
    shortfall = fields.Boolean(metadata={"description": "Whether the actual value misses the target; computed"})


class ResultSchema(Schema):
    activity_id = _text(64, allow_empty=True)
    planned = fields.Boolean(load_default=True, metadata={"description": "False for an activity not in the plan"})
    title = _text(500)
    category = _text(60)
    lead_unit = _text(60)
    budget_vnd = fields.Integer(allow_none=True, metadata={"description": "Frozen from the plan (ignored when sent)"})
    status = Text(validate=validate.OneOf(("", *RESULT_STATUSES)))
    done = _text(20000)
    spent_vnd = Money()
    indicators = fields.List(fields.Nested(IndicatorResultSchema), validate=validate.Length(max=50), load_default=list)


TEXTS = ("replies_to", "advantages", "difficulties", "strengths", "weaknesses", "causes", "directions", "proposals")


class ReportBodySchema(Schema):
    """A report's content as a drafter replaces it (PUT)."""

    title = _text(500)
    period_start = fields.Date()
    period_end = fields.Date()
    replies_to = _text(300, required=False)
    advantages = _text(50000)
    difficulties = _text(50000)
    strengths = _text(50000)
    weaknesses = _text(50000)
    causes = _text(50000)
    directions = _text(50000)
    proposals = _text(50000)
    results = fields.List(fields.Nested(ResultSchema), validate=validate.Length(max=400), load_default=list)
    addressed_to = fields.List(_text(300, allow_empty=False), validate=validate.Length(max=20), load_default=list)
    recipients = fields.List(_text(300, allow_empty=False), validate=validate.Length(max=100), load_default=list)
    # What GET shows and PUT ignores
    kind = fields.String(metadata={"enum": list(REPORT_KINDS)})
    year = fields.Integer()
    org_unit = fields.String()
    plan_ref = fields.String()
    plan_ref_version = fields.Integer()
    plan_ref_number = fields.String()
    plan_ref_title = fields.String()
    total_budget_vnd = fields.Integer()
    total_spent_vnd = fields.Integer()


class ReportImportBodySchema(ReportBodySchema):
    """An issued report's content as imported (POST /plans/import, kind report): as GET shows it."""

    kind = Text(load_default="annual", validate=validate.OneOf(REPORT_KINDS))
    plan_ref = Text(
        required=True, validate=validate.Length(min=1, max=64), metadata={"description": "The approved plan"}
    )


class ReportCreateSchema(Schema):
    plan_id = Text(
        required=True, validate=validate.Length(min=1, max=64), metadata={"description": "The approved plan"}
    )
    kind = Text(required=True, validate=validate.OneOf(REPORT_KINDS))
    period_start = fields.Date(metadata={"description": "Defaults to 15 December of the year before"})
    period_end = fields.Date(metadata={"description": "Defaults to 14 December (annual) or 14 June (semiannual)"})

    @validates_schema
    def _period_in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            raise ValidationError({"period_end": ["The period ends before it starts."]})


class ReceiptSchema(Schema):
    by = fields.String()
    received_at = fields.String()
    note = fields.String()


class ReceiptBodySchema(Schema):
    note = _text(2000)


class ReportSchema(ReportBodySchema):
    """A report with its state: its content (the latest version once submitted) and where it stands."""

    id = fields.String()
    province = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    stage = fields.Nested(StageSchema, allow_none=True)
    due_at = fields.String(allow_none=True, metadata=DUE_AT)
    editable = fields.Boolean()
    revision = fields.Integer()
    current_version = fields.Integer(allow_none=True)
    document_number = fields.String(allow_none=True, metadata={"description": "Once issued, e.g. 07/BC-UBND"})
    issued_on = fields.Date(allow_none=True)
    issuer = fields.String(allow_none=True)
    date_line = fields.String(allow_none=True)
    issuing_body = fields.Nested(IssuingBodySchema, allow_none=True)
    signer = fields.Nested(SignerSchema, allow_none=True)
    receipt = fields.Nested(ReceiptSchema, allow_none=True, metadata={"description": "The ministry's receipt"})
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ReportSummarySchema(Schema):
    id = fields.String()
    title = fields.String()
    kind = fields.String(attribute="plan_type", metadata={"enum": list(REPORT_KINDS)})
    year = fields.Integer()
    org_unit = fields.String()
    province = fields.String()
    status = fields.String()
    stage = fields.Nested(StageSchema, allow_none=True)
    due_at = fields.String(allow_none=True, metadata=DUE_AT)
    document_number = fields.String(allow_none=True)
    revision = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ReportPageSchema(Schema):
    items = fields.List(fields.Nested(ReportSummarySchema))
    next_cursor = fields.String(allow_none=True)


class ReportListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    year = fields.Integer(validate=validate.Range(min=2000, max=2110))
    org_unit = fields.String(validate=validate.Length(max=40))
    province = fields.String(validate=validate.Length(max=12))
    q = Text(validate=validate.Length(max=200))
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ReportVersionSchema(VersionSummarySchema):
    content = fields.Nested(ReportBodySchema)
