"""The seed file of the organisation registry (``data/organisations.yaml``): its
schema checked, every problem reported at once, then built into an
:class:`~.organisation_registry.OrganisationRegistry` (which checks references,
dates and successions in turn).

The file's shape::

    organisations:
      - id: svhttdl-cao-bang               # stable, never reused
        kind: state                        # state | party | other
        level: department                  # or [{since: 2025-01-01, value: central_city}, …]
        names:                             # one per name it has borne, oldest first
          - {full: …, short: …, abbreviation: SVHTTDL, header: …, since: …, act: …}
        parent: ubnd-cao-bang              # or null, or [{since: …, value: …}, …]
        place: Cao Bằng                    # optional (else the parent's); same dated form
        province: ubnd-cao-bang            # optional; only where the parent line does not lead there
        valid_from: null                   # null: before the registry's records begin
        valid_to: null                     # null: in force today
        agency_code: null                  # Quyết định 20/2020/QĐ-TTg, only where known
        legacy_codes: [CB-SVHTTDL]
    successions:
      - {predecessors: [a, b], successor: c, reason: merger, date: 2025-07-01, act: …, duties: […]}
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

import yaml
from servicekit.i18n import N_
from servicekit.validation import Path, Validation

from .errors import OrganisationsInvalid
from .organisation_registry import Dated, Name, Organisation, OrganisationRegistry, Period, Succession

SEED_PACKAGE = "plans.domain"
SEED_RESOURCE = "data/organisations.yaml"
SEED_DIRECTORY = "data"  # every *.yaml here is a seed file (organisations.yaml first, the others by name)

ORGANISATION_FIELDS = {
    "id",
    "kind",
    "level",
    "names",
    "parent",
    "place",
    "province",
    "valid_from",
    "valid_to",
    "agency_code",
    "legacy_codes",
}
NAME_FIELDS = {"full", "short", "abbreviation", "header", "since", "act"}
SUCCESSION_FIELDS = {"predecessor", "predecessors", "successor", "successors", "reason", "date", "act", "duties"}


def seed_text() -> str:
    return resources.files(SEED_PACKAGE).joinpath(SEED_RESOURCE).read_text(encoding="utf-8")


def seed_texts() -> list[str]:
    """Every seed file's text: ``organisations.yaml`` first, then the other ``*.yaml`` of
    ``data/`` by name (another part of the suite may add its organisations in a file of its own)."""
    directory = resources.files(SEED_PACKAGE).joinpath(SEED_DIRECTORY)
    names = sorted(entry.name for entry in directory.iterdir() if entry.name.endswith(".yaml"))
    ordered = [SEED_RESOURCE.rsplit("/", 1)[-1], *(name for name in names if name != "organisations.yaml")]
    return [directory.joinpath(name).read_text(encoding="utf-8") for name in ordered if name in names]


def seed_data() -> dict[str, list[Any]]:
    """The seed files' organisations and successions, joined (plain YAML data)."""
    joined: dict[str, list[Any]] = {"organisations": [], "successions": []}
    for text in seed_texts():
        try:
            data = yaml.safe_load(text) or {}
        except (yaml.YAMLError, ValueError):
            load_registry(text)  # reports the file's problem as OrganisationsInvalid
            raise
        if isinstance(data, dict):
            for key in joined:
                joined[key].extend(data.get(key) or [])
    return joined


def load_seed() -> OrganisationRegistry:
    """The registry as the repository's seed files describe it."""
    return registry_from_data(seed_data())


def registry_from_data(data: Any) -> OrganisationRegistry:
    """A registry from data in the seed file's shape (parsed YAML or stored JSON)."""
    reader = _Reader()
    organisations, successions = reader.document(data)
    if not reader.validation.ok:
        raise OrganisationsInvalid(reader.validation, "The organisations break the file's schema.")
    return OrganisationRegistry(organisations, successions)


def organisation_from_record(record: Any, at: Path = ()) -> Organisation:
    """One organisation from its record in the seed file's shape; every problem at once."""
    reader = _Reader()
    organisation = reader.organisation(at, record)
    if organisation is None or not reader.validation.ok:
        raise OrganisationsInvalid(reader.validation, "The organisation breaks the file's schema.")
    return organisation


