"""What the use cases need from the outside world, as small protocols so unit
tests inject fakes: the people directory (Keycloak's role members) and a clock."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from servicekit.clock import Clock

__all__ = ["ApproverDirectory", "Clock", "PersonLike", "largest_group"]


class PersonLike(Protocol):
    @property
    def username(self) -> str: ...
    @property
    def org_unit(self) -> str | None: ...
    @property
    def province(self) -> str | None: ...
    @property
    def display_name(self) -> str: ...
    @property
    def position(self) -> str: ...


class ApproverDirectory(Protocol):
    """servicekit.directory.Directory satisfies this (cached Admin API answers)."""

    def role_members(self, role: str) -> Sequence[PersonLike]: ...

    def eligible(
        self, role: str, scope: str, *, org_unit: str | None, province: str | None
    ) -> Sequence[PersonLike]: ...


def largest_group(directory: ApproverDirectory, role: str, scope: str) -> int | None:
    """How many holders of ``role`` one level could gather: everyone for a national
    level, the largest unit or province otherwise. ``None`` when the directory cannot say."""
    try:
        members = directory.role_members(role)
    except Exception:  # the chain is still checked for everything else
        return None
    if scope == "national":
        return len(members)
    counts: dict[str, int] = {}
    for person in members:
        group = person.org_unit if scope == "org_unit" else person.province
        if group:
            counts[group] = counts.get(group, 0) + 1
    return max(counts.values(), default=0)
