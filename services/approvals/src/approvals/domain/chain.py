"""Approval chains as versioned data (architecture §6): levels, quorums, SLAs,
and the rules a chain must satisfy before it can be published.

A chain is keyed by the kind of document it approves (``ttdn-plan``, ``ttdn-report``:
:func:`chain_key_for`) and each version has the first document date it applies to
(``valid_from``; none: every date). A level's name may change on a date — the ministry
that receives TTĐN documents was the Ministry of Information and Communications until
28/02/2025 and is the Ministry of Culture, Sports and Tourism from 01/03/2025 — so a
level has dated names (``names_from``) read on the approval's document date."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
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
class DatedName:
    """A level's name from ``since`` on (until the next dated name)."""

    since: date
    name: LevelName

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.since.isoformat(), "name": self.name.as_dict()}


def chain_key_for(kind: str) -> str:
    """The chain that approves a kind of document: ``plan`` → ``ttdn-plan``, ``report`` → ``ttdn-report``."""
    return f"ttdn-{kind}"


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


def name_on(name: LevelName, names_from: tuple[DatedName, ...], day: date | None) -> LevelName:
    """A name on ``day``: the last of the dated names (in date order) in force then, else ``name``."""
    current = name
    for dated in names_from:
        if day is not None and dated.since <= day:
            current = dated.name
    return current


@dataclass(frozen=True)
class ChainLevel:
    number: int
    name: LevelName
    role: str
    scope: str
    quorum: Quorum
    sla_working_days: int
    on_resubmit: str = RESTART
    names_from: tuple[DatedName, ...] = ()  # in date order
    # The organisation the level is named after, read from the registry's copy on the document date:
    # "org_unit" (the document's unit), "province" (its province), or a registry id whose work's
    # holder on that date names the level (with ``duty``: the holder of that duty).
    organisation: str | None = None
    duty: str | None = None

    def name_on(self, day: date | None) -> LevelName:
        """The level's name on ``day``: the last dated name in force then, else ``name``."""
        return name_on(self.name, self.names_from, day)

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "level": self.number,
            "name": self.name.as_dict(),
            "role": self.role,
            "scope": self.scope,
            "quorum": self.quorum.as_json(),
            "sla_working_days": self.sla_working_days,
            "on_resubmit": self.on_resubmit,
        }
        if self.names_from:
            shown["names_from"] = [dated.as_dict() for dated in self.names_from]
        if self.organisation is not None:
            shown["organisation"] = self.organisation
        if self.duty is not None:
            shown["duty"] = self.duty
        return shown


@dataclass(frozen=True)
class Receiver:
    """Who receives the document once the chain has approved it, without approving it (the
    ministry receives a province's report): named, with dated names like a level."""

    name: LevelName
    names_from: tuple[DatedName, ...] = ()

    def name_on(self, day: date | None) -> LevelName:
        return name_on(self.name, self.names_from, day)

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"name": self.name.as_dict()}
        if self.names_from:
            shown["names_from"] = [dated.as_dict() for dated in self.names_from]
        return shown


@dataclass(frozen=True)
class ApprovalChain:
    key: str
    version: int
    name: LevelName
    levels: tuple[ChainLevel, ...]
    published_by: str
    published_at: datetime
    valid_from: date | None = None  # the first document date this version applies to; None: every date
    receiver: Receiver | None = None

    def applies_on(self, day: date) -> bool:
        return self.valid_from is None or self.valid_from <= day

    def level(self, number: int) -> ChainLevel:
        return self.levels[number - 1]

    @property
    def last_level(self) -> int:
        return len(self.levels)

    def definition(self) -> dict[str, Any]:
        """The publishable content, as stored and as served."""
        content: dict[str, Any] = {"name": self.name.as_dict(), "levels": [level.as_dict() for level in self.levels]}
        if self.receiver is not None:
            content["receiver"] = self.receiver.as_dict()
        return content


def in_force(versions: Sequence[ApprovalChain], day: date) -> ApprovalChain | None:
    """The version that applies to a document dated ``day``: the highest-numbered version whose
    ``valid_from`` is on or before that day (a version with no ``valid_from`` applies to every
    date), so a later version supersedes an earlier one from its own date on."""
    applicable = [chain for chain in versions if chain.applies_on(day)]
    return max(applicable, key=lambda chain: chain.version) if applicable else None


def define_chain(
    key: str,
    version: int,
    definition: Mapping[str, Any],
    *,
    published_by: str,
    published_at: datetime,
    group_size: GroupSize | None = None,
    valid_from: date | None = None,
) -> ApprovalChain:
    """Build a chain from its JSON definition, or raise :class:`InvalidChain` with
    every reason at once, keyed ``levels.<index>.<field>``-style as nested dicts."""
    errors: dict[str, Any] = {}
    name = _level_name(definition.get("name"), errors, "name")
    receiver = _receiver(definition.get("receiver"), errors)
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
    return ApprovalChain(key, version, name, tuple(levels), published_by, published_at, valid_from, receiver)


def _receiver(value: Any, errors: dict[str, Any]) -> Receiver | None:
    if value is None:
        return None
    problems: dict[str, list[str]] = {}
    if not isinstance(value, Mapping):
        errors["receiver"] = {"_receiver": ['the receiver is an object: {"name": {"vi": …, "en": …}}']}
        return None
    name = _level_name(value.get("name"), problems, "name")
    dated = _dated_names(value.get("names_from"), problems)
    if problems or name is None:
        errors["receiver"] = problems
        return None
    return Receiver(name, dated)


def _dated_names(value: Any, problems: dict[str, list[str]]) -> tuple[DatedName, ...]:
    """``[{"from": "2025-03-01", "name": {"vi": …, "en": …}}, …]``, in strictly increasing date order."""
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        problems["names_from"] = ['a list of {"from": "YYYY-MM-DD", "name": {"vi": …, "en": …}}']
        return ()
    found: list[DatedName] = []
    for index, raw in enumerate(value):
        if not isinstance(raw, Mapping):
            problems.setdefault("names_from", []).append(f"entry {index}: an object with from and name")
            continue
        try:
            since = date.fromisoformat(str(raw.get("from")))
        except ValueError:
            problems.setdefault("names_from", []).append(f"entry {index}: from is a date, YYYY-MM-DD")
            continue
        entry: dict[str, list[str]] = {}
        name = _level_name(raw.get("name"), entry, "name")
        if name is None:
            problems.setdefault("names_from", []).append(
                f"entry {index}: the name in Vietnamese and English is required"
            )
            continue
        if found and since <= found[-1].since:
            problems.setdefault("names_from", []).append(f"entry {index}: the dates must increase")
            continue
        found.append(DatedName(since, name))
    return tuple(found)


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
    dated = _dated_names(raw.get("names_from"), problems)
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
    organisation, duty = raw.get("organisation"), raw.get("duty")
    if organisation is not None and (not isinstance(organisation, str) or not organisation.strip()):
        problems["organisation"] = ['"org_unit", "province" or an organisation\'s registry id']
    if duty is not None and (not isinstance(duty, str) or not duty.strip()):
        problems["duty"] = ["a duty's name, e.g. external_information"]
    elif duty is not None and organisation in (None, "org_unit", "province"):
        problems["duty"] = ["a duty names the holder of a registry organisation's work: give organisation an id"]
    if problems or name is None or quorum is None or not isinstance(sla, int):
        return None
    return ChainLevel(
        number,
        name,
        str(role),
        str(scope),
        quorum,
        sla,
        str(on_resubmit),
        dated,
        organisation.strip() if isinstance(organisation, str) else None,
        duty.strip() if isinstance(duty, str) else None,
    )
