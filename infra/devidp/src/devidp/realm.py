"""The realm, read from the same Keycloak realm export that a real Keycloak imports.

Only what the token service and the Admin REST API need is modelled: roles (with
composites), clients, client scopes with their protocol mappers, and users.  Where a
real Keycloak fills something in on import (the ``account`` and ``realm-management``
clients and their roles, the realm's default client scopes for a client that names
none), this module does the same, so that claims come out as Keycloak would issue them.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devidp.bruteforce import BruteForcePolicy

log = logging.getLogger(__name__)

# infra/devidp/src/devidp/realm.py -> parents[4] is the repository root.
REPO_ROOT = Path(__file__).resolve().parents[4]
DEFAULT_REALM_FILE = REPO_ROOT / "infra" / "keycloak" / "realm-ttdn.json"

_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://ttdn.example/devidp")


def stable_id(*parts: str) -> str:
    """A UUID derived from ``parts``: the same on every start, for objects without an ``id``."""
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(parts)))


# Roles Keycloak creates for its built-in clients when the export does not carry those
# clients (ours does not).  Composite roles list what they include.
_BUILTIN_CLIENT_ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    "account": {
        "view-profile": (),
        "manage-account": ("manage-account-links",),
        "manage-account-links": (),
        "view-applications": (),
        "view-consent": (),
        "manage-consent": ("view-consent",),
        "delete-account": (),
        "view-groups": (),
    },
    "realm-management": {
        "create-client": (),
        "impersonation": (),
        "manage-authorization": (),
        "manage-clients": (),
        "manage-events": (),
        "manage-identity-providers": (),
        "manage-realm": (),
        "manage-users": (),
        "query-clients": (),
        "query-groups": (),
        "query-realms": (),
        "query-users": (),
        "view-authorization": (),
        "view-clients": ("query-clients",),
        "view-events": (),
        "view-identity-providers": (),
        "view-realm": (),
        "view-users": ("query-users", "query-groups"),
    },
    "broker": {"read-token": ()},
}
_BUILTIN_CLIENT_ROLES["realm-management"]["realm-admin"] = tuple(_BUILTIN_CLIENT_ROLES["realm-management"])

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)(?::([^}]*))?\}")


class RealmError(ValueError):
    """The realm file cannot be used."""


class InvalidScope(ValueError):
    """A requested scope is neither a default nor an optional client scope of the client."""


@dataclass(frozen=True)
class RoleRef:
    """A role by name: a realm role when ``client_id`` is None, else a role of that client."""

    name: str
    client_id: str | None = None


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    description: str | None
    client_id: str | None
    composites: tuple[RoleRef, ...] = ()
    attributes: Mapping[str, list[str]] = field(default_factory=dict)

    @property
    def composite(self) -> bool:
        return bool(self.composites)


@dataclass(frozen=True)
class ProtocolMapper:
    name: str
    type: str  # Keycloak's ``protocolMapper`` id, e.g. "oidc-audience-mapper"
    config: Mapping[str, str]


@dataclass(frozen=True)
class ClientScope:
    name: str
    include_in_token_scope: bool
    mappers: tuple[ProtocolMapper, ...]


@dataclass(frozen=True)
class Client:
    id: str
    client_id: str
    name: str | None
    enabled: bool
    public: bool
    secret: str | None
    standard_flow: bool
    direct_access_grants: bool
    service_accounts: bool
    redirect_uris: tuple[str, ...]
    web_origins: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    pkce_method: str | None
    default_scopes: tuple[str, ...]
    optional_scopes: tuple[str, ...]
    mappers: tuple[ProtocolMapper, ...]
    access_token_lifespan: int | None

    @property
    def confidential(self) -> bool:
        return not self.public

    def allowed_origins(self) -> list[str]:
        """The client's web origins; "+" stands for the origins of its redirect URIs."""
        origins: list[str] = []
        for origin in self.web_origins:
            if origin != "+":
                origins.append(origin)
                continue
            for uri in self.redirect_uris:
                scheme, sep, rest = uri.partition("://")
                if sep and rest:
                    origins.append(f"{scheme}://{rest.split('/', 1)[0]}")
        return list(dict.fromkeys(origins))

    def accepts_redirect_uri(self, uri: str) -> bool:
        return _matches_uri(uri, self.redirect_uris)

    def accepts_post_logout_redirect_uri(self, uri: str) -> bool:
        # "+" stands for the client's redirect URIs, as in Keycloak.
        allowed = [u for p in self.post_logout_redirect_uris for u in (self.redirect_uris if p == "+" else (p,))]
        return _matches_uri(uri, allowed)


