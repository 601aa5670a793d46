"""What the public edge gives away: operators' detail only to operators, answers that
are never cached or sniffed, an API viewer that cannot be framed, and an over-long
URI refused as a problem like any other refusal."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gateway.app import create_app

from tests.integration.gateway.conftest import gateway_settings
from tests.integration.gateway.users import ops_headers, token_for

DRAFTER = {"Authorization": f"Bearer {token_for('drafter.cb')}"}
SERVICE_NAMES = ("plans", "approvals", "notifications", "database", "jwks")


def test_metrics_are_for_operators_only(client: FlaskClient) -> None:
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401 and anonymous.content_type == "application/problem+json"
    drafter = client.get("/metrics", headers=DRAFTER)
    assert drafter.status_code == 403 and drafter.get_json()["required_roles"] == ["ops"]
    forged = client.get("/metrics", headers={"Authorization": "Bearer not.a.token"})
    assert forged.status_code == 401
    operator = client.get("/metrics", headers=ops_headers())
    assert operator.status_code == 200 and b"ttdn_http_requests_total" in operator.data


def test_readiness_names_what_is_behind_the_gateway_only_to_operators(client: FlaskClient) -> None:
    for headers in ({}, DRAFTER):
        probe = client.get("/readyz", headers=headers)
        assert probe.status_code == 200 and probe.get_json() == {"status": "ready"}
        assert not any(name in probe.get_data(as_text=True) for name in SERVICE_NAMES)
    operator = client.get("/readyz", headers=ops_headers()).get_json()
    assert set(operator["checks"]) == set(SERVICE_NAMES)


def test_api_answers_are_not_stored_or_sniffed(client: FlaskClient) -> None:
    answers = {
        "proxied": client.get("/api/v1/plans", headers=DRAFTER),
        "unauthenticated": client.get("/api/v1/plans"),
        "forbidden": client.get("/api/v1/webhooks", headers=DRAFTER),
        "unknown route": client.get("/api/v1/nothing-here", headers=DRAFTER),
        "health": client.get("/healthz"),
    }
    for name, answer in answers.items():
        assert answer.headers.get("Cache-Control") == "no-store", name
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", name
    assert answers["proxied"].status_code == 200 and answers["forbidden"].status_code == 403


def test_the_api_viewer_cannot_be_framed_and_runs_only_its_own_script(client: FlaskClient) -> None:
    for path in ("/api/v1/docs", "/api/v1/docs/"):
        page = client.get(path, follow_redirects=True)
        assert page.status_code == 200
        policy = page.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and page.headers["X-Frame-Options"] == "DENY"
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
        inline = re.findall(rb"<script>(.*?)</script>", page.data, re.DOTALL)
        assert inline, "the viewer starts from an inline script"
        for script in inline:
            digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
            assert f"'sha256-{digest}'" in policy
        assert "http://127.0.0.1" in policy.split("connect-src", 1)[1].split(";", 1)[0]  # the identity provider


def test_an_over_long_uri_is_a_problem_414_before_any_work(client: FlaskClient) -> None:
    answer = client.get("/api/v1/plans?q=" + "hà" * 3000)
    assert answer.status_code == 414 and answer.content_type == "application/problem+json"
    assert answer.get_json()["status"] == 414
    assert client.get("/api/v1/plans?q=" + "a" * 3000, headers=DRAFTER).status_code == 200


@pytest.fixture
def web_gateway(identity_provider, upstreams, devidp_url: str, tmp_path: Path) -> Flask:
    """The gateway with its web interface, signing in at a real development identity provider."""
    settings = gateway_settings(
        identity_provider,
        {name: server.url for name, server in upstreams.items()},
        f"sqlite:///{tmp_path / 'gateway.db'}",
        web_interface=True,
        web_login_ratelimit="5/minute",
        keycloak_url=devidp_url,  # one settings object: the web's identity provider is the gateway's
    )
    return create_app(settings)


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_starting_web_logins_is_rate_limited_per_address(web_gateway: Flask) -> None:
    script = from_address(web_gateway, "198.51.100.7")
    answers = [script.get("/login") for _ in range(5)]
    assert [answer.status_code for answer in answers] == [302] * 5
    assert all("/protocol/openid-connect/auth?" in answer.headers["Location"] for answer in answers)
    refused = script.get("/login")
    assert refused.status_code == 429 and refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    assert script.get("/callback?state=guess&code=guess").status_code == 429  # one budget for both
    assert from_address(web_gateway, "198.51.100.8").get("/login").status_code == 302  # a neighbour is not slowed
