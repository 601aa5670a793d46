"""What callers read about calls and the national overview: ``view(…, uow)``, read-only.

Who sees what: the ministry (``ministry_approver``), administrators and integrators see every
province; a province's users (drafters and approvers) see their own province only, and asking
for another is answered as if it did not exist (404), as for another unit's plan."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from servicekit.messagebus import MessageBus

from .domain.access import Actor
from .domain.calls import PLAN, REPORT, Call, Province, Requested
from .domain.compliance import Calendar, DocumentFacts, compliance, most_advanced, standing
from .domain.errors import CallNotFound, ProvinceNotFound
from .domain.model import VIETNAM
from .domain.overview import OverviewDocument, by_category, indicator_totals
from .domain.provinces import Provinces
from .service_layer.calls import document_facts
from .service_layer.unit_of_work import UnitOfWork

NATIONAL_ROLES = ("ministry_approver", "admin", "integrator")
TREND_INDICATORS = 3  # without headline indicators in the catalogue: the three largest targets of the year


def sees_every_province(actor: Actor) -> bool:
    return actor.has_role(*NATIONAL_ROLES)


def citation(call: Call) -> str:
    """How a document answering the call cites it (after its legal bases: "Thực hiện …")."""
    return call.citation


def list_calls(actor: Actor, uow: UnitOfWork) -> list[Call]:
    with uow:
        calls = uow.calls.all()
    if sees_every_province(actor):
        return calls
    return [call for call in calls if actor.province and call.addresses(actor.province)]


def get_call(call_id: str, actor: Actor, uow: UnitOfWork) -> Call:
    with uow:
        call = uow.calls.get(call_id)
    if call is None or not (sees_every_province(actor) or (actor.province and call.addresses(actor.province))):
        raise CallNotFound(call_id)
    return call


def call_link(document_id: str, actor: Actor, uow: UnitOfWork, *, kind: str = PLAN) -> dict[str, Any]:
    """The call a plan or report (``kind``) answers — the one its drafter chose, else the latest that
    asks its province for a document of its kind and year — whether the drafter chose it, and the
    calls it may answer (those that ask its province for it), newest first."""
    from .service_layer.handlers import call_for_plan
    from .views import get_plan

    document = get_plan(document_id, actor, uow, kind=kind)
    year = document.content.year
    with uow:
        chosen = uow.calls.link_of(kind, document.id)
        linked_id = call_for_plan(uow, document.id, year, document.province, kind=kind)
        linked = uow.calls.get(linked_id) if linked_id else None
        fitting = [
            call
            for call in uow.calls.for_year(kind, year)
            if call.asks_for(kind, year) and call.addresses(document.province)
        ]
    fitting.sort(key=lambda call: (call.issued_on, call.created_at), reverse=True)
    return {"call_id": linked_id, "chosen": chosen is not None, "call": linked, "candidates": fitting}


def call_compliance(
    call_id: str, actor: Actor, uow: UnitOfWork, *, clock: Callable[[], datetime], calendar: Calendar
) -> dict[str, Any]:
    call = get_call(call_id, actor, uow)
    today = clock().astimezone(VIETNAM).date()
    with uow:
        facts: list[DocumentFacts] = []
        for year in sorted({asked.year for asked in call.requested}):
            facts.extend(document_facts(uow, year))
    rows = compliance(call, facts, today, calendar)
    if not sees_every_province(actor):
        rows = [row for row in rows if actor.province and row.province.matches(actor.province)]
    return {
        "call": _call_document(call),
        "as_of": today,
        "provinces": [
            {
                "province": {"id": row.province.id, "code": row.province.code, "name": row.province.name},
                "late": row.late,
                "documents": [item.to_dict() for item in row.documents],
            }
            for row in rows
        ],
    }


def _call_document(call: Call) -> dict[str, Any]:
    from .entrypoints.calls_api import call_document

    return call_document(call)


# -- the overview
def _call_for(calls: Sequence[dict[str, Any]], kind: str, year: int, province: Province) -> dict[str, Any] | None:
    """The latest call (as call.issued told it) that asks ``province`` for ``kind`` of ``year``."""
    found = [
        call
        for call in calls
        if call.get(f"{kind}_year") == year
        and call.get(f"{kind}_due")
        and any(
            province.matches(str(p.get("id"))) or province.matches(str(p.get("code") or ""))
            for p in call.get("provinces") or []
        )
    ]
    return max(found, key=lambda call: (str(call.get("issued_on")), str(call.get("issued_at"))), default=None)


def _cell(
    kind: str,
    year: int,
    documents: Sequence[OverviewDocument],
    call: dict[str, Any] | None,
    today: date,
    calendar: Calendar,
) -> dict[str, Any]:
    """One cell of the matrix: the province's document of that kind and year, and its lateness."""
    facts = [document.facts() for document in documents]
    linked = [fact for fact in facts if call and fact.call_id == call.get("call_id")]
    chosen = most_advanced(linked or facts)
    if call is None:
        if chosen is None:
            return {"kind": kind, "year": year, "status": "not_started", "late": False, "working_days_late": 0}
        cell = standing(Requested(kind, year, date.max), chosen, today, calendar).to_dict()
        cell.update(due=None, late=False, working_days_late=0)
        return cell
    due = date.fromisoformat(str(call[f"{kind}_due"]))
    cell = standing(Requested(kind, year, due), chosen, today, calendar).to_dict()
    cell["call_id"] = call.get("call_id")
    cell["call_reference"] = call.get("reference")
    return cell


