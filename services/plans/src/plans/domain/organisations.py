"""Names of organisations and the faces of issuing bodies, as the issued document
prints them (Decree 30/2020/NĐ-CP, Appendix I), read from the organisation
registry on the document's date.

The registry (:mod:`.organisation_registry`) gives the names, the header lines
and the place; what the registry does not hold — how a body signs (collectively,
"TM. Ủy ban nhân dân", or by its head), the head's title, the handling unit of
"Lưu: VT, …", the approval level whose approver signs, and recipients' national
agency codes — are conventions kept by the body's symbol abbreviation in
``organisations.json`` beside this module, replaceable by a file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .organisation_registry import PEOPLES_COMMITTEE, Organisation, OrganisationRegistry

DEFAULT_FILE = Path(__file__).with_name("organisations.json")


@dataclass(frozen=True)
class BodyFace:
    """How an issuing body appears on its documents and who signs for it."""

    code: str  # the register's key: the body's registry id, e.g. ubnd-cao-bang
    name: str  # Ủy ban nhân dân tỉnh Cao Bằng
    header: tuple[str, ...]  # the lines under the parent, as they must break: ("Ủy ban nhân dân", "tỉnh Cao Bằng")
    parent: str = ""  # the body above it, printed above it (UBND tỉnh Cao Bằng for a department)
    collective: str = ""  # a collective body signs "TM. {collective}" (Ủy ban nhân dân); empty for a head-led body
    head: str = "Chủ tịch"  # the head's title: KT./Q./TUQ./TL. are written before it
    handling_unit: str = "VX"  # "- Lưu: VT, {handling_unit}."
    signing_level: int = 2  # the approval level whose approver signs for the body
    agency_code: str = ""  # the national code (Decision 20/2020/QĐ-TTg) where known; empty: unknown


class Organisations:
    """Organisation names and issuing-body faces, by registry id and date."""

    def __init__(self, registry: Callable[[], OrganisationRegistry], data: dict[str, Any]) -> None:
        self._registry = registry
        self._conventions: dict[str, dict[str, Any]] = data.get("conventions", {})
        self._bodies: dict[str, dict[str, Any]] = data.get("bodies", {})
        self._agency_codes: dict[str, str] = data.get("agency_codes", {})  # recipient name -> national code

    @classmethod
    def load(cls, registry: Callable[[], OrganisationRegistry], path: str | Path | None = None) -> Organisations:
        data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
        if path:
            override = json.loads(Path(path).read_text(encoding="utf-8"))
            for key in ("conventions", "bodies", "agency_codes"):
                data[key] = {**data.get(key, {}), **override.get(key, {})}
        return cls(registry, data)

    def _found(self, organisation_id: str) -> Organisation | None:
        registry = self._registry()
        if organisation_id in registry:
            return registry.get(organisation_id)
        legacy = registry.legacy_codes.get(organisation_id)  # a code written before the registry
        return registry.get(legacy) if legacy else None

    @staticmethod
    def _day(organisation: Organisation, day: date | None) -> date:
        """``day`` within the organisation's life (its first or last day when it lies outside);
        no day: today, or the last day of a body that no longer stands."""
        day = day or date.today()
        period = organisation.period
        if period.valid_to is not None and day > period.valid_to:
            return period.valid_to
        if period.valid_from is not None and day < period.valid_from:
            return period.valid_from
        return day

    def unit_name(self, organisation_id: str, day: date | None = None) -> str:
        """``svhttdl-cao-bang`` → ``Sở Văn hóa, Thể thao và Du lịch tỉnh Cao Bằng`` as named on ``day``;
        an id the registry does not know is printed as it is."""
        organisation = self._found(organisation_id)
        if organisation is None:
            return organisation_id
        return organisation.name_on(self._day(organisation, day)).full

    def agency_code_of(self, name: str) -> str:
        """The national identifier (Decision 20/2020/QĐ-TTg) of a recipient named ``name``; empty where unknown."""
        return self._agency_codes.get(name.strip(), "")

    def body(self, organisation_id: str, day: date | None = None) -> BodyFace:
        """The face of the issuing body ``organisation_id`` on ``day`` (the document's issue date)."""
        organisation = self._found(organisation_id)
        if organisation is None:
            return BodyFace(code=organisation_id, name=organisation_id, header=(organisation_id,))
        registry = self._registry()
        day = self._day(organisation, day)
        name = organisation.name_on(day)
        convention = {**self._conventions.get(name.abbreviation, {}), **self._bodies.get(organisation.id, {})}
        if organisation.is_province_on(day):
            header: tuple[str, ...] = (PEOPLES_COMMITTEE.strip(), _locality(name.full))
            parent = ""
        else:
            header = (name.header or name.full,)
            parent = self._parent_line(registry, organisation.parent_on(day), day)
        return BodyFace(
            code=organisation.id,
            name=name.full,
            header=tuple(convention.get("header") or header),
            parent=convention.get("parent", parent),
            collective=convention.get("collective", ""),
            head=convention.get("head", "Chủ tịch"),
            handling_unit=convention.get("handling_unit", "VX"),
            signing_level=int(convention.get("signing_level", 2)),
            agency_code=organisation.agency_code or convention.get("agency_code", ""),
        )

    @staticmethod
    def _parent_line(registry: OrganisationRegistry, parent_id: str | None, day: date) -> str:
        if parent_id is None or parent_id not in registry:
            return ""
        parent = registry.get(parent_id)
        name = parent.name_on(day)
        if parent.is_province_on(day):
            return "UBND " + _locality(name.full)
        return name.full


def _locality(full_name: str) -> str:
    """``tỉnh Cao Bằng`` from ``Ủy ban nhân dân tỉnh Cao Bằng``."""
    return full_name.removeprefix(PEOPLES_COMMITTEE)
