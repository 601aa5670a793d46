"""The HTTP shapes of plans. The same schemas validate requests and generate the
OpenAPI document; unknown fields are refused (marshmallow's RAISE)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from servicekit.text import SafeText
from servicekit.validation import Validation

from ..domain.catalogue import BUDGET_SOURCES, PLAN_TYPES
from ..domain.content import PlanContent
from ..domain.model import STATUSES
from ..domain.rules import content_validation
from .messages import CATALOGUE, request_locale

MAX_ACTIVITIES = 300


class Text(SafeText):
    """A string stored NFC-normalised and trimmed; length limits apply to the cleaned text. NUL, control
    characters, bidirectional overrides and invisible-only values are refused (servicekit.text)."""


def _text(max_length: int, *, required: bool = False, allow_empty: bool = True) -> Text:
    return Text(required=required, validate=validate.Length(min=0 if allow_empty else 1, max=max_length))


UnitCode = lambda **kw: Text(validate=validate.Length(min=1, max=40), **kw)  # noqa: E731


class LegalBasisSchema(Schema):
    reference = _text(120, required=True, allow_empty=False)
    title = _text(1000)
    issued_on = fields.Date(allow_none=True)
    issuer = _text(300)
    # Content model v2 (new versions only): "Kết luận" "số 57-KL/TW" … "về tiếp tục …".
    document_type = _text(120)
    number = _text(120)
    summary = _text(1000)


class IndicatorSchema(Schema):
    code = _text(80, required=False)
    name = _text(300, required=True, allow_empty=False)
    unit = _text(60, required=True, allow_empty=False)
    target = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**12))
    # The indicator catalogue's code (content model v2): coded indicators are summed nationally.
    code = Text(validate=validate.Length(max=40, error="At most {max} characters."))


class ActivitySchema(Schema):
    id = _text(64, required=False)
    title = _text(500, required=True, allow_empty=False)
    category = _text(60, required=True, allow_empty=False)
    lead_unit = UnitCode(required=True)
    partner_units = fields.List(UnitCode(), validate=validate.Length(max=50), load_default=list)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    quarter = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=4))
    # Not negative is the domain's rule (plans.domain.rules), reported with the others at once.
    budget_vnd = fields.Integer(strict=True, load_default=0, validate=validate.Range(max=10**15))
    budget_source = Text(load_default="provincial", validate=validate.OneOf(BUDGET_SOURCES))
    content = _text(20000)
    expected_output = _text(2000)
    indicators = fields.List(fields.Nested(IndicatorSchema), validate=validate.Length(max=50), load_default=list)


class PlanBodySchema(Schema):
    """A plan's content, as created and replaced."""

    title = _text(500, required=True, allow_empty=False)
    plan_type = Text(required=True, validate=validate.OneOf(PLAN_TYPES))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    end_year = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=2000, max=2110))
    org_unit = UnitCode(metadata={"description": "Defaults to the caller's unit"})
    summary = _text(50000)
    legal_bases = fields.List(fields.Nested(LegalBasisSchema), validate=validate.Length(max=100), load_default=list)
    activities = fields.List(
        fields.Nested(ActivitySchema), validate=validate.Length(max=MAX_ACTIVITIES), load_default=list
    )
    recipients = fields.List(_text(300, allow_empty=False), validate=validate.Length(max=100), load_default=list)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _the_domain_rules_too(self, data: dict[str, Any], original: Any, **_kwargs: Any) -> None:
        """Where this shape check refused only text fields, the domain's rules still judge the
        rest, so that one answer names every wrong field: an empty title, a negative budget and
        reversed dates come back together. (Without refusals the use case runs the rules.)"""
        if not isinstance(original, dict):
            return
        refused = {name for name in original if name in self.fields and name not in data}
        if not refused or not refused <= STAND_INS.keys() or not data.keys() | refused >= REQUIRED:
            return
        judged = {**data, **{name: STAND_INS[name] for name in refused}}
        judged.setdefault("org_unit", STAND_INS["org_unit"])  # the caller's unit, filled in by the use case
        unjudged = refused | ({"org_unit"} - data.keys())
        try:
            content = PlanContent.from_dict(judged)
        except (KeyError, TypeError, ValueError):
            # A nested item lost a refused field of its own (marshmallow keeps the partly loaded
            # item): the rest cannot be read as content, and the field errors already say why.
            return
        validation = content_validation(content, current_app.extensions["plans"].dependencies["catalogue"])
        kept = Validation([violation for violation in validation if violation.path[0] not in unjudged])
        if not kept.ok:
            locale = request_locale()
            raise ValidationError(kept.errors(lambda message: CATALOGUE.text(message, locale)))


