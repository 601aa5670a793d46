"""Keycloak-shaped access tokens signed with keys made for the test run (unit tests: no I/O)."""

from __future__ import annotations

import json
import time
import uuid

from jwcrypto import jwk, jwt


def make_key(kid: str) -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid=kid, alg="RS256", use="sig")


ISSUER = "http://idp.test/realms/ttdn"
# Module-level tokens are signed when pytest collects, and the whole run can take
# longer than Keycloak's five minutes on a loaded machine: test tokens live an hour.
# Expiry itself is tested with an explicit ``exp``.
LIFETIME_SECONDS = 3600


KEY_A = make_key("key-a")
KEY_B = make_key("key-b")


class KeySet:
    """The identity provider's published keys, as the certs endpoint returns them."""

    def __init__(self, *keys: jwk.JWK) -> None:
        self.keys = list(keys)
        self.fetches = 0

    def __call__(self) -> dict:
        self.fetches += 1
        return {"keys": [json.loads(key.export_public()) for key in self.keys]}


def claims(**overrides: object) -> dict:
    now = int(time.time())
    base = {
        "exp": now + LIFETIME_SECONDS,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "iss": ISSUER,
        "aud": ["ttdn-api", "account"],
        "sub": "5b1f8c1e-0000-4000-8000-000000000001",
        "typ": "Bearer",
        "azp": "ttdn-cli",
        "realm_access": {"roles": ["drafter", "default-roles-ttdn", "offline_access"]},
        "preferred_username": "drafter.cb",
        "name": "Nông Thị Hoa",
        "org_unit": "svhttdl-cao-bang",
        "province": "ubnd-cao-bang",
        "locale": "vi",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict, key: jwk.JWK = KEY_A, alg: str = "RS256") -> str:
    token = jwt.JWT(header={"alg": alg, "typ": "JWT", "kid": key.get("kid")}, claims=payload)
    token.make_signed_token(key)
    return token.serialize()
