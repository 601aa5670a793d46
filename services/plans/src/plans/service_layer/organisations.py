"""The administrator's use cases on the organisation registry: add or change an organisation,
record a succession. Each is checked against the whole registry as it would become (a cycle, a
parent not in force, a broken date are refused with every problem at once) and kept as a change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from servicekit.i18n import N_
from servicekit.validation import Validation

from ..domain import commands
from ..domain.errors import OrganisationsInvalid, PlanForbidden
from ..domain.organisation_registry import OrganisationRegistry
from ..domain.organisation_seed import organisation_from_record, plain, successions_from_record
from .unit_of_work import UnitOfWork

ADMIN_ROLE = "admin"


def _admin(cmd: commands.PutOrganisation | commands.RecordSuccession) -> None:
    if not cmd.actor.has_role(ADMIN_ROLE):
        raise PlanForbidden(N_("Only an administrator changes the organisation registry."))


def put_organisation(
    cmd: commands.PutOrganisation,
    uow: UnitOfWork,
    *,
    organisation_registry: Callable[[], OrganisationRegistry],
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    _admin(cmd)
    record = plain(dict(cmd.record))
    if cmd.organisation_id is not None:
        record.setdefault("id", cmd.organisation_id)
        if record["id"] != cmd.organisation_id:
            validation = Validation()
            validation.add(("id",), "immutable", N_("An organisation keeps its id for life."))
            raise OrganisationsInvalid(validation)
    organisation = organisation_from_record(record)
    with uow:
        registry = uow.organisations.registry()
        exists = organisation.id in registry
        if cmd.organisation_id is None and exists:
            validation = Validation()
            validation.add(("id",), "unique", N_("Another organisation already has the id {id}.", id=organisation.id))
            raise OrganisationsInvalid(validation)
        if cmd.organisation_id is not None and not exists:
            registry.get(cmd.organisation_id)  # UnknownOrganisation
        registry.with_organisation(organisation)  # the whole registry checked as it would become
        uow.organisations.put(record, source="admin", by=cmd.actor.username, at=clock())
    _forget(organisation_registry)
    return record


def record_succession(
    cmd: commands.RecordSuccession,
    uow: UnitOfWork,
    *,
    organisation_registry: Callable[[], OrganisationRegistry],
    clock: Callable[[], datetime],
) -> list[dict[str, Any]]:
    _admin(cmd)
    successions = successions_from_record({**plain(dict(cmd.record)), "predecessor": cmd.predecessor})
    with uow:
        registry = uow.organisations.registry()
        registry.get(cmd.predecessor)  # UnknownOrganisation
        for succession in successions:
            registry = registry.with_succession(succession)  # a cycle, a date out of either's life: refused
        now = clock()
        for succession in successions:
            uow.organisations.add_succession(succession, source="admin", by=cmd.actor.username, at=now)
    _forget(organisation_registry)
    return [
        {
            "predecessor": s.predecessor,
            "successor": s.successor,
            "reason": s.reason,
            "date": s.day.isoformat(),
            "act": s.act,
            "duties": list(s.duties),
        }
        for s in successions
    ]


def _forget(registry: Callable[[], OrganisationRegistry]) -> None:
    refresh = getattr(registry, "refresh", None)
    if refresh is not None:
        refresh()
