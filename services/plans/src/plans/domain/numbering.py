"""Numbers and symbols of issued plans (Decree 30/2020/NĐ-CP, domain.md).

Each issuing body numbers its documents in one series per calendar year,
01 on 1 January to 31 December; plans share the series of the body's
administrative documents unless configuration gives them their own. Who
issues on behalf of which unit is read from the organisation registry on the
document's date: by default a department's plan (``svhttdl-cao-bang``) is
issued by the People's Committee of its province on that date
(``ubnd-cao-bang``, symbol ``KH-UBND``, place ``Cao Bằng``), as in the seeds.
Configuration may name another issuer, symbol or series per unit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from .errors import NoIssuingBody, OrganisationNotInForce, UnknownOrganisation
from .organisation_registry import OrganisationRegistry

PLAN_DOCUMENT_TYPE = "KH"
ADMINISTRATIVE_SERIES = "administrative"
EXTERNAL_INFORMATION = "external_information"  # the duty a plan's unit holds


@dataclass(frozen=True)
class IssuingBody:
    code: str  # the register's key: the issuer's registry id, e.g. ubnd-cao-bang
    symbol: str  # what follows the document type, e.g. UBND in 15/KH-UBND
    province: str  # the province's registry id (its People's Committee)
    place: str  # the date line's place name, e.g. Cao Bằng
    series: str = ADMINISTRATIVE_SERIES


class NumberingRegister(Protocol):
    def next_number(self, issuer: str, series: str, year: int, *, plan_id: str) -> int:
        """Take the next number of ``issuer``'s ``series`` for ``year``: gapless and never reused."""
        ...


def _seed_registry() -> OrganisationRegistry:
    from .organisation_seed import load_seed

    return load_seed()


@dataclass(frozen=True)
class IssuingBodies:
    """Which body issues each unit's plans, read from the organisation registry by date.
    ``units`` overrides the default rule per unit (registry id -> issuer, symbol, series)."""

    registry: Callable[[], OrganisationRegistry] = _seed_registry
    units: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str, registry: Callable[[], OrganisationRegistry] = _seed_registry) -> IssuingBodies:
        """``{"units": {"svhttdl-cao-bang": {"issuer": "ubnd-cao-bang", "symbol": "UBND", "series": "plans"}}}``."""
        data: dict[str, Any] = json.loads(text)
        return cls(registry=registry, units=data.get("units", {}))

    @classmethod
    def from_file(
        cls, path: str | Path, registry: Callable[[], OrganisationRegistry] = _seed_registry
    ) -> IssuingBodies:
        return cls.from_json(Path(path).read_text(encoding="utf-8"), registry)

    def holder(self, org_unit: str, day: date) -> str:
        """The unit that does ``org_unit``'s external-information work on ``day``: itself while it
        stands, its successor once it is dissolved (a document in flight passes on with its work)."""
        registry = self.registry()
        try:
            if registry.get(org_unit).in_force(day):
                return org_unit
            holders = registry.holders_on(org_unit, day, EXTERNAL_INFORMATION)
        except UnknownOrganisation:
            raise NoIssuingBody(f"No organisation has the id {org_unit!r}.") from None
        if not holders:
            raise NoIssuingBody(f"Nobody holds the work of {org_unit!r} on {day.isoformat()}.")
        return holders[0]

    def province_of(self, org_unit: str, day: date) -> str:
        """The province (its People's Committee's registry id) of a unit on ``day``, from the
        registry's parent lines."""
        holder = self.holder(org_unit, day)
        try:
            province = self.registry().province_on(holder, day)
        except (UnknownOrganisation, OrganisationNotInForce):
            province = None
        if province is None:
            raise NoIssuingBody(f"{holder!r} belongs to no province on {day.isoformat()}.")
        return province

    def for_unit(self, org_unit: str, day: date) -> IssuingBody:
        """Who issues ``org_unit``'s plan on ``day``, under which symbol and place name."""
        configured = self.units.get(org_unit, {})
        province = self.province_of(org_unit, day)
        code = configured.get("issuer") or province
        registry = self.registry()
        # A configured issuer that is no organisation of the registry (a register of its own) takes
        # the symbol configuration gives and the province's place name.
        named = code if code in registry else province
        try:
            symbol = configured.get("symbol") or registry.name_on(named, day).abbreviation
            place = registry.place_on(named, day)
        except (UnknownOrganisation, OrganisationNotInForce):
            symbol, place = configured.get("symbol", ""), None
        if not place or not symbol:
            raise NoIssuingBody(f"{code!r} has no symbol or place name on {day.isoformat()} (unit {org_unit}).")
        return IssuingBody(
            code=code,
            symbol=symbol,
            province=province,
            place=place,
            series=configured.get("series") or ADMINISTRATIVE_SERIES,
        )


def document_number(number: int, body: IssuingBody, document_type: str = PLAN_DOCUMENT_TYPE) -> str:
    """``15/KH-UBND``; numbers below 10 take a leading zero (``05/KH-UBND``)."""
    return f"{number:02d}/{document_type}-{body.symbol}"


def date_line(place: str, day: date) -> str:
    """``Cao Bằng, ngày 08 tháng 02 năm 2024``: days below 10 and the months January and
    February take a leading zero (Decree 30, Appendix I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"
