"""Claims come out of the realm file's mappers in Keycloak 26's shape."""

import json
import time

import pytest
from devidp.keys import KeyRing
from devidp.realm import DEFAULT_REALM_FILE, Realm, load_realm, parse_realm
from devidp.tokens import (
    TokenContext,
    TokenFactory,
    TokenInvalid,
    mint_access_token,
    sign_jwt,
    verify_jwt,
)
from jwcrypto import jwk

ISSUER = "http://idp.test/realms/ttdn"


@pytest.fixture(scope="module")
def realm() -> Realm:
    return load_realm(DEFAULT_REALM_FILE)


@pytest.fixture(scope="module")
def factory(realm: Realm) -> TokenFactory:
    return TokenFactory(realm, ISSUER)


@pytest.fixture(scope="module")
def ring() -> KeyRing:
    return KeyRing.generate("ttdn")


def user_context(realm: Realm, username: str, client_id: str = "ttdn-cli", scope: str = "openid") -> TokenContext:
    client = realm.client(client_id)
    return TokenContext(
        user=realm.user_by_username(username),
        client=client,
        scopes=realm.resolve_scopes(client, scope),
        session_id="session-1",
    )


def test_password_grant_access_token(realm: Realm, factory: TokenFactory) -> None:
    user = realm.user_by_username("drafter.cb")
    claims = factory.access_token_claims(user_context(realm, "drafter.cb"), now=1_700_000_000)
    assert claims["iat"] == 1_700_000_000 and claims["exp"] == 1_700_000_300
    assert claims["jti"].startswith("onrtro:")
    assert claims["iss"] == ISSUER
    assert claims["aud"] == ["ttdn-api", "account"]
    assert claims["sub"] == user.id
    assert claims["typ"] == "Bearer"
    assert claims["azp"] == "ttdn-cli"
    assert claims["sid"] == "session-1"
    assert claims["acr"] == "1"
    assert set(claims["realm_access"]["roles"]) == {
        "drafter",
        "default-roles-ttdn",
        "offline_access",
        "uma_authorization",
    }
    assert set(claims["resource_access"]["account"]["roles"]) == {
        "view-profile",
        "manage-account",
        "manage-account-links",
    }
    assert claims["scope"] == "openid profile email"
    assert claims["preferred_username"] == "drafter.cb"
    assert (claims["given_name"], claims["family_name"], claims["name"]) == ("Thị Hoa", "Nông", "Thị Hoa Nông")
    assert claims["email"] == "drafter.cb@cb.ttdn.example" and claims["email_verified"] is True
    assert (claims["org_unit"], claims["province"], claims["locale"]) == ("svhttdl-cao-bang", "ubnd-cao-bang", "vi")
    assert "allowed-origins" not in claims  # ttdn-cli has no web origins
    assert "auth_time" not in claims  # Keycloak sets AUTH_TIME only for browser logins
    assert list(claims)[:8] == ["exp", "iat", "jti", "iss", "aud", "sub", "typ", "azp"]


def test_browser_client_gets_allowed_origins(realm: Realm, factory: TokenFactory) -> None:
    claims = factory.access_token_claims(user_context(realm, "dept.cb", "ttdn-web"))
    assert claims["allowed-origins"] == ["http://localhost:8000", "http://127.0.0.1:8000"]


def service_account_context(realm: Realm, client_id: str, address: str = "10.0.0.7") -> TokenContext:
    client = realm.client(client_id)
    return TokenContext(
        user=realm.service_account_user(client_id),
        client=client,
        scopes=realm.resolve_scopes(client, "openid"),
        grant_type="client_credentials",
        notes={"client_id": client_id, "clientHost": address, "clientAddress": address},
    )


def test_service_account_token(realm: Realm, factory: TokenFactory) -> None:
    claims = factory.access_token_claims(service_account_context(realm, "ttdn-integrator-dashboard"))
    assert claims["jti"].startswith("trrtcc:")
    assert claims["preferred_username"] == "service-account-ttdn-integrator-dashboard"
    assert "integrator" in claims["realm_access"]["roles"]
    assert "sid" not in claims
    assert (claims["client_id"], claims["clientHost"], claims["clientAddress"]) == (
        "ttdn-integrator-dashboard",
        "10.0.0.7",
        "10.0.0.7",
    )
    assert claims["email_verified"] is False and "email" not in claims and "org_unit" not in claims


def test_realm_management_roles_make_an_audience(realm: Realm, factory: TokenFactory) -> None:
    claims = factory.access_token_claims(service_account_context(realm, "ttdn-services"))
    assert claims["aud"] == ["ttdn-api", "account", "realm-management"]
    assert "view-users" in claims["resource_access"]["realm-management"]["roles"]