def _matches_uri(uri: str, allowed: Iterable[str]) -> bool:
    """Keycloak's redirect URI rule: exact, or a prefix when the registered one ends with "*"."""
    return any(uri == p or (p.endswith("*") and uri.startswith(p[:-1])) for p in allowed)


@dataclass(frozen=True)
class User:
    id: str
    username: str
    enabled: bool
    email: str | None
    email_verified: bool
    first_name: str | None
    last_name: str | None
    created_timestamp: int
    attributes: Mapping[str, tuple[str, ...]]
    password: str | None
    realm_roles: tuple[str, ...]
    client_roles: Mapping[str, tuple[str, ...]]
    service_account_client_id: str | None = None

    @property
    def is_service_account(self) -> bool:
        return self.service_account_client_id is not None

    def password_matches(self, password: str) -> bool:
        return self.password is not None and hmac.compare_digest(password.encode(), self.password.encode())

    def property(self, name: str) -> Any:
        """A Keycloak user *property* (``oidc-usermodel-property-mapper``), or None."""
        return {
            "id": self.id,
            "username": self.username,
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "emailVerified": self.email_verified,
            "enabled": self.enabled,
            "createdTimestamp": self.created_timestamp,
        }.get(name)

    def attribute(self, name: str) -> tuple[str, ...]:
        """A user attribute's values.  Since Keycloak 24 the profile fields are attributes too."""
        if name in ("username", "email", "firstName", "lastName"):
            value = self.property(name)
            return () if value is None else (str(value),)
        return self.attributes.get(name, ())


@dataclass(frozen=True)
class AppliedScopes:
    """The client scopes a token is issued with, and its ``scope`` claim."""

    scopes: tuple[ClientScope, ...]
    scope_claim: str

    @property
    def openid(self) -> bool:
        return "openid" in self.scope_claim.split()


