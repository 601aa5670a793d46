"""Key rotation and restarts, as services must survive them; and forged tokens with real keys."""

import time

import pytest
import requests
from devidp.keys import KeyRing
from devidp.realm import load_realm
from devidp.tokens import mint_access_token
from jwcrypto import jws
from jwcrypto.jwt import JWTExpired, JWTInvalidClaimValue, JWTMissingKey


def _kid(token: str) -> str:
    parsed = jws.JWS()
    parsed.deserialize(token)
    return parsed.jose_header["kid"]


def test_rotation_keeps_old_tokens_verifiable_across_restarts(start_devidp_instance, tmp_path) -> None:
    key_file = tmp_path / "persisted-keys.json"
    # One public URL for both runs, as behind a fixed hostname; the ports differ.
    env = {"DEVIDP_ISSUER_BASE": "http://idp.ttdn.test"}
    issuer = "http://idp.ttdn.test/realms/ttdn"
    devidp = start_devidp_instance(env, key_file=key_file)
    openid = devidp.openid()
    before = openid.token("drafter.bk", "ttdn2024")["access_token"]
    old_kid = _kid(before)

    rotated = requests.post(f"{devidp.issuer}/dev/rotate-keys", timeout=5).json()
    assert rotated["active"] != old_kid and rotated["keys"] == [rotated["active"], old_kid]
    after = openid.token("drafter.bk", "ttdn2024")["access_token"]
    assert _kid(after) == rotated["active"]
    assert openid.public_key() == KeyRing.load(key_file).active.public_key_b64

    # A restart with the same key file keeps both keys: services go on accepting what they hold.
    devidp.process.stop()
    devidp = start_devidp_instance(env, key_file=key_file)
    openid = devidp.openid()
    keys = devidp.jwks()  # what a service refetches on an unknown kid
    for token in (before, after):
        claims = openid.decode_token(
            token, key=keys, algs=["RS256"], check_claims={"iss": issuer, "aud": "ttdn-api", "exp": None}
        )
        assert claims["preferred_username"] == "drafter.bk"

    requests.post(f"{devidp.issuer}/dev/rotate-keys", params={"drop_old": "true"}, timeout=5)
    with pytest.raises(JWTMissingKey):
        openid.decode_token(before, key=devidp.jwks(), algs=["RS256"])


def test_minted_tokens_are_indistinguishable(devidp) -> None:
    ring = KeyRing.load(devidp.key_file)
    realm = load_realm()
    services = mint_access_token(realm, "service-account-ttdn-services", ring.active, issuer_base=devidp.base_url)
    users = requests.get(
        f"{devidp.base_url}/admin/realms/ttdn/users/count", headers={"Authorization": f"Bearer {services}"}, timeout=5
    )
    assert users.json() == 23

    openid = devidp.openid()
    keys = devidp.jwks()
    forged = [
        (
            JWTExpired,
            mint_access_token(
                realm, "drafter.cb", ring.active, issuer_base=devidp.base_url, issued_at=int(time.time()) - 3600
            ),
        ),
        (
            JWTInvalidClaimValue,
            mint_access_token(realm, "drafter.cb", ring.active, issuer_base="https://elsewhere.example"),
        ),
        (
            JWTInvalidClaimValue,
            mint_access_token(
                realm, "drafter.cb", ring.active, issuer_base=devidp.base_url, overrides={"aud": "account"}
            ),
        ),
    ]
    for error, token in forged:
        with pytest.raises(error):
            openid.decode_token(
                token, key=keys, algs=["RS256"], check_claims={"iss": devidp.issuer, "aud": "ttdn-api", "exp": None}
            )
