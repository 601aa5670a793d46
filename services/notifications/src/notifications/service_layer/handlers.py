"""The use cases: ``handler(command, uow, *, dependencies)``, one transaction each (a
delivery attempt: its outside call between two); ``bootstrap`` binds the dependencies
(see ``HANDLERS``). Turning an event into messages and deliveries, marking read,
managing subscriptions, and paying what the service owes: mail digests and webhook
deliveries, whose rules are in ``domain.deliveries``. What callers read is in
``notifications.views``."""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from servicekit.calendar import VIETNAM
from servicekit.clock import Clock
from servicekit.contracts import events as contract
from servicekit.organisations import ORGANISATION_EVENTS

from ..domain import commands, events
from ..domain.commands import IncomingEvent
from ..domain.deliveries import AttemptResult, DeliveryJob, MailBatching, MailDigest, WebhookDelivery
from ..domain.errors import NotAnIntegrator, NotificationNotFound, SubscriptionNotFound, UnsafeWebhookTarget
from ..domain.model import (
    CALL_EVENTS,
    SUBMISSIONS,
    TASK_EVENTS,
    Directory,
    InboxItem,
    MailState,
    Mention,
    Notice,
    PlanAudience,
    QueuedMail,
    Rendered,
    actor_of,
    call_audience,
    grouping_keys,
    notifies_drafters,
    plan_mail,
    recipients,
    survivor,
)
from ..domain.webhooks import Resolver, RetryPolicy, Subscription, TargetPolicy, new_signing_secret
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

__all__ = ["HANDLERS", "IncomingEvent", "NotAnIntegrator", "require_integrator"]


class Names(Protocol):
    """An organisation's name in force on a date (servicekit.organisations.CopiedRegistry)."""

    def name(self, organisation_id: str | None, day: date, *, short: bool = False) -> str: ...


class Renderer(Protocol):
    def render_notice(self, event_name: str, locale: str | None, context: Mapping[str, Any]) -> Rendered: ...


class DigestSender(Protocol):
    """Composes a digest as a mail and hands it to the mail server (``adapters.mail``)."""

    def send(self, digest: MailDigest) -> None: ...

    def close(self) -> None:
        """The mailer's round is done: end the session with the mail server."""


class WebhookSender(Protocol):
    """Signs (Standard Webhooks) and POSTs one attempt; the receiver's status code (``adapters.http``)."""

    def deliver(self, job: DeliveryJob, when: Any, timeout: float) -> int: ...


# -- events -> messages and deliveries
def handle_event(
    event: IncomingEvent,
    uow: UnitOfWork,
    *,
    directory: Directory,
    renderer: Renderer,
    document_link: Callable[[str, str], str],
    task_link: Callable[[str, str], str],
    clock: Clock,
    retry: RetryPolicy,
    organisation_names: Callable[[], Names | None] = lambda: None,
) -> None:
    """Everything one event causes (in the consumer's transaction, which also holds the inbox row)."""
    if event.name in ORGANISATION_EVENTS:
        keep_organisation(event, uow, retry=retry, clock=clock, organisation_names=organisation_names)
        return
    names = organisation_names()
    with uow:
        if event.name in SUBMISSIONS:
            remember_plan_drafters(uow, event)
        if event.name == events.APPROVAL_COMPLETED and event.data.get("approval_id"):
            uow.approvals.close(str(event.data["approval_id"]), str(event.data.get("outcome") or ""), clock())
        if is_stale_task_event(uow, event):
            # Arrival order is not event order: a reminder that overtook the decision tells nobody.
            log.info("task event of a closed approval: no message", extra={"event_type": event.name})
        else:
            notify_people(
                uow,
                event,
                directory=directory,
                renderer=renderer,
                document_link=document_link,
                task_link=task_link,
                now=clock(),
                names=names,
            )
        # Integrators receive every event they subscribed to: they are facts, stale or not.
        queue_webhook_deliveries(uow, event, retry, clock())


