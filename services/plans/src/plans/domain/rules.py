"""The checks a reviewer makes before a plan goes up the chain, each reported
against the field it concerns (``activities.2.end_date``), all at once, so a
drafter fixes everything in one pass."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from servicekit.i18n import N_
from servicekit.validation import Path, Validation

from .catalogue import BUDGET_SOURCES, PLAN_TYPES, Catalogue
from .content import PlanContent
from .errors import PlanInvalid
from .report import QUALIFIERS, REPORT_KINDS, RESULT_STATUSES, ReportContent
from .text import fold

# Organisation registry ids: lower-case words joined by hyphens, e.g. svhttdl-cao-bang, ubnd-thai-nguyen-2025.
ORGANISATION_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Checks the organisations a document names (field path -> registry id) against the registry on the
# document's date (OrganisationRegistry.check_references); without one only the id's shape is checked.
UnitCheck = Callable[[Mapping[Path, str]], Validation]
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def content_errors(
    content: PlanContent, catalogue: Catalogue, *, for_submission: bool = False, units: UnitCheck | None = None
) -> dict[Any, Any]:
    """Every rule the content breaks, nested like marshmallow's errors (in English); empty when it is sound."""
    return content_validation(content, catalogue, for_submission=for_submission, units=units).errors()


def content_validation(
    content: PlanContent, catalogue: Catalogue, *, for_submission: bool = False, units: UnitCheck | None = None
) -> Validation:
    """Every rule the content breaks, each with its field path and rule name."""
    errors = Validation()
    if not content.title:
        errors.add(("title",), "required", N_("A plan needs a title."))
    if content.plan_type not in PLAN_TYPES:
        errors.add(("plan_type",), "one-of", N_("Must be one of: {choices}.", choices=", ".join(PLAN_TYPES)))
    if not EARLIEST_YEAR <= content.year <= LATEST_YEAR:
        errors.add(
            ("year",),
            "range",
            N_("Must be between {first} and {last}.", first=str(EARLIEST_YEAR), last=str(LATEST_YEAR)),
        )
    if content.plan_type == "multi_year":
        if content.end_year is None:
            errors.add(("end_year",), "required", N_("A multi-year plan needs the last year of its period."))
        elif not content.year < content.end_year <= content.year + 10:
            errors.add(("end_year",), "range", N_("Must come after the first year, at most ten years later."))
    elif content.end_year is not None and content.end_year != content.year:
        errors.add(("end_year",), "single-year", N_("Only a multi-year plan spans several years."))
    for index, basis in enumerate(content.legal_bases):
        if not basis.reference:
            errors.add(
                ("legal_bases", index, "reference"), "required", N_("A legal basis needs its number and symbol.")
            )
    if for_submission and not content.activities:
        errors.add(("activities",), "required", N_("A plan needs at least one activity to be submitted."))
    if for_submission and not content.summary:
        errors.add(("summary",), "required", N_("A plan needs its purpose and requirements to be submitted."))
    _activity_errors(content, catalogue, errors)
    _organisation_errors(content, units, errors)
    return errors


def _organisation_errors(content: PlanContent, units: UnitCheck | None, errors: Validation) -> None:
    """Every organisation the plan names is a registry id; with the registry's check, one that
    exists and was in force on the document's date."""
    references: dict[Path, str] = {("org_unit",): content.org_unit}
    for index, activity in enumerate(content.activities):
        references[("activities", index, "lead_unit")] = activity.lead_unit
        for position, unit in enumerate(activity.partner_units):
            references[("activities", index, "partner_units", position)] = unit
    shaped: dict[Path, str] = {}
    for path, identifier in references.items():
        if ORGANISATION_ID.match(identifier):
            shaped[path] = identifier
        else:
            errors.add(
                path,
                "organisation-id",
                N_("Not an organisation of the registry (e.g. {example}).", example="svhttdl-cao-bang"),
            )
    if units is not None and shaped:
        for violation in units(shaped):
            errors.add(violation.path, violation.rule, violation.message)


def _activity_errors(content: PlanContent, catalogue: Catalogue, errors: Validation) -> None:
    first_day, last_day = content.period
    seen_titles: dict[str, int] = {}
    seen_ids: set[str] = set()
    for index, activity in enumerate(content.activities):
        at = ("activities", index)
        if activity.id:
            if activity.id in seen_ids:
                errors.add((*at, "id"), "unique", N_("Two activities cannot share an id."))
            seen_ids.add(activity.id)
        if not activity.title:
            errors.add((*at, "title"), "required", N_("An activity needs a title."))
        else:
            key = fold(activity.title)
            if key in seen_titles:
                errors.add(
                    (*at, "title"),
                    "unique",
                    N_("Duplicates the title of activity {number}.", number=str(seen_titles[key] + 1)),
                )
            else:
                seen_titles[key] = index
        if activity.category not in catalogue.categories:
            errors.add((*at, "category"), "catalogue", N_("Not a category of the catalogue."))
        for position, unit in enumerate(activity.partner_units):
            if unit == activity.lead_unit:
                errors.add(
                    (*at, "partner_units", position), "not-lead-unit", N_("The lead unit is not also its own partner.")
                )
        if activity.budget_vnd < 0:
            errors.add((*at, "budget_vnd"), "not-negative", N_("A budget cannot be negative."))
        if activity.budget_source not in BUDGET_SOURCES:
            errors.add(
                (*at, "budget_source"), "one-of", N_("Must be one of: {choices}.", choices=", ".join(BUDGET_SOURCES))
            )
        _timing_errors(content, activity, at, first_day, last_day, errors)
        for position, indicator in enumerate(activity.indicators):
            where = (*at, "indicators", position)
            if not indicator.name:
                errors.add((*where, "name"), "required", N_("An indicator needs a name."))
            if indicator.unit not in catalogue.indicator_units:
                errors.add((*where, "unit"), "catalogue", N_("Not a unit of the indicator catalogue."))
            if indicator.target < 0:
                errors.add((*where, "target"), "not-negative", N_("A target cannot be negative."))
            if indicator.code and indicator.code not in catalogue.indicators:
                errors.add((*where, "code"), "catalogue", N_("Not an indicator of the catalogue."))


