"""The ministry's call: the official letter (công văn) that asks the provinces for the coming
year's plan and the current year's report by given dates, with its priorities.

A call is issued once and never edited (a correction is a new letter). It names the
provinces it is addressed to — every province and centrally-run city in force on its
issue date unless it lists some — and records ``call.issued``, which tells each
addressed province's drafters and approvers. A plan (or report) of an addressed
province for the year asked answers the call; :func:`answering` picks the call a
document answers when its drafter has not chosen one.

Compliance (per call, province and requested document) and lateness in Vietnamese
working days are in :mod:`.compliance`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from servicekit.contracts import events as contract
from servicekit.i18n import N_
from servicekit.validation import Validation

from .errors import CallInvalid

PLAN, REPORT = "plan", "report"
DOCUMENT_KINDS = (PLAN, REPORT)
REFERENCE_MAX = 80
PRIORITIES_MAX = 20_000


@dataclass(frozen=True)
class Province:
    """A province as the registry knows it on a day: its registry id (what plans and accounts carry),
    the code used before the registry (``CB``; empty for a province formed since), and its name."""

    id: str
    code: str = ""
    name: str = ""

    def matches(self, province: str) -> bool:
        """Whether a document's ``province`` (a registry id or a legacy code) is this province."""
        return bool(province) and province in (self.id, self.code)

    def to_contract(self) -> contract.AddressedProvince:
        return contract.AddressedProvince(id=self.id, code=self.code, name=self.name)


@dataclass(frozen=True)
class Requested:
    """One document a call asks for: its kind, the year it covers and its due date."""

    kind: str
    year: int
    due: date


@dataclass
class Call:
    id: str
    reference: str
    issued_on: date
    issuer: str
    issuer_name: str
    plan_year: int | None
    plan_due: date | None
    report_year: int | None
    report_due: date | None
    priorities: str
    provinces: tuple[Province, ...]
    created_by: str
    created_at: datetime
    events: list[Any] = field(default_factory=list)

    @classmethod
    def issue(
        cls,
        call_id: str,
        body: dict[str, Any],
        *,
        provinces_on: Sequence[Province],
        issuer: Province,
        by: str,
        at: datetime,
    ) -> Call:
        """Check the letter (every broken rule at once) and issue it; ``provinces_on`` are the
        provinces in force on its issue date, ``issuer`` the ministry that writes it."""
        validation = Validation()
        reference = str(body.get("reference") or "").strip()
        if not reference:
            validation.add(("reference",), "required", N_("The letter's number and symbol are required."))
        elif len(reference) > REFERENCE_MAX:
            validation.add(("reference",), "max_length", N_("At most {limit} characters.", limit=REFERENCE_MAX))
        issued_on: date = body["issued_on"]
        plan_year, plan_due = body.get("plan_year"), body.get("plan_due")
        report_year, report_due = body.get("report_year"), body.get("report_due")
        if plan_year is None and report_year is None:
            for name in ("plan_year", "report_year"):
                validation.add(
                    (name,), "required", N_("A call asks for a plan, a report or both: give the year of at least one.")
                )
        for kind, year, due in (("plan", plan_year, plan_due), ("report", report_year, report_due)):
            if year is not None and due is None:
                validation.add((f"{kind}_due",), "required", N_("Give the date the document is due."))
            if year is None and due is not None:
                validation.add((f"{kind}_year",), "required", N_("Give the year the document covers."))
            if due is not None and due < issued_on:
                validation.add(
                    (f"{kind}_due",),
                    "due_before_issue",
                    N_("The due date {due} is before the letter's date {issued_on}.", due=due, issued_on=issued_on),
                )
        priorities = str(body.get("priorities") or "").strip()
        if len(priorities) > PRIORITIES_MAX:
            validation.add(("priorities",), "max_length", N_("At most {limit} characters.", limit=PRIORITIES_MAX))
        addressed = _addressed(body.get("provinces"), provinces_on, issued_on, validation)
        if not validation.ok:
            raise CallInvalid(validation)
        call = cls(
            id=call_id,
            reference=reference,
            issued_on=issued_on,
            issuer=issuer.id,
            issuer_name=issuer.name,
            plan_year=plan_year,
            plan_due=plan_due,
            report_year=report_year,
            report_due=report_due,
            priorities=priorities,
            provinces=addressed,
            created_by=by,
            created_at=at,
        )
        call.events.append(
            contract.CallIssued(
                **call._context(),
                plan_year=plan_year,
                plan_due=plan_due,
                report_year=report_year,
                report_due=report_due,
                priorities=priorities,
                provinces=tuple(province.to_contract() for province in addressed),
                by=by,
                issued_at=at,
            )
        )
        return call

    @property
    def citation(self) -> str:
        """How a document answering the call cites it, after its legal bases: "Thực hiện Công văn số
        3616/BTTTT-TTĐN ngày 06/10/2017 của Bộ Thông tin và Truyền thông"."""
        return f"Thực hiện Công văn số {self.reference} ngày {self.issued_on:%d/%m/%Y} của {self.issuer_name}"

    @property
    def requested(self) -> tuple[Requested, ...]:
        """The documents the call asks for, plan first."""
        asked = []
        if self.plan_year is not None and self.plan_due is not None:
            asked.append(Requested(PLAN, self.plan_year, self.plan_due))
        if self.report_year is not None and self.report_due is not None:
            asked.append(Requested(REPORT, self.report_year, self.report_due))
        return tuple(asked)

    def addresses(self, province: str) -> bool:
        return any(addressed.matches(province) for addressed in self.provinces)

    def province(self, province: str) -> Province | None:
        return next((addressed for addressed in self.provinces if addressed.matches(province)), None)

    def asks_for(self, kind: str, year: int) -> Requested | None:
        return next((asked for asked in self.requested if asked.kind == kind and asked.year == year), None)

    def remind(self, province: Province, asked: Requested, working_days_left: int) -> None:
        """Record the reminder to ``province`` that ``asked`` is due soon (the caller makes sure it is once)."""
        self.events.append(
            contract.CallReminder(
                **self._context(),
                province=province.to_contract(),
                document=asked.kind,
                year=asked.year,
                due_on=asked.due,
                working_days_left=working_days_left,
            )
        )

    def _context(self) -> dict[str, Any]:
        return {
            "call_id": self.id,
            "reference": self.reference,
            "issued_on": self.issued_on,
            "issuer": self.issuer,
            "issuer_name": self.issuer_name,
        }


def _addressed(
    asked: Any, provinces_on: Sequence[Province], issued_on: date, validation: Validation
) -> tuple[Province, ...]:
    """The provinces a call addresses: those listed (each must be in force on the letter's date,
    named by its registry id or its code), or all of them when none is listed."""
    if asked is None or asked == []:
        return tuple(provinces_on)
    chosen: list[Province] = []
    for index, name in enumerate(asked):
        found = next((province for province in provinces_on if province.matches(str(name))), None)
        if found is None:
            validation.add(
                ("provinces", index),
                "unknown_province",
                N_("{province} is not a province or centrally-run city on {day}.", province=name, day=issued_on),
            )
        elif found not in chosen:
            chosen.append(found)
    return tuple(chosen)


def answering(calls: Iterable[Call], kind: str, year: int, province: str) -> Call | None:
    """The call a document of ``kind`` for ``year`` in ``province`` answers: the latest letter that
    asks for it from that province (a later letter supersedes an earlier one)."""
    candidates = [call for call in calls if call.asks_for(kind, year) and call.addresses(province)]
    return max(candidates, key=lambda call: (call.issued_on, call.created_at), default=None)
