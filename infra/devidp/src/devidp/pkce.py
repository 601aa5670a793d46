"""PKCE (RFC 7636) as Keycloak checks it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

METHODS = ("plain", "S256")

# 43-128 characters of the unreserved set, for both the verifier and the challenge.
_CODE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def is_well_formed(value: str | None) -> bool:
    return value is not None and _CODE.fullmatch(value) is not None


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(verifier: str, challenge: str, method: str) -> bool:
    """Whether ``verifier`` answers ``challenge`` under ``method`` (compared in constant time)."""
    if not is_well_formed(verifier):
        return False
    expected = s256_challenge(verifier) if method == "S256" else verifier
    return hmac.compare_digest(expected.encode("ascii"), challenge.encode("ascii"))