def keep_organisation(
    event: IncomingEvent,
    uow: UnitOfWork,
    *,
    retry: RetryPolicy,
    clock: Clock,
    organisation_names: Callable[[], Names | None],
) -> None:
    """An ``organisation.*`` event: kept in the copy (the newest version per organisation wins, a
    succession is kept once: redelivery and reordering change nothing); integrators who subscribed
    to it receive it. Nobody's inbox hears of it."""
    with uow:
        uow.organisations.keep(contract.parse(event.name, event.data))
        queue_webhook_deliveries(uow, event, retry, clock())
    refresh = getattr(organisation_names, "refresh", None)
    if refresh is not None:
        refresh()


def is_stale_task_event(uow: UnitOfWork, event: IncomingEvent) -> bool:
    approval_id = event.data.get("approval_id")
    return event.name in TASK_EVENTS and bool(approval_id) and uow.approvals.is_closed(str(approval_id))


def remember_plan_drafters(uow: UnitOfWork, event: IncomingEvent) -> None:
    """The drafters a submission names, kept by the document's id (a plan's or a report's)."""
    plan_id = str(event.data.get("plan_id") or "")
    if not plan_id:
        return
    audience = uow.audiences.get(plan_id) or PlanAudience(plan_id=plan_id)
    audience.learn_from_submission(event.data)
    uow.audiences.save(audience)


def notify_people(
    uow: UnitOfWork,
    event: IncomingEvent,
    *,
    directory: Directory,
    renderer: Renderer,
    document_link: Callable[[str, str], str],
    now: Any,
    task_link: Callable[[str, str], str] | None = None,
    names: Names | None = None,
) -> list[Notice]:
    """One inbox item per recipient (and its mail where we know an address): the event's own, or
    the one of the happening it belongs to (``domain.model.InboxItem``)."""
    data = event.data
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
    addressed: list[str] = []
    if event.name in CALL_EVENTS:
        for role, province in call_audience(event.name, data):
            addressed.extend(
                person.username for person in directory.eligible(role, "province", org_unit=None, province=province)
            )
    readers = recipients(
        event.name,
        data,
        plan_drafters=plan_drafters,
        unit_drafters=unit_drafters,
        eligible_approvers=eligible,
        call_audience=addressed,
    )
    if not readers:
        return []
    context = _template_context(event, directory, document_link, task_link, names=names, now=now)
    mention = Mention(event.id, event.name, context, now)
    keys = grouping_keys(event.id, event.name, data)
    people = [(username, directory.person(username)) for username in readers]
    return inform(uow, people, mention, keys, data.get("plan_id"), renderer)


