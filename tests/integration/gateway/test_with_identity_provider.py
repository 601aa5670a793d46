"""The gateway with real tokens from the development identity provider (the
same python-keycloak code path as against Keycloak): every demo user's
password-grant token and the integrator's client-credentials token, on every
route of the table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from devidp.testing import free_port, start_devidp
from flask import Flask
from flask.testing import FlaskClient
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.routes import ROUTES, Route
from keycloak import KeycloakOpenID

from tests.integration.gateway.servers import ServerThread
from tests.integration.gateway.users import DEMO_USERNAMES, PASSWORD

SAMPLE_VALUES = {"id": "0b6c5a52-6f55-4a5e-9e1e-3c1f6c2f2f10", "n": "1", "key": "plan-default"}


@pytest.fixture(scope="module")
def idp(devidp_url: str) -> str:
    return devidp_url


@pytest.fixture(scope="module")
def gateway(idp: str, upstreams: dict[str, ServerThread], tmp_path_factory) -> FlaskClient:
    database = Path(tmp_path_factory.mktemp("gateway-idp")) / "gateway.db"
    settings = GatewaySettings(
        keycloak_url=idp,
        database_url=f"sqlite:///{database}",
        plans_url=upstreams["plans"].url,
        approvals_url=upstreams["approvals"].url,
        notifications_url=upstreams["notifications"].url,
        ratelimit_default="100000/minute",
        web_interface=False,
        log_format="text",
    )
    return create_app(settings).test_client()


def password_token(idp: str, username: str) -> str:
    return KeycloakOpenID(server_url=idp, realm_name="ttdn", client_id="ttdn-cli").token(username, PASSWORD)[
        "access_token"
    ]


def roles_of(idp: str, token: str) -> set[str]:
    claims = KeycloakOpenID(server_url=idp, realm_name="ttdn", client_id="ttdn-cli").decode_token(token, validate=False)
    return set(claims["realm_access"]["roles"])


def call(client: FlaskClient, route: Route, token: str):
    path = "/api/v1" + re.sub(r"<([^>]+)>", lambda match: SAMPLE_VALUES[match.group(1)], route.rule)
    body = {"comment": "Thống nhất nội dung kế hoạch"} if route.method in ("POST", "PUT") else None
    return client.open(path, method=route.method, headers={"Authorization": f"Bearer {token}"}, json=body)


def test_every_demo_user_on_every_route(idp: str, gateway: FlaskClient, upstream_apps: dict[str, Flask]) -> None:
    outcomes: dict[tuple[str, str], int] = {}
    for username in DEMO_USERNAMES:
        token = password_token(idp, username)
        roles = roles_of(idp, token)
        for route in ROUTES:
            status = call(gateway, route, token).status_code
            expected_refusal = not route.allows(roles)
            if expected_refusal != (status == 403) or status in (401, 500):
                outcomes[(username, f"{route.method} {route.rule}")] = status
    assert outcomes == {}


def test_the_integrator_service_account_uses_the_client_credentials_grant(idp: str, gateway: FlaskClient) -> None:
    dashboard = KeycloakOpenID(
        server_url=idp, realm_name="ttdn", client_id="ttdn-integrator-dashboard", client_secret_key="dashboard-secret"
    )
    token = dashboard.token(grant_type="client_credentials")["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    assert gateway.get("/api/v1/webhooks", headers=headers).status_code == 200
    assert gateway.get("/api/v1/plans?status=approved", headers=headers).status_code == 200
    assert gateway.post("/api/v1/plans", json={"title": "Kế hoạch"}, headers=headers).status_code == 403
    assert gateway.get("/api/v1/approval-chains", headers=headers).status_code == 403


def test_a_token_from_another_realm_server_is_refused(gateway: FlaskClient, tmp_path: Path) -> None:
    process, other_idp = start_devidp(free_port(), tmp_path / "other-keys.json")
    try:
        foreign = password_token(other_idp, "admin")
    finally:
        process.stop()

    response = gateway.get("/api/v1/approval-chains", headers={"Authorization": f"Bearer {foreign}"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