# Values the domain's rules accept, standing in for refused fields while they judge the rest.
STAND_INS: dict[str, Any] = {"title": "-", "summary": "", "legal_bases": [], "recipients": [], "org_unit": "xx-x"}
REQUIRED = {"title", "plan_type", "year"}


class SubmitBodySchema(Schema):
    """What may come with a submission (the body is optional)."""

    reply = Text(
        validate=validate.Length(max=5000),
        metadata={"description": "The drafters' reply (giải trình) to the comment that returned the plan"},
    )


class StageSchema(Schema):
    level = fields.Integer()
    vi = fields.String()
    en = fields.String()


class IssuingBodySchema(Schema):
    code = fields.String(
        metadata={"description": "The register's key: the issuing body's registry id, e.g. ubnd-cao-bang"}
    )
    name = fields.String(metadata={"description": "As the document's header names it"})
    parent = fields.String(allow_none=True, metadata={"description": "The body above it in the header"})
    place = fields.String(metadata={"description": "The date line's place name"})
    signing_level = fields.Integer(metadata={"description": "The approval level whose approver signs for it"})


class SignerSchema(Schema):
    username = fields.String()
    name = fields.String(metadata={"description": "As the directory gives it, family name first"})
    level = fields.Integer()


DUE_AT = {"format": "date-time", "description": "When the open level's task is due (under approval only)"}


class PlanSchema(PlanBodySchema):
    """A plan with its state: the current content (the latest version once submitted) and where it stands."""

    id = fields.String()
    province = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    stage = fields.Nested(StageSchema, allow_none=True)
    due_at = fields.String(allow_none=True, metadata=DUE_AT)
    editable = fields.Boolean(metadata={"description": "Whether a drafter may change the content now"})
    revision = fields.Integer()
    current_version = fields.Integer(allow_none=True, metadata={"description": "The latest frozen version, if any"})
    document_number = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    issuer = fields.String(allow_none=True)
    date_line = fields.String(
        allow_none=True, metadata={"description": "Place and date, e.g. Cao Bằng, ngày 08 tháng 02 năm 2024"}
    )
    issuing_body = fields.Nested(IssuingBodySchema, allow_none=True, metadata={"description": "Once issued"})
    signer = fields.Nested(SignerSchema, allow_none=True, metadata={"description": "Once issued"})
    total_budget_vnd = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PlanSummarySchema(Schema):
    id = fields.String()
    title = fields.String()
    plan_type = fields.String()
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


class PlanPageSchema(Schema):
    items = fields.List(fields.Nested(PlanSummarySchema))
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as `cursor` for the next page; null on the last"}
    )


class PlanListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    year = fields.Integer(validate=validate.Range(min=2000, max=2110))
    org_unit = fields.String(validate=validate.Length(max=40))
    province = fields.String(validate=validate.Length(max=40))
    q = Text(
        validate=validate.Length(max=200),
        metadata={"description": "Words searched in titles and summaries, accents optional"},
    )
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class VersionSummarySchema(Schema):
    number = fields.Integer()
    title = fields.String()
    content_sha256 = fields.String()
    submitted_by = fields.String()
    submitted_at = fields.DateTime()
    edited_by = fields.List(fields.String())
    approval_id = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    reply = fields.String(
        metadata={"description": "The drafters' reply (giải trình) to the return before this version; empty if none"}
    )
    submitted_by_name = fields.String(
        allow_none=True, metadata={"description": "The submitter's full name (family name first) and position"}
    )


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(VersionSummarySchema))


