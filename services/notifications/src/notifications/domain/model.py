"""The inbox side of the domain: who hears of an event, and the message they get.

Recipient rules (architecture §8, issue 5), the same for every kind of document:
- the document's drafters (whoever created, edited or submitted it, plus the unit's
  drafters) hear of every decision, of the approval's end (returned, rejected,
  approved) and of the number issued to the approved plan or report; of a report
  they also hear that the ministry received it, and that a colleague submitted or
  withdrew it;
- the assignees of a task hear that it was assigned to them, that it is due
  soon and that it is overdue; the delegate hears of a task delegated to them;
- nobody is told of their own action.

One happening, one item: a decision that ends an approval reaches the drafters as two or three
events (``approval.decision_recorded``, ``approval.completed`` and, on approval, the number in
``plan.approved`` or ``report.approved``). Each reader gets **one inbox item** for them, grouped when
written (see :class:`InboxItem`): every event names the groups it belongs to
(:func:`grouping_keys`), and an event joins the reader's item of any of its groups, joining two
items into one where it bridges them. What the item says is the message of its most telling event
(:data:`HEADLINE_RANK`) with the facts of all of them, so it reads the same whatever order the
events arrived in, and an event already in it (a redelivery) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from . import events

# The approval outcomes the drafters are told of; "cancelled" follows their own withdrawal.
DRAFTER_OUTCOMES = frozenset({"approved", "returned", "rejected"})

DRAFTER_EVENTS = frozenset(
    {
        events.DECISION_RECORDED,
        events.APPROVAL_COMPLETED,
        events.PLAN_APPROVED,
        events.REPORT_SUBMITTED,
        events.REPORT_WITHDRAWN,
        events.REPORT_APPROVED,
        events.REPORT_RECEIVED,
    }
)
# The submissions that name a document's drafters (kept as its audience).
SUBMISSIONS = frozenset({events.PLAN_SUBMITTED, events.REPORT_SUBMITTED})
ASSIGNEE_EVENTS = frozenset({events.TASK_ASSIGNED, events.TASK_REMINDER, events.TASK_OVERDUE})
# The ministry's calls: every addressed province's drafters and approvers hear of a call; a
# province's drafters are reminded of a requested document due soon.
CALL_EVENTS = frozenset({events.CALL_ISSUED, events.CALL_REMINDER})
CALL_ROLES = ("drafter", "dept_approver", "province_approver")
NOTIFIED_EVENTS = DRAFTER_EVENTS | ASSIGNEE_EVENTS | {events.TASK_DELEGATED} | CALL_EVENTS
# Events about an open task: once its approval has completed they are stale.
TASK_EVENTS = ASSIGNEE_EVENTS | {events.TASK_DELEGATED}


class Person(Protocol):
    """A reader as the directory knows them (servicekit.directory.Person fits)."""

    username: str
    email: str | None
    locale: str

    @property
    def display_name(self) -> str: ...


class Directory(Protocol):
    """The people lookups this service needs; Keycloak's Admin API in production."""

    def person(self, username: str) -> Person | None: ...

    def people_of_unit(self, org_unit: str, role: str) -> list[Any]: ...

    def eligible(self, role: str, scope: str, *, org_unit: str | None, province: str | None) -> list[Any]: ...


@dataclass
class PlanAudience:
    """The drafters of one document (plan or report, by its id) as its submissions told us:
    creator, editors, submitter."""

    plan_id: str
    drafters: list[str] = field(default_factory=list)

    def learn_from_submission(self, data: Mapping[str, Any]) -> None:
        """Merge the people a (re)submission names; a new version may bring new editors."""
        named = [
            data.get("created_by"),
            data.get("submitted_by"),
            *(data.get("edited_by") or []),
            *(data.get("drafters") or []),
        ]
        self.drafters = _unique([*self.drafters, *(name for name in named if isinstance(name, str))])


