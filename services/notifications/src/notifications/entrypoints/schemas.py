"""Marshmallow schemas: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate
from servicekit.i18n import N_
from servicekit.text import checked_text

from ..domain.events import SUBSCRIBABLE, TYPE_PREFIX
from .messages import text

REGISTRY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _registry_id(value: str | None) -> None:
    if value is not None and not REGISTRY_ID.fullmatch(value):
        raise ValidationError(text(N_("the registry id of a province's People's Committee, such as ubnd-cao-bang")))


EVENT_TYPE_CHOICES = (*SUBSCRIBABLE, *(TYPE_PREFIX + name for name in SUBSCRIBABLE))


class CleanTextSchema(Schema):
    """Trims strings and normalises them to NFC, so Vietnamese text compares as typed."""

    @pre_load
    def normalise_text(self, data: Any, **_kwargs: Any) -> Any:
        if not isinstance(data, dict):
            return data
        errors: dict[str, list[str]] = {}
        cleaned = {}
        for key, value in data.items():
            try:
                cleaned[key] = _clean(value)
            except ValidationError as error:
                errors[key] = list(error.messages) if isinstance(error.messages, list) else [str(error.messages)]
        if errors:
            raise ValidationError(errors)
        return cleaned


def _clean(value: Any) -> Any:
    """NFC and trimmed; NUL, control characters, bidi overrides and invisible-only text refused."""
    if isinstance(value, str):
        return checked_text(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


# -- inbox (query strings refuse unknown parameters too: a typo such as `unred=true` must not be ignored)
class InboxQuerySchema(Schema):
    unread = fields.Boolean(load_default=False, metadata={"description": "only unread messages"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


class NotificationSchema(Schema):
    id = fields.String(required=True)
    event_type = fields.String(
        required=True, metadata={"description": "the event that speaks for the item, e.g. approval.task_assigned"}
    )
    event_types = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "every event grouped in the item, the one that speaks for it first "
            "(a final approval: plan.approved, approval.completed, approval.decision_recorded)"
        },
    )
    plan_id = fields.String(allow_none=True, metadata={"description": "the document's id (a plan's or a report's)"})
    subject = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "plain text, in the reader's language"})
    link = fields.String(required=True, metadata={"description": "the page the item opens"})
    link_text = fields.String(
        required=True, metadata={"description": "the words to show the link with (Xem kế hoạch, Open the report)"}
    )
    created_at = fields.DateTime(required=True)
    read = fields.Boolean(required=True)
    read_at = fields.DateTime(allow_none=True)


class InboxPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    unread_count = fields.Integer(required=True)


class UnreadCountSchema(Schema):
    unread_count = fields.Integer(required=True)


class MarkAllReadSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "messages newly marked read"})
    unread_count = fields.Integer(required=True)


# -- webhooks
class SubscriptionCreateSchema(CleanTextSchema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    event_types = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPE_CHOICES)),
        required=True,
        validate=validate.Length(min=1, max=len(EVENT_TYPE_CHOICES)),
    )
    province = fields.String(
        load_default=None,
        allow_none=True,
        validate=lambda value: _registry_id(value),
        metadata={
            "description": "only events of documents of this province (the registry id of its People's Committee)"
        },
    )


class SubscriptionSchema(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    province = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class SubscriptionCreatedSchema(SubscriptionSchema):
    secret = fields.String(
        required=True,
        metadata={"description": "Standard Webhooks signing secret (whsec_…); shown only in this response"},
    )


class SubscriptionListSchema(Schema):
    items = fields.List(fields.Nested(SubscriptionSchema), required=True)


class DeliveryQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


class AttemptSchema(Schema):
    attempt = fields.Integer(required=True)
    started_at = fields.DateTime(required=True)
    duration_ms = fields.Integer(required=True)
    outcome = fields.String(required=True, metadata={"description": "succeeded or failed"})
    response_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = fields.String(required=True)
    event_id = fields.String(required=True, metadata={"description": "also the webhook-id header"})
    event_type = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pending, succeeded, failed or cancelled"})
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    last_response_code = fields.Integer(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptSchema), required=True)


class DeliveryPageSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