def inform(
    uow: UnitOfWork,
    readers: Sequence[tuple[str, Any]],
    mention: Mention,
    keys: tuple[str, ...],
    plan_id: str | None,
    renderer: Renderer,
) -> list[Notice]:
    """Put one event in its readers' inboxes (``readers``: each username with the directory's
    person, or None): for each, a new item, or the item of the same happening (two items an
    event bridges become one), and its mail: the waiting one rewritten, or a new one. A reader
    whose item already holds the event (a redelivery) is left out.

    The readers' items are read and written together (a few statements per event, not per
    reader); each reader's item is decided on its own, as the domain's ``InboxItem`` says."""
    found = uow.notifications.items_for([reader for reader, _ in readers], keys)
    changes: list[tuple[InboxItem, list[InboxItem], Any]] = []
    looked_up: list[str] = []  # the items whose mails are asked for: a new item has none yet
    fresh: dict[str | None, Rendered] = {}  # a new item says what its one event says, per language
    for reader, person in readers:
        theirs = found.get(reader, [])
        if any(item.knows(mention.event_id) for item in theirs):
            continue
        locale = person.locale if person else None
        if theirs:
            item = survivor(theirs)
            absorbed = [other for other in theirs if other is not item]
            for other in absorbed:
                item.absorb(other)
            looked_up.extend([item.id, *(other.id for other in absorbed)])
            item.add(mention, keys)
            context = item.context()
            rendered = renderer.render_notice(item.event_type, locale, context)
        else:
            item = InboxItem(id=str(uuid.uuid4()), recipient=reader, plan_id=plan_id, created_at=mention.received_at)
            absorbed = []
            item.add(mention, keys)
            context = item.context()
            rendered = fresh.get(locale) or renderer.render_notice(item.event_type, locale, context)
            fresh[locale] = rendered
        item.rendered(rendered.subject, rendered.body, str(context.get("link") or ""), rendered.link_text)
        changes.append((item, absorbed, person))
    if not changes:
        return []
    uow.notifications.save((item, absorbed) for item, absorbed, _ in changes)
    mails_of: dict[str, list[MailState]] = {}
    for state in uow.mail.of_items(looked_up) if looked_up else []:
        mails_of.setdefault(state.notification_id, []).append(state)
    queued: list[QueuedMail] = []
    for item, absorbed, person in changes:
        gone = [other.id for other in absorbed]
        uow.mail.retarget(gone, item.id)
        if person is None or not person.email:
            continue
        mail = QueuedMail(
            notification_id=item.id,
            recipient=item.recipient,
            reader_name=person.display_name,
            address=person.email,
            locale=person.locale,
            subject=item.subject,
            body=item.body,
            link=item.link,
            created_at=mention.received_at,
            link_text=item.link_text,
        )
        plan = plan_mail([state for id_ in (item.id, *gone) for state in mails_of.get(id_, [])], item.subject)
        # A mailer may have claimed the waiting mail meanwhile: then the change goes in a new one.
        rewritten = plan.rewrite is not None and uow.mail.rewrite(plan.rewrite, mail)
        uow.mail.drop(plan.drop)
        if plan.enqueue or (plan.rewrite is not None and not rewritten):
            queued.append(mail)
    uow.mail.enqueue(queued)
    return [item.notice() for item, _, _ in changes]