def successions_from_record(record: Any, at: Path = ()) -> list[Succession]:
    """The successions of one record (``predecessor(s)``, ``successor(s)``, ``reason``, ``date``…)."""
    reader = _Reader()
    successions = reader.succession(at, record)
    if not reader.validation.ok:
        raise OrganisationsInvalid(reader.validation, "The succession breaks the file's schema.")
    return successions


def plain(value: Any) -> Any:
    """YAML data as JSON can hold it (dates as ISO text)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def load_registry(text: str) -> OrganisationRegistry:
    """A registry from the seed file's YAML; :class:`OrganisationsInvalid` names every problem."""
    reader = _Reader()
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as problem:  # ValueError: a date such as 2030-13-01
        reader.validation.add(("file",), "yaml", N_("Not readable as YAML: {problem}", problem=str(problem)))
        raise OrganisationsInvalid(reader.validation, "The organisation file is not YAML.") from None
    organisations, successions = reader.document(data)
    if not reader.validation.ok:
        raise OrganisationsInvalid(reader.validation, "The organisation file breaks its schema.")
    return OrganisationRegistry(organisations, successions)


def _present(values: list[Dated[str | None]]) -> tuple[Dated[str], ...]:
    return tuple(Dated(item.since, item.value) for item in values if item.value is not None)


