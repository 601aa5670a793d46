"""servicekit's token verification against the development identity provider
over HTTP, exactly as against Keycloak: tokens from python-keycloak, keys from
the realm's JWKS, and a key rotation in the middle."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from devidp.keys import KeyRing
from devidp.testing import free_port, start_devidp
from devidp.tokens import mint_access_token
from jwcrypto import jwk
from keycloak import KeycloakOpenID
from servicekit.auth import InvalidToken, TokenVerifier

REALM_FILE = Path(__file__).resolve().parents[3] / "infra" / "keycloak" / "realm-ttdn.json"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    key_file = tmp_path_factory.mktemp("idp") / "keys.json"
    process, base_url = start_devidp(free_port(), key_file)
    yield base_url, key_file
    process.stop()


def verifier_for(base_url: str, cooldown: float = 0.0) -> TokenVerifier:
    return TokenVerifier(base_url, "ttdn", issuer=f"{base_url}/realms/ttdn", refresh_cooldown=cooldown)


def password_token(base_url: str, username: str = "drafter.cb") -> str:
    openid = KeycloakOpenID(server_url=base_url, realm_name="ttdn", client_id="ttdn-cli")
    return openid.token(username, "ttdn2024")["access_token"]


def minted(base_url: str, key_file: Path, **kwargs: object) -> str:
    key = KeyRing.load(key_file).active
    return mint_access_token(REALM_FILE, "drafter.cb", key, issuer_base=base_url, **kwargs)


def test_a_token_from_the_identity_provider_gives_the_principal(idp: tuple[str, Path]) -> None:
    base_url, _ = idp
    principal = verifier_for(base_url).verify(password_token(base_url))
    assert principal.username == "drafter.cb"
    assert principal.has_role("drafter")
    assert (principal.org_unit, principal.province, principal.locale) == ("svhttdl-cao-bang", "ubnd-cao-bang", "vi")


def test_an_integrator_service_account_is_verified(idp: tuple[str, Path]) -> None:
    base_url, _ = idp
    openid = KeycloakOpenID(
        server_url=base_url,
        realm_name="ttdn",
        client_id="ttdn-integrator-dashboard",
        client_secret_key="dashboard-secret",
    )
    token = openid.token(grant_type="client_credentials")["access_token"]
    principal = verifier_for(base_url).verify(token)
    assert principal.is_service_account and principal.has_role("integrator")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"issued_at": int(time.time()) - 7200, "lifespan": 300}, "expired"),
        ({"overrides": {"iss": "http://127.0.0.1:1/realms/ttdn"}}, "issuer"),
        ({"overrides": {"aud": "account"}}, "audience"),
    ],
    ids=["expired", "wrong-issuer", "wrong-audience"],
)
def test_tokens_signed_by_the_real_key_with_bad_claims_are_refused(
    idp: tuple[str, Path], kwargs: dict, reason: str
) -> None:
    base_url, key_file = idp
    with pytest.raises(InvalidToken, match=reason):
        verifier_for(base_url).verify(minted(base_url, key_file, **kwargs))


def test_a_forged_signature_is_refused(idp: tuple[str, Path]) -> None:
    base_url, key_file = idp
    # Same kid as the realm's active key, but the forger's own private key.
    forger = jwk.JWK.generate(kty="RSA", size=2048, kid=KeyRing.load(key_file).active.kid, alg="RS256", use="sig")
    forged = mint_access_token(REALM_FILE, "drafter.cb", forger, issuer_base=base_url)
    with pytest.raises(InvalidToken, match="signature"):
        verifier_for(base_url).verify(forged)


def test_alg_none_is_refused(idp: tuple[str, Path]) -> None:
    base_url, key_file = idp
    _, payload, _ = minted(base_url, key_file).split(".")
    unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + "."
    with pytest.raises(InvalidToken):
        verifier_for(base_url).verify(unsigned)


def test_verification_survives_a_key_rotation(idp: tuple[str, Path]) -> None:
    base_url, _ = idp
    verifier = verifier_for(base_url, cooldown=0.0)
    before = password_token(base_url)
    verifier.verify(before)

    rotated = requests.post(f"{base_url}/realms/ttdn/dev/rotate-keys", timeout=5)
    assert rotated.ok
    after = password_token(base_url)
    assert verifier.verify(after).username == "drafter.cb"  # unknown kid -> one refetch
    assert verifier.verify(before).username == "drafter.cb"  # the old key is still published

    requests.post(f"{base_url}/realms/ttdn/dev/rotate-keys", params={"drop_old": "true"}, timeout=5).raise_for_status()
    newest = password_token(base_url, "dept.cb")
    assert verifier.verify(newest).username == "dept.cb"
    with pytest.raises(InvalidToken, match="unknown key"):
        verifier_for(base_url).verify(before)  # its key was withdrawn


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
        ({"iat": int(time.time()) + 3600}, "issued in the future"),
        ({"nbf": "tomorrow"}, "malformed|invalid claim"),
    ],
    ids=["nbf-an-hour-ahead", "iat-an-hour-ahead", "nbf-not-a-number"],
)
def test_a_token_not_valid_yet_is_refused(idp: tuple[str, Path], overrides: dict, reason: str) -> None:
    base_url, key_file = idp
    with pytest.raises(InvalidToken, match=reason):
        verifier_for(base_url).verify(minted(base_url, key_file, overrides=overrides))


def test_nbf_and_iat_within_the_leeway_are_accepted(idp: tuple[str, Path]) -> None:
    base_url, key_file = idp
    soon = int(time.time()) + 10  # a clock a few seconds ahead: within the 30-second leeway, as for exp
    principal = verifier_for(base_url).verify(minted(base_url, key_file, overrides={"nbf": soon, "iat": soon}))
    assert principal.username == "drafter.cb"


def test_roles_come_from_the_realm_and_the_api_client_only(idp: tuple[str, Path]) -> None:
    base_url, key_file = idp
    token = minted(
        base_url,
        key_file,
        overrides={
            "resource_access": {
                "account": {"roles": ["admin", "manage-account"]},
                "realm-management": {"roles": ["ministry_approver"]},
                "ttdn-api": {"roles": ["dept_approver"]},
            }
        },
    )
    principal = verifier_for(base_url).verify(token)
    assert principal.has_role("drafter", "dept_approver")
    assert not principal.has_role("admin", "ministry_approver", "manage-account")