@dataclass(frozen=True)
class Realm:
    id: str
    name: str
    display_name: str | None
    enabled: bool
    access_token_lifespan: int
    sso_session_idle_timeout: int
    sso_session_max_lifespan: int
    access_code_lifespan: int
    revoke_refresh_token: bool
    login_with_email_allowed: bool
    realm_roles: Mapping[str, Role]
    client_roles: Mapping[str, Mapping[str, Role]]
    clients: Mapping[str, Client]
    client_scopes: Mapping[str, ClientScope]
    users: tuple[User, ...]
    # How often one refresh token may be used again (with revoke_refresh_token): 0 = once.
    refresh_token_max_reuse: int = 0
    brute_force: BruteForcePolicy = field(default_factory=BruteForcePolicy)

    # -- look-ups -------------------------------------------------------------------

    def client(self, client_id: str | None) -> Client | None:
        return self.clients.get(client_id or "")

    def user_by_username(self, username: str) -> User | None:
        # Keycloak stores usernames lower-cased, so look-ups ignore case.
        wanted = username.strip().lower()
        return next((u for u in self.users if u.username.lower() == wanted), None)

    def user_by_login(self, login: str) -> User | None:
        """The user a login form or password grant names, by username or (if allowed) e-mail."""
        user = self.user_by_username(login)
        if user is None and self.login_with_email_allowed and "@" in login:
            wanted = login.strip().lower()
            user = next((u for u in self.users if (u.email or "").lower() == wanted), None)
        return None if user is None or user.is_service_account else user

    def user_by_id(self, user_id: str) -> User | None:
        return next((u for u in self.users if u.id == user_id), None)

    def service_account_user(self, client_id: str) -> User | None:
        return next((u for u in self.users if u.service_account_client_id == client_id), None)

    def realm_role(self, name: str) -> Role | None:
        return self.realm_roles.get(name)

    # -- roles ----------------------------------------------------------------------

    def _expand(self, refs: Iterable[RoleRef]) -> list[RoleRef]:
        """Depth-first composite expansion, keeping first-seen order and skipping cycles."""
        seen: list[RoleRef] = []
        stack = list(reversed(list(refs)))
        while stack:
            ref = stack.pop()
            if ref in seen:
                continue
            seen.append(ref)
            role = self._role(ref)
            if role is not None:
                stack.extend(reversed(role.composites))
        return seen

    def _role(self, ref: RoleRef) -> Role | None:
        if ref.client_id is None:
            return self.realm_roles.get(ref.name)
        return self.client_roles.get(ref.client_id, {}).get(ref.name)

    def _direct_roles(self, user: User) -> list[RoleRef]:
        refs = [RoleRef(name) for name in user.realm_roles]
        refs += [RoleRef(name, cid) for cid, names in user.client_roles.items() for name in names]
        return refs

    def effective_realm_roles(self, user: User) -> list[str]:
        return [r.name for r in self._expand(self._direct_roles(user)) if r.client_id is None]

    def effective_client_roles(self, user: User) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for ref in self._expand(self._direct_roles(user)):
            if ref.client_id is not None:
                result.setdefault(ref.client_id, []).append(ref.name)
        return result

    def role_members(self, role: Role) -> list[User]:
        """Users holding ``role`` directly (Keycloak's role members are not composite-expanded)."""
        if role.client_id is None:
            return [u for u in self.users if role.name in u.realm_roles]
        return [u for u in self.users if role.name in u.client_roles.get(role.client_id, ())]

    # -- scopes ---------------------------------------------------------------------

    def resolve_scopes(self, client: Client, requested: str | None) -> AppliedScopes:
        """The client's default scopes plus the requested optional ones, as Keycloak applies them.

        Raises InvalidScope for a value that is neither ``openid`` nor a scope of the client.
        """
        words = [w for w in (requested or "").split() if w]
        unknown = [
            w for w in words if w != "openid" and w not in client.default_scopes and w not in client.optional_scopes
        ]
        if unknown:
            raise InvalidScope(f"Invalid scopes: {requested}")
        names = list(client.default_scopes) + [w for w in words if w in client.optional_scopes]
        scopes = tuple(self.client_scopes[n] for n in dict.fromkeys(names) if n in self.client_scopes)
        claim = (["openid"] if "openid" in words else []) + [s.name for s in scopes if s.include_in_token_scope]
        return AppliedScopes(scopes=scopes, scope_claim=" ".join(claim))

    def protocol_mappers(self, client: Client, applied: AppliedScopes) -> list[ProtocolMapper]:
        """The client's own mappers, then those of each applied client scope."""
        mappers = list(client.mappers)
        for scope in applied.scopes:
            mappers.extend(scope.mappers)
        return mappers


# -- loading ------------------------------------------------------------------------