def _template_context(
    event: IncomingEvent,
    directory: Directory,
    document_link: Callable[[str, str], str],
    task_link: Callable[[str, str], str] | None = None,
    *,
    names: Names | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    data = event.data
    day = _document_day(data, now)
    actor_username = actor_of(event.name, data)
    actor = None
    if actor_username:
        person = directory.person(actor_username)
        actor = person.display_name if person else actor_username
    plan_id = str(data.get("plan_id") or "")  # the document's id, whatever its kind
    kind = events.document_kind(event.name, data)
    link = document_link(kind, plan_id)
    if event.name in CALL_EVENTS:
        # The web interface's page of the call, beside its documents' pages.
        link = link.rsplit(f"/{kind}s/", 1)[0] + f"/calls/{data.get('call_id') or ''}"
    province = data.get("province")
    return {
        "kind": kind,
        "reference": data.get("reference") or "",
        # A call names its issuer; an issued plan or report names its issuing body's id.
        "issuer_name": data.get("issuer_name") or _known_name(names, data.get("issuer"), day),
        "plan_year": data.get("plan_year"),
        "plan_due": data.get("plan_due"),
        "report_year": data.get("report_year"),
        "report_due": data.get("report_due"),
        "priorities": (data.get("priorities") or "").strip(),
        "document": data.get("document") or "",
        "due_on": data.get("due_on"),
        "working_days_left": data.get("working_days_left"),
        "plan_id": plan_id,
        "plan_title": data.get("title") or plan_id,
        "year": data.get("year") or "",
        # Organisations by their name in force on the document's date (its issue date once issued),
        # from the registry's copy; an id the copy does not know yet reads as itself.
        "org_unit": _name(names, data.get("org_unit"), day),
        "province": (province.get("name") if isinstance(province, dict) else _name(names, province, day)) or "",
        "level": data.get("level"),
        "level_name": data.get("level_name"),
        "actor": actor,
        "comment": (data.get("comment") or data.get("note") or "").strip(),
        "decision": data.get("decision"),
        "outcome": data.get("outcome"),
        "document_number": data.get("document_number") or "",
        "issued_on": data.get("issued_on"),
        "due_at": data.get("due_at"),
        "received_at": data.get("received_at"),
        "link": _link(event, link, task_link),
    }


def _document_day(data: Mapping[str, Any], now: datetime | None) -> date:
    """The date organisations are named on: an issued document's issue date, else the action's day."""
    issued = data.get("issued_on")
    if isinstance(issued, str) and issued:
        try:
            return date.fromisoformat(issued[:10])
        except ValueError:
            pass
    moment = now or datetime.now(UTC)
    return moment.astimezone(VIETNAM).date()


def _name(names: Names | None, organisation_id: Any, day: date) -> str:
    if not organisation_id:
        return ""
    if names is None:
        return str(organisation_id)
    return names.name(str(organisation_id), day)


def _known_name(names: Names | None, organisation_id: Any, day: date) -> str:
    """An organisation's name for prose that reads well only with a name: empty while the copy does
    not know the id yet (the sentence then leaves it out rather than print an id)."""
    name = _name(names, organisation_id, day)
    return "" if name == str(organisation_id or "") else name


def _link(event: IncomingEvent, document: str, task_link: Callable[[str, str], str] | None) -> str:
    # Messages about a task (to its approvers) open its decision page; the others open the document.
    data = event.data
    if task_link is not None and event.name in TASK_EVENTS and data.get("approval_id") and data.get("task_id"):
        return task_link(str(data["approval_id"]), str(data["task_id"]))
    return document


def queue_webhook_deliveries(uow: UnitOfWork, event: IncomingEvent, retry: RetryPolicy, now: Any) -> int:
    """One pending delivery per subscription that wants the event (once per event id)."""
    count = 0
    for subscription in uow.subscriptions.active():
        if subscription.wants(event.name, event.data):
            uow.deliveries.add(
                WebhookDelivery.owed(
                    str(uuid.uuid4()),
                    subscription,
                    event_id=event.id,
                    event_type=event.name,
                    payload=event.json,
                    now=now,
                    retry=retry,
                )
            )
            count += 1
    return count


# -- the reader's inbox
def mark_read(command: commands.MarkRead, uow: UnitOfWork, *, clock: Clock) -> Notice:
    with uow:
        notice = uow.notifications.mark_read(command.reader, command.notification_id, clock())
        if notice is None:
            raise NotificationNotFound(command.notification_id)
    return notice


def mark_all_read(command: commands.MarkAllRead, uow: UnitOfWork, *, clock: Clock) -> int:
    with uow:
        return uow.notifications.mark_all_read(command.reader, clock())


# -- integrators' subscriptions
def require_integrator(is_integrator: bool) -> None:
    if not is_integrator:
        raise NotAnIntegrator("webhook subscriptions are for integrator clients")


def create_subscription(
    command: commands.CreateSubscription,
    uow: UnitOfWork,
    *,
    target_policy: TargetPolicy,
    resolve: Resolver,
    clock: Clock,
) -> Subscription:
    url = target_policy.check(command.url, resolve)
    subscription = Subscription(
        id=str(uuid.uuid4()),
        owner=command.owner,
        url=url,
        event_types=tuple(dict.fromkeys(events.short_name(name) for name in command.event_types)),
        province=command.province,
        secret=new_signing_secret(),
        created_at=clock(),
    )
    with uow:
        uow.subscriptions.add(subscription)
    return subscription


def delete_subscription(command: commands.DeleteSubscription, uow: UnitOfWork, *, clock: Clock) -> None:
    """The subscription goes (its log stays for audit) and its pending deliveries stop."""
    now = clock()
    with uow:
        if not uow.subscriptions.remove(command.owner, command.subscription_id, now):
            raise SubscriptionNotFound(command.subscription_id)
        uow.deliveries.cancel_pending(command.subscription_id, now)


# -- e-mail digests
def claim_due_digests(
    command: commands.ClaimDueDigests, uow: UnitOfWork, *, clock: Clock, batching: MailBatching
) -> list[str]:
    """Batch ids to send now: stale claims first (a mailer died or SMTP failed), then new digests.
    The claim commits before anything is sent (crash safety, see ``domain.deliveries``)."""
    now = clock()
    with uow:
        stale = uow.mail.claim_stale(batching.stale_since(now), now)
        return [*stale, *uow.mail.claim_waiting(batching.waited_since(now), now)]


def send_digest(command: commands.SendDigest, uow: UnitOfWork, *, mail: DigestSender, clock: Clock) -> bool:
    """Send one claimed digest and record the outcome; True when the mail server accepted it.
    The mail goes out between the read and the record, never inside a transaction."""
    with uow:
        digest = uow.mail.digest(command.batch_id)
    if digest is None:
        return False
    try:
        mail.send(digest)
    except Exception as error:  # SMTP refusals and network errors alike: keep the claim, retry later
        digest.record_failure(f"{error.__class__.__name__}: {error}")
        log.warning("digest not sent", extra={"batch_id": digest.batch_id, "error": str(error)})
    else:
        digest.mark_sent(clock())
    with uow:
        uow.mail.save(digest)
    return digest.sent_at is not None


# -- webhook deliveries
def claim_due_deliveries(
    command: commands.ClaimDueDeliveries, uow: UnitOfWork, *, clock: Clock, lease: timedelta
) -> list[DeliveryJob]:
    """Up to ``limit`` due deliveries, at most one per subscription and none of a busy one,
    each leased for its attempt (the lease commits before anything is sent)."""
    if command.limit <= 0:
        return []
    now = clock()
    jobs = []
    with uow:
        for delivery in uow.deliveries.due(now, limit=command.limit, busy=command.busy):
            subscription = uow.subscriptions.by_id(delivery.subscription_id)
            if subscription is None:
                continue
            attempt = delivery.claim(now, lease)
            jobs.append(
                DeliveryJob(
                    delivery_id=delivery.id,
                    subscription_id=subscription.id,
                    url=subscription.url,
                    secret=subscription.secret,
                    event_id=delivery.event_id,
                    payload=delivery.payload,
                    attempt=attempt,
                )
            )
    return jobs


def attempt_delivery(
    command: commands.AttemptDelivery,
    uow: UnitOfWork,
    *,
    webhooks: WebhookSender,
    target_policy: TargetPolicy,
    resolve: Resolver,
    clock: Clock,
    retry: RetryPolicy,
    webhook_timeout: float,
    rng: Callable[[float, float], float] = random.uniform,
) -> AttemptResult:
    """POST one claimed delivery (signed, outside any transaction), then record the attempt."""
    job = command.job
    started_at = clock()
    started = time.perf_counter()
    response_code: int | None = None
    error: str | None = None
    try:
        target_policy.check(job.url, resolve)  # again: DNS may have changed since subscribing
        response_code = webhooks.deliver(job, started_at, webhook_timeout)
        if not 200 <= response_code < 300:
            error = f"the receiver answered {response_code}"
    except UnsafeWebhookTarget as refused:
        error = f"target refused: {refused.reason}"
    except Exception as failure:  # network errors, timeouts: all retried
        error = str(failure)[:1000] or failure.__class__.__name__
    duration_ms = int((time.perf_counter() - started) * 1000)
    with uow:
        delivery = uow.deliveries.get(job.delivery_id)
        status = "cancelled"
        if delivery is not None:
            status = delivery.record_attempt(
                job.attempt,
                started_at=started_at,
                duration_ms=duration_ms,
                response_code=response_code,
                error=error,
                now=clock(),
                retry=retry,
                rng=rng,
            )
            if status == "failed":
                log.warning(
                    "webhook delivery given up", extra={"delivery_id": job.delivery_id, "attempts": job.attempt}
                )
    return AttemptResult(job.delivery_id, job.attempt, error is None, response_code, duration_ms, error, status)


HANDLERS: dict[type, Callable[..., Any]] = {
    IncomingEvent: handle_event,
    commands.MarkRead: mark_read,
    commands.MarkAllRead: mark_all_read,
    commands.CreateSubscription: create_subscription,
    commands.DeleteSubscription: delete_subscription,
    commands.ClaimDueDigests: claim_due_digests,
    commands.SendDigest: send_digest,
    commands.ClaimDueDeliveries: claim_due_deliveries,
    commands.AttemptDelivery: attempt_delivery,
}