def call_audience(event_name: str, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Who hears of a call event, as (role, province) pairs: the province's registry id, as accounts
    carry it (``ubnd-cao-bang``)."""
    if event_name == events.CALL_ISSUED:
        provinces = list(data.get("provinces") or [])
        roles: tuple[str, ...] = CALL_ROLES
    elif event_name == events.CALL_REMINDER:
        provinces = [data.get("province") or {}]
        roles = ("drafter",)
    else:
        return []
    places = [str(p.get("id") or p.get("code") or "") for p in provinces if isinstance(p, Mapping)]
    return [(role, place) for place in places if place for role in roles]


def actor_of(event_name: str, data: Mapping[str, Any]) -> str | None:
    """Who caused the event, when a person did."""
    if event_name == events.TASK_DELEGATED:
        return data.get("from")
    if event_name == events.REPORT_RECEIVED:
        return data.get("received_by")
    return data.get("by") or data.get("submitted_by")


def notifies_drafters(event_name: str, data: Mapping[str, Any]) -> bool:
    if event_name == events.APPROVAL_COMPLETED:
        return data.get("outcome") in DRAFTER_OUTCOMES
    return event_name in DRAFTER_EVENTS


def recipients(
    event_name: str,
    data: Mapping[str, Any],
    *,
    plan_drafters: Iterable[str] = (),
    unit_drafters: Iterable[str] = (),
    eligible_approvers: Iterable[str] = (),
    call_audience: Iterable[str] = (),
) -> list[str]:
    """The usernames to notify of one event, in a stable order, without the actor.

    ``eligible_approvers`` is the fallback for a task event that names no assignees
    (the role members in the task's scope)."""
    if notifies_drafters(event_name, data):
        candidates = [*plan_drafters, *unit_drafters]
    elif event_name in ASSIGNEE_EVENTS:
        candidates = list(data.get("assignees") or []) or list(eligible_approvers)
    elif event_name == events.TASK_DELEGATED:
        candidates = [data["to"]] if data.get("to") else []
    elif event_name in CALL_EVENTS:
        candidates = list(call_audience)
    else:
        candidates = []
    actor = actor_of(event_name, data)
    return [name for name in _unique(candidates) if name and name != actor]


@dataclass(frozen=True)
class Notice:
    """One inbox item as its reader sees it, rendered in their language: the subject, the text (no
    address in it) and the link with its words ("Xem kế hoạch"). ``event_type`` is the type of the
    event that speaks for the item, ``event_types`` every type grouped in it."""

    id: str
    recipient: str
    event_id: str
    event_type: str
    plan_id: str | None
    subject: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None = None
    link_text: str = ""
    event_types: tuple[str, ...] = ()

    @property
    def read(self) -> bool:
        return self.read_at is not None


# Which event of a group speaks for the item: the number issued says more than the approval's end,
# which says more than the decision that caused it.
HEADLINE_RANK = {
    events.DECISION_RECORDED: 1,
    events.APPROVAL_COMPLETED: 2,
    events.PLAN_APPROVED: 3,
    events.REPORT_APPROVED: 3,
}


def grouping_keys(event_id: str, event_name: str, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The groups an event belongs to, computed from the event alone (so arrival order does not
    matter). A decision on version V of a document at level L by X; the end of V's approval; and
    ``approval.completed``, caused by the decision at its level by its decider, belongs to both,
    which is how the final decision, the approval's end and the number become one item. Any other
    event is a group of its own."""
    own = (f"event:{event_id}",)
    document, version = data.get("plan_id"), data.get("version")
    if event_name not in HEADLINE_RANK or not document or not version:
        return own
    at = f"{document}@{version}"
    decision = f"{at}:decision:{data['level']}:{data['by']}" if data.get("level") and data.get("by") else ""
    end = f"{at}:end"
    if event_name == events.DECISION_RECORDED:
        return (decision,) if decision else own
    if event_name == events.APPROVAL_COMPLETED:
        return (decision, end) if decision else (end,)
    return (end,)


@dataclass(frozen=True)
class Mention:
    """One event's part in an inbox item: the facts its message is written from (``context``:
    JSON values, the reader's language not yet applied)."""

    event_id: str
    event_type: str
    context: Mapping[str, Any]
    received_at: datetime

    @property
    def order(self) -> tuple[int, str, str]:
        return (HEADLINE_RANK.get(self.event_type, 0), self.event_type, self.event_id)


@dataclass
class InboxItem:
    """One reader's item about one happening: the events (mentions) grouped in it, the groups it
    answers to, and its message as last rendered."""

    id: str
    recipient: str
    plan_id: str | None
    created_at: datetime
    mentions: list[Mention] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    read_at: datetime | None = None
    subject: str = ""
    body: str = ""
    link: str = ""
    link_text: str = ""

    @property
    def headline(self) -> Mention:
        return max(self.mentions, key=lambda mention: mention.order)

    @property
    def event_id(self) -> str:
        """The first event of the item (as it was written: its identity among the reader's items)."""
        return min(self.mentions, key=lambda mention: (mention.received_at, mention.event_id)).event_id

    @property
    def event_type(self) -> str:
        return self.headline.event_type

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(mention.event_type for mention in sorted(self.mentions, key=lambda m: m.order, reverse=True))

    @property
    def read(self) -> bool:
        return self.read_at is not None

    def knows(self, event_id: str) -> bool:
        return any(mention.event_id == event_id for mention in self.mentions)

    def context(self) -> dict[str, Any]:
        """The facts of every mention, the more telling event's winning where two say something."""
        merged: dict[str, Any] = {}
        for mention in sorted(self.mentions, key=lambda m: m.order):
            for key, value in mention.context.items():
                if key not in merged or value not in (None, "", [], {}):
                    merged[key] = value
        return merged

    def add(self, mention: Mention, keys: Iterable[str]) -> bool:
        """Take in one more event; True when it changes what the item is about (its headline),
        which makes a read item unread again. An event already in it changes nothing."""
        if self.knows(mention.event_id):
            return False
        before = self.headline.event_type if self.mentions else None
        self.mentions.append(mention)
        self.keys.update(keys)
        changed = self.headline.event_type != before
        if changed and before is not None:
            self.read_at = None
        return changed

    def absorb(self, other: InboxItem) -> None:
        """Become one item with ``other`` (an event bridged their groups): the earlier one stays."""
        before = self.headline.event_type
        self.mentions.extend(m for m in other.mentions if not self.knows(m.event_id))
        self.keys.update(other.keys)
        self.created_at = min(self.created_at, other.created_at)
        if self.headline.event_type != before or other.read_at is None:
            self.read_at = None

    def rendered(self, subject: str, body: str, link: str, link_text: str) -> None:
        self.subject, self.body, self.link, self.link_text = subject, body, link, link_text

    def notice(self) -> Notice:
        return Notice(
            id=self.id,
            recipient=self.recipient,
            event_id=self.event_id,
            event_type=self.event_type,
            plan_id=self.plan_id,
            subject=self.subject,
            body=self.body,
            link=self.link,
            created_at=self.created_at,
            read_at=self.read_at,
            link_text=self.link_text,
            event_types=self.event_types,
        )


def survivor(items: Iterable[InboxItem]) -> InboxItem:
    """Of items an event bridges, the one that stays: the earliest (then the smallest id)."""
    return min(items, key=lambda item: (item.created_at, item.id))


@dataclass(frozen=True)
class Rendered:
    """A template's output for one reader: the link's words (``link_text``) apart from the text."""

    subject: str
    body: str
    link_text: str = ""


@dataclass(frozen=True)
class QueuedMail:
    """A notice waiting for the next e-mail digest of its reader."""

    notification_id: str
    recipient: str
    reader_name: str
    address: str
    locale: str
    subject: str
    body: str
    link: str
    created_at: datetime
    link_text: str = ""


@dataclass(frozen=True)
class MailState:
    """An item's mail as the queue holds it: still waiting for its digest, or claimed (sent or on
    its way) with the subject it had."""

    id: int
    notification_id: str
    waiting: bool
    subject: str


@dataclass(frozen=True)
class MailPlan:
    """What an item's mail needs after the item changed: rewrite the waiting mail ``rewrite`` (and
    drop the other waiting ones), or queue a new one (``enqueue``), or nothing."""

    rewrite: int | None = None
    drop: tuple[int, ...] = ()
    enqueue: bool = False


def plan_mail(states: Iterable[MailState], subject: str) -> MailPlan:
    """One mail per change a reader has not been mailed yet: a mail still waiting is rewritten (one
    digest entry per item), a mail gone out already is followed by a new one only when the item now
    says something else (its subject changed: the number was issued after the decision went out)."""
    states = list(states)
    waiting = sorted((state.id for state in states if state.waiting), reverse=True)
    if waiting:
        return MailPlan(rewrite=waiting[0], drop=tuple(waiting[1:]))
    if any(state.subject == subject for state in states):
        return MailPlan()
    return MailPlan(enqueue=True)


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        if name:
            seen.setdefault(name, None)
    return list(seen)
