"""The use cases, one function each: turning an event into messages and
deliveries, and what readers and integrators ask through the API."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from ..domain import commands, events
from ..domain.errors import NotAnIntegrator, NotificationNotFound, SubscriptionNotFound
from ..domain.model import (
    TASK_EVENTS,
    Directory,
    Notice,
    PlanAudience,
    QueuedMail,
    Rendered,
    actor_of,
    notifies_drafters,
    recipients,
)
from ..domain.webhooks import Resolver, RetryPolicy, Subscription, TargetPolicy, new_signing_secret
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Renderer(Protocol):
    def render_notice(self, event_name: str, locale: str | None, context: Mapping[str, Any]) -> Rendered: ...


@dataclass(frozen=True)
class IncomingEvent:
    """What the handlers need of a CloudEvent: its id, short name, payload and JSON."""

    id: str
    name: str
    data: Mapping[str, Any]
    json: str


@dataclass(frozen=True)
class Messaging:
    """The collaborators of the inbox/e-mail use case."""

    directory: Directory
    renderer: Renderer
    plan_link: Callable[[str], str]
    clock: Clock = utcnow


# -- events -> messages and deliveries
def handle_event(uow: UnitOfWork, event: IncomingEvent, messaging: Messaging, retry: RetryPolicy) -> None:
    """Everything one event causes, in the caller's transaction."""
    if event.name == events.PLAN_SUBMITTED:
        remember_plan_drafters(uow, event)
    if event.name == events.APPROVAL_COMPLETED and event.data.get("approval_id"):
        uow.approvals.close(str(event.data["approval_id"]), str(event.data.get("outcome") or ""), messaging.clock())
    if is_stale_task_event(uow, event):
        # Arrival order is not event order: a reminder that overtook the decision tells nobody.
        log.info("task event of a closed approval: no message", extra={"event_type": event.name})
    else:
        notify_people(uow, event, messaging)
    # Integrators receive every event they subscribed to: they are facts, stale or not.
    queue_webhook_deliveries(uow, event, retry, messaging.clock)


def is_stale_task_event(uow: UnitOfWork, event: IncomingEvent) -> bool:
    approval_id = event.data.get("approval_id")
    return event.name in TASK_EVENTS and bool(approval_id) and uow.approvals.is_closed(str(approval_id))


def remember_plan_drafters(uow: UnitOfWork, event: IncomingEvent) -> None:
    plan_id = str(event.data.get("plan_id") or "")
    if not plan_id:
        return
    audience = uow.audiences.get(plan_id) or PlanAudience(plan_id=plan_id)
    audience.learn_from_submission(event.data)
    uow.audiences.save(audience)


def notify_people(uow: UnitOfWork, event: IncomingEvent, messaging: Messaging) -> list[Notice]:
    """One inbox message (and one queued mail where we know an address) per recipient."""
    data = event.data
    directory = messaging.directory
    plan_drafters: list[str] = []
    unit_drafters: list[str] = []
    eligible: list[str] = []
    if notifies_drafters(event.name, data):
        audience = uow.audiences.get(str(data.get("plan_id") or ""))
        plan_drafters = audience.drafters if audience else []
        if data.get("org_unit"):
            unit_drafters = [person.username for person in directory.people_of_unit(data["org_unit"], "drafter")]
    elif (
        event.name in (events.TASK_ASSIGNED, events.TASK_REMINDER, events.TASK_OVERDUE)
        and not data.get("assignees")
        and data.get("role")
        and data.get("scope")
    ):
        # An older producer named no assignees: everyone eligible in the task's scope hears of it.
        eligible = [
            person.username
            for person in directory.eligible(
                data["role"], data["scope"], org_unit=data.get("org_unit"), province=data.get("province")
            )
        ]
    readers = recipients(
        event.name, data, plan_drafters=plan_drafters, unit_drafters=unit_drafters, eligible_approvers=eligible
    )
    if not readers:
        return []
    context = _template_context(event, messaging)
    now = messaging.clock()
    notices = []
    for username in readers:
        person = directory.person(username)
        locale = person.locale if person else None
        rendered = messaging.renderer.render_notice(event.name, locale, context)
        notice = Notice(
            id=str(uuid.uuid4()),
            recipient=username,
            event_id=event.id,
            event_type=event.name,
            plan_id=data.get("plan_id"),
            subject=rendered.subject,
            body=rendered.body,
            link=context["link"],
            created_at=now,
        )
        uow.notifications.add(notice)
        if person is not None and person.email:
            uow.mail.enqueue(
                QueuedMail(
                    notification_id=notice.id,
                    recipient=username,
                    reader_name=person.display_name,
                    address=person.email,
                    locale=person.locale,
                    subject=notice.subject,
                    body=notice.body,
                    link=notice.link,
                    created_at=now,
                )
            )
        notices.append(notice)
    return notices


