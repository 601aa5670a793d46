"""Numbers and symbols of issued plans (Decree 30/2020/NĐ-CP, domain.md).

Each issuing body numbers its documents in one series per calendar year,
01 on 1 January to 31 December; plans share the series of the body's
administrative documents unless configuration gives them their own. Who
issues on behalf of which unit, and under which symbol, is configuration:
by default a department's plan (``CB-STTTT``) is issued by its provincial
People's Committee (``CB-UBND``, symbol ``KH-UBND``), as in the seeds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from .errors import NoIssuingBody

PLAN_DOCUMENT_TYPE = "KH"
ADMINISTRATIVE_SERIES = "administrative"

DEFAULT_PLACES: dict[str, str] = {
    "CB": "Cao Bằng",
    "BK": "Bắc Kạn",
    "KT": "Kon Tum",
    "LS": "Lạng Sơn",
    "QB": "Quảng Bình",
    "VN": "Hà Nội",
}


@dataclass(frozen=True)
class IssuingBody:
    code: str  # the register's key, e.g. CB-UBND
    symbol: str  # what follows the document type, e.g. UBND in 15/KH-UBND
    province: str
    place: str  # the date line's place name, e.g. Cao Bằng
    series: str = ADMINISTRATIVE_SERIES


class NumberingRegister(Protocol):
    def next_number(self, issuer: str, series: str, year: int, *, plan_id: str) -> int:
        """Take the next number of ``issuer``'s ``series`` for ``year``: gapless and never reused."""
        ...


@dataclass(frozen=True)
class IssuingBodies:
    """Which body issues each unit's plans. ``units`` overrides the default rule per unit;
    ``places`` names provinces for the date line."""

    units: dict[str, dict[str, str]] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PLACES))

    @classmethod
    def from_json(cls, text: str) -> IssuingBodies:
        """``{"units": {"CB-STTTT": {"issuer": "CB-UBND", "symbol": "UBND", "series": "administrative"}},
        "places": {"CB": "Cao Bằng"}}``."""
        data: dict[str, Any] = json.loads(text)
        return cls(units=data.get("units", {}), places={**DEFAULT_PLACES, **data.get("places", {})})

    @classmethod
    def from_file(cls, path: str | Path) -> IssuingBodies:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def province_of(self, org_unit: str) -> str:
        configured = self.units.get(org_unit, {}).get("province")
        return configured or org_unit.split("-", 1)[0]

    def for_unit(self, org_unit: str) -> IssuingBody:
        province = self.province_of(org_unit)
        configured = self.units.get(org_unit, {})
        code = configured.get("issuer") or f"{province}-UBND"
        symbol = configured.get("symbol") or code.split("-", 1)[-1]
        place = self.places.get(province)
        if not place:
            raise NoIssuingBody(f"No place name is configured for province {province!r} (unit {org_unit}).")
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
