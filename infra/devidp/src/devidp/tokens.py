"""Keycloak-shaped tokens, built from the realm file's protocol mappers.

This is the one place where claims are made.  The server uses it for every token it
issues (access, ID and refresh tokens, userinfo and introspection answers), and tests
use it to forge tokens -- expired, wrong ``iss``, wrong ``aud`` -- signed with a real
devidp key::

    from devidp.keys import KeyRing
    from devidp.realm import load_realm
    from devidp.tokens import mint_access_token

    ring = KeyRing.load(key_file)        # the DEVIDP_KEY_FILE the server was started with
    token = mint_access_token(load_realm(), "drafter.cb", ring.active,
                              issuer_base=base_url, overrides={"exp": 1})

Claims follow Keycloak 26: ``sub`` only when the ``basic`` scope applies, ``aud`` only
from an audience mapper or the "audience resolve" mapper (omitted when empty, a string
when single), roles composite-expanded, ``sid`` for user sessions, and a ``jti`` whose
prefix names the session and grant type (``onrtro:`` for a password grant, ``trrtcc:``
for client credentials).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException

from devidp.keys import SigningKey
from devidp.realm import AppliedScopes, Client, ProtocolMapper, Realm, User, load_realm

DEFAULT_CLIENT_ID = "ttdn-cli"

# Keycloak 26 prefixes access-token ids with <session type><token type><grant type>.
_JTI_PREFIX = {
    "password": "onrtro",
    "authorization_code": "onrtac",
    "refresh_token": "onrtrt",
    "client_credentials": "trrtcc",
}

# The order Keycloak's Jackson serialisation gives the well-known claims; the rest follow.
_CLAIM_ORDER = (
    "exp",
    "iat",
    "auth_time",
    "jti",
    "iss",
    "aud",
    "sub",
    "typ",
    "azp",
    "nonce",
    "sid",
    "at_hash",
    "acr",
    "allowed-origins",
    "realm_access",
    "resource_access",
    "scope",
    "email_verified",
    "name",
    "preferred_username",
    "given_name",
    "family_name",
    "email",
    "locale",
)


class Target(enum.Enum):
    """Where a protocol mapper may put its claim; the value is its config flag."""

    ACCESS = "access.token.claim"
    ID = "id.token.claim"
    USERINFO = "userinfo.token.claim"
    INTROSPECTION = "introspection.token.claim"


def mapper_applies(mapper: ProtocolMapper, target: Target) -> bool:
    """Keycloak's OIDCAttributeMapperHelper rules, including its backwards-compatible defaults:
    a missing access-token flag means yes, a missing introspection flag follows the access one.
    """
    flag = mapper.config.get(target.value)
    if target is Target.ACCESS:
        return flag is None or flag == "true"
    if target is Target.INTROSPECTION and flag is None:
        return mapper_applies(mapper, Target.ACCESS)
    return flag == "true"


@dataclass(frozen=True)
class TokenContext:
    """What a token is issued for: who, to which client, with which scopes, in which session."""

    user: User
    client: Client
    scopes: AppliedScopes
    grant_type: str = "password"
    session_id: str | None = None
    acr: str = "1"
    # Keycloak user-session notes, read by oidc-usersessionmodel-note-mapper
    # (AUTH_TIME for browser logins; client_id, clientHost, clientAddress for service accounts).
    notes: Mapping[str, str] = field(default_factory=dict)
    nonce: str | None = None


@dataclass
class _Draft:
    claims: dict[str, Any]
    audience: list[str]


def _claim_path(name: str) -> list[str]:
    # Dots nest ("realm_access.roles"); a backslash-escaped dot is a literal dot.
    parts, current, escaped = [], "", False
    for char in name:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ".":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _set_claim(claims: dict[str, Any], name: str, value: Any) -> None:
    *parents, leaf = _claim_path(name)
    node = claims
    for part in parents:
        node = node.setdefault(part, {})
    existing = node.get(leaf)
    if isinstance(existing, list) and isinstance(value, list):
        node[leaf] = existing + [v for v in value if v not in existing]
    else:
        node[leaf] = value


def _convert(value: Any, json_type: str | None) -> Any:
    if value is None:
        return None
    match (json_type or "String").lower():
        case "long" | "int":
            return int(value)
        case "boolean":
            return value if isinstance(value, bool) else str(value).lower() == "true"
        case "json":
            return json.loads(value) if isinstance(value, str) else value
        case _:
            return str(value) if not isinstance(value, bool) else str(value).lower()


def _values_claim(mapper: ProtocolMapper, draft: _Draft, values: list[Any]) -> None:
    config = mapper.config
    if not values or not config.get("claim.name"):
        return
    converted = [_convert(v, config.get("jsonType.label")) for v in values]
    multivalued = config.get("multivalued") == "true"
    _set_claim(draft.claims, config["claim.name"], converted if multivalued else converted[0])


_Apply = Callable[[ProtocolMapper, _Draft, TokenContext, Realm], None]


def _sub(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    draft.claims["sub"] = ctx.user.id


def _session_note(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    value = ctx.notes.get(mapper.config.get("user.session.note", ""))
    _values_claim(mapper, draft, [] if value is None else [value])


def _user_attribute(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    _values_claim(mapper, draft, list(ctx.user.attribute(mapper.config.get("user.attribute", ""))))


def _user_property(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    value = ctx.user.property(mapper.config.get("user.attribute", ""))
    _values_claim(mapper, draft, [] if value is None else [value])


def _full_name(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    name = " ".join(p for p in (ctx.user.first_name, ctx.user.last_name) if p)
    if name:
        draft.claims["name"] = name


def _realm_roles(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    prefix = mapper.config.get("usermodel.realmRoleMapping.rolePrefix", "")
    roles = [prefix + r for r in realm.effective_realm_roles(ctx.user)]
    claim = mapper.config.get("claim.name") or "realm_access.roles"
    if roles:
        _set_claim(draft.claims, claim, roles)


def _client_roles(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    only = mapper.config.get("usermodel.clientRoleMapping.clientId") or None
    prefix = mapper.config.get("usermodel.clientRoleMapping.rolePrefix", "")
    claim = mapper.config.get("claim.name") or "resource_access.${client_id}.roles"
    for client_id, roles in realm.effective_client_roles(ctx.user).items():
        if only is None or client_id == only:
            _set_claim(draft.claims, claim.replace("${client_id}", client_id), [prefix + r for r in roles])


def _audience_resolve(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    # Every client the user holds a role of, except the requesting client itself.
    for client_id, roles in realm.effective_client_roles(ctx.user).items():
        if roles and client_id != ctx.client.client_id and client_id not in draft.audience:
            draft.audience.append(client_id)


def _audience(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    client_audience = mapper.config.get("included.client.audience")
    audience = client_audience if client_audience in realm.clients else mapper.config.get("included.custom.audience")
    if audience and audience not in draft.audience:
        draft.audience.append(audience)


def _allowed_origins(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    origins = ctx.client.allowed_origins()
    if origins:
        draft.claims["allowed-origins"] = origins


def _acr(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    draft.claims["acr"] = ctx.acr


def _hardcoded(mapper: ProtocolMapper, draft: _Draft, ctx: TokenContext, realm: Realm) -> None:
    value = mapper.config.get("claim.value")
    _values_claim(mapper, draft, [] if value is None else [value])


_MAPPERS: dict[str, _Apply] = {
    "oidc-sub-mapper": _sub,
    "oidc-usersessionmodel-note-mapper": _session_note,
    "oidc-usermodel-attribute-mapper": _user_attribute,
    "oidc-usermodel-property-mapper": _user_property,
    "oidc-full-name-mapper": _full_name,
    "oidc-usermodel-realm-role-mapper": _realm_roles,
    "oidc-usermodel-client-role-mapper": _client_roles,
    "oidc-audience-resolve-mapper": _audience_resolve,
    "oidc-audience-mapper": _audience,
    "oidc-allowed-origins-mapper": _allowed_origins,
    "oidc-acr-mapper": _acr,
    "oidc-hardcoded-claim-mapper": _hardcoded,
}
SUPPORTED_MAPPERS = frozenset(_MAPPERS)


def _ordered(claims: dict[str, Any]) -> dict[str, Any]:
    head = {k: claims[k] for k in _CLAIM_ORDER if k in claims}
    return {**head, **{k: v for k, v in claims.items() if k not in head}}


def realm_issuer(issuer_base: str, realm_name: str) -> str:
    return f"{issuer_base.rstrip('/')}/realms/{realm_name}"


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


class TokenFactory:
    """Builds the claims of every token and answer the realm issues."""

    def __init__(self, realm: Realm, issuer: str) -> None:
        self.realm = realm
        self.issuer = issuer

    def access_token_lifespan(self, client: Client) -> int:
        return client.access_token_lifespan or self.realm.access_token_lifespan

    def _apply_mappers(self, ctx: TokenContext, target: Target, claims: dict[str, Any]) -> _Draft:
        draft = _Draft(claims=claims, audience=[])
        mappers = [m for m in self.realm.protocol_mappers(ctx.client, ctx.scopes) if mapper_applies(m, target)]
        # Keycloak runs "audience resolve" after the explicit audience mappers.
        mappers.sort(key=lambda m: m.type == "oidc-audience-resolve-mapper")
        for mapper in mappers:
            apply = _MAPPERS.get(mapper.type)
            if apply is not None:
                apply(mapper, draft, ctx, self.realm)
        return draft

    def _with_audience(self, draft: _Draft, base: list[str] | None = None) -> dict[str, Any]:
        audience = list(dict.fromkeys([*(base or []), *draft.audience]))
        claims = dict(draft.claims)
        if audience:
            claims["aud"] = audience[0] if len(audience) == 1 else audience
        return _ordered(claims)

    def access_token_claims(
        self, ctx: TokenContext, now: int | None = None, lifespan: int | None = None
    ) -> dict[str, Any]:
        now = int(time.time()) if now is None else now
        claims: dict[str, Any] = {
            "exp": now + (lifespan if lifespan is not None else self.access_token_lifespan(ctx.client)),
            "iat": now,
            "jti": f"{_JTI_PREFIX.get(ctx.grant_type, 'onrtro')}:{uuid.uuid4()}",
            "iss": self.issuer,
            "typ": "Bearer",
            "azp": ctx.client.client_id,
        }
        if ctx.session_id:
            claims["sid"] = ctx.session_id
        claims["scope"] = ctx.scopes.scope_claim
        return self._with_audience(self._apply_mappers(ctx, Target.ACCESS, claims))

    def id_token_claims(
        self, ctx: TokenContext, now: int | None = None, access_token: str | None = None, lifespan: int | None = None
    ) -> dict[str, Any]:
        now = int(time.time()) if now is None else now
        claims: dict[str, Any] = {
            "exp": now + (lifespan if lifespan is not None else self.access_token_lifespan(ctx.client)),
            "iat": now,
            "jti": str(uuid.uuid4()),
            "iss": self.issuer,
            "sub": ctx.user.id,  # an ID token always names its subject, with or without "basic"
            "typ": "ID",
            "azp": ctx.client.client_id,
        }
        if ctx.nonce:
            claims["nonce"] = ctx.nonce
        if ctx.session_id:
            claims["sid"] = ctx.session_id
        if access_token:
            claims["at_hash"] = _at_hash(access_token)
        draft = self._apply_mappers(ctx, Target.ID, claims)
        return self._with_audience(draft, base=[ctx.client.client_id])

    def refresh_token_claims(self, ctx: TokenContext, expires_at: int, now: int | None = None) -> dict[str, Any]:
        now = int(time.time()) if now is None else now
        claims: dict[str, Any] = {
            "exp": expires_at,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "iss": self.issuer,
            "aud": self.issuer,  # a Keycloak refresh token is addressed to the realm itself
            "sub": ctx.user.id,
            "typ": "Refresh",
            "azp": ctx.client.client_id,
        }
        if ctx.session_id:
            claims["sid"] = ctx.session_id
        claims["scope"] = ctx.scopes.scope_claim
        return _ordered(claims)

    def userinfo_claims(self, ctx: TokenContext) -> dict[str, Any]:
        draft = self._apply_mappers(ctx, Target.USERINFO, {"sub": ctx.user.id})
        return _ordered(draft.claims)

    def introspection_claims(self, ctx: TokenContext, token_claims: Mapping[str, Any]) -> dict[str, Any]:
        """An active token's introspection answer: its claims re-mapped for introspection."""
        kept = ("exp", "iat", "auth_time", "jti", "iss", "typ", "azp", "nonce", "sid", "scope")
        claims = {k: token_claims[k] for k in kept if k in token_claims}
        result = self._with_audience(self._apply_mappers(ctx, Target.INTROSPECTION, claims))
        result.update(
            {"client_id": ctx.client.client_id, "username": ctx.user.username, "token_type": "Bearer", "active": True}
        )
        return result