def load_realm(path: str | os.PathLike[str] = DEFAULT_REALM_FILE, environ: Mapping[str, str] | None = None) -> Realm:
    """Read a Keycloak realm export (``kc.sh export`` / ``--import-realm`` format)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RealmError(f"cannot read realm file {path}: {exc}") from exc
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RealmError(f"realm file {path} is not JSON: {exc}") from exc
    return parse_realm(resolve_placeholders(document, os.environ if environ is None else environ))


def resolve_placeholders(document: Any, environ: Mapping[str, str]) -> Any:
    """Resolve ``${VAR}`` / ``${VAR:default}`` the way Keycloak's import does.

    A placeholder with neither an environment value nor a default stays as it is; that is
    how ``${role_default-roles}``-style message keys survive.
    """
    if isinstance(document, str):

        def substitute(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in environ:
                return environ[name]
            return default if default is not None else match.group(0)

        return _PLACEHOLDER.sub(substitute, document)
    if isinstance(document, list):
        return [resolve_placeholders(item, environ) for item in document]
    if isinstance(document, dict):
        return {key: resolve_placeholders(value, environ) for key, value in document.items()}
    return document


def parse_realm(rep: Mapping[str, Any]) -> Realm:
    name = rep.get("realm")
    if not name:
        raise RealmError("realm export has no 'realm' name")
    realm_id = rep.get("id") or name

    realm_roles = {
        r["name"]: _parse_role(r, realm_id, client_id=None) for r in (rep.get("roles") or {}).get("realm", [])
    }
    client_roles = _parse_client_roles(rep, realm_id)

    scope_reps = rep.get("clientScopes")
    if scope_reps is None:
        # Keycloak creates its default scopes when the export has none; we cannot guess
        # their mappers faithfully, so insist on an explicit list.
        raise RealmError("realm export must define clientScopes (see infra/devidp/README.md)")
    client_scopes = {
        s["name"]: _parse_scope(s) for s in scope_reps if s.get("protocol", "openid-connect") == "openid-connect"
    }
    realm_defaults = tuple(rep.get("defaultDefaultClientScopes") or ())
    realm_optionals = tuple(rep.get("defaultOptionalClientScopes") or ())
    clients = {c["clientId"]: _parse_client(c, name, realm_defaults, realm_optionals) for c in rep.get("clients", [])}
    for client in clients.values():
        for scope in (*client.default_scopes, *client.optional_scopes):
            if scope not in client_scopes:
                raise RealmError(f"client {client.client_id} names undefined client scope {scope!r}")

    users = [_parse_user(u, name) for u in rep.get("users", [])]
    users += _missing_service_accounts(clients.values(), users, name, realm_roles)
    realm = Realm(
        id=realm_id,
        name=name,
        display_name=rep.get("displayName"),
        enabled=rep.get("enabled", True),
        access_token_lifespan=int(rep.get("accessTokenLifespan", 300)),
        sso_session_idle_timeout=int(rep.get("ssoSessionIdleTimeout", 1800)),
        sso_session_max_lifespan=int(rep.get("ssoSessionMaxLifespan", 36000)),
        access_code_lifespan=int(rep.get("accessCodeLifespan", 60)),
        revoke_refresh_token=bool(rep.get("revokeRefreshToken", False)),
        refresh_token_max_reuse=int(rep.get("refreshTokenMaxReuse", 0)),
        brute_force=BruteForcePolicy.from_realm(rep),
        login_with_email_allowed=bool(rep.get("loginWithEmailAllowed", True)),
        realm_roles=realm_roles,
        client_roles=client_roles,
        clients=clients,
        client_scopes=client_scopes,
        users=tuple(users),
    )
    _warn_about_unsupported(realm)
    return realm


def _parse_role(rep: Mapping[str, Any], realm_id: str, client_id: str | None) -> Role:
    composites = rep.get("composites") or {}
    refs = [RoleRef(n) for n in composites.get("realm", [])]
    refs += [RoleRef(n, cid) for cid, names in (composites.get("client") or {}).items() for n in names]
    container = (realm_id,) if client_id is None else (realm_id, client_id)
    return Role(
        id=rep.get("id") or stable_id(*container, "role", rep["name"]),
        name=rep["name"],
        description=rep.get("description"),
        client_id=client_id,
        composites=tuple(refs),
        attributes=rep.get("attributes") or {},
    )


def _parse_client_roles(rep: Mapping[str, Any], realm_id: str) -> dict[str, dict[str, Role]]:
    result: dict[str, dict[str, Role]] = {}
    for client_id, roles in _BUILTIN_CLIENT_ROLES.items():
        result[client_id] = {
            role: Role(
                id=stable_id(realm_id, client_id, "role", role),
                name=role,
                description=f"${{role_{role}}}",
                client_id=client_id,
                composites=tuple(RoleRef(c, client_id) for c in composites),
            )
            for role, composites in roles.items()
        }
    for client_id, roles in ((rep.get("roles") or {}).get("client") or {}).items():
        declared = {r["name"]: _parse_role(r, realm_id, client_id) for r in roles}
        result[client_id] = {**result.get(client_id, {}), **declared}
    return result


def _parse_mapper(rep: Mapping[str, Any]) -> ProtocolMapper:
    return ProtocolMapper(
        name=rep.get("name", ""),
        type=rep["protocolMapper"],
        config={k: str(v) for k, v in (rep.get("config") or {}).items()},
    )


def _parse_scope(rep: Mapping[str, Any]) -> ClientScope:
    attributes = rep.get("attributes") or {}
    return ClientScope(
        name=rep["name"],
        include_in_token_scope=str(attributes.get("include.in.token.scope", "true")).lower() == "true",
        mappers=tuple(
            _parse_mapper(m)
            for m in rep.get("protocolMappers", [])
            if m.get("protocol", "openid-connect") == "openid-connect"
        ),
    )


def _parse_client(
    rep: Mapping[str, Any], realm_name: str, realm_defaults: tuple[str, ...], realm_optionals: tuple[str, ...]
) -> Client:
    attributes = rep.get("attributes") or {}
    # Keycloak gives a client the realm's default scopes when the export names none.
    names_none = "defaultClientScopes" not in rep and "optionalClientScopes" not in rep
    public = bool(rep.get("publicClient", False))
    lifespan = attributes.get("access.token.lifespan")
    post_logout = [u for u in str(attributes.get("post.logout.redirect.uris", "")).split("##") if u]
    return Client(
        id=rep.get("id") or stable_id(realm_name, "client", rep["clientId"]),
        client_id=rep["clientId"],
        name=rep.get("name"),
        enabled=bool(rep.get("enabled", True)),
        public=public,
        secret=None if public else rep.get("secret"),
        standard_flow=bool(rep.get("standardFlowEnabled", True)),
        direct_access_grants=bool(rep.get("directAccessGrantsEnabled", False)),
        service_accounts=bool(rep.get("serviceAccountsEnabled", False)),
        redirect_uris=tuple(rep.get("redirectUris") or ()),
        web_origins=tuple(rep.get("webOrigins") or ()),
        post_logout_redirect_uris=tuple(post_logout),
        pkce_method=attributes.get("pkce.code.challenge.method") or None,
        default_scopes=realm_defaults if names_none else tuple(rep.get("defaultClientScopes") or ()),
        optional_scopes=realm_optionals if names_none else tuple(rep.get("optionalClientScopes") or ()),
        mappers=tuple(
            _parse_mapper(m)
            for m in rep.get("protocolMappers", [])
            if m.get("protocol", "openid-connect") == "openid-connect"
        ),
        access_token_lifespan=int(lifespan) if lifespan else None,
    )


def _parse_user(rep: Mapping[str, Any], realm_name: str) -> User:
    username = str(rep["username"]).lower()
    password = next(
        (
            c.get("value")
            for c in rep.get("credentials", [])
            if c.get("type") == "password" and c.get("value") is not None
        ),
        None,
    )
    return User(
        id=rep.get("id") or stable_id(realm_name, "user", username),
        username=username,
        enabled=bool(rep.get("enabled", True)),
        email=rep.get("email"),
        email_verified=bool(rep.get("emailVerified", False)),
        first_name=rep.get("firstName"),
        last_name=rep.get("lastName"),
        created_timestamp=int(rep.get("createdTimestamp", 0)),
        attributes={
            k: tuple(str(v) for v in (vs if isinstance(vs, list) else [vs]))
            for k, vs in (rep.get("attributes") or {}).items()
        },
        password=password,
        realm_roles=tuple(rep.get("realmRoles") or ()),
        client_roles={cid: tuple(names) for cid, names in (rep.get("clientRoles") or {}).items()},
        service_account_client_id=rep.get("serviceAccountClientId"),
    )


def _missing_service_accounts(
    clients: Iterable[Client], users: list[User], realm_name: str, realm_roles: Mapping[str, Role]
) -> list[User]:
    """The service-account users Keycloak creates on import for clients the export gives none."""
    have = {u.service_account_client_id for u in users}
    default_role = f"default-roles-{realm_name}"
    return [
        User(
            id=stable_id(realm_name, "user", f"service-account-{c.client_id}"),
            username=f"service-account-{c.client_id}".lower(),
            enabled=True,
            email=None,
            email_verified=False,
            first_name=None,
            last_name=None,
            created_timestamp=0,
            attributes={},
            password=None,
            realm_roles=(default_role,) if default_role in realm_roles else (),
            client_roles={},
            service_account_client_id=c.client_id,
        )
        for c in clients
        if c.service_accounts and c.client_id not in have
    ]


def _warn_about_unsupported(realm: Realm) -> None:
    from devidp.tokens import SUPPORTED_MAPPERS  # local import: tokens imports this module

    types = {m.type for c in realm.clients.values() for m in c.mappers}
    types |= {m.type for s in realm.client_scopes.values() for m in s.mappers}
    for unsupported in sorted(types - SUPPORTED_MAPPERS):
        log.warning("protocol mapper type %s is not emulated; its claims will be missing", unsupported)
    for user in realm.users:
        if not user.is_service_account and user.password is None:
            log.warning("user %s has no plain-text password credential and cannot log in", user.username)
