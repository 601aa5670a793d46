"""Compliance with a call: for each addressed province and each requested document, where the
document stands and whether it is late, in working days on the Vietnamese calendar.

The facts come from the overview read model (documents as their events told it, see
:mod:`.overview`), so plans and reports are followed the same way. States, most advanced last:

``not_started`` (no document), ``draft`` (never submitted, or withdrawn), ``returned``
(an approver sent it back), ``rejected``, ``submitted`` (under approval, at ``level``),
``approved`` (with its number and date), and for a report ``received`` (by the ministry).

A document is late when it was first submitted after its due date (by how many working
days), or when it is still not submitted after it (by how many working days so far).
A document submitted on time and returned afterwards is not late: what the ministry asked
is that the province send it by the date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Protocol

from .calls import Call, Province, Requested

NOT_STARTED, DRAFT, RETURNED, REJECTED, SUBMITTED, APPROVED, RECEIVED = (
    "not_started",
    "draft",
    "returned",
    "rejected",
    "submitted",
    "approved",
    "received",
)
# How far a document has come (the overview shows a province's most advanced document of a year).
PROGRESS = {NOT_STARTED: 0, DRAFT: 1, REJECTED: 2, RETURNED: 3, SUBMITTED: 4, APPROVED: 5, RECEIVED: 6}


class Calendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...

    def __hash__(self) -> int: ...


def working_days_after(due: date, day: date, calendar: Calendar) -> int:
    """How many working days of ``day`` and the days before it come after ``due`` (0 when ``day <= due``).
    The overview asks the same few (due date, today) pairs for every province: they are remembered."""
    if day <= due:
        return 0
    return _counted(calendar, due, day)


@lru_cache(maxsize=4096)
def _counted(calendar: Calendar, due: date, day: date) -> int:
    count = 0
    current = due + timedelta(days=1)
    while current <= day:
        if calendar.is_working_day(current):
            count += 1
        current += timedelta(days=1)
    return count


def working_days_until(today: date, due: date, calendar: Calendar) -> int:
    """Working days left from ``today`` (excluded) to ``due`` (included); 0 when due today or past."""
    return working_days_after(today, due, calendar)


@dataclass(frozen=True)
class DocumentFacts:
    """A document (plan or report) as the read model knows it."""

    kind: str
    id: str
    province: str
    year: int
    status: str  # one of the states above (never not_started)
    first_submitted_on: date | None = None
    level: int | None = None
    level_name: dict[str, str] | None = None
    document_number: str | None = None
    issued_on: date | None = None
    received_on: date | None = None
    call_id: str = ""
    plan_type: str = "annual"


@dataclass(frozen=True)
class Standing:
    """One requested document of one province: its state and its lateness."""

    kind: str
    year: int
    due: date
    status: str
    late: bool
    working_days_late: int
    document_id: str | None = None
    submitted_on: date | None = None
    level: int | None = None
    level_name: dict[str, str] | None = None
    document_number: str | None = None
    issued_on: date | None = None
    received_on: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "year": self.year,
            "due": self.due,
            "status": self.status,
            "late": self.late,
            "working_days_late": self.working_days_late,
            "document_id": self.document_id,
            "submitted_on": self.submitted_on,
            "level": self.level,
            "level_name": self.level_name,
            "document_number": self.document_number,
            "issued_on": self.issued_on,
            "received_on": self.received_on,
        }


def standing(asked: Requested, document: DocumentFacts | None, today: date, calendar: Calendar) -> Standing:
    """Where one requested document stands on ``today``."""
    if document is None:
        late_by = working_days_after(asked.due, today, calendar)
        return Standing(asked.kind, asked.year, asked.due, NOT_STARTED, late_by > 0, late_by)
    submitted = document.first_submitted_on
    late_by = working_days_after(asked.due, submitted if submitted is not None else today, calendar)
    return Standing(
        asked.kind,
        asked.year,
        asked.due,
        document.status,
        late_by > 0,
        late_by,
        document_id=document.id,
        submitted_on=submitted,
        level=document.level if document.status == SUBMITTED else None,
        level_name=document.level_name if document.status == SUBMITTED else None,
        document_number=document.document_number,
        issued_on=document.issued_on,
        received_on=document.received_on,
    )


def most_advanced(documents: Iterable[DocumentFacts]) -> DocumentFacts | None:
    """The document that has come furthest (the earliest submitted among equals)."""
    return max(
        documents,
        key=lambda doc: (PROGRESS.get(doc.status, 0), -(doc.first_submitted_on or date.max).toordinal()),
        default=None,
    )


def answer_of(
    call: Call, province: Province, asked: Requested, documents: Sequence[DocumentFacts]
) -> DocumentFacts | None:
    """The document of ``province`` that answers ``asked``: one linked to the call, else an annual
    document of that kind and year not linked to another call."""
    mine = [
        doc for doc in documents if doc.kind == asked.kind and doc.year == asked.year and province.matches(doc.province)
    ]
    linked = [doc for doc in mine if doc.call_id == call.id]
    if linked:
        return most_advanced(linked)
    return most_advanced(doc for doc in mine if not doc.call_id and doc.plan_type in ("annual", ""))


@dataclass(frozen=True)
class ProvinceCompliance:
    province: Province
    documents: tuple[Standing, ...]

    @property
    def late(self) -> bool:
        return any(item.late for item in self.documents)


def compliance(
    call: Call, documents: Sequence[DocumentFacts], today: date, calendar: Calendar
) -> list[ProvinceCompliance]:
    """Every addressed province's standing on each requested document, in the call's order."""
    return [
        ProvinceCompliance(
            province,
            tuple(
                standing(asked, answer_of(call, province, asked, documents), today, calendar)
                for asked in call.requested
            ),
        )
        for province in call.provinces
    ]


def due_for_reminder(
    call: Call,
    documents: Sequence[DocumentFacts],
    today: date,
    calendar: Calendar,
    *,
    days_before: int,
    already: set[tuple[str, str, str]],
) -> list[tuple[Province, Requested, int]]:
    """The (province, document, working days left) to remind today: not yet submitted, due within
    ``days_before`` working days and not past, and not reminded before (``already`` holds
    (call id, province id, kind))."""
    found = []
    for province in call.provinces:
        for asked in call.requested:
            if (call.id, province.id, asked.kind) in already or asked.due < today:
                continue
            left = working_days_until(today, asked.due, calendar)
            if left > days_before:
                continue
            document = answer_of(call, province, asked, documents)
            if document is None or document.first_submitted_on is None:
                found.append((province, asked, left))
    return found
