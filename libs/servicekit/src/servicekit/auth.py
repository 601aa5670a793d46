"""Bearer-token verification against the realm's JWKS, through python-keycloak.

The key set is fetched once and kept parsed; a token signed with an unknown
``kid`` (Keycloak rotated its keys) triggers one refetch, at most once per
cooldown, so a flood of forged kids cannot hammer the identity provider.
A request therefore costs no network call and no key parsing: only the
signature check, and verified tokens are remembered until they expire.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException
from keycloak import KeycloakOpenID

from .settings import ServiceSettings

log = logging.getLogger(__name__)

ROLES = ("drafter", "dept_approver", "province_approver", "ministry_approver", "integrator", "admin")


class InvalidToken(Exception):
    """The token cannot be trusted; ``reason`` says why, for the 401 body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysUnavailable(Exception):
    """The identity provider's JWKS could not be fetched."""


@dataclass(frozen=True)
class Principal:
    subject: str
    username: str
    roles: frozenset[str]
    org_unit: str | None = None
    province: str | None = None
    locale: str = "vi"
    client_id: str | None = None
    name: str | None = None
    email: str | None = None
    position: str | None = None  # the person's title ("Phó Giám đốc"), the realm's `position` attribute
    claims: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def display_name(self) -> str:
        """The full name in Vietnamese order, family name first ("Nông Thị Hoa"): the identity
        provider's ``name`` claim puts the given names first."""
        family, given = self.claims.get("family_name"), self.claims.get("given_name")
        if family or given:
            return " ".join(str(part) for part in (family, given) if part)
        return self.name or self.username

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_service_account(self) -> bool:
        return self.username.startswith("service-account-")

    @classmethod
    def from_claims(cls, claims: dict, *, api_client: str = "ttdn-api") -> Principal:
        """Roles are the realm roles and the API client's roles; another client's roles
        (a role some other application defines, whatever its name) grant nothing here."""
        roles = set(_role_names((claims.get("realm_access") or {}).get("roles")))
        client = (claims.get("resource_access") or {}).get(api_client)
        if isinstance(client, dict):
            roles.update(_role_names(client.get("roles")))
        locale = claims.get("locale") or "vi"
        return cls(
            subject=str(claims.get("sub") or ""),
            username=str(claims.get("preferred_username") or claims.get("sub") or ""),
            roles=frozenset(roles),
            org_unit=claims.get("org_unit") or None,
            province=claims.get("province") or None,
            locale=locale if locale in ("vi", "en") else "vi",
            client_id=claims.get("azp"),
            name=claims.get("name"),
            email=claims.get("email"),
            position=claims.get("position") or None,
            claims=claims,
        )


