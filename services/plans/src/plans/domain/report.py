"""What a report says (Báo cáo tổng kết công tác thông tin đối ngoại): the year-end or
six-month answer to the ministry, reporting what was done against an approved plan.

Its sections are those of the Quảng Bình 2017 report: I. situation (advantages,
difficulties); II. results — one entry per activity of the plan's approved version,
keyed on the activity's stable id, with the frozen target of each indicator beside
its actual value, and the activities done that were not in the plan; III. assessment
(strengths, weaknesses, causes); IV. directions for next year; V. proposals.

The reporting period follows Decree 09/2019/NĐ-CP's data cut-off: 15 December of the
year before to 14 December (a year) or 14 June (six months), editable.
Immutable values, like :mod:`.content`: the report's canonical JSON is hashed as a
plan's is, and the completion percentages are computed, never stored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .catalogue import AT_LEAST, AT_MOST, Catalogue
from .content import PlanContent, _date, _iso, _text
from .text import fold

ANNUAL, SEMIANNUAL = "annual", "semiannual"
REPORT_KINDS = (ANNUAL, SEMIANNUAL)
KIND_TITLES = {
    ANNUAL: "Báo cáo kết quả công tác thông tin đối ngoại năm {year}",
    SEMIANNUAL: "Báo cáo kết quả công tác thông tin đối ngoại 6 tháng đầu năm {year}",
}
# What became of a planned activity.
DONE, PARTLY_DONE, NOT_DONE, CANCELLED, CARRIED_OVER = "done", "partly_done", "not_done", "cancelled", "carried_over"
RESULT_STATUSES = (DONE, PARTLY_DONE, NOT_DONE, CANCELLED, CARRIED_OVER)
# Words reports put before a figure ("trên 200 người"); kept beside the number, never in the arithmetic.
QUALIFIERS = ("trên", "hơn", "gần", "khoảng", "dưới")

Number = int | float


def default_period(kind: str, year: int) -> tuple[date, date]:
    """Decree 09/2019's data cut-off: 15/12 of the year before to 14/12 (a year) or 14/06 (six months)."""
    return date(year - 1, 12, 15), date(year, 6 if kind == SEMIANNUAL else 12, 14)