# -- signing and verification --------------------------------------------------------


class TokenInvalid(Exception):
    """A token failed signature, type or expiry checks."""


def _encode(claims: Mapping[str, Any]) -> str:
    return json.dumps(claims, ensure_ascii=False, separators=(",", ":"))


def sign_jwt(claims: Mapping[str, Any], key: SigningKey | jwk.JWK) -> str:
    """RS256-sign ``claims`` with a header of Keycloak's shape (alg, typ, kid)."""
    private = key.jwk if isinstance(key, SigningKey) else key
    kid = key.kid if isinstance(key, SigningKey) else (private.get("kid") or private.thumbprint())
    token = jwt.JWT(header={"alg": "RS256", "typ": "JWT", "kid": kid}, claims=_encode(claims))
    token.make_signed_token(private)
    return token.serialize()


def sign_refresh_token(claims: Mapping[str, Any], hmac_key: jwk.JWK) -> str:
    token = jwt.JWT(header={"alg": "HS512", "typ": "JWT", "kid": hmac_key.get("kid")}, claims=_encode(claims))
    token.make_signed_token(hmac_key)
    return token.serialize()


def verify_jwt(
    token: str,
    key: jwk.JWK | jwk.JWKSet,
    algs: list[str],
    *,
    expected_typ: str | None = None,
    now: float | None = None,
    check_expiry: bool = True,
) -> dict[str, Any]:
    """The claims of ``token`` after checking signature, ``typ`` and (strictly, like Keycloak) ``exp``."""
    try:
        parsed = jwt.JWT(jwt=token, key=key, algs=algs, check_claims=False)
        claims = json.loads(parsed.claims)
    except (JWException, jws.InvalidJWSSignature, ValueError, TypeError) as exc:
        raise TokenInvalid(str(exc) or type(exc).__name__) from exc
    if not isinstance(claims, dict):
        raise TokenInvalid("claims are not an object")
    if expected_typ is not None and claims.get("typ") != expected_typ:
        raise TokenInvalid(f"token type {claims.get('typ')!r} is not {expected_typ!r}")
    exp = claims.get("exp")
    if check_expiry and (not isinstance(exp, int) or exp <= (time.time() if now is None else now)):
        raise TokenInvalid("token is not active")
    return claims