class TokenVerifier:
    def __init__(
        self,
        server_url: str,
        realm: str,
        *,
        issuer: str,
        audience: str = "ttdn-api",
        leeway: int = 30,
        refresh_cooldown: float = 30.0,
        cache_size: int = 4096,
        timeout: int = 5,
        jwks_source: Callable[[], dict] | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.refresh_cooldown = refresh_cooldown
        self._openid = KeycloakOpenID(server_url=server_url, realm_name=realm, client_id=audience, timeout=timeout)
        # Where the JWKS comes from: the realm's certs endpoint, or (unit tests) a given key set.
        self._jwks_source = jwks_source or self._openid.certs
        self.fetch_count = 0
        self._lock = threading.Lock()
        self._keys: jwk.JWKSet | None = None
        self._fetched_at = float("-inf")
        # With no keys at all, a failed fetch is not retried for a moment: during an identity
        # provider outage requests fail fast instead of each waiting for a timeout.
        self.failure_backoff = min(refresh_cooldown, 2.0)
        self._failed_at = float("-inf")
        self._cache: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def for_settings(cls, settings: ServiceSettings) -> TokenVerifier:
        """The verifier every service and the gateway use: the realm of KEYCLOAK_URL, its issuer and audience."""
        return cls(
            settings.keycloak_url,
            settings.keycloak_realm,
            issuer=settings.issuer,
            audience=settings.api_audience,
            leeway=settings.token_leeway_seconds,
            refresh_cooldown=settings.jwks_refresh_cooldown_seconds,
        )

    # -- keys
    def _fetch_keys(self) -> jwk.JWKSet:
        self.fetch_count += 1
        try:
            certs = self._jwks_source()
        except Exception as error:  # python-keycloak raises its own and requests' errors
            raise KeysUnavailable(str(error)) from error
        keys = jwk.JWKSet()
        for cert in certs.get("keys", []):
            if cert.get("use", "sig") == "sig" and cert.get("kty") == "RSA":
                keys.add(jwk.JWK(**{k: v for k, v in cert.items() if k not in ("x5c", "x5t", "x5t#S256")}))
        return keys

    def keys(self, *, refresh: bool = False) -> jwk.JWKSet:
        with self._lock:
            now = time.monotonic()
            stale = self._keys is None or (refresh and now - self._fetched_at >= self.refresh_cooldown)
            if stale:
                if self._keys is None and now - self._failed_at < self.failure_backoff:
                    raise KeysUnavailable("the identity provider's keys could not be fetched a moment ago")
                try:
                    self._keys = self._fetch_keys()
                    self._fetched_at = now
                except KeysUnavailable:
                    self._failed_at = now
                    if self._keys is None:
                        raise
                    log.warning("JWKS refresh failed; keeping the cached keys")
            assert self._keys is not None
            return self._keys

    def ready(self) -> bool:
        try:
            self.keys()
        except KeysUnavailable:
            return False
        return True

    # -- tokens
    def verify(self, token: str) -> Principal:
        now = time.time()
        cached = self._cache.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        claims = self._decode(token)
        self._check_times(claims, now)
        principal = Principal.from_claims(claims, api_client=self.audience)
        with self._lock:
            self._cache[token] = (float(claims["exp"]), principal)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return principal

    def _check_times(self, claims: dict, now: float) -> None:
        """``nbf`` and ``iat`` with the same leeway as ``exp``: a token not valid yet, or issued in
        the future (a forged or mis-clocked issuer), is refused."""
        for claim, reason in (("nbf", "the token is not valid yet"), ("iat", "the token was issued in the future")):
            value = claims.get(claim)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidToken(f"the token has an invalid claim: {claim}")
            if value > now + self.leeway:
                raise InvalidToken(reason)

    def _decode(self, token: str) -> dict:
        if not token or token.count(".") != 2:
            raise InvalidToken("the token is not a signed JWT")
        check_claims = {"iss": self.issuer, "aud": self.audience, "exp": None, "typ": "Bearer"}
        for attempt in (1, 2):
            keys = self.keys(refresh=attempt == 2)
            try:
                return self._openid.decode_token(
                    token, key=keys, algs=["RS256"], check_claims=check_claims, leeway=self.leeway
                )
            except jwt.JWTMissingKey:
                # jwcrypto says "missing key" both for an unknown kid and for a known kid
                # whose signature does not verify; only the first is worth a refetch.
                if _key_id(token) in {key.get("kid") for key in keys}:
                    raise InvalidToken("the token's signature is invalid") from None
                if attempt == 2:
                    raise InvalidToken("the token was signed by an unknown key") from None
            except jwt.JWTExpired:
                raise InvalidToken("the token has expired") from None
            except jwt.JWTInvalidClaimValue as error:
                raise InvalidToken(_claim_reason(str(error))) from None
            except jwt.JWTMissingClaim as error:
                raise InvalidToken(f"the token lacks a required claim: {error}") from None
            except (jws.InvalidJWSSignature, jws.InvalidJWSObject, jws.InvalidJWSOperation) as error:
                raise InvalidToken(f"the token's signature is invalid ({error.__class__.__name__})") from None
            except (JWException, ValueError, TypeError) as error:
                raise InvalidToken(f"the token is malformed ({error.__class__.__name__})") from None
        raise InvalidToken("the token could not be verified")


def _role_names(value: object) -> list[str]:
    return [role for role in value if isinstance(role, str)] if isinstance(value, list) else []


def _key_id(token: str) -> str | None:
    try:
        header = jws.JWS()
        header.deserialize(token)
        return header.jose_header.get("kid")
    except (JWException, ValueError, TypeError):
        return None


def _claim_reason(message: str) -> str:
    lowered = message.lower()
    for claim, reason in (("'iss'", "wrong issuer"), ("'aud'", "wrong audience"), ("'typ'", "not an access token")):
        if claim in lowered or claim.strip("'") in lowered:
            return f"the token has the {reason}"
    return f"the token has an invalid claim: {message}"
