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