def _completion(actual: int, target: int) -> float | None:
    return round(100 * actual / target, 1) if target else None


# Computed overviews, by what they depend on: the year, whose view, the day (lateness runs until today)
# and the read model's change stamp. Each worker keeps a few; an event that changes the read model
# changes its stamp, so a stale answer is never served.
_COMPUTED: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_COMPUTED_MAX = 64
_COMPUTED_LOCK = threading.Lock()


def overview(year: int, actor: Actor, bus: MessageBus, *, province: str | None = None) -> dict[str, Any]:
    """The year's overview (see :func:`compute_overview`), from the worker's cache while the read
    model has not changed."""
    uow = bus.uow()
    with uow:
        stamp = uow.overview.stamp()  # type: ignore[attr-defined]
    today = bus.dependencies["clock"]().astimezone(VIETNAM).date()
    everyone = sees_every_province(actor)
    key = (year, province, everyone, None if everyone else actor.province, today, stamp)
    with _COMPUTED_LOCK:
        cached = _COMPUTED.get(key)
        if cached is not None:
            _COMPUTED.move_to_end(key)
            return cached  # shared: callers only read it (the API serialises it, the exports lay it out)
    answer = compute_overview(year, actor, bus, province=province)
    with _COMPUTED_LOCK:
        _COMPUTED[key] = answer
        while len(_COMPUTED) > _COMPUTED_MAX:
            _COMPUTED.popitem(last=False)
    return answer


