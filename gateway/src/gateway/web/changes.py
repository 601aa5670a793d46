"""What changed between two contents of a plan: for an approver, since the
version that was returned; for a drafter whose save conflicted, between their
unsaved work and what is saved now.

Activities are matched by their stable id (content model v2), so a renamed
activity reads as one activity whose title changed; activities of versions
frozen before ids existed are matched by title (the way a reviewer reads
them), and a rename among those reads as one removed and one added.

Which fields are compared is the plans service's to say (its catalogue's
``content_fields``); without that list, every field either content has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Compared on their own terms, not as plain fields: the activities (matched by title, their
# indicators by name and unit), the legal bases as a whole, and the unit a plan stays with.
_STRUCTURED_PLAN = frozenset({"activities", "legal_bases", "org_unit"})
_STRUCTURED_ACTIVITY = frozenset({"title", "indicators"})


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class IndicatorChange:
    name: str
    unit: str
    before: Any  # the target before (None when added)
    after: Any  # the target after (None when removed)


@dataclass(frozen=True)
class ActivityChange:
    title: str
    fields: list[FieldChange]
    indicators: list[IndicatorChange]


@dataclass(frozen=True)
class Changes:
    plan_fields: list[FieldChange] = field(default_factory=list)
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[ActivityChange] = field(default_factory=list)
    budget_before: int = 0
    budget_after: int = 0
    legal_bases_changed: bool = False

    @property
    def any(self) -> bool:
        return bool(
            self.plan_fields
            or self.added
            or self.removed
            or self.changed
            or self.legal_bases_changed
            or self.budget_before != self.budget_after
        )


def _budget(content: dict[str, Any]) -> int:
    return sum(a["budget_vnd"] for a in content.get("activities") or [] if isinstance(a.get("budget_vnd"), int))


def _normal(value: Any) -> Any:
    return None if value in ("", [], None) else value


def _indicator_changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[IndicatorChange]:
    old = {(i.get("name"), i.get("unit")): i.get("target") for i in before}
    new = {(i.get("name"), i.get("unit")): i.get("target") for i in after}
    found = []
    for key in [*old, *(k for k in new if k not in old)]:
        if old.get(key) != new.get(key):
            found.append(IndicatorChange(str(key[0]), str(key[1]), old.get(key), new.get(key)))
    return found


def _names(listed: Iterable[str] | None, contents: Iterable[dict[str, Any]], structured: frozenset[str]) -> list[str]:
    if listed is None:
        listed = dict.fromkeys(name for content in contents for name in content)
    return [name for name in listed if name not in structured]


def compare(
    before: dict[str, Any], after: dict[str, Any], content_fields: Mapping[str, Iterable[str]] | None = None
) -> Changes:
    fields_of = content_fields or {}
    plan_names = _names(fields_of.get("plan"), (before, after), _STRUCTURED_PLAN)
    plan_fields = [
        FieldChange(name, before.get(name), after.get(name))
        for name in plan_names
        if _normal(before.get(name)) != _normal(after.get(name))
    ]
    old_activities = list(before.get("activities") or [])
    by_id = {a["id"]: index for index, a in enumerate(old_activities) if a.get("id")}
    by_title = {a.get("title"): index for index, a in enumerate(old_activities)}
    matched: set[int] = set()
    changed, added = [], []
    for activity in after.get("activities") or []:
        index = by_id.get(activity.get("id") or "")
        if index is None or index in matched:
            index = by_title.get(activity.get("title"))
        if index is None or index in matched:
            added.append(activity)
            continue
        matched.add(index)
        previous = old_activities[index]
        title = activity.get("title")
        names = _names(fields_of.get("activity"), (previous, activity), _STRUCTURED_ACTIVITY | {"id"})
        fields = [
            FieldChange(name, previous.get(name), activity.get(name))
            for name in names
            if _normal(previous.get(name)) != _normal(activity.get(name))
        ]
        if previous.get("title") != title:
            fields.insert(0, FieldChange("title", previous.get("title"), title))
        indicators = _indicator_changes(previous.get("indicators") or [], activity.get("indicators") or [])
        if fields or indicators:
            changed.append(ActivityChange(str(title), fields, indicators))
    return Changes(
        plan_fields=plan_fields,
        added=added,
        removed=[a for index, a in enumerate(old_activities) if index not in matched],
        changed=changed,
        budget_before=_budget(before),
        budget_after=_budget(after),
        legal_bases_changed=(before.get("legal_bases") or []) != (after.get("legal_bases") or []),
    )
