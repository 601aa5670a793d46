"""The HTTP shape of the service: the reader's inbox and the integrators' webhooks.
Paths are the public ones without ``/api/v1`` (the gateway adds it)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.i18n import request_locale
from servicekit.list_versions import LIST_ETAG, LIST_POLL_PARAMETERS, list_etag, not_modified, still_not_modified
from servicekit.messagebus import MessageBus
from servicekit.web import current_principal

from .. import views
from ..adapters.templates import link_label
from ..domain import commands
from ..service_layer.handlers import require_integrator
from .schemas import (
    DeliveryPageSchema,
    DeliveryQuerySchema,
    InboxPageSchema,
    InboxQuerySchema,
    MarkAllReadSchema,
    NotificationSchema,
    SubscriptionCreatedSchema,
    SubscriptionCreateSchema,
    SubscriptionListSchema,
    UnreadCountSchema,
)

inbox = Blueprint("notifications", __name__, url_prefix="/notifications", description="The caller's in-app inbox")
webhooks = Blueprint("webhooks", __name__, url_prefix="/webhooks", description="Integrators' webhook subscriptions")


def bus() -> MessageBus:
    return current_app.extensions["notifications"]


def reader() -> str:
    return current_principal().username


def integrator() -> str:
    """The owning client of subscriptions: the token's client (azp), else its user."""
    principal = current_principal()
    require_integrator(principal.has_role("integrator"))
    return principal.client_id or principal.username


def _notice(notice: Any) -> dict[str, Any]:
    return {
        "id": notice.id,
        "event_type": notice.event_type,
        "plan_id": notice.plan_id,
        "event_types": list(notice.event_types or (notice.event_type,)),
        "subject": notice.subject,
        "body": notice.body,
        "link": notice.link,
        "link_text": notice.link_text or link_label(notice.link, request_locale()),
        "created_at": notice.created_at,
        "read": notice.read,
        "read_at": notice.read_at,
    }


def _subscription(subscription: Any, *, with_secret: bool = False) -> dict[str, Any]:
    body = {
        "id": subscription.id,
        "url": subscription.url,
        "event_types": list(subscription.event_types),
        "province": subscription.province,
        "created_at": subscription.created_at,
    }
    if with_secret:
        body["secret"] = subscription.secret
    return body


# Changed whenever what an inbox answer is made of changes: every tag handed out before stops matching.
TAG_SHAPE = "inbox/1"


def inbox_tag(username: str, version: int, query: dict[str, Any], locale: str) -> str:
    """The inbox's weak ETag: the reader's inbox version (raised by every commit that adds, changes or
    marks read one of their items), the query and the language (`link_text` of older items is worded
    in it). Nothing in it depends on the time."""
    return list_etag(TAG_SHAPE, username, version, sorted(query.items()), locale)


@inbox.route("")
class Inbox(MethodView):
    @inbox.arguments(InboxQuerySchema, location="query", unknown=RAISE)
    @inbox.response(200, InboxPageSchema, headers=LIST_ETAG)
    @inbox.alt_response(304, description="Nothing the caller would see has changed since the ETag sent")
    @inbox.doc(parameters=LIST_POLL_PARAMETERS)
    def get(self, query: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]] | Response:
        """The caller's messages, newest first (keyset pagination with `cursor`): one item per
        happening (a decision, the approval it ended and the number issued are one item), its text
        without addresses, its `link` with the words to show for it (`link_text`). 304 with no body
        while the inbox is as the ETag in If-None-Match says (answered from one row: a poll is cheap); with
        `Prefer: wait=N` as well, the answer waits up to N seconds for the inbox to change."""
        username, locale = reader(), request_locale()

        def current_tag() -> str:
            return inbox_tag(username, views.inbox_version(username, bus().uow()), query, locale)

        if request.if_none_match:
            unchanged = not_modified(current_tag())
            if unchanged is not None:  # the caller has this inbox: wait for a change if it asks to
                unchanged = still_not_modified(unchanged, username, current_tag)
            if unchanged is not None:
                return unchanged
        command = commands.ListInbox(
            username, unread_only=query["unread"], limit=query["limit"], cursor=query["cursor"]
        )
        page = views.list_inbox(command, bus().uow())
        body = {
            "items": [_notice(n) for n in page.items],
            "next_cursor": page.next_cursor,
            "unread_count": page.unread_count,
        }
        return body, 200, {"ETag": inbox_tag(username, page.version, query, locale)}


@inbox.route("/unread-count")
class UnreadCount(MethodView):
    @inbox.response(200, UnreadCountSchema)
    def get(self) -> dict[str, int]:
        """How many of the caller's messages are unread."""
        return {"unread_count": views.count_unread(reader(), bus().uow())}


@inbox.route("/<string:notification_id>/read")
class MarkRead(MethodView):
    @inbox.response(200, NotificationSchema)
    def post(self, notification_id: str) -> dict[str, Any]:
        """Mark one of the caller's messages read (idempotent); another reader's id is 404."""
        notice = bus().handle(commands.MarkRead(reader(), notification_id))
        return _notice(notice)


@inbox.route("/read-all")
class MarkAllRead(MethodView):
    @inbox.response(200, MarkAllReadSchema)
    def post(self) -> dict[str, int]:
        """Mark every message of the caller read."""
        marked = bus().handle(commands.MarkAllRead(reader()))
        return {"marked": marked, "unread_count": 0}


@webhooks.route("")
class Subscriptions(MethodView):
    @webhooks.response(200, SubscriptionListSchema)
    def get(self) -> dict[str, Any]:
        """The calling integrator's subscriptions (secrets are never shown again)."""
        owner = integrator()
        return {"items": [_subscription(s) for s in views.list_subscriptions(owner, bus().uow())]}

    @webhooks.arguments(SubscriptionCreateSchema)
    @webhooks.response(201, SubscriptionCreatedSchema)
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Subscribe a URL to event types; the signing secret is in this response only."""
        owner = integrator()
        command = commands.CreateSubscription(owner, body["url"], tuple(body["event_types"]), body.get("province"))
        subscription = bus().handle(command)
        return _subscription(subscription, with_secret=True), 201, {"Location": f"/webhooks/{subscription.id}"}


@webhooks.route("/<string:subscription_id>")
class Subscription(MethodView):
    @webhooks.response(204)
    def delete(self, subscription_id: str) -> None:
        """Remove a subscription; its pending deliveries are cancelled."""
        owner = integrator()
        bus().handle(commands.DeleteSubscription(owner, subscription_id))


@webhooks.route("/<string:subscription_id>/deliveries")
class Deliveries(MethodView):
    @webhooks.arguments(DeliveryQuerySchema, location="query", unknown=RAISE)
    @webhooks.response(200, DeliveryPageSchema)
    def get(self, query: dict[str, Any], subscription_id: str) -> dict[str, Any]:
        """The delivery log: each event, its status and every attempt (code, duration, error)."""
        owner = integrator()
        command = commands.ListDeliveries(owner, subscription_id, limit=query["limit"], cursor=query["cursor"])
        items, next_cursor = views.list_deliveries(command, bus().uow())
        return {"items": items, "next_cursor": next_cursor}