class VersionSchema(VersionSummarySchema):
    content = fields.Nested(PlanBodySchema)


class TimelineEntrySchema(Schema):
    id = fields.String()
    kind = fields.String(
        metadata={
            "enum": [
                "created",
                "edited",
                "submitted",
                "task_assigned",
                "decision",
                "approved",
                "returned",
                "rejected",
                "cancelled",
                "withdrawn",
                "received",
                "delegated",
                "imported",
            ]
        }
    )
    occurred_at = fields.DateTime()
    version = fields.Integer(allow_none=True)
    level = fields.Integer(allow_none=True)
    actor = fields.String(allow_none=True)
    actor_name = fields.String(
        allow_none=True, metadata={"description": "The actor's full name (family name first) and position"}
    )
    details = fields.Dict()


class TimelineSchema(Schema):
    items = fields.List(fields.Nested(TimelineEntrySchema))
    people = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "Everyone the entries name (actors, delegates, whose place a decider held): "
            "username → full name (family name first) and position"
        },
    )


class LabelSchema(Schema):
    vi = fields.String(required=True)
    en = fields.String(required=True)


class CatalogueSchema(Schema):
    """The reference lists a plan is checked against, with their labels (configuration, PLANS_CATALOGUE_FILE)."""

    plan_types = fields.Dict(keys=fields.String(), values=fields.Nested(LabelSchema), required=True)
    categories = fields.Dict(keys=fields.String(), values=fields.Nested(LabelSchema), required=True)
    budget_sources = fields.Dict(keys=fields.String(), values=fields.Nested(LabelSchema), required=True)
    indicator_units = fields.List(fields.String(), required=True)
    indicators = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(),
        metadata={"description": "The indicator catalogue by code: labels, unit, group, direction (at_least/at_most)"},
    )
    content_fields = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "The fields of a plan's content (plan, activity, legal_basis, indicator)"},
    )


def content_fields() -> dict[str, list[str]]:
    """The fields a drafter writes, read off the schemas that validate them."""
    return {
        "plan": list(PlanBodySchema().fields),
        "activity": list(ActivitySchema().fields),
        "legal_basis": list(LegalBasisSchema().fields),
        "indicator": list(IndicatorSchema().fields),
    }


class DocumentContent(fields.Field):
    """The content of an imported document, in the shape of its kind: a plan's body, or a report's as
    GET /reports/{id} shows it (with ``kind`` annual or semiannual and ``plan_ref``, the approved plan)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            metadata={"type": "object", "description": "A plan's body, or for kind report a report's"}, **kwargs
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        from .report_schemas import ReportImportBodySchema  # the reports' shapes build on these

        if not isinstance(value, dict):
            raise ValidationError("Not an object.")
        kind = data.get("kind", "plan") if isinstance(data, dict) else "plan"
        schema = ReportImportBodySchema() if kind == "report" else PlanBodySchema()
        return schema.load(value)


class ImportSignerSchema(Schema):
    name = _text(200, required=True, allow_empty=False)
    position = _text(200)


class ImportIssuedSchema(Schema):
    """A document issued before the suite existed, as it was issued."""

    kind = Text(load_default="plan", metadata={"description": "The document kind (plan or report)"})
    content = DocumentContent(required=True)
    document_number = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "The number and symbol as issued; null when the record does not give it"},
    )
    issued_on = fields.Date(required=True)
    issuer = Text(
        validate=validate.Length(max=64),
        metadata={"description": "The issuing body's registry id (default: the rule on the issue date)"},
    )
    signer = fields.Nested(
        ImportSignerSchema,
        load_default=None,
        allow_none=True,
        metadata={"description": "Who signed it, where known (never made up)"},
    )


class CopyLastYearSchema(Schema):
    year = fields.Integer(
        validate=validate.Range(min=2001, max=2100),
        metadata={"description": "the new plan's year (default: next year); last year's is the one before"},
    )
