"""An upstream that is down, slow or answering garbage becomes a 502/503/504
problem that names no internal host."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from gateway.app import create_app

from tests.integration.gateway.conftest import gateway_settings
from tests.integration.gateway.servers import (
    BROKEN_JSON_ID,
    HTML_ID,
    SLOW_ID,
    GarbageServer,
    ServerThread,
    free_port,
    upstream_app,
)
from tests.integration.gateway.users import ops_headers, token_for

DRAFTER = {"Authorization": f"Bearer {token_for('drafter.cb')}"}


def assert_names_no_internal_host(response, *hosts: str) -> None:
    text = response.get_data(as_text=True)
    for host in ("127.0.0.1", "localhost", "10.0.3.7", *hosts):
        assert host not in text
    assert response.mimetype == "application/problem+json"


def gateway_for(identity_provider: ServerThread, tmp_path: Path, plans_url: str, upstreams) -> FlaskClient:
    urls = {name: server.url for name, server in upstreams.items()} | {"plans": plans_url}
    return create_app(gateway_settings(identity_provider, urls, f"sqlite:///{tmp_path / 'gateway.db'}")).test_client()


def test_a_stopped_service_is_503_with_retry_after(identity_provider, upstreams, tmp_path: Path) -> None:
    client = gateway_for(identity_provider, tmp_path, f"http://127.0.0.1:{free_port()}", upstreams)

    response = client.get("/api/v1/plans", headers=DRAFTER)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["type"] == "urn:ttdn:problem:upstream-unavailable"
    assert_names_no_internal_host(response)


def test_a_service_stopped_while_running_is_503(identity_provider, upstreams, tmp_path: Path) -> None:
    plans = ServerThread(upstream_app("plans", {}))
    client = gateway_for(identity_provider, tmp_path, plans.url, upstreams)
    assert client.get("/api/v1/plans", headers=DRAFTER).status_code == 200

    plans.stop()
    response = client.get("/api/v1/plans", headers=DRAFTER)

    assert response.status_code == 503
    assert_names_no_internal_host(response, str(plans.port))


def test_a_service_too_slow_is_504(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/plans/{SLOW_ID}", headers=DRAFTER)

    assert response.status_code == 504
    assert response.get_json()["type"] == "urn:ttdn:problem:upstream-timeout"
    assert_names_no_internal_host(response)


@pytest.mark.parametrize("plan_id", [HTML_ID, BROKEN_JSON_ID], ids=["html-page", "invalid-json"])
def test_a_body_that_is_not_json_is_502(client: FlaskClient, plan_id: str) -> None:
    response = client.get(f"/api/v1/plans/{plan_id}", headers=DRAFTER)

    assert response.status_code == 502
    assert response.get_json()["type"] == "urn:ttdn:problem:bad-upstream"
    assert_names_no_internal_host(response)


def test_an_answer_that_is_not_http_is_502(identity_provider, upstreams, tmp_path: Path) -> None:
    garbage = GarbageServer()
    try:
        client = gateway_for(identity_provider, tmp_path, garbage.url, upstreams)
        response = client.get("/api/v1/plans", headers=DRAFTER)
    finally:
        garbage.stop()

    assert response.status_code == 502
    assert_names_no_internal_host(response, garbage.url.rsplit(":", 1)[1])


def test_readiness_aggregates_the_services_and_the_jwks(identity_provider, upstreams, tmp_path: Path) -> None:
    # What is behind the gateway is for operators' eyes (role ops); anyone else learns only "ready".
    ready = gateway_for(identity_provider, tmp_path, upstreams["plans"].url, upstreams).get(
        "/readyz", headers=ops_headers()
    )
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {
        "jwks": "ok",
        "database": "ok",
        "plans": "ok",
        "approvals": "ok",
        "notifications": "ok",
    }

    not_ready = gateway_for(identity_provider, tmp_path, f"http://127.0.0.1:{free_port()}", upstreams).get(
        "/readyz", headers=ops_headers()
    )
    assert not_ready.status_code == 503
    assert not_ready.get_json()["checks"]["plans"] == "failing"


def test_the_health_endpoints_do_not_depend_on_the_services(identity_provider, upstreams, tmp_path: Path) -> None:
    client = gateway_for(identity_provider, tmp_path, f"http://127.0.0.1:{free_port()}", upstreams)

    assert client.get("/healthz").status_code == 200
    metrics = client.get("/metrics", headers=ops_headers())
    assert metrics.status_code == 200 and b"ttdn_http_requests_total" in metrics.data