# -- forging tokens for tests ---------------------------------------------------------


def mint_access_token(
    realm: Realm | str | os.PathLike[str],
    username: str,
    key: SigningKey | jwk.JWK,
    *,
    client_id: str | None = None,
    issuer_base: str = "http://127.0.0.1:8080",
    scope: str = "openid",
    issued_at: int | None = None,
    lifespan: int | None = None,
    session_id: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> str:
    """A signed access token for ``username`` exactly as the devidp (and Keycloak) would issue it.

    ``realm`` is a Realm or the path of a realm file.  ``client_id`` defaults to the
    service account's own client for ``service-account-*`` users, else ``ttdn-cli``.
    ``overrides`` replaces claims after they are built; a value of None removes the claim
    (e.g. ``{"aud": "someone-else"}``, ``{"iss": "https://evil"}``, ``{"sub": None}``).
    The token's ``sid`` (random unless given) names no session in a running devidp, so
    such a token verifies locally but introspection reports it inactive.
    """
    realm = realm if isinstance(realm, Realm) else load_realm(realm)
    user = realm.user_by_username(username)
    if user is None:
        raise KeyError(f"no user {username!r} in realm {realm.name}")
    client_id = client_id or user.service_account_client_id or DEFAULT_CLIENT_ID
    client = realm.client(client_id)
    if client is None:
        raise KeyError(f"no client {client_id!r} in realm {realm.name}")
    service_account = user.is_service_account
    ctx = TokenContext(
        user=user,
        client=client,
        scopes=realm.resolve_scopes(client, scope),
        grant_type="client_credentials" if service_account else "password",
        session_id=None if service_account else (session_id or secrets.token_urlsafe(18)),
        notes={"client_id": client_id, "clientHost": "127.0.0.1", "clientAddress": "127.0.0.1"}
        if service_account
        else {},
    )
    factory = TokenFactory(realm, realm_issuer(issuer_base, realm.name))
    claims = factory.access_token_claims(ctx, now=issued_at, lifespan=lifespan)
    for name, value in (overrides or {}).items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return sign_jwt(claims, key)
