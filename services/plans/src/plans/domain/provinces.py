"""The provinces a call can address and the overview lists, read from the organisation registry
by date: the 63 provinces before 01/07/2025, the 34 since (Nghị quyết 202/2025/QH15)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from .calls import Province
from .organisation_registry import Organisation, OrganisationRegistry
from .text import fold

MINISTRY = "bo-tttt"  # the registry follows its external-information duty to whoever holds it on a day
DUTY = "external_information"


class Provinces:
    def __init__(self, registry: OrganisationRegistry) -> None:
        self.registry = registry
        self._on: dict[date, list[Province]] = {}

    def on(self, day: date) -> list[Province]:
        """Every province and centrally-run city in force on ``day``, by name (accents folded)."""
        if day not in self._on:
            found = [self._province(organisation, day) for organisation in self.registry.provinces_on(day)]
            self._on[day] = sorted(found, key=lambda province: (fold(province.name), province.name))
        return list(self._on[day])

    def of_year(self, year: int) -> list[Province]:
        """The provinces as they stood at the end of ``year`` (a 2025 overview lists the 34)."""
        return self.on(date(year, 12, 31))

    def find(self, province_id: str) -> Province | None:
        """A province by its registry id as it stood on its last day (or today), whatever the date."""
        if province_id not in self.registry:
            return None
        organisation = self.registry.get(province_id)
        last = organisation.period.valid_to or date.today()
        return self._province(organisation, last) if organisation.is_province_on(last) else None

    def ministry_on(self, day: date) -> Province:
        holders = self.registry.holders_on(MINISTRY, day, DUTY) or (MINISTRY,)
        organisation = self.registry.get(holders[0])
        return Province(organisation.id, "", organisation.name_on(day).full)

    def predecessors(self, province_id: str, day: date) -> list[Province]:
        """The provinces merged into ``province_id`` (as they stood the day before they were merged)."""
        found = []
        for ident in self.registry.predecessors(province_id):
            organisation = self.registry.get(ident)
            last = organisation.period.valid_to or day
            if organisation.is_province_on(last):
                found.append(self._province(organisation, last))
        return found

    def _province(self, organisation: Organisation, day: date) -> Province:
        return Province(
            organisation.id,
            self._code(organisation),
            organisation.name_on(day)
            .full.removeprefix("Ủy ban nhân dân ")
            .removeprefix("tỉnh ")
            .removeprefix("thành phố "),
        )

    def _code(self, organisation: Organisation) -> str:
        """The province code plans and accounts carried before the registry (``CB`` from ``CB-UBND``);
        a province formed in 2025 under an old province's name carries that province's code."""
        for code in organisation.legacy_codes:
            if code.endswith("-UBND"):
                return code.removesuffix("-UBND")
        place = organisation.places[0].value if organisation.places else None
        for ident in self.registry.predecessors(organisation.id):
            before = self.registry.get(ident)
            if before.places and before.places[0].value == place:
                for code in before.legacy_codes:
                    if code.endswith("-UBND"):
                        return code.removesuffix("-UBND")
        return ""


@lru_cache(maxsize=1)
def seeded() -> Provinces:
    from .organisation_seed import load_seed

    return Provinces(load_seed())
