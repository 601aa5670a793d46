"""Refusals carry Keycloak's status codes and error bodies, word for word."""

import base64

import pytest
import requests
from keycloak.exceptions import KeycloakAuthenticationError, KeycloakGetError

INVALID_CLIENT = {"error": "invalid_client", "error_description": "Invalid client or Invalid client credentials"}


def test_wrong_password(devidp) -> None:
    response = devidp.token_request(
        grant_type="password", client_id="ttdn-cli", username="drafter.cb", password="wrong"
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_grant", "error_description": "Invalid user credentials"}


def test_unknown_user_looks_like_a_wrong_password(devidp) -> None:
    response = devidp.token_request(grant_type="password", client_id="ttdn-cli", username="nobody", password="ttdn2024")
    assert (response.status_code, response.json()["error_description"]) == (401, "Invalid user credentials")


def test_unknown_client(devidp) -> None:
    response = devidp.token_request(
        grant_type="password", client_id="no-such-client", username="drafter.cb", password="ttdn2024"
    )
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_wrong_secret(devidp, secret: str) -> None:
    response = devidp.token_request(
        grant_type="client_credentials", client_id="ttdn-integrator-dashboard", client_secret=secret
    )
    assert response.status_code == 401
    assert response.json() == INVALID_CLIENT


def test_http_basic_client_authentication(devidp) -> None:
    good = base64.b64encode(b"ttdn-integrator-dashboard:dashboard-secret").decode()
    bad = base64.b64encode(b"ttdn-integrator-dashboard:nope").decode()
    url = devidp.endpoint("token")
    assert (
        requests.post(
            url, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {good}"}, timeout=5
        ).status_code
        == 200
    )
    refused = requests.post(
        url, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {bad}"}, timeout=5
    )
    assert (refused.status_code, refused.json()) == (401, INVALID_CLIENT)


def test_grant_the_client_may_not_use(devidp) -> None:
    response = devidp.token_request(
        grant_type="password", client_id="ttdn-web", username="drafter.cb", password="ttdn2024"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "unauthorized_client",
        "error_description": "Client not allowed for direct access grants",
    }
    response = devidp.token_request(grant_type="client_credentials", client_id="ttdn-cli")
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"


def test_unsupported_grant_type(devidp) -> None:
    response = devidp.token_request(grant_type="urn:ietf:params:oauth:grant-type:device_code", client_id="ttdn-cli")
    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"}


def test_invalid_scope(devidp) -> None:
    response = devidp.token_request(
        grant_type="password",
        client_id="ttdn-cli",
        username="drafter.cb",
        password="ttdn2024",
        scope="openid admin-everything",
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_scope", "error_description": "Invalid scopes: openid admin-everything"}


def test_garbage_refresh_token(devidp) -> None:
    response = devidp.token_request(grant_type="refresh_token", client_id="ttdn-cli", refresh_token="abc")
    assert (response.status_code, response.json()["error_description"]) == (400, "Invalid refresh token")


def test_refresh_token_of_another_client(devidp) -> None:
    tokens = devidp.openid().token("drafter.kt", "ttdn2024")
    response = devidp.token_request(
        grant_type="refresh_token",
        client_id="ttdn-integrator-dashboard",
        client_secret="dashboard-secret",
        refresh_token=tokens["refresh_token"],
    )
    assert response.status_code == 400
    assert response.json()["error_description"] == (
        "Invalid refresh token. Token client and authorized client don't match"
    )


def test_userinfo_needs_the_openid_scope(devidp) -> None:
    tokens = devidp.token_request(
        grant_type="password", client_id="ttdn-cli", username="drafter.cb", password="ttdn2024", scope="profile"
    ).json()
    assert "id_token" not in tokens
    with pytest.raises(KeycloakGetError) as refused:
        devidp.openid().userinfo(tokens["access_token"])
    assert refused.value.response_code == 403
    assert b'"error":"insufficient_scope"' in refused.value.response_body


def test_userinfo_with_a_bad_token(devidp) -> None:
    with pytest.raises(KeycloakAuthenticationError) as refused:
        devidp.openid().userinfo("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    assert refused.value.response_code == 401


def test_introspection_needs_a_confidential_client(devidp) -> None:
    response = requests.post(
        devidp.endpoint("token/introspect"), data={"client_id": "ttdn-cli", "token": "x"}, timeout=5
    )
    assert response.status_code == 403
    response = requests.post(
        devidp.endpoint("token/introspect"),
        data={"client_id": "ttdn-integrator-dashboard", "client_secret": "bad", "token": "x"},
        timeout=5,
    )
    assert (response.status_code, response.json()) == (401, INVALID_CLIENT)
