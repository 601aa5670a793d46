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
NOTIFIED_EVENTS = DRAFTER_EVENTS | ASSIGNEE_EVENTS | {events.TASK_DELEGATED}
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
    else:
        candidates = []
    actor = actor_of(event_name, data)
    return [name for name in _unique(candidates) if name and name != actor]


@dataclass(frozen=True)
class Notice:
    """One message for one reader, rendered in their language."""

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

    @property
    def read(self) -> bool:
        return self.read_at is not None


@dataclass(frozen=True)
class Rendered:
    """A template's output for one reader."""

    subject: str
    body: str


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


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        if name:
            seen.setdefault(name, None)
    return list(seen)
