"""Marshmallow schemas: they validate the requests and generate the OpenAPI document."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from servicekit.text import SafeText

from ..domain.chain import APPROVER_ROLES, RESUBMISSION_POLICIES, SCOPES
from ..domain.model import DECISIONS, DOCUMENT_KINDS


class Text(SafeText):
    """UTF-8 text, NFC-normalised and trimmed on the way in; no control, bidi-override or invisible-only text."""


class QuorumField(fields.Field):
    """``"any"``, ``"all"``, or a whole number of approvers."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | int:
        if value in ("any", "all") or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise ValidationError('"any", "all" or a whole number of approvers')

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


# -- decisions and delegation


class DecisionRequest(Schema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(DECISIONS),
        metadata={"description": "approve, return (for revision) or reject (final)"},
    )
    comment = Text(load_default="", validate=validate.Length(max=4000))
    activity_id = Text(
        load_default="",
        validate=validate.Length(max=64),
        metadata={
            "description": "the activity of the decided version the comment is about (its stable id, content"
            " model v2); empty or absent: the whole document. 422 if the version has no such activity"
        },
    )

    @validates_schema
    def _comment_required(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("decision") in ("return", "reject") and not data.get("comment"):
            raise ValidationError(f"a comment is required when the decision is {data['decision']}", "comment")


class DelegateRequest(Schema):
    to = Text(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "username of an eligible approver"},
    )
    comment = Text(load_default="", validate=validate.Length(max=4000))


class BulkApprovalRequest(Schema):
    task_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "tasks whose decision page the caller has opened"},
    )
    comment = Text(load_default="", validate=validate.Length(max=4000))


class PersonSchema(Schema):
    username = fields.String()
    name = fields.String(metadata={"description": "full name, family name first"})
    position = fields.String(metadata={"description": "the title they sign under, e.g. Phó Giám đốc"})
    org_unit = fields.String(allow_none=True)


class PeopleQuery(Schema):
    q = Text(
        validate=validate.Length(max=200), metadata={"description": "words of the name or title, accents optional"}
    )


class PeopleList(Schema):
    items = fields.List(fields.Nested(PersonSchema))


