"""The checks a reviewer makes before a plan goes up the chain, each reported
against the field it concerns (``activities.2.end_date``), all at once, so a
drafter fixes everything in one pass."""

from __future__ import annotations

import re
from typing import Any

from .catalogue import BUDGET_SOURCES, PLAN_TYPES, Catalogue
from .content import PlanContent
from .errors import PlanInvalid
from .text import fold

# Organisation unit codes: a province or ministry prefix and a unit, e.g. CB-STTTT, BVHTTDL-TTCS.
ORG_UNIT_CODE = re.compile(r"^[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)+$")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class _Errors:
    def __init__(self) -> None:
        self.tree: dict[Any, Any] = {}

    def add(self, path: tuple[Any, ...], message: str) -> None:
        node = self.tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node.setdefault(path[-1], []).append(message)


def content_errors(content: PlanContent, catalogue: Catalogue, *, for_submission: bool = False) -> dict[Any, Any]:
    """Every rule the content breaks, nested like marshmallow's errors; empty when it is sound."""
    errors = _Errors()
    if not content.title:
        errors.add(("title",), "A plan needs a title.")
    if content.plan_type not in PLAN_TYPES:
        errors.add(("plan_type",), f"Must be one of: {', '.join(PLAN_TYPES)}.")
    if not EARLIEST_YEAR <= content.year <= LATEST_YEAR:
        errors.add(("year",), f"Must be between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    if content.plan_type == "multi_year":
        if content.end_year is None:
            errors.add(("end_year",), "A multi-year plan needs the last year of its period.")
        elif not content.year < content.end_year <= content.year + 10:
            errors.add(("end_year",), "Must come after the first year, at most ten years later.")
    elif content.end_year is not None and content.end_year != content.year:
        errors.add(("end_year",), "Only a multi-year plan spans several years.")
    if not ORG_UNIT_CODE.match(content.org_unit):
        errors.add(("org_unit",), "Not an organisation unit code (e.g. CB-STTTT).")
    for index, basis in enumerate(content.legal_bases):
        if not basis.reference:
            errors.add(("legal_bases", index, "reference"), "A legal basis needs its number and symbol.")
    if for_submission and not content.activities:
        errors.add(("activities",), "A plan needs at least one activity to be submitted.")
    if for_submission and not content.summary:
        errors.add(("summary",), "A plan needs its purpose and requirements to be submitted.")
    _activity_errors(content, catalogue, errors)
    return errors.tree


def _activity_errors(content: PlanContent, catalogue: Catalogue, errors: _Errors) -> None:
    first_day, last_day = content.period
    seen_titles: dict[str, int] = {}
    for index, activity in enumerate(content.activities):
        at = ("activities", index)
        if not activity.title:
            errors.add((*at, "title"), "An activity needs a title.")
        else:
            key = fold(activity.title)
            if key in seen_titles:
                errors.add((*at, "title"), f"Duplicates the title of activity {seen_titles[key] + 1}.")
            else:
                seen_titles[key] = index
        if activity.category not in catalogue.categories:
            errors.add((*at, "category"), "Not a category of the catalogue.")
        if not ORG_UNIT_CODE.match(activity.lead_unit):
            errors.add((*at, "lead_unit"), "Not an organisation unit code (e.g. CB-STTTT).")
        for position, unit in enumerate(activity.partner_units):
            if not ORG_UNIT_CODE.match(unit):
                errors.add((*at, "partner_units", position), "Not an organisation unit code (e.g. CB-BTGTU).")
            elif unit == activity.lead_unit:
                errors.add((*at, "partner_units", position), "The lead unit is not also its own partner.")
        if activity.budget_vnd < 0:
            errors.add((*at, "budget_vnd"), "A budget cannot be negative.")
        if activity.budget_source not in BUDGET_SOURCES:
            errors.add((*at, "budget_source"), f"Must be one of: {', '.join(BUDGET_SOURCES)}.")
        _timing_errors(content, activity, at, first_day, last_day, errors)
        for position, indicator in enumerate(activity.indicators):
            where = (*at, "indicators", position)
            if not indicator.name:
                errors.add((*where, "name"), "An indicator needs a name.")
            if indicator.unit not in catalogue.indicator_units:
                errors.add((*where, "unit"), "Not a unit of the indicator catalogue.")
            if indicator.target < 0:
                errors.add((*where, "target"), "A target cannot be negative.")


def _timing_errors(
    content: PlanContent, activity: Any, at: tuple[Any, ...], first_day: Any, last_day: Any, errors: _Errors
) -> None:
    has_dates = activity.start_date is not None or activity.end_date is not None
    if activity.quarter is not None:
        if has_dates:
            errors.add((*at, "quarter"), "Give either dates or a quarter, not both.")
        if not 1 <= activity.quarter <= 4:
            errors.add((*at, "quarter"), "Must be 1, 2, 3 or 4.")
        if content.plan_type == "multi_year":
            errors.add((*at, "quarter"), "A multi-year plan dates its activities; a quarter names no year.")
        return
    if activity.start_date is None or activity.end_date is None:
        missing = "start_date" if activity.start_date is None else "end_date"
        errors.add((*at, missing), "Give the activity's start and end dates, or its quarter.")
        return
    period = f"{first_day.isoformat()} – {last_day.isoformat()}"
    if not first_day <= activity.start_date <= last_day:
        errors.add((*at, "start_date"), f"Outside the plan's period ({period}).")
    if not first_day <= activity.end_date <= last_day:
        errors.add((*at, "end_date"), f"Outside the plan's period ({period}).")
    if activity.end_date < activity.start_date:
        errors.add((*at, "end_date"), "Ends before it starts.")


def check_content(content: PlanContent, catalogue: Catalogue, *, for_submission: bool = False) -> None:
    errors = content_errors(content, catalogue, for_submission=for_submission)
    if errors:
        raise PlanInvalid(errors)
