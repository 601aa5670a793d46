"""Approval chains as versioned data (architecture §6): levels, quorums, SLAs,
and the rules a chain must satisfy before it can be published."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import InvalidChain

# The roles that decide levels; the others (drafter, integrator, admin) never do.
APPROVER_ROLES = ("dept_approver", "province_approver", "ministry_approver")
SCOPES = ("org_unit", "province", "national")
RESTART = "restart_at_level_1"
RESUME = "resume_at_returning_level"
RESUBMISSION_POLICIES = (RESTART, RESUME)

# How many people of a role could ever decide together in one scope (the largest
# unit / province, or everyone for national). ``None``: unknown, skip that check.
GroupSize = Callable[[str, str], "int | None"]


@dataclass(frozen=True)
class LevelName:
    vi: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}


@dataclass(frozen=True)
class Quorum:
    """``any`` one approver, ``all`` of the assignees, or ``n`` distinct approvers."""

    kind: str
    n: int | None = None

    @classmethod
    def parse(cls, value: Any) -> Quorum:
        if value in ("any", "all"):
            return cls(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return cls("n", value)
        raise ValueError('the quorum must be "any", "all" or a whole number of approvers ≥ 1')

    def required(self, assignees: int) -> int:
        """Approvals that complete a level offered to ``assignees`` people. Never more
        than there are assignees, so a level can always complete."""
        if self.kind == "any":
            return 1
        wanted = assignees if self.kind == "all" else (self.n or 1)
        return max(1, min(wanted, assignees))

    def as_json(self) -> str | int:
        return self.n if self.kind == "n" and self.n is not None else self.kind


@dataclass(frozen=True)
class ChainLevel:
    number: int
    name: LevelName
    role: str
    scope: str
    quorum: Quorum
    sla_working_days: int
    on_resubmit: str = RESTART

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.number,
            "name": self.name.as_dict(),
            "role": self.role,
            "scope": self.scope,
            "quorum": self.quorum.as_json(),
            "sla_working_days": self.sla_working_days,
            "on_resubmit": self.on_resubmit,
        }


@dataclass(frozen=True)
class ApprovalChain:
    key: str
    version: int
    name: LevelName
    levels: tuple[ChainLevel, ...]
    published_by: str
    published_at: datetime

    def level(self, number: int) -> ChainLevel:
        return self.levels[number - 1]

    @property
    def last_level(self) -> int:
        return len(self.levels)

    def definition(self) -> dict[str, Any]:
        """The publishable content, as stored and as served."""
        return {"name": self.name.as_dict(), "levels": [level.as_dict() for level in self.levels]}


def define_chain(
    key: str,
    version: int,
    definition: Mapping[str, Any],
    *,
    published_by: str,
    published_at: datetime,
    group_size: GroupSize | None = None,
) -> ApprovalChain:
    """Build a chain from its JSON definition, or raise :class:`InvalidChain` with
    every reason at once, keyed ``levels.<index>.<field>``-style as nested dicts."""
    errors: dict[str, Any] = {}
    name = _level_name(definition.get("name"), errors, "name")
    raw_levels = definition.get("levels")
    if not isinstance(raw_levels, Sequence) or isinstance(raw_levels, str) or not raw_levels:
        errors["levels"] = ["a chain needs at least one level"]
        raise InvalidChain(errors)
    level_errors: dict[str, dict[str, list[str]]] = {}
    levels: list[ChainLevel] = []
    seen_names: set[str] = set()
    for index, raw in enumerate(raw_levels):
        problems: dict[str, list[str]] = {}
        level = _parse_level(index + 1, raw, problems, group_size)
        for label in _name_labels(raw):
            if label in seen_names:
                problems.setdefault("name", []).append(f"another level is already named {label!r}")
            seen_names.add(label)
        if problems:
            level_errors[str(index)] = problems
        elif level is not None:
            levels.append(level)
    if level_errors:
        errors["levels"] = level_errors
    if errors or name is None:
        raise InvalidChain(errors)
    return ApprovalChain(key, version, name, tuple(levels), published_by, published_at)


def _name_labels(raw: Any) -> set[str]:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    if not isinstance(name, Mapping):
        return set()
    return {str(name.get(lang) or "").strip().casefold() for lang in ("vi", "en")} - {""}


def _level_name(value: Any, errors: dict[str, Any], field: str) -> LevelName | None:
    if not isinstance(value, Mapping):
        errors[field] = ['a name in Vietnamese and English is required: {"vi": …, "en": …}']
        return None
    missing = [lang for lang in ("vi", "en") if not isinstance(value.get(lang), str) or not value[lang].strip()]
    if missing:
        errors[field] = [f"the name in {lang!r} is required" for lang in missing]
        return None
    return LevelName(value["vi"].strip(), value["en"].strip())


def _parse_level(
    number: int, raw: Any, problems: dict[str, list[str]], group_size: GroupSize | None
) -> ChainLevel | None:
    if not isinstance(raw, Mapping):
        problems["_level"] = ["a level is an object"]
        return None
    name = _level_name(raw.get("name"), problems, "name")
    role, scope = raw.get("role"), raw.get("scope")
    if role not in APPROVER_ROLES:
        problems["role"] = [f"unknown role {role!r}; one of {', '.join(APPROVER_ROLES)}"]
    if scope not in SCOPES:
        problems["scope"] = [f"unknown scope {scope!r}; one of {', '.join(SCOPES)}"]
    sla = raw.get("sla_working_days")
    if not isinstance(sla, int) or isinstance(sla, bool) or sla < 0:
        problems["sla_working_days"] = ["the SLA is a whole number of working days, not negative"]
    on_resubmit = raw.get("on_resubmit", RESTART)
    if on_resubmit not in RESUBMISSION_POLICIES:
        problems["on_resubmit"] = [f"one of {', '.join(RESUBMISSION_POLICIES)}"]
    quorum: Quorum | None = None
    try:
        quorum = Quorum.parse(raw.get("quorum", "any"))
    except ValueError as error:
        problems["quorum"] = [str(error)]
    if quorum is not None and quorum.kind == "n" and "role" not in problems and "scope" not in problems and group_size:
        possible = group_size(str(role), str(scope))
        if possible is not None and quorum.n is not None and quorum.n > possible:
            where = "in the whole country" if scope == "national" else f"in the largest {scope}"
            problems["quorum"] = [f"a quorum of {quorum.n} is larger than possible: {possible} {role} {where}"]
    if problems or name is None or quorum is None or not isinstance(sla, int):
        return None
    return ChainLevel(number, name, str(role), str(scope), quorum, sla, str(on_resubmit))
