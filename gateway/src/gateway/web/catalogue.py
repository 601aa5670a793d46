"""The lists the plan form offers — plan types, activity categories, budget
sources, indicator units — and the fields of a plan's content, as the plans
service serves them (``GET /plans/catalogue``). They are configuration with history (domain.md)
owned by the plans service (PLANS_CATALOGUE_FILE): the form offers exactly
what the service will accept, and nothing here can drift from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Catalogue:
    plan_types: dict[str, tuple[str, str]] = field(default_factory=dict)
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)
    budget_sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    indicator_units: tuple[str, ...] = ()
    # The fields of a plan's content by part (plan, activity, legal_basis, indicator): what a
    # comparison of two contents looks at.
    content_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Catalogue:
        def labelled(table: dict[str, dict[str, str]]) -> dict[str, tuple[str, str]]:
            return {key: (labels["vi"], labels["en"]) for key, labels in table.items()}

        return cls(
            plan_types=labelled(document["plan_types"]),
            categories=labelled(document["categories"]),
            budget_sources=labelled(document["budget_sources"]),
            indicator_units=tuple(document["indicator_units"]),
            content_fields={part: tuple(names) for part, names in (document.get("content_fields") or {}).items()},
        )

    def label(self, table: str, key: str | None, locale: str) -> str:
        labels = getattr(self, table).get(key or "")
        if labels is None:
            return key or ""
        return labels[0] if locale == "vi" else labels[1]
