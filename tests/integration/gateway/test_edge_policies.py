"""Body limits, rate limits and CORS, applied at the edge before any service is called."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gateway.app import create_app

from tests.integration.gateway.conftest import gateway_settings
from tests.integration.gateway.users import token_for


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(username)}"}


def edge_gateway(identity_provider, upstreams, tmp_path: Path, **overrides) -> FlaskClient:
    urls = {name: server.url for name, server in upstreams.items()}
    settings = gateway_settings(identity_provider, urls, f"sqlite:///{tmp_path / 'gateway.db'}", **overrides)
    return create_app(settings).test_client()


def test_a_body_over_the_limit_is_413_and_never_reaches_the_service(
    identity_provider, upstreams, upstream_apps: dict[str, Flask], tmp_path: Path
) -> None:
    client = edge_gateway(identity_provider, upstreams, tmp_path, max_body_bytes=2048)
    upstream_apps["plans"].config["seen"].clear()
    summary = "Tuyên truyền về Công viên địa chất toàn cầu UNESCO Non nước Cao Bằng. " * 60

    response = client.post(
        "/api/v1/plans", json={"title": "Kế hoạch TTĐN 2024", "summary": summary}, headers=bearer("drafter.cb")
    )

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert upstream_apps["plans"].config["seen"] == []
    small = client.post(
        "/api/v1/plans", json={"title": "Kế hoạch TTĐN 2024", "year": 2024}, headers=bearer("drafter.cb")
    )
    assert small.status_code == 201


def test_a_caller_over_its_rate_limit_gets_429_with_retry_after(identity_provider, upstreams, tmp_path: Path) -> None:
    client = edge_gateway(identity_provider, upstreams, tmp_path, ratelimit_default="3/minute")
    drafter = bearer("drafter.bk")

    statuses = [client.get("/api/v1/plans", headers=drafter).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/plans", headers=drafter)
    assert refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-Request-ID"]
    # Limits are per caller: another user from the same address is not affected,
    assert client.get("/api/v1/plans", headers=bearer("drafter.ls")).status_code == 200
    # and operations' endpoints are never limited.
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))


def test_anonymous_callers_are_limited_by_address(identity_provider, upstreams, tmp_path: Path) -> None:
    client = edge_gateway(identity_provider, upstreams, tmp_path, ratelimit_default="2/minute")

    statuses = [client.get("/api/v1/plans").status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379 for the shared rate-limit store")
def test_rate_limits_shared_through_redis_hold_across_gateway_instances(
    identity_provider, upstreams, tmp_path: Path
) -> None:
    # Two gateway instances (two workers or replicas) share one limit when the store is shared.
    shared = {"ratelimit_default": "3/minute", "ratelimit_storage_uri": "redis://127.0.0.1:6379/15"}
    first = edge_gateway(identity_provider, upstreams, tmp_path, **shared)
    second = edge_gateway(identity_provider, upstreams, tmp_path, **shared)
    # A subject of its own per run, so runs never share a window.
    token = {"Authorization": f"Bearer {token_for('drafter.qb', sub=str(uuid.uuid4()))}"}

    statuses = [client.get("/api/v1/plans", headers=token).status_code for client in (first, second, first, second)]

    assert statuses == [200, 200, 200, 429]


def test_cors_allows_the_configured_origins_only(identity_provider, upstreams, tmp_path: Path) -> None:
    client = edge_gateway(identity_provider, upstreams, tmp_path, cors_origins="https://ttdn.caobang.gov.vn")

    preflight = client.options(
        "/api/v1/plans",
        headers={
            "Origin": "https://ttdn.caobang.gov.vn",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Idempotency-Key, If-None-Match",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://ttdn.caobang.gov.vn"
    allowed_headers = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "idempotency-key" in allowed_headers and "if-none-match" in allowed_headers  # a list polled conditionally

    foreign = client.get("/api/v1/plans", headers={"Origin": "https://evil.example", **bearer("drafter.cb")})
    assert "Access-Control-Allow-Origin" not in foreign.headers

    allowed = client.get("/api/v1/plans", headers={"Origin": "https://ttdn.caobang.gov.vn", **bearer("drafter.cb")})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://ttdn.caobang.gov.vn"
    assert "X-Request-ID" in allowed.headers["Access-Control-Expose-Headers"]


def test_document_verification_needs_no_account_and_has_its_own_body_and_rate_limits(
    identity_provider, upstreams, upstream_apps: dict[str, Flask], tmp_path: Path
) -> None:
    client = edge_gateway(identity_provider, upstreams, tmp_path, max_body_bytes=2048)
    pdf = b"%PDF-1.7\n" + b"%" * 8192  # larger than any other body may be here

    anonymous = client.post("/api/v1/documents/verify", data=pdf, content_type="application/pdf")
    assert anonymous.status_code not in (401, 403, 413)  # reached the plans service, no token asked
    # Elsewhere the ordinary limit and the token still hold.
    assert client.post("/api/v1/plans", data=pdf, content_type="application/pdf").status_code in (401, 413)
    too_big = client.post(
        "/api/v1/documents/verify", data=b"%PDF-" + b"0" * (20 * 1_048_576), content_type="application/pdf"
    )
    assert too_big.status_code == 413 and too_big.mimetype == "application/problem+json"

    statuses = [
        client.post("/api/v1/documents/verify", data=b"%PDF-1.7", content_type="application/pdf").status_code
        for _ in range(35)
    ]
    assert statuses[0] != 429 and statuses[-1] == 429  # 30 a minute per address
    refused = client.post("/api/v1/documents/verify", data=b"%PDF-1.7", content_type="application/pdf")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    # The rest of the API keeps its own (default) limit for the same address.
    assert client.get("/api/v1/plans").status_code == 401
