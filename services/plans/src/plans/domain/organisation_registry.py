"""The organisation registry: organisations as data with history.

Everything is looked up by the document's date (the issue date of an issued
document, the date of the action for anything not yet issued): a 2020 Bắc Kạn
plan keeps Bắc Kạn's name, header and place, a 2026 Thái Nguyên plan gets
Thái Nguyên's. An organisation keeps one id for life; a rename is a new dated
name on the same organisation, while a merger, a split or a transfer of duties
links organisations by a :class:`Succession`. The data itself lives in a seed
file (``data/organisations.yaml``, read by :mod:`.organisation_seed`), never in
code. The printed document reads names and issuing bodies' faces from it through
:mod:`.organisations` (docs/organisations.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Generic, TypeVar

from servicekit.i18n import N_, Message
from servicekit.validation import Path, Validation

from .errors import OrganisationNotInForce, OrganisationsInvalid, UnknownOrganisation

KINDS = ("state", "party", "other")
LEVELS = ("ministry", "ministry_unit", "province", "central_city", "department", "commune")
PROVINCE_LEVELS = ("province", "central_city")
REASONS = ("merger", "split", "rename", "transfer_of_duties")
# Reasons after which the predecessor no longer exists (a transfer of duties may leave it standing).
ENDING_REASONS = ("merger", "split", "rename")
# Quyết định 20/2020/QĐ-TTg: dotted groups, one per level, at most 35 characters (000.00.00.H10).
AGENCY_CODE = re.compile(r"^[0-9A-Z]+(?:\.[0-9A-Z]+)+$")
AGENCY_CODE_MAX = 35
PEOPLES_COMMITTEE = "Ủy ban nhân dân "  # how a province's People's Committee's full name begins

T = TypeVar("T")


@dataclass(frozen=True)
class Period:
    """``valid_from`` to ``valid_to``, both days included; ``None`` is an open end."""

    valid_from: date | None = None
    valid_to: date | None = None

    def contains(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def covers(self, start: date | None, end: date | None) -> bool:
        """Whether every day from ``start`` to ``end`` (``None``: open) falls in this period."""
        starts_in_time = self.valid_from is None or (start is not None and self.valid_from <= start)
        lasts = self.valid_to is None or (end is not None and end <= self.valid_to)
        return starts_in_time and lasts

    def describe(self, name: str, day: date) -> Message:
        """Why ``name`` is not in force on ``day``: the dates it existed."""
        if self.valid_from is not None and self.valid_to is not None:
            return N_(
                "{name} was not in force on {day}; it existed from {first} to {last}.",
                name=name,
                day=day,
                first=self.valid_from,
                last=self.valid_to,
            )
        if self.valid_from is not None:
            return N_(
                "{name} was not in force on {day}; it exists from {first}.", name=name, day=day, first=self.valid_from
            )
        return N_("{name} was not in force on {day}; it existed until {last}.", name=name, day=day, last=self.valid_to)


@dataclass(frozen=True)
class Dated(Generic[T]):
    """A value that holds from ``since`` (``None``: from the organisation's beginning) until the next one."""

    since: date | None
    value: T


def value_on(values: tuple[Dated[T], ...], day: date) -> T | None:
    """The value in force on ``day``: the last whose ``since`` is not after it."""
    found: T | None = None
    for item in values:
        if item.since is None or item.since <= day:
            found = item.value
    return found


@dataclass(frozen=True)
class Name:
    """What an organisation is called for a while."""

    full: str  # Sở Thông tin và Truyền thông tỉnh Cao Bằng
    short: str  # Sở TTTT Cao Bằng
    abbreviation: str  # STTTT, as in 213/KH-STTTT
    header: str | None = None  # the line under its parent when shorter than the full name: Sở Thông tin và Truyền thông
    act: str | None = None  # the act that gave this name (a rename)


@dataclass(frozen=True)
class Succession:
    """``successor`` carries on (all or some of) ``predecessor``'s work from ``day``."""

    predecessor: str
    successor: str
    reason: str  # one of REASONS
    day: date  # the successor's first day with the work
    act: str | None = None  # the legal act, e.g. Nghị quyết 202/2025/QH15
    duties: tuple[str, ...] = ()  # the duties passed; empty: all of them

    def carries(self, duty: str | None) -> bool:
        return not self.duties or duty in self.duties


@dataclass(frozen=True)
class Organisation:
    id: str  # stable for life, never reused: ubnd-cao-bang
    kind: str  # one of KINDS
    names: tuple[Dated[Name], ...]
    levels: tuple[Dated[str], ...]
    parents: tuple[Dated[str | None], ...] = ()
    places: tuple[Dated[str], ...] = ()  # the date line's place name; inherited from the parent when absent
    provinces: tuple[Dated[str], ...] = ()  # only where the parent line does not lead to the province
    period: Period = field(default_factory=Period)
    agency_code: str | None = None  # Quyết định 20/2020/QĐ-TTg, where known
    legacy_codes: tuple[str, ...] = ()  # the org_unit codes used before the registry (CB-STTTT)

    def in_force(self, day: date) -> bool:
        return self.period.contains(day)

    def name_on(self, day: date) -> Name:
        name = value_on(self.names, day)
        return name if name is not None else self.names[0].value

    def level_on(self, day: date) -> str:
        level = value_on(self.levels, day)
        return level if level is not None else self.levels[0].value

    def parent_on(self, day: date) -> str | None:
        return value_on(self.parents, day)

    def is_province_on(self, day: date) -> bool:
        """A province or centrally-run city: its People's Committee stands for it in the registry."""
        return self.kind == "state" and self.level_on(day) in PROVINCE_LEVELS


@dataclass(frozen=True)
class OrganisationOnDate:
    """An organisation as it stood on one day."""

    id: str
    day: date
    kind: str
    level: str
    name: Name
    parent: str | None
    place: str | None
    province: str | None
    agency_code: str | None


class OrganisationRegistry:
    """Every organisation and succession, checked as a whole when built: an unsound
    registry raises :class:`OrganisationsInvalid` naming every problem at once."""

    def __init__(self, organisations: Iterable[Organisation], successions: Iterable[Succession] = ()) -> None:
        self._organisations: dict[str, Organisation] = {}
        self._successions = tuple(successions)
        listed = list(organisations)
        validation = Validation()
        for organisation in listed:
            if organisation.id in self._organisations:
                validation.add(
                    ("organisations", organisation.id),
                    "unique",
                    N_("Another organisation already has the id {id}.", id=organisation.id),
                )
            self._organisations.setdefault(organisation.id, organisation)
        self._outgoing: dict[str, list[Succession]] = {}
        self._incoming: dict[str, list[Succession]] = {}
        for succession in self._successions:
            self._outgoing.setdefault(succession.predecessor, []).append(succession)
            self._incoming.setdefault(succession.successor, []).append(succession)
        self._legacy: dict[str, str] = {}
        self._check(listed, validation)
        if not validation.ok:
            raise OrganisationsInvalid(validation)

    # -- reading -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Organisation]:
        return iter(self._organisations.values())

    def __len__(self) -> int:
        return len(self._organisations)

    def __contains__(self, organisation_id: object) -> bool:
        return organisation_id in self._organisations

    @property
    def successions(self) -> tuple[Succession, ...]:
        return self._successions

    def get(self, organisation_id: str) -> Organisation:
        try:
            return self._organisations[organisation_id]
        except KeyError:
            validation = Validation()
            validation.add(("id",), "unknown-organisation", unknown(organisation_id))
            raise UnknownOrganisation(validation) from None

    def on(self, organisation_id: str, day: date) -> Organisation:
        """The organisation, which must be in force on ``day``."""
        organisation = self.get(organisation_id)
        if not organisation.in_force(day):
            validation = Validation()
            validation.add(("id",), "not-in-force", organisation.period.describe(organisation_id, day))
            raise OrganisationNotInForce(validation)
        return organisation

    def by_legacy_code(self, code: str) -> Organisation:
        """The organisation an old ``org_unit`` code (``CB-STTTT``) stood for."""
        if code not in self._legacy:
            validation = Validation()
            validation.add(("org_unit",), "unknown-organisation", unknown(code))
            raise UnknownOrganisation(validation)
        return self._organisations[self._legacy[code]]

    @property
    def legacy_codes(self) -> Mapping[str, str]:
        """Old ``org_unit`` code -> registry id, for the migration of stored codes."""
        return dict(self._legacy)

    def in_force(self, day: date, *, level: str | None = None) -> list[Organisation]:
        """The organisations in force on ``day`` (at ``level`` as it was then), in the file's order."""
        return [
            organisation
            for organisation in self._organisations.values()
            if organisation.in_force(day) and (level is None or organisation.level_on(day) == level)
        ]

    def provinces_on(self, day: date) -> list[Organisation]:
        """The provinces and centrally-run cities (their People's Committees) in force on ``day``."""
        return [organisation for organisation in self.in_force(day) if organisation.is_province_on(day)]

    def as_of(self, organisation_id: str, day: date) -> OrganisationOnDate:
        organisation = self.on(organisation_id, day)
        return OrganisationOnDate(
            id=organisation.id,
            day=day,
            kind=organisation.kind,
            level=organisation.level_on(day),
            name=organisation.name_on(day),
            parent=organisation.parent_on(day),
            place=self.place_on(organisation_id, day),
            province=self.province_on(organisation_id, day),
            agency_code=organisation.agency_code,
        )

    def name_on(self, organisation_id: str, day: date) -> Name:
        return self.on(organisation_id, day).name_on(day)

    def parent_on(self, organisation_id: str, day: date) -> str | None:
        return self.on(organisation_id, day).parent_on(day)

    def place_on(self, organisation_id: str, day: date) -> str | None:
        """The place name of the date line ("Cao Bằng, ngày …"): the organisation's own, else its parent's."""
        seen: set[str] = set()
        current: str | None = organisation_id
        while current is not None and current not in seen:
            seen.add(current)
            organisation = self.on(current, day)
            place = value_on(organisation.places, day)
            if place is not None:
                return place
            current = organisation.parent_on(day)
        return None

    def province_on(self, organisation_id: str, day: date) -> str | None:
        """The province (its People's Committee's id) the organisation belonged to on ``day``,
        from the registry's parent lines, never from the shape of a code; ``None`` for national bodies."""
        seen: set[str] = set()
        current: str | None = organisation_id
        while current is not None and current not in seen:
            seen.add(current)
            organisation = self.on(current, day)
            if organisation.is_province_on(day):
                return organisation.id
            explicit = value_on(organisation.provinces, day)
            current = explicit if explicit is not None else organisation.parent_on(day)
        return None

    def header_lines(self, organisation_id: str, day: date) -> tuple[str, ...]:
        """The issuing body's lines at the top left of a document (Decree 30/2020/NĐ-CP, Appendix I):
        ``("ỦY BAN NHÂN DÂN", "TỈNH CAO BẰNG")`` for a province's People's Committee,
        ``("UBND TỈNH CAO BẰNG", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG")`` for a body under it,
        ``("BỘ THÔNG TIN VÀ TRUYỀN THÔNG",)`` for a ministry."""
        organisation = self.on(organisation_id, day)
        name = organisation.name_on(day)
        if organisation.is_province_on(day):
            return ("ỦY BAN NHÂN DÂN", _locality(name.full).upper())
        own = (name.header or name.full).upper()
        parent = organisation.parent_on(day)
        if parent is None:
            return (own,)
        return (self._parent_line(parent, day), own)

    def _parent_line(self, organisation_id: str, day: date) -> str:
        organisation = self.on(organisation_id, day)
        name = organisation.name_on(day)
        if organisation.is_province_on(day):
            return "UBND " + _locality(name.full).upper()
        return name.full.upper()

    # -- history -------------------------------------------------------------------------

    def successions_of(self, organisation_id: str) -> tuple[list[Succession], list[Succession]]:
        """(the successions into it, the successions out of it)."""
        self.get(organisation_id)
        return list(self._incoming.get(organisation_id, [])), list(self._outgoing.get(organisation_id, []))

    def successors(self, organisation_id: str) -> tuple[str, ...]:
        """Every organisation that carries on its work, however many steps later (nearest first)."""
        self.get(organisation_id)
        return _walk(organisation_id, lambda current: [s.successor for s in self._outgoing.get(current, [])])

    def predecessors(self, organisation_id: str) -> tuple[str, ...]:
        """Every organisation whose work it carries on, however many steps back (nearest first)."""
        self.get(organisation_id)
        return _walk(organisation_id, lambda current: [s.predecessor for s in self._incoming.get(current, [])])

    def succeeded_in(self, predecessor: str, successor: str, year: int, duty: str | None = None) -> bool:
        """Whether ``successor`` carries on ``predecessor``'s work (or one ``duty`` of it) through a
        succession of ``year``: the year whose documents the successor finishes (a report on the
        predecessor's plan of the year of a merger)."""
        if predecessor not in self or successor not in self:
            return False
        before = {predecessor, *self.successors(predecessor)}
        after = {successor, *self.predecessors(successor)}
        return any(
            s.day.year == year and s.carries(duty) and s.predecessor in before and s.successor in after
            for s in self.successions
        )

    def readable_units(self, organisation_id: str) -> frozenset[str]:
        """Whose documents the users of an organisation read: its own and every predecessor's
        (a successor reads its predecessors' documents as history)."""
        return frozenset({organisation_id, *self.predecessors(organisation_id)})

    def may_read(self, reader_unit: str, document_unit: str) -> bool:
        return document_unit in self.readable_units(reader_unit)

    def holders_on(self, organisation_id: str, day: date, duty: str | None = None) -> tuple[str, ...]:
        """Who held this organisation's work (or one ``duty`` of it) on ``day``, following
        successions forward (a later day) or back (an earlier one): the ministry of
        external information is ``bo-tttt`` in 2017 and ``bo-vhttdl`` in 2026, whichever
        of the two is asked. Several where a merger joined or a split parted them."""
        self.get(organisation_id)
        found: list[str] = []
        seen: set[str] = set()
        pending: list[tuple[str, int]] = [(organisation_id, 0)]  # direction: 0 either way, 1 forward, -1 back
        while pending:
            current, direction = pending.pop(0)
            if current in seen:
                continue
            seen.add(current)
            organisation = self._organisations[current]
            outgoing = self._outgoing.get(current, []) if direction >= 0 else []
            incoming = self._incoming.get(current, []) if direction <= 0 else []
            later = [s for s in self._passing(outgoing, duty) if s.day <= day]
            earlier = [s for s in self._passing(incoming, duty) if s.day > day]
            if organisation.in_force(day):
                # Standing on that day, it held its own work; only a duty that reached it later lies further back.
                earlier = [s for s in earlier if duty is not None and duty in s.duties]
            if later:
                pending.extend((s.successor, 1) for s in later)
            elif earlier:
                pending.extend((s.predecessor, -1) for s in earlier)
            elif organisation.in_force(day):
                found.append(current)
        return tuple(found)

    @staticmethod
    def _passing(successions: list[Succession], duty: str | None) -> list[Succession]:
        """The successions that pass ``duty``: those naming it win over those passing everything."""
        if duty is None:
            return [s for s in successions if not s.duties]
        named = [s for s in successions if duty in s.duties]
        return named or [s for s in successions if not s.duties]

    # -- checking and changing -----------------------------------------------------------

    def check_references(self, references: Mapping[Path, str], day: date) -> Validation:
        """Every organisation a document names (field path -> id), checked as of the document's
        date: unknown ids and organisations not in force then, all at once."""
        validation = Validation()
        for path, organisation_id in references.items():
            organisation = self._organisations.get(organisation_id)
            if organisation is None:
                validation.add(path, "unknown-organisation", unknown(organisation_id))
            elif not organisation.in_force(day):
                validation.add(path, "not-in-force", organisation.period.describe(organisation_id, day))
        return validation

    def with_succession(self, succession: Succession) -> OrganisationRegistry:
        """A registry with one more succession; one that would make a cycle is refused."""
        if succession.predecessor in self and succession.successor in self:
            chain = self._cycle_through(succession)
            if chain:
                validation = Validation()
                validation.add(("successor",), "acyclic", cycle(chain))
                raise OrganisationsInvalid(validation, "The succession would make a cycle.")
        return OrganisationRegistry(self._organisations.values(), (*self._successions, succession))

    def with_organisation(self, organisation: Organisation) -> OrganisationRegistry:
        """A registry with one organisation added or replaced (a new dated name, an end date …)."""
        kept = [o for o in self._organisations.values() if o.id != organisation.id]
        return OrganisationRegistry([*kept, organisation], self._successions)

    def _cycle_through(self, succession: Succession) -> list[str]:
        """The path successor → … → predecessor that the new succession would close, if any."""
        if succession.successor == succession.predecessor:
            return [succession.predecessor, succession.successor]
        paths = {succession.successor: [succession.successor]}
        pending = [succession.successor]
        while pending:
            current = pending.pop(0)
            for nxt in (s.successor for s in self._outgoing.get(current, [])):
                if nxt not in paths:
                    paths[nxt] = [*paths[current], nxt]
                    pending.append(nxt)
        if succession.predecessor in paths:
            return [succession.predecessor, *paths[succession.predecessor]]
        return []

    def _check(self, listed: list[Organisation], validation: Validation) -> None:
        for organisation in listed:
            self._check_organisation(organisation, validation)
        for index, succession in enumerate(self._successions):
            self._check_succession(index, succession, validation)
        for chain in _cycles(self._outgoing):
            validation.add(("successions",), "acyclic", cycle(chain))

    def _check_organisation(self, organisation: Organisation, validation: Validation) -> None:
        at: Path = ("organisations", organisation.id)
        period = organisation.period
        if organisation.kind not in KINDS:
            validation.add((*at, "kind"), "one-of", one_of(KINDS))
        if period.valid_from and period.valid_to and period.valid_to < period.valid_from:
            validation.add((*at, "valid_to"), "date-order", N_("Ends before it starts."))
        if organisation.agency_code is not None and (
            len(organisation.agency_code) > AGENCY_CODE_MAX or not AGENCY_CODE.match(organisation.agency_code)
        ):
            validation.add(
                (*at, "agency_code"),
                "agency-code",
                N_(
                    "Not an agency code of Decision 20/2020/QĐ-TTg (dotted groups, e.g. {example}).",
                    example="000.00.00.H10",
                ),
            )
        for code in organisation.legacy_codes:
            owner = self._legacy.setdefault(code, organisation.id)
            if owner != organisation.id:
                validation.add(
                    (*at, "legacy_codes"),
                    "unique",
                    N_("The code {code} already belongs to {owner}.", code=code, owner=owner),
                )
        if not organisation.names:
            validation.add((*at, "names"), "required", N_("An organisation needs a name."))
        if not organisation.levels:
            validation.add((*at, "level"), "required", N_("An organisation needs a level."))
        for field_name, days in (
            ("names", [item.since for item in organisation.names]),
            ("level", [item.since for item in organisation.levels]),
            ("parent", [item.since for item in organisation.parents]),
            ("place", [item.since for item in organisation.places]),
            ("province", [item.since for item in organisation.provinces]),
        ):
            if not _in_order(days, period):
                validation.add(
                    (*at, field_name),
                    "dated-order",
                    N_("Dated values must follow each other in time within the organisation's life."),
                )
        if any(level.value not in LEVELS for level in organisation.levels):
            validation.add((*at, "level"), "one-of", one_of(LEVELS))
        for name in organisation.names:
            if organisation.kind == "state" and not name.value.full.startswith(PEOPLES_COMMITTEE):
                level = organisation.level_on(name.since or period.valid_from or date.min)
                if level in PROVINCE_LEVELS:
                    validation.add(
                        (*at, "names"),
                        "peoples-committee",
                        N_("A province's full name begins with “{prefix}”.", prefix=PEOPLES_COMMITTEE.strip()),
                    )
        parents: list[tuple[date | None, str | None]] = [(item.since, item.value) for item in organisation.parents]
        provinces: list[tuple[date | None, str | None]] = [(item.since, item.value) for item in organisation.provinces]
        self._check_dated_references(at, "parent", parents, period, validation)
        self._check_dated_references(at, "province", provinces, period, validation)

    def _check_dated_references(
        self,
        at: Path,
        field_name: str,
        references: list[tuple[date | None, str | None]],
        period: Period,
        validation: Validation,
    ) -> None:
        """Each reference must be in force for every day it applies (from its ``since`` to the next one's)."""
        for position, (since, value) in enumerate(references):
            if value is None:
                continue
            target = self._organisations.get(value)
            if target is None:
                validation.add((*at, field_name), "unknown-organisation", unknown(value))
                continue
            start = since or period.valid_from
            following = references[position + 1][0] if position + 1 < len(references) else None
            end = following - timedelta(days=1) if following is not None else period.valid_to
            if not target.period.covers(start, end):
                validation.add(
                    (*at, field_name),
                    "in-force",
                    N_("Refers to {id}, which is not in force for all the time this applies.", id=value),
                )

    def _check_succession(self, index: int, succession: Succession, validation: Validation) -> None:
        at: Path = ("successions", index)
        if succession.reason not in REASONS:
            validation.add((*at, "reason"), "one-of", one_of(REASONS))
        predecessor = self._organisations.get(succession.predecessor)
        successor = self._organisations.get(succession.successor)
        if predecessor is None:
            validation.add((*at, "predecessor"), "unknown-organisation", unknown(succession.predecessor))
        if successor is None:
            validation.add((*at, "successor"), "unknown-organisation", unknown(succession.successor))
        if predecessor is None or successor is None:
            return
        if not successor.in_force(succession.day):
            validation.add((*at, "successor"), "in-force", successor.period.describe(successor.id, succession.day))
        eve = succession.day - timedelta(days=1)
        if not predecessor.in_force(eve):
            validation.add((*at, "predecessor"), "in-force", predecessor.period.describe(predecessor.id, eve))
        elif succession.reason in ENDING_REASONS and predecessor.period.valid_to != eve:
            validation.add(
                (*at, "predecessor"),
                "ends-on-eve",
                N_("After a merger, a split or a rename the predecessor ends on {day}.", day=eve),
            )


def unknown(organisation_id: str) -> Message:
    return N_("No organisation has the id {id}.", id=organisation_id)


def cycle(chain: list[str]) -> Message:
    return N_("This succession would make a cycle: {cycle}.", cycle=" → ".join(chain))


def one_of(choices: tuple[str, ...]) -> Message:
    return N_("Must be one of: {choices}.", choices=", ".join(choices))


def _locality(full_name: str) -> str:
    """``tỉnh Cao Bằng`` from ``Ủy ban nhân dân tỉnh Cao Bằng``."""
    return full_name.removeprefix(PEOPLES_COMMITTEE)


def _in_order(days: list[date | None], period: Period) -> bool:
    """Only the first may be open (``None``); the rest strictly ascending, within the period."""
    if any(day is None for day in days[1:]):
        return False
    known = [day for day in days if day is not None]
    if known != sorted(set(known)):
        return False
    return all(period.contains(day) for day in known)


def _walk(start: str, step: Callable[[str], list[str]]) -> tuple[str, ...]:
    """Breadth-first from ``start`` (excluded), each id once: cycle-proof."""
    seen = {start}
    order: list[str] = []
    pending = [start]
    while pending:
        current = pending.pop(0)
        for nxt in step(current):
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                pending.append(nxt)
    return tuple(order)


def _cycles(outgoing: Mapping[str, list[Succession]]) -> list[list[str]]:
    """Each cycle among the successions, once (as the path that closes it)."""
    found: list[list[str]] = []
    done: set[str] = set()
    for root in list(outgoing):
        if root in done:
            continue
        stack: list[tuple[str, list[str]]] = [(root, [root])]
        while stack:
            current, path = stack.pop()
            for nxt in (s.successor for s in outgoing.get(current, [])):
                if nxt in path:
                    chain = [*path[path.index(nxt) :], nxt]
                    if not any(set(chain) == set(known) for known in found):
                        found.append(chain)
                elif nxt not in done:
                    stack.append((nxt, [*path, nxt]))
        done.add(root)
    return found


__all__ = [
    "KINDS",
    "LEVELS",
    "REASONS",
    "Dated",
    "Name",
    "Organisation",
    "OrganisationOnDate",
    "OrganisationRegistry",
    "Period",
    "Succession",
]
