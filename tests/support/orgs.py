"""The demo users' organisations, read from the realm file, so that tests name a person and not
the registry id their unit happens to have (``unit_of("drafter.cb")`` is ``svhttdl-cao-bang``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

REALM_FILE = Path(__file__).resolve().parents[2] / "infra" / "keycloak" / "realm-ttdn.json"


@cache
def _attributes() -> dict[str, dict[str, str]]:
    realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    return {
        user["username"]: {name: values[0] for name, values in user.get("attributes", {}).items() if values}
        for user in realm.get("users", [])
    }


def unit_of(username: str) -> str:
    """The registry id of the demo user's organisation (its ``org_unit`` attribute)."""
    return _attributes()[username]["org_unit"]


def province_of(username: str) -> str | None:
    """The registry id of the demo user's province (its People's Committee); None for national bodies."""
    return _attributes()[username].get("province")


def users_of(unit: str) -> list[str]:
    """The demo users of one organisation."""
    return sorted(name for name, attributes in _attributes().items() if attributes.get("org_unit") == unit)


def registry_events() -> list[object]:
    """The ``organisation.*`` events the plans service writes when it seeds its registry from the
    seed files: an ``organisation.created`` per organisation, an ``organisation.succeeded`` per
    predecessor (what a copy in approvals or notifications is fed on a first migrate)."""
    from datetime import UTC, datetime

    from plans.domain.organisation_events import OrganisationCreated, state_event, succeeded_event
    from plans.domain.organisation_seed import load_seed

    registry = load_seed()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    found: list[object] = []
    version = 0
    for organisation in registry:
        version += 1
        found.append(state_event(OrganisationCreated, organisation, version=version, at=at, by="seed"))
    outgoing: dict[str, list[object]] = {}
    for succession in registry.successions:
        outgoing.setdefault(succession.predecessor, []).append(succession)
    for predecessor, successions in outgoing.items():
        version += 1
        found.append(succeeded_event(predecessor, successions, version=version, at=at, by="seed"))  # type: ignore[arg-type]
    return found
