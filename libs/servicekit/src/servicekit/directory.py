"""Who the people are: users, their attributes and role members, read from
Keycloak's Admin REST API through python-keycloak's ``KeycloakAdmin``.

Used for approver eligibility (approvals) and for recipients and e-mail
addresses (notifications). Answers are cached for ``ttl`` seconds;
KeycloakAdmin is not thread-safe, so calls are serialised.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

from . import scope as scope_rule
from .settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    id: str
    username: str
    email: str | None
    first_name: str
    last_name: str
    org_unit: str | None
    province: str | None
    locale: str
    position: str = ""  # the title signed under, e.g. "Phó Chủ tịch" (realm attribute `position`)

    @property
    def display_name(self) -> str:
        # Vietnamese order: family name first.
        return " ".join(part for part in (self.last_name, self.first_name) if part) or self.username

    @classmethod
    def from_representation(cls, user: dict[str, Any]) -> Person:
        attributes = user.get("attributes") or {}

        def attribute(name: str) -> str | None:
            values = attributes.get(name) or []
            return values[0] if values else None

        locale = attribute("locale") or "vi"
        return cls(
            id=user["id"],
            username=user["username"],
            email=user.get("email"),
            first_name=user.get("firstName") or "",
            last_name=user.get("lastName") or "",
            org_unit=attribute("org_unit"),
            province=attribute("province"),
            locale=locale if locale in ("vi", "en") else "vi",
            position=attribute("position") or "",
        )


def in_scope(person: Person, scope: str, *, org_unit: str | None, province: str | None) -> bool:
    """Does ``person`` sit in the scope a level is matched on? (:mod:`servicekit.scope`)"""
    return scope_rule.in_scope(
        scope, person_org_unit=person.org_unit, person_province=person.province, org_unit=org_unit, province=province
    )


class Directory:
    @classmethod
    def from_settings(cls, settings: ServiceSettings, *, ttl: float = 300.0) -> Directory:
        """The realm's directory as a service's settings name it, read with the services' admin
        client. No I/O here: the admin client is made on the first lookup."""
        return cls(
            settings.keycloak_url,
            settings.keycloak_realm,
            settings.keycloak_admin_client_id,
            settings.keycloak_admin_client_secret,
            ttl=ttl,
        )

    def __init__(self, server_url: str, realm: str, client_id: str, client_secret: str, *, ttl: float = 300.0) -> None:
        self._server_url = server_url
        self._realm = realm
        self._client_id = client_id
        self._client_secret = client_secret
        self._admin: KeycloakAdmin | None = None
        self._lock = threading.Lock()
        self._ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}

    def _client(self) -> KeycloakAdmin:
        if self._admin is None:
            connection = KeycloakOpenIDConnection(
                server_url=self._server_url,
                realm_name=self._realm,
                user_realm_name=self._realm,
                client_id=self._client_id,
                client_secret_key=self._client_secret,
                timeout=10,
            )
            self._admin = KeycloakAdmin(connection=connection)
        return self._admin

    def _cached(self, key: tuple[str, str], load: Any) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < self._ttl:
                return hit[1]
            try:
                value = load(self._client())
            except Exception:
                # Keycloak briefly unreachable: a stale answer beats failing every request.
                if hit is not None:
                    log.warning("directory lookup failed; using the cached answer", extra={"key": key})
                    return hit[1]
                raise
            self._cache[key] = (now, value)
            return value

    def role_members(self, role: str) -> list[Person]:
        def load(admin: KeycloakAdmin) -> list[Person]:
            users = admin.get_realm_role_members(role, query={"briefRepresentation": False, "max": 1000})
            return [Person.from_representation(user) for user in users if user.get("enabled", True)]

        return self._cached(("role", role), load)

    def eligible(self, role: str, scope: str, *, org_unit: str | None, province: str | None) -> list[Person]:
        return [p for p in self.role_members(role) if in_scope(p, scope, org_unit=org_unit, province=province)]

    def person(self, username: str) -> Person | None:
        def load(admin: KeycloakAdmin) -> Person | None:
            users = admin.get_users({"username": username, "exact": True})
            return Person.from_representation(users[0]) if users else None

        return self._cached(("user", username), load)

    def people_of_unit(self, org_unit: str, role: str) -> list[Person]:
        return [p for p in self.role_members(role) if p.org_unit == org_unit]
