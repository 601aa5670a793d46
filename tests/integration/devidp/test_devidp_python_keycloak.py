"""python-keycloak's KeycloakOpenID, unchanged, against the devidp: it cannot tell it from Keycloak."""

import pytest
import requests
from devidp.realm import load_realm
from keycloak.exceptions import KeycloakAuthenticationError, KeycloakPostError

PASSWORD = "ttdn2024"
DASHBOARD_SECRET = "dashboard-secret"


@pytest.fixture(scope="module")
def tokens(devidp):
    return devidp.openid().token("drafter.cb", PASSWORD)


def test_discovery_and_realm_info(devidp) -> None:
    openid = devidp.openid()
    config = openid.well_known()
    assert config["issuer"] == devidp.issuer
    assert config["token_endpoint"] == devidp.endpoint("token")
    assert config["jwks_uri"] == devidp.endpoint("certs")
    assert "S256" in config["code_challenge_methods_supported"]
    assert {"password", "client_credentials", "refresh_token", "authorization_code"} <= set(
        config["grant_types_supported"]
    )
    (key,) = openid.certs()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig") and key["kid"]
    assert openid.public_key()  # bare base64 DER of the active key
    assert requests.get(f"{devidp.base_url}/health", timeout=5).json()["status"] == "UP"


def test_password_grant_response(tokens) -> None:
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 300
    assert tokens["refresh_expires_in"] == 1800
    assert tokens["not-before-policy"] == 0
    assert tokens["scope"] == "openid profile email"
    assert tokens["id_token"] and tokens["refresh_token"] and tokens["session_state"]


def test_decode_token_as_a_service_does(devidp, tokens) -> None:
    claims = devidp.openid().decode_token(
        tokens["access_token"],
        key=devidp.jwks(),
        algs=["RS256"],
        check_claims={"iss": devidp.issuer, "aud": "ttdn-api", "exp": None},
    )
    user = load_realm().user_by_username("drafter.cb")
    assert claims["sub"] == user.id
    assert claims["preferred_username"] == "drafter.cb"
    assert "drafter" in claims["realm_access"]["roles"]
    assert (claims["org_unit"], claims["province"], claims["locale"]) == ("svhttdl-cao-bang", "ubnd-cao-bang", "vi")
    assert claims["sid"] == tokens["session_state"]


def test_decode_token_rejects_wrong_audience(devidp, tokens) -> None:
    with pytest.raises(Exception, match="aud"):  # jwcrypto's JWTInvalidClaimValue
        devidp.openid().decode_token(
            tokens["access_token"],
            key=devidp.jwks(),
            algs=["RS256"],
            check_claims={"iss": devidp.issuer, "aud": "another-api", "exp": None},
        )


def test_userinfo(devidp, tokens) -> None:
    info = devidp.openid().userinfo(tokens["access_token"])
    assert info["preferred_username"] == "drafter.cb"
    assert info["given_name"] == "Thị Hoa"
    assert info["org_unit"] == "svhttdl-cao-bang"
    posted = requests.post(
        devidp.endpoint("userinfo"), timeout=5, headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert posted.json() == info


def test_refresh_keeps_the_session(devidp) -> None:
    openid = devidp.openid()
    first = openid.token("dept.bk", PASSWORD)
    second = openid.refresh_token(first["refresh_token"])
    assert second["session_state"] == first["session_state"]
    assert second["refresh_token"] != first["refresh_token"]
    claims = openid.decode_token(second["access_token"], key=devidp.jwks(), algs=["RS256"])
    assert claims["jti"].startswith("onrtrt:")


def test_introspect_with_the_confidential_client(devidp, tokens) -> None:
    dashboard = devidp.openid("ttdn-integrator-dashboard", DASHBOARD_SECRET)
    answer = dashboard.introspect(tokens["access_token"])
    assert answer["active"] is True
    assert answer["username"] == "drafter.cb"
    assert answer["client_id"] == "ttdn-cli"
    assert answer["token_type"] == "Bearer"
    assert answer["org_unit"] == "svhttdl-cao-bang"
    assert dashboard.introspect("not-a-token") == {"active": False}


def test_client_credentials_for_the_integrator(devidp) -> None:
    dashboard = devidp.openid("ttdn-integrator-dashboard", DASHBOARD_SECRET)
    response = dashboard.token(grant_type="client_credentials")
    assert "refresh_token" not in response and response["refresh_expires_in"] == 0
    claims = dashboard.decode_token(
        response["access_token"],
        key=devidp.jwks(),
        algs=["RS256"],
        check_claims={"iss": devidp.issuer, "aud": "ttdn-api", "exp": None},
    )
    assert claims["preferred_username"] == "service-account-ttdn-integrator-dashboard"
    assert "integrator" in claims["realm_access"]["roles"]
    assert claims["azp"] == claims["client_id"] == "ttdn-integrator-dashboard"
    assert "sid" not in claims


def test_logout_ends_the_session(devidp) -> None:
    openid = devidp.openid()
    tokens = openid.token("province.ls", PASSWORD)
    assert openid.logout(tokens["refresh_token"]) == {}
    with pytest.raises(KeycloakPostError) as refused:
        openid.refresh_token(tokens["refresh_token"])
    assert refused.value.response_code == 400
    assert b"Session not active" in refused.value.response_body
    dashboard = devidp.openid("ttdn-integrator-dashboard", DASHBOARD_SECRET)
    assert dashboard.introspect(tokens["access_token"]) == {"active": False}
    with pytest.raises(KeycloakAuthenticationError):
        openid.userinfo(tokens["access_token"])


def test_email_login(devidp) -> None:
    tokens = devidp.openid().token("ministry.2@bvhttdl.ttdn.example", PASSWORD)
    claims = devidp.openid().decode_token(tokens["access_token"], key=devidp.jwks(), algs=["RS256"])
    assert claims["preferred_username"] == "ministry.2" and claims["locale"] == "en"
