"""What a plan says: its title, type, period, summary, legal bases, activities and
recipients. Immutable values; text is cleaned on the way in, so every entry
point (HTTP, sample data, tests) stores the same bytes for the same words."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from .text import clean_text, fold


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else value


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _year_on(day: date | None) -> date | None:
    """The same day a year later; 29 February becomes 28 February."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


def _years_on(text: str) -> str:
    """``năm 2024`` → ``năm 2025``, ``giai đoạn 2021–2025`` → ``giai đoạn 2022–2026``."""
    return _YEAR.sub(lambda match: str(int(match.group(0)) + 1), text)


@dataclass(frozen=True)
class LegalBasis:
    """A cited document ("Căn cứ Kết luận số 57-KL/TW ngày 15/6/2023 của Bộ Chính trị về …").

    ``document_type``, ``number`` and ``summary`` came with content model v2: they are
    written out only when given, so a version frozen before them keeps its canonical
    JSON, and so its hash, byte for byte."""

    reference: str
    title: str = ""
    issued_on: date | None = None
    issuer: str = ""
    document_type: str = ""  # Kết luận, Nghị định, Chỉ thị …
    number: str = ""  # the number and symbol: 57-KL/TW
    summary: str = ""  # what it is about: "về tiếp tục nâng cao …"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LegalBasis:
        return cls(
            reference=_text(data["reference"]),
            title=_text(data.get("title") or ""),
            issued_on=_date(data.get("issued_on")),
            issuer=_text(data.get("issuer") or ""),
            document_type=_text(data.get("document_type") or ""),
            number=_text(data.get("number") or ""),
            summary=_text(data.get("summary") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "reference": self.reference,
            "title": self.title,
            "issued_on": _iso(self.issued_on),
            "issuer": self.issuer,
        }
        for key in ("document_type", "number", "summary"):
            if getattr(self, key):
                document[key] = getattr(self, key)
        return document


@dataclass(frozen=True)
class Indicator:
    """A target of an activity. ``code`` (content model v2) names the indicator of the catalogue
    (``foreign_press.reporters``); a free-text indicator has none and is not summed nationally.
    Written out only when given, so versions frozen before it keep their hash."""

    name: str
    unit: str
    target: int
    code: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Indicator:
        return cls(
            name=_text(data["name"]),
            unit=_text(data["unit"]),
            target=data["target"],
            code=_text(data.get("code") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"name": self.name, "unit": self.unit, "target": self.target}
        if self.code:
            document["code"] = self.code
        return document


@dataclass(frozen=True)
class Activity:
    """One task of section II: who leads it ("chủ trì"), who helps ("phối hợp"),
    when (dates, or a quarter of the plan year), what it costs and what it must achieve."""

    title: str
    category: str
    lead_unit: str
    partner_units: tuple[str, ...] = ()
    # Content model v2: a stable id kept across versions (a report's results and a resubmission's
    # diff key on it). Written out only when set, so versions frozen before it keep their hash.
    id: str = ""
    start_date: date | None = None
    end_date: date | None = None
    quarter: int | None = None
    budget_vnd: int = 0
    budget_source: str = "provincial"
    content: str = ""
    expected_output: str = ""
    indicators: tuple[Indicator, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Activity:
        return cls(
            id=_text(data.get("id") or ""),
            title=_text(data["title"]),
            category=_text(data["category"]),
            lead_unit=_text(data["lead_unit"]),
            partner_units=tuple(_text(unit) for unit in data.get("partner_units") or ()),
            start_date=_date(data.get("start_date")),
            end_date=_date(data.get("end_date")),
            quarter=data.get("quarter"),
            budget_vnd=data.get("budget_vnd", 0),
            budget_source=_text(data.get("budget_source") or "provincial"),
            content=_text(data.get("content") or ""),
            expected_output=_text(data.get("expected_output") or ""),
            indicators=tuple(Indicator.from_dict(item) for item in data.get("indicators") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"id": self.id} if self.id else {}
        return document | {
            "title": self.title,
            "category": self.category,
            "lead_unit": self.lead_unit,
            "partner_units": list(self.partner_units),
            "start_date": _iso(self.start_date),
            "end_date": _iso(self.end_date),
            "quarter": self.quarter,
            "budget_vnd": self.budget_vnd,
            "budget_source": self.budget_source,
            "content": self.content,
            "expected_output": self.expected_output,
            "indicators": [indicator.to_dict() for indicator in self.indicators],
        }


@dataclass(frozen=True)
class PlanContent:
    """The body a drafter writes and replaces; frozen into a version on submission."""

    title: str
    plan_type: str
    year: int
    org_unit: str
    summary: str = ""
    end_year: int | None = None  # multi-year plans ("giai đoạn 2021–2025") only
    legal_bases: tuple[LegalBasis, ...] = ()
    activities: tuple[Activity, ...] = ()
    recipients: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanContent:
        return cls(
            title=_text(data["title"]),
            plan_type=_text(data["plan_type"]),
            year=data["year"],
            end_year=data.get("end_year"),
            org_unit=_text(data["org_unit"]),
            summary=_text(data.get("summary") or ""),
            legal_bases=tuple(LegalBasis.from_dict(item) for item in data.get("legal_bases") or ()),
            activities=tuple(Activity.from_dict(item) for item in data.get("activities") or ()),
            recipients=tuple(_text(item) for item in data.get("recipients") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "plan_type": self.plan_type,
            "year": self.year,
            "end_year": self.end_year,
            "org_unit": self.org_unit,
            "summary": self.summary,
            "legal_bases": [basis.to_dict() for basis in self.legal_bases],
            "activities": [activity.to_dict() for activity in self.activities],
            "recipients": list(self.recipients),
        }

    @property
    def period(self) -> tuple[date, date]:
        """The calendar span every activity must fall inside."""
        return date(self.year, 1, 1), date(self.end_year or self.year, 12, 31)

    @property
    def total_budget_vnd(self) -> int:
        return sum(activity.budget_vnd for activity in self.activities)

    def with_activity_ids(self, previous: PlanContent | None, new_id: Callable[[], str]) -> PlanContent:
        """Every activity with its stable id: the one it was sent with; else the id of the previous
        content's activity with the same title (a client that does not know ids yet); else a new one."""
        known = {
            fold(activity.title): activity.id for activity in (previous.activities if previous else ()) if activity.id
        }
        taken: set[str] = set()
        activities = []
        for activity in self.activities:
            activity_id = activity.id or known.get(fold(activity.title), "")
            if not activity_id or activity_id in taken:
                activity_id = new_id()
            taken.add(activity_id)
            activities.append(activity if activity.id == activity_id else replace(activity, id=activity_id))
        return replace(self, activities=tuple(activities))

    def canonical_json(self) -> bytes:
        """Sorted keys, no insignificant whitespace, UTF-8: the bytes a version's hash is taken of,
        so anyone holding the content can recompute the hash approvers decided on."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()

    def for_next_year(self) -> PlanContent:
        """The same plan a year on (a drafter's start from last year's approved plan): its year,
        period and every date moved by a year, the years named in its title moved too;
        activities with their budgets, indicators, lead and partner units, legal bases and
        recipients kept, for the drafter to edit."""
        return replace(
            self,
            title=_years_on(self.title),
            year=self.year + 1,
            end_year=self.end_year + 1 if self.end_year else None,
            activities=tuple(
                replace(
                    activity,
                    start_date=_year_on(activity.start_date),
                    end_date=_year_on(activity.end_date),
                )
                for activity in self.activities
            ),
        )

    def taken_over_by(self, org_unit: str) -> PlanContent:
        """The content as ``org_unit`` carries it on (a successor after a merger): the drafting unit,
        and the activities its predecessor led, become ``org_unit``'s."""
        if org_unit == self.org_unit:
            return self
        return replace(
            self,
            org_unit=org_unit,
            activities=tuple(
                replace(activity, lead_unit=org_unit) if activity.lead_unit == self.org_unit else activity
                for activity in self.activities
            ),
        )

    def search_text(self) -> str:
        """The folded words a list search matches: title, summary and activity titles."""
        return fold(" ".join([self.title, self.summary, *(activity.title for activity in self.activities)]))