def _timing_errors(
    content: PlanContent, activity: Any, at: tuple[Any, ...], first_day: Any, last_day: Any, errors: Validation
) -> None:
    has_dates = activity.start_date is not None or activity.end_date is not None
    if activity.quarter is not None:
        if has_dates:
            errors.add((*at, "quarter"), "dates-or-quarter", N_("Give either dates or a quarter, not both."))
        if not 1 <= activity.quarter <= 4:
            errors.add((*at, "quarter"), "range", N_("Must be 1, 2, 3 or 4."))
        if content.plan_type == "multi_year":
            errors.add(
                (*at, "quarter"),
                "dates-required",
                N_("A multi-year plan dates its activities; a quarter names no year."),
            )
        return
    if activity.start_date is None or activity.end_date is None:
        missing = "start_date" if activity.start_date is None else "end_date"
        errors.add((*at, missing), "required", N_("Give the activity's start and end dates, or its quarter."))
        return
    outside = N_("Outside the plan's period ({first} – {last}).", first=first_day, last=last_day)
    if not first_day <= activity.start_date <= last_day:
        errors.add((*at, "start_date"), "within-period", outside)
    if not first_day <= activity.end_date <= last_day:
        errors.add((*at, "end_date"), "within-period", outside)
    if activity.end_date < activity.start_date:
        errors.add((*at, "end_date"), "date-order", N_("Ends before it starts."))


def check_content(
    content: PlanContent, catalogue: Catalogue, *, for_submission: bool = False, units: UnitCheck | None = None
) -> None:
    validation = content_validation(content, catalogue, for_submission=for_submission, units=units)
    if not validation.ok:
        raise PlanInvalid(validation)


def report_validation(content: ReportContent, *, for_submission: bool = False) -> Validation:
    """Every rule a report breaks, each with its field path (``results.2.indicators.0.actual``)."""
    errors = Validation()
    if not content.title:
        errors.add(("title",), "required", N_("A report needs a title."))
    if content.report_kind not in REPORT_KINDS:
        errors.add(("kind",), "one-of", N_("Must be one of: {choices}.", choices=", ".join(REPORT_KINDS)))
    if content.period_end < content.period_start:
        errors.add(("period_end",), "date-order", N_("The period ends before it starts."))
    for index, result in enumerate(content.results):
        at = ("results", index)
        if not result.title:
            errors.add((*at, "title"), "required", N_("An activity needs a title."))
        if result.status and result.status not in RESULT_STATUSES:
            errors.add((*at, "status"), "one-of", N_("Must be one of: {choices}.", choices=", ".join(RESULT_STATUSES)))
        elif for_submission and result.planned and not result.status:
            errors.add((*at, "status"), "required", N_("Say what became of each planned activity."))
        if result.spent_vnd is not None and result.spent_vnd < 0:
            errors.add((*at, "spent_vnd"), "not-negative", N_("Money spent cannot be negative."))
        for position, indicator in enumerate(result.indicators):
            where = (*at, "indicators", position)
            if not indicator.name:
                errors.add((*where, "name"), "required", N_("An indicator needs a name."))
            if indicator.actual is not None and indicator.actual < 0:
                errors.add((*where, "actual"), "not-negative", N_("An actual value cannot be negative."))
            if indicator.qualifier and indicator.qualifier not in QUALIFIERS:
                errors.add(
                    (*where, "qualifier"), "one-of", N_("Must be one of: {choices}.", choices=", ".join(QUALIFIERS))
                )
    return errors


def check_report(content: ReportContent, *, for_submission: bool = False) -> None:
    validation = report_validation(content, for_submission=for_submission)
    if not validation.ok:
        raise PlanInvalid(validation)


def check_document(
    content: PlanContent | ReportContent,
    catalogue: Catalogue,
    *,
    for_submission: bool = False,
    units: UnitCheck | None = None,
) -> None:
    """The rules of the content's kind (a report's units are its plan's, checked when the plan was)."""
    if isinstance(content, ReportContent):
        check_report(content, for_submission=for_submission)
    else:
        check_content(content, catalogue, for_submission=for_submission, units=units)