class AbsenceRequest(Schema):
    # An empty deputy is the domain's to refuse, with every other reason at once.
    deputy = Text(required=True, validate=validate.Length(max=120), metadata={"description": "username"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    reason = Text(load_default="", validate=validate.Length(max=1000))


class AbsenceSchema(Schema):
    id = fields.String()
    username = fields.String()
    deputy = fields.String()
    deputy_name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    reason = fields.String()
    created_at = fields.DateTime()
    cancelled_at = fields.DateTime(allow_none=True)


class AbsenceList(Schema):
    items = fields.List(fields.Nested(AbsenceSchema))


class LevelNameSchema(Schema):
    vi = Text(required=True, validate=validate.Length(min=1, max=200))
    en = Text(required=True, validate=validate.Length(min=1, max=200))


class StoredDate(fields.Date):
    """A date read as ``YYYY-MM-DD``; written from a date or from the ISO text a stored chain holds."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


class DatedNameSchema(Schema):
    """A name from a date on: ``{"from": "2025-03-01", "name": {"vi": …, "en": …}}``."""

    since = StoredDate(required=True, data_key="from", attribute="from")
    name = fields.Nested(LevelNameSchema, required=True)


class ReceiverSchema(Schema):
    """Who receives the approved document without approving it (the ministry receives a report)."""

    name = fields.Nested(LevelNameSchema, required=True)
    names_from = fields.List(fields.Nested(DatedNameSchema), metadata={"description": "later names, by date"})
    name_on_date = fields.Nested(LevelNameSchema, dump_only=True)


class SubjectRefSchema(Schema):
    """The document decided on: its kind, id, version and the SHA-256 of that version's canonical JSON."""

    kind = fields.String(metadata={"enum": list(DOCUMENT_KINDS)})
    id = fields.String()
    version = fields.Integer()
    content_sha256 = fields.String()


class SubjectSchema(SubjectRefSchema):
    title = fields.String()
    org_unit = fields.String()
    province = fields.String()
    year = fields.Integer()
    document_type = fields.String(metadata={"description": "a plan's type or a report's kind (annual, semiannual)"})
    submitted_by = fields.String()
    document_date = fields.Date(
        metadata={"description": "the date that chose the chain version and dates the level names"}
    )


class DecisionSchema(Schema):
    id = fields.String()
    task_id = fields.String()
    sequence = fields.Integer()
    level = fields.Integer()
    decision = fields.String()
    comment = fields.String()
    by = fields.String()
    decided_at = fields.DateTime()
    content_sha256 = fields.String()
    previous_hash = fields.String(allow_none=True)
    hash = fields.String(metadata={"description": "SHA-256 over the decision and previous_hash (the chain)"})
    on_behalf_of = fields.String(
        metadata={
            "description": "whose place the decider held by delegation (hashed with the decision); empty"
            " when they decided in their own right"
        }
    )
    delegation_kind = fields.String(metadata={"description": "manual or out_of_office, with on_behalf_of"})
    delegation_reason = fields.String(metadata={"description": "the reason the delegator gave"})
    delegated_at = fields.DateTime(allow_none=True, metadata={"description": "when the task changed hands"})
    activity_id = fields.String(
        metadata={"description": "the activity the comment is about (hashed with the decision when set); empty: none"}
    )
    subject = fields.Method(
        "_subject",
        metadata={
            "type": "object",
            "nullable": True,
            "description": "the subject the decision signs (kind, id, version); null on decisions recorded before",
        },
    )

    def _subject(self, decision: Any) -> dict[str, Any] | None:
        signed: dict[str, Any] | None = decision.signed_subject()
        return signed


class DelegationSchema(Schema):
    id = fields.String()
    task_id = fields.String()
    from_user = fields.String(data_key="from")
    to_user = fields.String(data_key="to")
    comment = fields.String()
    delegated_at = fields.DateTime()
    kind = fields.String(metadata={"description": "manual (handed over) or out_of_office (the deputy of an absence)"})


class DecisionResult(Schema):
    decision = fields.Nested(DecisionSchema)
    task_status = fields.String()
    approval_id = fields.String()
    approval_status = fields.String()
    current_level = fields.Integer()


class DecisionResults(Schema):
    items = fields.List(fields.Nested(DecisionResult))


# -- tasks and approvals


class TaskQuery(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "closed", "all")))
    kind = fields.String(
        validate=validate.OneOf(DOCUMENT_KINDS), metadata={"description": "only tasks on this kind of document"}
    )
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    org_unit = Text(validate=validate.Length(max=64))
    province = Text(validate=validate.Length(max=64))
    level = fields.Integer(validate=validate.Range(min=1, max=20), metadata={"description": "the chain level"})
    overdue = fields.Boolean(metadata={"description": "true: only open tasks past their due date; false: the others"})
    delegated = fields.Boolean(metadata={"description": "true: only tasks someone delegated to the caller"})
    q = Text(
        validate=validate.Length(max=200), metadata={"description": "words of the document title, accents optional"}
    )
    sort = fields.String(
        load_default="due",
        validate=validate.OneOf(("due", "arrival")),
        metadata={"description": "due: earliest due date first (overdue on top); arrival: latest arrival first"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(
        validate=validate.Length(max=400), metadata={"description": "next_cursor of the previous page, same sort"}
    )


class TaskSummary(Schema):
    id = fields.String()
    approval_id = fields.String()
    subject = fields.Nested(SubjectRefSchema)
    plan_id = fields.String(metadata={"description": "the subject's id, whatever its kind"})
    version = fields.Integer()
    title = fields.String()
    org_unit = fields.String()
    province = fields.String()
    year = fields.Integer()
    level = fields.Integer()
    level_name = fields.Nested(LevelNameSchema)
    role = fields.String()
    scope = fields.String()
    status = fields.String()
    assigned_at = fields.DateTime()
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    delegated_by = fields.String(
        allow_none=True, metadata={"description": "who delegated the task to the caller (null: offered directly)"}
    )
    delegation_kind = fields.String(allow_none=True, metadata={"description": "manual or out_of_office"})
    opened = fields.Boolean(
        metadata={"description": "the caller has opened its decision page (it may be approved with others)"}
    )


class TaskPage(Schema):
    items = fields.List(fields.Nested(TaskSummary))
    next_cursor = fields.String(allow_none=True)


_TASK_MOMENTS = ("assigned_at", "due_at")


def dump_task_page(page: dict[str, Any]) -> dict[str, Any]:
    """What ``TaskPage().dump(page)`` gives for a page of :func:`approvals.views.tasks_for` — whose
    items hold exactly the fields of :class:`TaskSummary`, in plain types but for the two moments
    — at a fraction of its cost (the list is the service's most frequent read; a unit test keeps
    the two equal). TaskPage stays the documented shape."""
    items = []
    for item in page["items"]:
        dumped = dict(item)
        for name in _TASK_MOMENTS:
            dumped[name] = item[name].isoformat()
        items.append(dumped)
    return {"items": items, "next_cursor": page["next_cursor"]}


class TaskSchema(Schema):
    id = fields.String()
    level = fields.Integer()
    level_name = fields.Nested(LevelNameSchema)
    role = fields.String()
    scope = fields.String()
    status = fields.String()
    assignees = fields.List(fields.String())
    required_approvals = fields.Integer()
    assigned_at = fields.DateTime()
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    reminded_at = fields.DateTime(allow_none=True)
    overdue_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class PlanSchema(Schema):
    """The subject in the plan fields (``plan_id`` is its id whatever its kind), for clients written for plans."""

    plan_id = fields.String()
    version = fields.Integer()
    title = fields.String()
    org_unit = fields.String()
    province = fields.String()
    year = fields.Integer()
    plan_type = fields.String()
    content_sha256 = fields.String()
    submitted_by = fields.String()


# -- chains


class ChainLevelSchema(Schema):
    level = fields.Integer(dump_only=True)
    name = fields.Nested(LevelNameSchema, required=True)
    role = fields.String(required=True, metadata={"enum": list(APPROVER_ROLES)})
    scope = fields.String(required=True, metadata={"enum": list(SCOPES)})
    quorum = QuorumField(
        load_default="any",
        metadata={"oneOf": [{"type": "string", "enum": ["any", "all"]}, {"type": "integer", "minimum": 1}]},
    )
    sla_working_days = fields.Integer(required=True, strict=True)
    on_resubmit = fields.String(load_default=RESUBMISSION_POLICIES[0], metadata={"enum": list(RESUBMISSION_POLICIES)})
    names_from = fields.List(
        fields.Nested(DatedNameSchema),
        metadata={"description": "the level's later names, by date (the body it names was renamed or replaced)"},
    )
    name_on_date = fields.Nested(LevelNameSchema, dump_only=True)


class ChainDefinition(Schema):
    """The body of ``PUT /approval-chains/{key}``; the rules (roles, scopes, quorum sizes,
    SLAs, distinct names) are checked by the domain, all reasons at once."""

    name = fields.Nested(LevelNameSchema, required=True)
    levels = fields.List(fields.Nested(ChainLevelSchema), required=True)
    valid_from = fields.Date(
        load_default=None,
        metadata={"description": "the first document date this version applies to; none: every date"},
    )
    receiver = fields.Nested(ReceiverSchema, load_default=None)


class ChainSchema(Schema):
    key = fields.String()
    version = fields.Integer()
    name = fields.Nested(LevelNameSchema)
    levels = fields.List(fields.Nested(ChainLevelSchema))
    valid_from = fields.Date(allow_none=True)
    receiver = fields.Nested(ReceiverSchema, allow_none=True)
    published_by = fields.String()
    published_at = fields.DateTime()


class ChainWithVersions(ChainSchema):
    versions = fields.List(fields.Nested(ChainSchema))


class ChainList(Schema):
    items = fields.List(fields.Nested(ChainSchema))


class ApprovalSchema(Schema):
    id = fields.String()
    status = fields.String(metadata={"description": "open, approved, returned, rejected or cancelled"})
    current_level = fields.Integer()
    started_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    subject = fields.Nested(SubjectSchema)
    plan = fields.Nested(PlanSchema)
    chain = fields.Nested(ChainSchema)
    tasks = fields.List(fields.Nested(TaskSchema))
    decisions = fields.List(fields.Nested(DecisionSchema))
    delegations = fields.List(fields.Nested(DelegationSchema))
    verified = fields.Boolean(metadata={"description": "the decisions' hash chain recomputes"})
    people = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(PersonSchema),
        metadata={"description": "name and title of each person the record mentions, by username"},
    )