def _template_context(event: IncomingEvent, messaging: Messaging) -> dict[str, Any]:
    data = event.data
    actor_username = actor_of(event.name, data)
    actor = None
    if actor_username:
        person = messaging.directory.person(actor_username)
        actor = person.display_name if person else actor_username
    plan_id = str(data.get("plan_id") or "")
    return {
        "plan_id": plan_id,
        "plan_title": data.get("title") or plan_id,
        "year": data.get("year") or "",
        "org_unit": data.get("org_unit") or "",
        "province": data.get("province") or "",
        "level": data.get("level"),
        "level_name": data.get("level_name"),
        "actor": actor,
        "comment": (data.get("comment") or "").strip(),
        "decision": data.get("decision"),
        "outcome": data.get("outcome"),
        "document_number": data.get("document_number") or "",
        "issued_on": data.get("issued_on"),
        "due_at": data.get("due_at"),
        "link": messaging.plan_link(plan_id),
    }


def queue_webhook_deliveries(uow: UnitOfWork, event: IncomingEvent, retry: RetryPolicy, clock: Clock = utcnow) -> int:
    """One pending delivery per subscription that wants the event (once per event id)."""
    now = clock()
    count = 0
    for subscription in uow.subscriptions.active():
        if subscription.wants(event.name, event.data):
            uow.deliveries.add(
                id=str(uuid.uuid4()),
                subscription_id=subscription.id,
                event_id=event.id,
                event_type=event.name,
                payload=event.json,
                created_at=now,
                give_up_at=retry.give_up_at(now),
            )
            count += 1
    return count


# -- the reader's inbox
@dataclass(frozen=True)
class InboxPage:
    items: list[Notice]
    next_cursor: str | None
    unread_count: int


def list_inbox(uow: UnitOfWork, command: commands.ListInbox) -> InboxPage:
    items, next_cursor = uow.notifications.page(
        command.reader, unread_only=command.unread_only, limit=command.limit, cursor=command.cursor
    )
    return InboxPage(items=items, next_cursor=next_cursor, unread_count=uow.notifications.unread_count(command.reader))


def count_unread(uow: UnitOfWork, reader: str) -> int:
    return uow.notifications.unread_count(reader)


def mark_read(uow: UnitOfWork, command: commands.MarkRead, clock: Clock = utcnow) -> Notice:
    notice = uow.notifications.mark_read(command.reader, command.notification_id, clock())
    if notice is None:
        raise NotificationNotFound(command.notification_id)
    return notice


def mark_all_read(uow: UnitOfWork, command: commands.MarkAllRead, clock: Clock = utcnow) -> int:
    return uow.notifications.mark_all_read(command.reader, clock())


# -- integrators' subscriptions
def require_integrator(is_integrator: bool) -> None:
    if not is_integrator:
        raise NotAnIntegrator("webhook subscriptions are for integrator clients")


def create_subscription(
    uow: UnitOfWork,
    command: commands.CreateSubscription,
    policy: TargetPolicy,
    resolve: Resolver,
    clock: Clock = utcnow,
) -> Subscription:
    url = policy.check(command.url, resolve)
    subscription = Subscription(
        id=str(uuid.uuid4()),
        owner=command.owner,
        url=url,
        event_types=tuple(dict.fromkeys(events.short_name(name) for name in command.event_types)),
        province=command.province,
        secret=new_signing_secret(),
        created_at=clock(),
    )
    uow.subscriptions.add(subscription)
    return subscription


def list_subscriptions(uow: UnitOfWork, owner: str) -> list[Subscription]:
    return uow.subscriptions.of_owner(owner)


def delete_subscription(uow: UnitOfWork, command: commands.DeleteSubscription, clock: Clock = utcnow) -> None:
    if not uow.subscriptions.remove(command.owner, command.subscription_id, clock()):
        raise SubscriptionNotFound(command.subscription_id)


def list_deliveries(uow: UnitOfWork, command: commands.ListDeliveries) -> tuple[list[dict], str | None]:
    if uow.subscriptions.get(command.owner, command.subscription_id) is None:
        raise SubscriptionNotFound(command.subscription_id)
    return uow.deliveries.log(command.subscription_id, limit=command.limit, cursor=command.cursor)
