"""Token verification: the checks every service and the gateway rely on."""

from __future__ import annotations

import json
import time

import pytest
from jwcrypto import jwk
from jwcrypto.common import base64url_encode
from servicekit.auth import InvalidToken, KeysUnavailable, Principal, TokenVerifier

from tests.support.tokens import ISSUER, KEY_A, KEY_B, KeySet, claims, make_key, sign


def verifier(keyset: KeySet, cooldown: float = 30.0) -> TokenVerifier:
    return TokenVerifier("http://idp.test", "ttdn", issuer=ISSUER, jwks_source=keyset, refresh_cooldown=cooldown)


def test_a_valid_token_gives_the_principal_with_its_scope() -> None:
    principal = verifier(KeySet(KEY_A)).verify(sign(claims()))
    assert principal == Principal(
        subject="5b1f8c1e-0000-4000-8000-000000000001",
        username="drafter.cb",
        roles=frozenset({"drafter", "default-roles-ttdn", "offline_access"}),
        org_unit="svhttdl-cao-bang",
        province="ubnd-cao-bang",
        locale="vi",
        client_id="ttdn-cli",
        name="Nông Thị Hoa",
    )
    assert principal.has_role("drafter") and not principal.has_role("admin")


def test_client_roles_count_as_roles() -> None:
    token = sign(claims(resource_access={"ttdn-api": {"roles": ["integrator"]}}))
    assert verifier(KeySet(KEY_A)).verify(token).has_role("integrator")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (claims(exp=int(time.time()) - 120), "expired"),
        (claims(iss="http://evil.test/realms/ttdn"), "issuer"),
        (claims(aud="account"), "audience"),
        (claims(aud=None), "claim"),
        (claims(typ="Refresh"), "access token"),
    ],
    ids=["expired", "wrong-issuer", "wrong-audience", "no-audience", "refresh-token"],
)
def test_tokens_with_bad_claims_are_refused(payload: dict, reason: str) -> None:
    with pytest.raises(InvalidToken) as refused:
        verifier(KeySet(KEY_A)).verify(sign(payload))
    assert reason in refused.value.reason


def test_a_forged_signature_is_refused() -> None:
    forger = make_key("key-a")  # same kid, another private key
    with pytest.raises(InvalidToken, match="signature"):
        verifier(KeySet(KEY_A)).verify(sign(claims(), forger))


def test_alg_none_is_refused() -> None:
    header = json.dumps({"alg": "none", "typ": "JWT", "kid": "key-a"})
    unsigned = f"{base64url_encode(header)}.{base64url_encode(json.dumps(claims()))}."
    with pytest.raises(InvalidToken):
        verifier(KeySet(KEY_A)).verify(unsigned)


def test_hs256_signed_with_the_public_key_is_refused() -> None:
    # The classic algorithm-confusion attack: HMAC keyed with the RSA public key.
    public_pem = KEY_A.export_to_pem().decode()
    hmac_key = jwk.JWK(kty="oct", k=base64url_encode(public_pem.encode()), kid="key-a")
    with pytest.raises(InvalidToken):
        verifier(KeySet(KEY_A)).verify(sign(claims(), hmac_key, alg="HS256"))


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z"])
def test_garbage_is_refused_not_crashed(garbage: str) -> None:
    with pytest.raises(InvalidToken):
        verifier(KeySet(KEY_A)).verify(garbage)


def test_keys_are_fetched_once_and_reused() -> None:
    keyset = KeySet(KEY_A)
    subject = verifier(keyset)
    for _ in range(5):
        subject.verify(sign(claims()))
    assert keyset.fetches == 1


def test_an_unknown_kid_refetches_the_keys_once_key_rotation() -> None:
    keyset = KeySet(KEY_A)
    subject = verifier(keyset, cooldown=0)
    subject.verify(sign(claims()))
    keyset.keys.append(KEY_B)  # the identity provider rotates: key-b is new and active
    assert subject.verify(sign(claims(), KEY_B)).username == "drafter.cb"
    assert keyset.fetches == 2


def test_unknown_kids_cannot_hammer_the_identity_provider() -> None:
    keyset = KeySet(KEY_A)
    subject = verifier(keyset, cooldown=60)
    subject.verify(sign(claims()))
    stranger = make_key("key-x")
    for _ in range(10):
        with pytest.raises(InvalidToken, match="unknown key"):
            subject.verify(sign(claims(), stranger))
    assert keyset.fetches == 1  # the first fetch was less than a cooldown ago


def test_an_unreachable_identity_provider_is_reported_as_unavailable() -> None:
    def down() -> dict:
        raise ConnectionError("connection refused")

    subject = TokenVerifier("http://idp.test", "ttdn", issuer=ISSUER, jwks_source=down)
    assert subject.ready() is False
    with pytest.raises(KeysUnavailable):
        subject.verify(sign(claims()))


def test_an_identity_provider_outage_fails_fast_then_recovers() -> None:
    keyset = KeySet(KEY_A)
    outage = {"down": True}

    def flaky() -> dict:
        if outage["down"]:
            keyset.fetches += 1
            raise ConnectionError("connection refused")
        return keyset()

    subject = TokenVerifier("http://idp.test", "ttdn", issuer=ISSUER, jwks_source=flaky, refresh_cooldown=30)
    for _ in range(5):
        with pytest.raises(KeysUnavailable):
            subject.verify(sign(claims()))
    assert keyset.fetches == 1  # one attempt, then fast failures
    outage["down"] = False
    subject.failure_backoff = 0  # the moment has passed
    assert subject.verify(sign(claims())).username == "drafter.cb"