def test_id_token_and_userinfo(realm: Realm, factory: TokenFactory) -> None:
    ctx = user_context(realm, "ministry.2")
    id_claims = factory.id_token_claims(ctx, access_token="header.payload.signature")
    assert id_claims["typ"] == "ID" and id_claims["aud"] == "ttdn-cli" and id_claims["at_hash"]
    assert id_claims["locale"] == "en" and "realm_access" not in id_claims
    userinfo = factory.userinfo_claims(ctx)
    assert userinfo["sub"] == realm.user_by_username("ministry.2").id
    assert userinfo["org_unit"] == "cuc-ttcs-ttdn" and "province" not in userinfo
    assert "realm_access" not in userinfo and "aud" not in userinfo


def test_introspection_answer(realm: Realm, factory: TokenFactory) -> None:
    ctx = user_context(realm, "province.kt")
    access = factory.access_token_claims(ctx)
    answer = factory.introspection_claims(ctx, access)
    assert answer["active"] is True and answer["token_type"] == "Bearer"
    assert answer["client_id"] == "ttdn-cli" and answer["username"] == "province.kt"
    assert answer["jti"] == access["jti"] and answer["aud"] == access["aud"]
    assert answer["realm_access"] == access["realm_access"]


def test_without_basic_scope_there_is_no_sub(realm: Realm) -> None:
    # Keycloak 25+: sub comes from the basic scope's mapper (keycloak#31082).
    rep = json.loads(DEFAULT_REALM_FILE.read_text(encoding="utf-8"))
    cli = next(c for c in rep["clients"] if c["clientId"] == "ttdn-cli")
    cli["defaultClientScopes"].remove("basic")
    trimmed = parse_realm(rep)
    claims = TokenFactory(trimmed, ISSUER).access_token_claims(user_context(trimmed, "drafter.cb"))
    assert "sub" not in claims
    assert claims["preferred_username"] == "drafter.cb"


def test_without_audience_mapper_aud_is_only_account(realm: Realm) -> None:
    rep = json.loads(DEFAULT_REALM_FILE.read_text(encoding="utf-8"))
    cli = next(c for c in rep["clients"] if c["clientId"] == "ttdn-cli")
    cli["defaultClientScopes"].remove("ttdn-api-audience")
    trimmed = parse_realm(rep)
    claims = TokenFactory(trimmed, ISSUER).access_token_claims(user_context(trimmed, "drafter.cb"))
    assert claims["aud"] == "account"  # a single audience is a string, as Keycloak writes it
    assert "org_unit" not in claims


def test_minted_token_verifies_and_overrides_apply(realm: Realm, ring: KeyRing) -> None:
    keys = ring.verification_keys()
    token = mint_access_token(realm, "dept.ls", ring.active, issuer_base="http://idp.test")
    claims = verify_jwt(token, keys, ["RS256"], expected_typ="Bearer")
    assert claims["iss"] == ISSUER and claims["preferred_username"] == "dept.ls"

    forged = mint_access_token(realm, "dept.ls", ring.active, overrides={"aud": "someone-else", "sub": None})
    claims = verify_jwt(forged, keys, ["RS256"])
    assert claims["aud"] == "someone-else" and "sub" not in claims

    expired = mint_access_token(realm, "dept.ls", ring.active, issued_at=int(time.time()) - 600)
    with pytest.raises(TokenInvalid, match="not active"):
        verify_jwt(expired, keys, ["RS256"])


def test_minted_service_account_token_uses_its_client(realm: Realm, ring: KeyRing) -> None:
    token = mint_access_token(realm, "service-account-ttdn-integrator-dashboard", ring.active)
    claims = verify_jwt(token, ring.verification_keys(), ["RS256"])
    assert claims["azp"] == "ttdn-integrator-dashboard" and "sid" not in claims


def test_header_has_kid_and_a_foreign_key_fails(realm: Realm, ring: KeyRing) -> None:
    token = mint_access_token(realm, "admin", ring.active)
    header = json.loads(jwk.base64url_decode(token.split(".")[0]))
    assert header == {"alg": "RS256", "kid": ring.active.kid, "typ": "JWT"}
    stranger = KeyRing.generate("ttdn")
    with pytest.raises(TokenInvalid):
        verify_jwt(token, stranger.verification_keys(), ["RS256"])
    unsigned_alg = sign_jwt({"typ": "Bearer", "exp": int(time.time()) + 60}, ring.active)
    with pytest.raises(TokenInvalid):
        verify_jwt(unsigned_alg, ring.verification_keys(), ["HS256"])
