"""The plan form: HTML form fields to the plans service's JSON body, and its
problem+json field errors back beside the fields.

Rows are named ``act-<n>-title``, ``act-<n>-ind-<m>-target``, ``lb-<n>-reference``;
``<n>`` only tells the rows apart: their order in the submitted form is the
order of the activities, so a row moved in the page is moved in the plan
without renumbering anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.datastructures import MultiDict

from .i18n import catalogue, mark, translate

_ACTIVITY = re.compile(r"^act-(\d+)-(\w+)$")
_INDICATOR = re.compile(r"^act-(\d+)-ind-(\d+)-(\w+)$")
_LEGAL_BASIS = re.compile(r"^lb-(\d+)-(\w+)$")
_NOT_DIGITS = re.compile(r"[.\s,₫đ]|VND|vnđ", re.IGNORECASE)

ACTIVITY_TEXT = ("title", "category", "lead_unit", "budget_source", "content", "expected_output")
LEGAL_BASIS_TEXT = ("document_type", "reference", "number", "issuer", "title", "summary")
LEGAL_BASIS_V2 = ("document_type", "number", "summary")  # how a citation names the document


def clean(value: str | None) -> str:
    """What the services store: NFC-normalised, trimmed text."""
    return unicodedata.normalize("NFC", value or "").strip()


def parse_amount(raw: str) -> int | None:
    """``1.500.000.000``, ``1 500 000 000 ₫`` or ``1500000000`` -> 1500000000; None if not a whole number."""
    digits = _NOT_DIGITS.sub("", clean(raw))
    return int(digits) if digits.isdigit() else None


def _ordered_keys(form: MultiDict, pattern: re.Pattern[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in form:
        match = pattern.match(name)
        if match:
            seen.setdefault(match.group(1), None)
    return list(seen)


def _comma_separated(value: str) -> list[str]:
    return [clean(unit) for unit in value.split(",") if clean(unit)]


def parse_plan_form(
    form: MultiDict,
    *,
    unit: Callable[[str], str] = lambda value: value,
    units: Callable[[str], list[str]] = _comma_separated,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The body to send and the errors found before sending it, keyed like ``activities.0.budget_vnd``
    (values are message keys of the translations)."""
    errors: dict[str, list[str]] = {}
    body: dict[str, Any] = {
        "title": clean(form.get("title")),
        "plan_type": clean(form.get("plan_type")) or "annual",
        "summary": clean(form.get("summary")),
        "recipients": [clean(line) for line in (form.get("recipients") or "").splitlines() if clean(line)],
    }
    for name in ("year", "end_year"):
        raw = clean(form.get(name))
        if raw.isdigit():
            body[name] = int(raw)
        elif raw:
            body[name] = raw
            errors[name] = [mark("error.whole_number")]
        elif name == "year":
            errors[name] = [mark("error.required")]
    if clean(form.get("org_unit")):
        body["org_unit"] = clean(form.get("org_unit"))

    body["legal_bases"] = []
    for key in _ordered_keys(form, _LEGAL_BASIS):
        basis: dict[str, str | None] = {field: clean(form.get(f"lb-{key}-{field}")) for field in LEGAL_BASIS_TEXT}
        basis["issued_on"] = clean(form.get(f"lb-{key}-issued_on")) or None
        for field in LEGAL_BASIS_V2:  # content model v2: sent only when given
            if not basis[field]:
                del basis[field]
        if any(basis.values()):
            body["legal_bases"].append(basis)

    body["activities"] = []
    for key in _ordered_keys(form, _ACTIVITY):
        position = len(body["activities"])
        activity: dict[str, Any] = {field: clean(form.get(f"act-{key}-{field}")) for field in ACTIVITY_TEXT}
        if clean(form.get(f"act-{key}-id")):  # the activity's stable id, kept across versions
            activity["id"] = clean(form.get(f"act-{key}-id"))
        if not activity["budget_source"]:
            del activity["budget_source"]  # the service's default source applies
        # Units by name or id (the picker): ``unit`` / ``units`` turn what was typed into registry ids.
        if activity["lead_unit"]:
            activity["lead_unit"] = unit(activity["lead_unit"])
        activity["partner_units"] = units(clean(form.get(f"act-{key}-partner_units")))
        for field in ("start_date", "end_date"):
            activity[field] = clean(form.get(f"act-{key}-{field}")) or None
        raw_budget = clean(form.get(f"act-{key}-budget_vnd"))
        amount = parse_amount(raw_budget) if raw_budget else 0
        activity["budget_vnd"] = raw_budget if amount is None else amount
        if amount is None:
            errors[f"activities.{position}.budget_vnd"] = [mark("error.amount")]
        activity["indicators"] = []
        for index in _ordered_indicator_keys(form, key):
            indicator: dict[str, Any] = {
                "name": clean(form.get(f"act-{key}-ind-{index}-name")),
                "unit": clean(form.get(f"act-{key}-ind-{index}-unit")),
            }
            raw_target = clean(form.get(f"act-{key}-ind-{index}-target"))
            if not any((indicator["name"], indicator["unit"], raw_target)):
                continue  # an empty row the user added and left
            target = parse_amount(raw_target)
            indicator["target"] = raw_target if target is None else target
            if target is None:
                errors[f"activities.{position}.indicators.{len(activity['indicators'])}.target"] = [
                    mark("error.whole_number")
                ]
            activity["indicators"].append(indicator)
        if not any(activity[field] for field in ("title", "content", "lead_unit")) and not activity["budget_vnd"]:
            continue  # an untouched new row
        body["activities"].append(activity)
    return body, errors