class _Reader:
    def __init__(self) -> None:
        self.validation = Validation()

    def document(self, data: Any) -> tuple[list[Organisation], list[Succession]]:
        if not isinstance(data, dict):
            self.validation.add(("organisations",), "type", N_("Must be a mapping."))
            return [], []
        self._unknown_fields((), data, {"organisations", "successions"})
        organisations = [
            organisation
            for index, item in enumerate(self._list(("organisations",), data.get("organisations")))
            if (organisation := self.organisation(("organisations", index), item)) is not None
        ]
        successions: list[Succession] = []
        for index, item in enumerate(self._list(("successions",), data.get("successions", []))):
            successions.extend(self.succession(("successions", index), item))
        return organisations, successions

    def organisation(self, at: Path, item: Any) -> Organisation | None:
        if not isinstance(item, dict):
            self.validation.add(at, "type", N_("Must be a mapping."))
            return None
        self._unknown_fields(at, item, ORGANISATION_FIELDS)
        identifier = self._text((*at, "id"), item.get("id"))
        kind = self._text((*at, "kind"), item.get("kind"))
        names = tuple(
            name
            for position, raw in enumerate(self._list((*at, "names"), item.get("names")))
            if (name := self.name((*at, "names", position), raw)) is not None
        )
        levels = self._dated_texts((*at, "level"), item.get("level"), required=True)
        parents = self._dated_texts((*at, "parent"), item.get("parent"), nullable=True)
        places = self._dated_texts((*at, "place"), item.get("place"))
        provinces = self._dated_texts((*at, "province"), item.get("province"))
        period = Period(
            self._date((*at, "valid_from"), item.get("valid_from"), required=False),
            self._date((*at, "valid_to"), item.get("valid_to"), required=False),
        )
        agency_code = item.get("agency_code")
        if agency_code is not None and not isinstance(agency_code, str):
            self.validation.add((*at, "agency_code"), "type", N_("Must be text."))
            agency_code = None
        legacy = [
            self._text((*at, "legacy_codes", i), code)
            for i, code in enumerate(self._list((*at, "legacy_codes"), item.get("legacy_codes", [])))
        ]
        if identifier is None or kind is None:
            return None
        return Organisation(
            id=identifier,
            kind=kind,
            names=names,
            levels=_present(levels),
            parents=tuple(parents),
            places=_present(places),
            provinces=_present(provinces),
            period=period,
            agency_code=agency_code,
            legacy_codes=tuple(code for code in legacy if code is not None),
        )

    def name(self, at: Path, raw: Any) -> Dated[Name] | None:
        if not isinstance(raw, dict):
            self.validation.add(at, "type", N_("Must be a mapping."))
            return None
        self._unknown_fields(at, raw, NAME_FIELDS)
        full = self._text((*at, "full"), raw.get("full"))
        abbreviation = self._text((*at, "abbreviation"), raw.get("abbreviation"))
        short = self._text((*at, "short"), raw.get("short", full), required=False)
        header = self._text((*at, "header"), raw.get("header"), required=False)
        act = self._text((*at, "act"), raw.get("act"), required=False)
        since = self._date((*at, "since"), raw.get("since"), required=False)
        if full is None or abbreviation is None:
            return None
        return Dated(since, Name(full=full, short=short or full, abbreviation=abbreviation, header=header, act=act))

    def succession(self, at: Path, raw: Any) -> list[Succession]:
        if not isinstance(raw, dict):
            self.validation.add(at, "type", N_("Must be a mapping."))
            return []
        self._unknown_fields(at, raw, SUCCESSION_FIELDS)
        predecessors = self._one_or_many(at, raw, "predecessor", "predecessors")
        successors = self._one_or_many(at, raw, "successor", "successors")
        reason = self._text((*at, "reason"), raw.get("reason"))
        day = self._date((*at, "date"), raw.get("date"), required=True)
        act = self._text((*at, "act"), raw.get("act"), required=False)
        duties = [
            self._text((*at, "duties", i), d) for i, d in enumerate(self._list((*at, "duties"), raw.get("duties", [])))
        ]
        if reason is None or day is None:
            return []
        return [
            Succession(
                predecessor=predecessor,
                successor=successor,
                reason=reason,
                day=day,
                act=act,
                duties=tuple(duty for duty in duties if duty is not None),
            )
            for predecessor in predecessors
            for successor in successors
        ]

    # -- the pieces ----------------------------------------------------------------------

    def _one_or_many(self, at: Path, raw: dict[str, Any], one: str, many: str) -> list[str]:
        if (one in raw) == (many in raw):
            self.validation.add((*at, one), "required", N_("Give either {one} or {many}.", one=one, many=many))
            return []
        if one in raw:
            value = self._text((*at, one), raw[one])
            return [value] if value is not None else []
        values = [self._text((*at, many, i), v) for i, v in enumerate(self._list((*at, many), raw[many]))]
        return [value for value in values if value is not None]

    def _dated_texts(
        self, at: Path, raw: Any, *, required: bool = False, nullable: bool = False
    ) -> list[Dated[str | None]]:
        """A plain value (for the whole life) or a list of ``{since, value}``."""
        if raw is None:
            if required:
                self.validation.add(at, "required", N_("This field is required."))
            return []
        if not isinstance(raw, list):
            return [Dated(None, self._text(at, raw))]
        found: list[Dated[str | None]] = []
        for position, item in enumerate(raw):
            where = (*at, position)
            if not isinstance(item, dict) or "value" not in item:
                self.validation.add(where, "type", N_("Must be a mapping with since and value."))
                continue
            self._unknown_fields(where, item, {"since", "value"})
            value = item["value"]
            text = None if value is None and nullable else self._text((*where, "value"), value)
            found.append(Dated(self._date((*where, "since"), item.get("since"), required=False), text))
        return found

    def _list(self, at: Path, raw: Any) -> list[Any]:
        if raw is None:
            self.validation.add(at, "required", N_("This field is required."))
            return []
        if not isinstance(raw, list):
            self.validation.add(at, "type", N_("Must be a list."))
            return []
        return raw

    def _text(self, at: Path, raw: Any, *, required: bool = True) -> str | None:
        if raw is None:
            if required:
                self.validation.add(at, "required", N_("This field is required."))
            return None
        if not isinstance(raw, str) or not raw.strip():
            self.validation.add(at, "type", N_("Must be text."))
            return None
        return raw.strip()

    def _date(self, at: Path, raw: Any, *, required: bool) -> date | None:
        if raw is None:
            if required:
                self.validation.add(at, "required", N_("This field is required."))
            return None
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        self.validation.add(at, "date", N_("Not a date (YYYY-MM-DD)."))
        return None

    def _unknown_fields(self, at: Path, raw: dict[str, Any], known: set[str]) -> None:
        for key in raw:
            if key not in known:
                self.validation.add((*at, str(key)), "unknown-field", N_("Not a field of this file."))