def completion_pct(target: int | None, actual: Number | None, direction: str = AT_LEAST) -> float | None:
    """Actual ÷ target as a percentage with one decimal (half up), which may exceed 100; none without
    an actual value or with a target of 0. An ``at_most`` indicator counts the other way
    (target ÷ actual): spending 120 of an allowed 150 is 125 %; none when nothing was spent."""
    if actual is None or target is None or target == 0:
        return None
    if direction == AT_MOST:
        if actual == 0:
            return None
        ratio = Decimal(target) / Decimal(str(actual))
    else:
        ratio = Decimal(str(actual)) / Decimal(target)
    return float((ratio * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def is_shortfall(target: int | None, actual: Number | None, direction: str = AT_LEAST) -> bool:
    """Whether the actual value misses the target (an ``at_most`` target is missed by going over it)."""
    if actual is None or target is None:
        return False
    return actual > target if direction == AT_MOST else actual < target


def _number(value: Any) -> Number | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value  # type: ignore[no-any-return]


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's result: its frozen target (none for an activity not in the plan), the actual
    value, and a qualifier kept beside it ("trên" 200 người)."""

    name: str
    unit: str
    target: int | None = None
    actual: Number | None = None
    qualifier: str = ""
    code: str = ""
    direction: str = AT_LEAST  # frozen from the catalogue when the report was made

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndicatorResult:
        return cls(
            name=_text(data.get("name") or ""),
            unit=_text(data.get("unit") or ""),
            target=data.get("target"),
            actual=_number(data.get("actual")),
            qualifier=_text(data.get("qualifier") or ""),
            code=_text(data.get("code") or ""),
            direction=data.get("direction") or AT_LEAST,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "target": self.target,
            "actual": self.actual,
            "qualifier": self.qualifier,
            "code": self.code,
            "direction": self.direction,
        }

    @property
    def completion_pct(self) -> float | None:
        return completion_pct(self.target, self.actual, self.direction)

    @property
    def shortfall(self) -> bool:
        return is_shortfall(self.target, self.actual, self.direction)

    def view(self) -> dict[str, Any]:
        """As the API shows it: with the computed percentage and whether it falls short."""
        return {**self.to_dict(), "completion_pct": self.completion_pct, "shortfall": self.shortfall}


@dataclass(frozen=True)
class ActivityResult:
    """What became of one activity: of the plan (``activity_id`` set, title, budget and targets frozen
    from the plan's approved version) or done beside it (``planned`` false)."""

    activity_id: str
    title: str
    category: str = ""
    lead_unit: str = ""
    planned: bool = True
    budget_vnd: int | None = None
    status: str = ""
    done: str = ""  # what was done, in words
    spent_vnd: int | None = None
    indicators: tuple[IndicatorResult, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActivityResult:
        return cls(
            activity_id=_text(data.get("activity_id") or ""),
            title=_text(data.get("title") or ""),
            category=_text(data.get("category") or ""),
            lead_unit=_text(data.get("lead_unit") or ""),
            planned=bool(data.get("planned", True)),
            budget_vnd=data.get("budget_vnd"),
            status=_text(data.get("status") or ""),
            done=_text(data.get("done") or ""),
            spent_vnd=data.get("spent_vnd"),
            indicators=tuple(IndicatorResult.from_dict(item) for item in data.get("indicators") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "activity_id": self.activity_id,
            "title": self.title,
            "category": self.category,
            "lead_unit": self.lead_unit,
            "planned": self.planned,
            "budget_vnd": self.budget_vnd,
            "status": self.status,
            "done": self.done,
            "spent_vnd": self.spent_vnd,
            "indicators": [indicator.to_dict() for indicator in self.indicators],
        }

    def view(self) -> dict[str, Any]:
        return {**self.to_dict(), "indicators": [indicator.view() for indicator in self.indicators]}


@dataclass(frozen=True)
class ReportContent:
    """The body of a report, frozen into a version on submission like a plan's."""

    title: str
    report_kind: str
    year: int
    org_unit: str
    period_start: date
    period_end: date
    plan_ref: str  # the plan reported on
    plan_ref_version: int = 0
    plan_ref_number: str = ""
    plan_ref_title: str = ""
    replies_to: str = ""  # the letter answered: "3616/BTTTT-TTĐN ngày 06/10/2017"
    advantages: str = ""  # I. situation
    difficulties: str = ""
    results: tuple[ActivityResult, ...] = ()  # II. results: the plan's activities, then the unplanned ones
    strengths: str = ""  # III. assessment
    weaknesses: str = ""
    causes: str = ""
    directions: str = ""  # IV. directions and tasks for next year
    proposals: str = ""  # V. proposals
    addressed_to: tuple[str, ...] = ()  # Kính gửi: the ministry
    recipients: tuple[str, ...] = ()

    # -- what every document kind's content answers (the aggregate and the repository read these)
    @property
    def plan_type(self) -> str:
        """The kind, in the column plans keep their type in."""
        return self.report_kind

    @property
    def summary(self) -> str:
        return self.advantages

    @property
    def total_budget_vnd(self) -> int:
        return sum(result.budget_vnd or 0 for result in self.results if result.planned)

    @property
    def total_spent_vnd(self) -> int:
        return sum(result.spent_vnd or 0 for result in self.results)

    @property
    def period(self) -> tuple[date, date]:
        return self.period_start, self.period_end

    @property
    def planned_results(self) -> tuple[ActivityResult, ...]:
        return tuple(result for result in self.results if result.planned)

    @property
    def extra_results(self) -> tuple[ActivityResult, ...]:
        return tuple(result for result in self.results if not result.planned)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportContent:
        return cls(
            title=_text(data["title"]),
            report_kind=_text(data["report_kind"]),
            year=data["year"],
            org_unit=_text(data["org_unit"]),
            period_start=_date(data["period_start"]),  # type: ignore[arg-type]
            period_end=_date(data["period_end"]),  # type: ignore[arg-type]
            plan_ref=_text(data["plan_ref"]),
            plan_ref_version=data.get("plan_ref_version") or 0,
            plan_ref_number=_text(data.get("plan_ref_number") or ""),
            plan_ref_title=_text(data.get("plan_ref_title") or ""),
            replies_to=_text(data.get("replies_to") or ""),
            advantages=_text(data.get("advantages") or ""),
            difficulties=_text(data.get("difficulties") or ""),
            results=tuple(ActivityResult.from_dict(item) for item in data.get("results") or ()),
            strengths=_text(data.get("strengths") or ""),
            weaknesses=_text(data.get("weaknesses") or ""),
            causes=_text(data.get("causes") or ""),
            directions=_text(data.get("directions") or ""),
            proposals=_text(data.get("proposals") or ""),
            addressed_to=tuple(_text(item) for item in data.get("addressed_to") or ()),
            recipients=tuple(_text(item) for item in data.get("recipients") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "report_kind": self.report_kind,
            "year": self.year,
            "org_unit": self.org_unit,
            "period_start": _iso(self.period_start),
            "period_end": _iso(self.period_end),
            "plan_ref": self.plan_ref,
            "plan_ref_version": self.plan_ref_version,
            "plan_ref_number": self.plan_ref_number,
            "plan_ref_title": self.plan_ref_title,
            "replies_to": self.replies_to,
            "advantages": self.advantages,
            "difficulties": self.difficulties,
            "results": [result.to_dict() for result in self.results],
            "strengths": self.strengths,
            "weaknesses": self.weaknesses,
            "causes": self.causes,
            "directions": self.directions,
            "proposals": self.proposals,
            "addressed_to": list(self.addressed_to),
            "recipients": list(self.recipients),
        }

    def view(self) -> dict[str, Any]:
        """The content as the API shows it: each indicator with its computed percentage."""
        return {
            **self.to_dict(),
            "results": [result.view() for result in self.results],
            "total_budget_vnd": self.total_budget_vnd,
            "total_spent_vnd": self.total_spent_vnd,
        }

    def canonical_json(self) -> bytes:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()

    def search_text(self) -> str:
        return fold(" ".join([self.title, self.plan_ref_number, *(result.title for result in self.results)]))

    # -- made from the plan, then edited
    @classmethod
    def from_plan(
        cls,
        *,
        plan_id: str,
        plan_version: int,
        plan_number: str,
        plan: PlanContent,
        kind: str,
        org_unit: str,
        catalogue: Catalogue,
        period: tuple[date, date] | None = None,
    ) -> ReportContent:
        """A draft whose results list every activity and indicator of the plan's approved version,
        targets frozen; an activity approved before stable ids existed is keyed by its position."""
        start, end = period or default_period(kind, plan.year)
        results = tuple(
            ActivityResult(
                activity_id=activity.id or f"#{index}",
                title=activity.title,
                category=activity.category,
                lead_unit=activity.lead_unit,
                budget_vnd=activity.budget_vnd,
                indicators=tuple(
                    IndicatorResult(
                        name=indicator.name,
                        unit=indicator.unit,
                        target=indicator.target,
                        code=indicator.code,
                        direction=catalogue.direction_of(indicator.code),
                    )
                    for indicator in activity.indicators
                ),
            )
            for index, activity in enumerate(plan.activities, start=1)
        )
        return cls(
            title=KIND_TITLES.get(kind, KIND_TITLES[ANNUAL]).format(year=plan.year),
            report_kind=kind,
            year=plan.year,
            org_unit=org_unit,
            period_start=start,
            period_end=end,
            plan_ref=plan_id,
            plan_ref_version=plan_version,
            plan_ref_number=plan_number,
            plan_ref_title=plan.title,
            results=results,
            recipients=tuple(plan.recipients),
        )

    def edited(self, body: dict[str, Any], catalogue: Catalogue) -> tuple[ReportContent, list[tuple[Any, ...]]]:
        """The report as a drafter's edit makes it, and the paths of results it names that do not exist.

        What the plan fixed stays fixed: the plan reported on, each planned activity's title, budget,
        and its indicators' names, units and targets. The drafter writes the texts, the period, and per
        planned activity (by ``activity_id``) its status, what was done, the money spent and each
        indicator's actual value and qualifier (by position); the unplanned activities are theirs whole."""
        unknown: list[tuple[Any, ...]] = []
        planned = {result.activity_id: result for result in self.planned_results}
        edits: dict[str, ActivityResult] = {}
        extras: list[ActivityResult] = []
        for index, item in enumerate(body.get("results") or ()):
            activity_id = item.get("activity_id") or ""
            if item.get("planned", True) is False or not activity_id:
                extras.append(ActivityResult.from_dict({**item, "planned": False, "budget_vnd": None}))
                continue
            frozen = planned.get(activity_id)
            if frozen is None:
                unknown.append(("results", index, "activity_id"))
                continue
            given = item.get("indicators") or []
            indicators = tuple(
                replace(
                    indicator,
                    actual=_number(given[position].get("actual")) if position < len(given) else indicator.actual,
                    qualifier=_text(given[position].get("qualifier") or "")
                    if position < len(given)
                    else indicator.qualifier,
                )
                for position, indicator in enumerate(frozen.indicators)
            )
            if len(given) > len(frozen.indicators):
                unknown.append(("results", index, "indicators", len(frozen.indicators)))
            edits[activity_id] = replace(
                frozen,
                status=_text(item.get("status") or ""),
                done=_text(item.get("done") or ""),
                spent_vnd=item.get("spent_vnd"),
                indicators=indicators,
            )
        results = tuple(edits.get(result.activity_id, result) for result in self.planned_results)
        extras = [
            replace(
                extra,
                activity_id=extra.activity_id or f"extra-{position}",
                indicators=tuple(
                    replace(indicator, target=None, direction=catalogue.direction_of(indicator.code))
                    for indicator in extra.indicators
                ),
            )
            for position, extra in enumerate(extras, start=1)
        ]
        start = _date(body.get("period_start")) or self.period_start
        end = _date(body.get("period_end")) or self.period_end

        def text(name: str) -> str:
            return str(_text(body.get(name) or ""))

        return (
            replace(
                self,
                title=_text(body.get("title") or self.title),
                period_start=start,
                period_end=end,
                results=results + tuple(extras),
                addressed_to=tuple(_text(item) for item in body.get("addressed_to") or ()),
                recipients=tuple(_text(item) for item in body.get("recipients") or ()),
                replies_to=text("replies_to"),
                advantages=text("advantages"),
                difficulties=text("difficulties"),
                strengths=text("strengths"),
                weaknesses=text("weaknesses"),
                causes=text("causes"),
                directions=text("directions"),
                proposals=text("proposals"),
            ),
            unknown,
        )