def _ordered_indicator_keys(form: MultiDict, activity_key: str) -> list[str]:
    seen: dict[str, None] = {}
    for name in form:
        match = _INDICATOR.match(name)
        if match and match.group(1) == activity_key:
            seen.setdefault(match.group(2), None)
    return list(seen)


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's ``{"activities": {"0": {"budget_vnd": ["…"]}}}`` -> ``{"activities.0.budget_vnd": ["…"]}``.
    Errors about the whole body (``_schema``) land under ``""``."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = prefix if str(key) == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            for path, messages in flatten_errors(value, name).items():
                flat.setdefault(path, []).extend(messages)
    elif isinstance(errors, list | tuple):
        if all(isinstance(item, str) for item in errors):
            flat[prefix] = [str(item) for item in errors]
        else:
            for index, item in enumerate(errors):
                flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    elif errors is not None:
        flat[prefix] = [str(errors)]
    return flat


def total_budget(activities: Iterable[dict[str, Any]]) -> int:
    return sum(activity["budget_vnd"] for activity in activities if isinstance(activity.get("budget_vnd"), int))


def field_anchor(path: str) -> str:
    """The id of the input a field path names, as the form lays it out again after a failed save
    (each row keyed by its position): ``activities.1.budget_vnd`` -> ``act-1-budget_vnd``."""
    parts = path.split(".")
    if parts[0] == "activities" and len(parts) >= 2 and parts[1].isdigit():
        if len(parts) >= 5 and parts[2] == "indicators" and parts[3].isdigit():
            return f"act-{parts[1]}-ind-{parts[3]}-{parts[4]}"
        return f"act-{parts[1]}-{parts[2] if len(parts) > 2 and parts[2] != 'indicators' else 'title'}"
    if parts[0] == "legal_bases" and len(parts) >= 3 and parts[1].isdigit():
        return f"lb-{parts[1]}-{parts[2]}"
    if parts[0] in ("activities", "legal_bases"):
        return f"{parts[0].replace('_', '-')}-title"
    return parts[0] or "main"


def field_label(path: str, locale: str) -> str:
    """What a person calls the field at ``path``: "Hoạt động 2 · Kinh phí (đồng)"."""
    parts = path.split(".")
    known = catalogue(locale)

    def named(field: str, *prefixes: str) -> str:
        for prefix in prefixes:
            if f"{prefix}.{field}" in known:
                return translate(locale, f"{prefix}.{field}")
        return field

    if not parts[0]:
        return ""
    if parts[0] == "activities" and len(parts) >= 2 and parts[1].isdigit():
        where = f"{translate(locale, 'form.activity')} {int(parts[1]) + 1}"
        if len(parts) >= 5 and parts[2] == "indicators" and parts[3].isdigit():
            indicator = f"{translate(locale, 'form.indicators')} {int(parts[3]) + 1}"
            return f"{where} · {indicator} · {named(parts[4], 'form.indicator')}"
        return where if len(parts) == 2 else f"{where} · {named(parts[2], 'field', 'form')}"
    if parts[0] == "legal_bases" and len(parts) >= 2 and parts[1].isdigit():
        where = f"{translate(locale, 'form.legal_bases')} {int(parts[1]) + 1}"
        return where if len(parts) == 2 else f"{where} · {named(parts[2], 'form.lb')}"
    return named(parts[0], "field", "form")


def error_links(errors: dict[str, list[str]], locale: str) -> list[dict[str, str]]:
    """One link per field error for the summary at the top of a form, in the form's order."""
    return [
        {"anchor": field_anchor(path), "label": field_label(path, locale), "message": " ".join(messages)}
        for path, messages in errors.items()
        if path
    ]
