"""A validation result that carries every broken rule at once, each against the
field it concerns, so that a person fixes everything in one pass.

Rules add :class:`Violation` values (a field path, the rule's name and a
:class:`~servicekit.i18n.Message`); the edge renders them in the reader's
language, both as the ``errors`` tree marshmallow gives (``{"activities": {0:
{"end_date": ["…"]}}}``) and as a flat ``violations`` list naming each field
path (``activities.0.end_date``) and rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .i18n import Message

Path = tuple[str | int, ...]
Render = Callable[[Message], str]


@dataclass(frozen=True)
class Violation:
    path: Path
    rule: str
    message: Message

    @property
    def field(self) -> str:
        """The dotted field path, e.g. ``activities.0.budget_vnd``."""
        return ".".join(str(part) for part in self.path)


@dataclass
class Validation:
    """Every rule broken so far; empty (``ok``) when the value is sound."""

    violations: list[Violation] = field(default_factory=list)

    def add(self, path: Path, rule: str, message: Message) -> None:
        self.violations.append(Violation(tuple(path), rule, message))

    @property
    def ok(self) -> bool:
        return not self.violations

    def __iter__(self) -> Iterator[Violation]:
        return iter(self.violations)

    def __len__(self) -> int:
        return len(self.violations)

    def errors(self, render: Render = str) -> dict[Any, Any]:
        """Field path to messages, nested like marshmallow's errors."""
        tree: dict[Any, Any] = {}
        for violation in self.violations:
            node = tree
            for key in violation.path[:-1]:
                node = node.setdefault(key, {})
            node.setdefault(violation.path[-1], []).append(render(violation.message))
        return tree

    def details(self, render: Render = str) -> list[dict[str, str]]:
        """One entry per broken rule: ``{"field", "rule", "message"}``, in the order found."""
        return [
            {"field": violation.field, "rule": violation.rule, "message": render(violation.message)}
            for violation in self.violations
        ]
