"""Names of organisation units and the faces of issuing bodies, as the issued
document prints them (Decree 30/2020/NĐ-CP, Appendix I).

Organisations change (domain.md), so all of this is data: a bundled default
for the five seed provinces (``organisations.json`` beside this module),
replaceable by a file. The organisation registry of a later issue replaces
this lookup; nothing here parses a name back out of a document number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).with_name("organisations.json")


@dataclass(frozen=True)
class BodyFace:
    """How an issuing body appears on its documents and who signs for it."""

    code: str  # the register's key, e.g. CB-UBND
    name: str  # Ủy ban nhân dân tỉnh Cao Bằng
    header: tuple[str, ...]  # the lines under the parent, as they must break: ("Ủy ban nhân dân", "tỉnh Cao Bằng")
    parent: str = ""  # the body above it, printed above it (UBND tỉnh Cao Bằng for a department)
    collective: str = ""  # a collective body signs "TM. {collective}" (Ủy ban nhân dân); empty for a head-led body
    head: str = "Chủ tịch"  # the head's title: KT./Q./TUQ./TL. are written before it
    handling_unit: str = "VX"  # "- Lưu: VT, {handling_unit}."
    signing_level: int = 2  # the approval level whose approver signs for the body
    agency_code: str = ""  # the national code (QCVN 102) where known; empty: unknown, the suite's code is used


class Organisations:
    """Unit names and issuing-body faces, looked up by code."""

    def __init__(self, data: dict[str, Any], places: dict[str, str]) -> None:
        self._units: dict[str, str] = data.get("units", {})
        self._kinds: dict[str, str] = data.get("unit_kinds", {})
        self._bodies: dict[str, dict[str, Any]] = data.get("bodies", {})
        self._body_kinds: dict[str, dict[str, Any]] = data.get("body_kinds", {})
        self._agency_codes: dict[str, str] = data.get("agency_codes", {})  # recipient name -> national code
        self._places = places

    @classmethod
    def load(cls, places: dict[str, str], path: str | Path | None = None) -> Organisations:
        data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
        if path:
            override = json.loads(Path(path).read_text(encoding="utf-8"))
            for key in ("units", "unit_kinds", "bodies", "body_kinds", "agency_codes"):
                data[key] = {**data.get(key, {}), **override.get(key, {})}
        return cls(data, places)

    def _fill(self, template: str, code: str) -> str:
        province = code.split("-", 1)[0]
        return template.replace("{province}", self._places.get(province, province))

    def unit_name(self, code: str) -> str:
        """``CB-STTTT`` → ``Sở Thông tin và Truyền thông``; an unknown code is printed as it is."""
        if code in self._units:
            return self._fill(self._units[code], code)
        kind = code.split("-", 1)[-1]
        if kind in self._kinds:
            return self._fill(self._kinds[kind], code)
        return code

    def agency_code_of(self, name: str) -> str:
        """The national identifier (QCVN 102) of a recipient named ``name``; empty where unknown."""
        return self._agency_codes.get(name.strip(), "")

    def body(self, code: str) -> BodyFace:
        kind = code.split("-", 1)[-1]
        spec = {**self._body_kinds.get(kind, {}), **self._bodies.get(code, {})}
        name = self._fill(spec.get("name") or self.unit_name(code), code)
        header = tuple(self._fill(line, code) for line in spec.get("header") or (name,))
        return BodyFace(
            code=code,
            name=name,
            header=header,
            parent=self._fill(spec.get("parent", ""), code),
            collective=spec.get("collective", ""),
            head=spec.get("head", "Chủ tịch"),
            handling_unit=spec.get("handling_unit", "VX"),
            signing_level=int(spec.get("signing_level", 2)),
            agency_code=spec.get("agency_code", ""),
        )
