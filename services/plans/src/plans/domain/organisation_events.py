"""The organisation registry's events (docs/events.md): what the copies in approvals and
notifications are fed. Each carries the organisation's whole state after a change (or the
successions recorded), numbered by the registry's change number, so a copy keeps the newest."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from servicekit.contracts.events import (
    DatedId,
    OrganisationChanged,
    OrganisationCreated,
    OrganisationName,
    OrganisationState,
    OrganisationSucceeded,
    SuccessionFact,
)

from .organisation_registry import Organisation, Succession

__all__ = ["OrganisationChanged", "OrganisationCreated", "OrganisationSucceeded", "state_event", "succeeded_event"]


def state_event(
    cls: type[OrganisationState], organisation: Organisation, *, version: int, at: datetime, by: str
) -> OrganisationState:
    """``organisation.created`` / ``organisation.changed`` with the organisation's whole record."""
    return cls(
        organisation_id=organisation.id,
        version=version,
        changed_at=at,
        changed_by=by,
        kind=organisation.kind,
        names=tuple(
            OrganisationName(
                since=item.since, full=item.value.full, short=item.value.short, abbreviation=item.value.abbreviation
            )
            for item in organisation.names
        ),
        levels=tuple(DatedId(since=item.since, value=item.value) for item in organisation.levels),
        parents=tuple(DatedId(since=item.since, value=item.value) for item in organisation.parents),
        provinces=tuple(DatedId(since=item.since, value=item.value) for item in organisation.provinces),
        valid_from=organisation.period.valid_from,
        valid_to=organisation.period.valid_to,
        agency_code=organisation.agency_code or "",
        legacy_codes=organisation.legacy_codes,
    )


def succession_fact(succession: Succession) -> SuccessionFact:
    return SuccessionFact(
        predecessor=succession.predecessor,
        successor=succession.successor,
        reason=succession.reason,
        day=succession.day,
        act=succession.act or "",
        duties=succession.duties,
    )


def succeeded_event(
    predecessor: str, successions: Iterable[Succession], *, version: int, at: datetime, by: str
) -> OrganisationSucceeded:
    """``organisation.succeeded``: the successions out of ``predecessor`` recorded by one change."""
    return OrganisationSucceeded(
        organisation_id=predecessor,
        version=version,
        changed_at=at,
        changed_by=by,
        successions=tuple(succession_fact(s) for s in successions),
    )