def compute_overview(year: int, actor: Actor, bus: MessageBus, *, province: str | None = None) -> dict[str, Any]:
    """The year's overview: per province the plan's and the report's state (late ones marked), budgets
    planned (approved plans) and spent (approved reports), completion; the indicator totals summed
    by catalogue code; the national completion Σ actual ÷ Σ target over the provinces that reported;
    and the trend of the headline indicators over the years available up to ``year``."""
    provinces_of: Provinces = bus.dependencies["provinces"]
    calendar: Calendar = bus.dependencies["calendar"]
    headline: tuple[str, ...] = bus.dependencies["catalogue"].headline_indicators
    today = bus.dependencies["clock"]().astimezone(VIETNAM).date()
    listed = provinces_of.of_year(year)
    wanted = province if province is not None else (None if sees_every_province(actor) else actor.province or "")
    uow = bus.uow()
    with uow:
        store = uow.overview  # type: ignore[attr-defined]
        years = [y for y in store.years() if y <= year]
        documents = store.documents(years=years or [year])
        calls = store.calls()
    of_year = [d for d in documents if d.year == year]
    # A document of that year may name a province formed later (a draft passed to the province that
    # does the work today): it is listed under that province rather than left out.
    for named in sorted({d.province for d in of_year if not any(p.matches(d.province) for p in listed)}):
        later = provinces_of.find(named)
        if later is not None:
            listed.append(later)
    if wanted is not None:
        chosen = [p for p in listed if p.matches(wanted)]
        if not chosen and wanted:  # a province that did not exist that year: itself, with nothing yet
            later = provinces_of.find(wanted)
            chosen = [later] if later is not None else []
        allowed = sees_every_province(actor) or bool(actor.province and any(p.matches(actor.province) for p in chosen))
        if not chosen or not allowed:
            raise ProvinceNotFound(wanted or "?")
        listed = chosen
    rows = []
    approved_plans: list[OverviewDocument] = []
    approved_reports: list[OverviewDocument] = []
    for place in listed:
        mine = [d for d in of_year if place.matches(d.province)]
        plans = [d for d in mine if d.kind == PLAN and d.plan_type in ("annual", "")]
        reports = [d for d in mine if d.kind == REPORT and d.plan_type in ("annual", "")]  # not the six-month ones
        signed_plans = [d for d in plans if d.figures]
        signed_reports = [d for d in reports if d.figures]
        approved_plans.extend(signed_plans)
        approved_reports.extend(signed_reports)
        totals, _ = indicator_totals(signed_plans, signed_reports)
        actual = sum(t.actual for t in totals)
        target = sum(t.reporting_target for t in totals)
        rows.append(
            {
                "province": {"id": place.id, "code": place.code, "name": place.name},
                "plan": _cell(PLAN, year, plans, _call_for(calls, PLAN, year, place), today, calendar),
                "report": _cell(REPORT, year, reports, _call_for(calls, REPORT, year, place), today, calendar),
                "budget_planned_vnd": sum(int(d.figures.get("total_budget_vnd") or 0) for d in signed_plans),
                "budget_spent_vnd": sum(
                    int(d.figures.get("total_spent_vnd") or d.figures.get("total_budget_vnd") or 0)
                    for d in signed_reports
                ),
                "completion": _completion(actual, target),
            }
        )
    totals, uncoded = indicator_totals(approved_plans, approved_reports, headline)
    national_actual = sum(t.actual for t in totals)
    national_target = sum(t.reporting_target for t in totals)
    planned = by_category(approved_plans, "budgets")
    spent = by_category(approved_reports, "budgets")
    trend_codes = list(headline) or [t.code for t in sorted(totals, key=lambda t: -t.target)[:TREND_INDICATORS]]
    return {
        "year": year,
        "as_of": today,
        "scope": "national" if wanted is None else "province",
        "provinces": rows,
        "late": sum(1 for row in rows for kind in (PLAN, REPORT) if row[kind]["late"]),
        "national": {
            "budget_planned_vnd": sum(row["budget_planned_vnd"] for row in rows),
            "budget_spent_vnd": sum(row["budget_spent_vnd"] for row in rows),
            "completion": _completion(national_actual, national_target),
            "provinces_reporting": len({d.province for d in approved_reports}),
        },
        "indicators": [
            {
                "code": t.code,
                "name": t.name,
                "unit": t.unit,
                "target": t.target,
                "actual": t.actual,
                "completion": t.completion,
                "provinces_reporting": t.provinces_reporting,
                "headline": t.headline,
            }
            for t in totals
        ],
        "uncoded_indicators": uncoded,
        "categories": [
            {"category": key, "planned_vnd": planned.get(key, 0), "spent_vnd": spent.get(key, 0)}
            for key in sorted(set(planned) | set(spent))
        ],
        "trend": _trend(trend_codes, documents, listed if wanted is not None else None, provinces_of, years or [year]),
    }


def _trend(
    codes: Sequence[str],
    documents: Sequence[OverviewDocument],
    places: Sequence[Province] | None,
    provinces_of: Provinces,
    years: Sequence[int],
) -> dict[str, Any]:
    """Σ target and Σ actual of each code per year. For one province, the years before it was
    formed by a merger sum the provinces merged into it (``formed_from`` names them)."""
    formed_from: list[dict[str, str]] = []
    if places is not None:
        members: list[Province] = list(places)
        for place in places:
            for before in provinces_of.predecessors(place.id, date(max(years), 12, 31)):
                members.append(before)
                formed_from.append({"id": before.id, "code": before.code, "name": before.name})
        documents = [d for d in documents if any(p.matches(d.province) for p in members)]
    by_year: dict[int, dict[str, Any]] = {}
    for year in sorted(years):  # each year's totals once, whatever the number of series
        plans = [d for d in documents if d.year == year and d.kind == PLAN and d.figures]
        reports = [d for d in documents if d.year == year and d.kind == REPORT and d.figures]
        by_year[year] = {total.code: total for total in indicator_totals(plans, reports)[0]}
    series = []
    for code in codes:
        points = []
        for year in sorted(years):
            total = by_year[year].get(code)
            points.append(
                {
                    "year": year,
                    "target": total.target if total else 0,
                    "actual": total.actual if total else 0,
                    "completion": total.completion if total else None,
                }
            )
        label = next(
            (
                (item.get("name", ""), item.get("unit", ""))
                for d in documents
                for item in d.figures.get("indicators", ())
                if item.get("code") == code
            ),
            ("", ""),
        )
        series.append({"code": code, "name": label[0], "unit": label[1], "points": points})
    return {"years": sorted(years), "series": series, "formed_from": formed_from}
