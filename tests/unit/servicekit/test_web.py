"""The behaviour every service's HTTP layer inherits from servicekit."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from servicekit.auth import TokenVerifier
from servicekit.settings import ServiceSettings
from servicekit.web import create_service_app, current_principal

from tests.support.tokens import ISSUER, KEY_A, KeySet, claims, sign


@pytest.fixture
def app() -> Flask:
    settings = ServiceSettings(service_name="probe", max_body_bytes=1024, log_format="text")
    verifier = TokenVerifier("http://idp.test", "ttdn", issuer=ISSUER, jwks_source=KeySet(KEY_A))
    app = create_service_app(
        "probe", settings, verifier=verifier, readiness={"database": lambda: True, "broker": lambda: False}
    )

    @app.post("/echo")
    def echo() -> dict:
        return {"username": current_principal().username}

    return app


def test_request_ids_are_echoed_or_created(app: Flask) -> None:
    client = app.test_client()
    given = client.get("/healthz", headers={"X-Request-ID": "req-2024-cao-bang-01"})
    assert given.headers["X-Request-ID"] == "req-2024-cao-bang-01"
    created = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert created.headers["X-Request-ID"] != "bad id with spaces" and len(created.headers["X-Request-ID"]) == 36


def test_a_missing_token_is_401_with_a_bearer_challenge(app: Flask) -> None:
    response = app.test_client().post("/echo")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["type"] == "urn:ttdn:problem:unauthorized"


def test_a_bad_token_says_why(app: Flask) -> None:
    response = app.test_client().post("/echo", headers={"Authorization": "Bearer " + sign(claims(aud="account"))})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "audience" in response.json["detail"]


def test_a_good_token_reaches_the_view(app: Flask) -> None:
    response = app.test_client().post("/echo", headers={"Authorization": "Bearer " + sign(claims())})
    assert response.status_code == 200 and response.json == {"username": "drafter.cb"}


def test_unknown_paths_and_methods_are_problems(app: Flask) -> None:
    client = app.test_client()
    token = {"Authorization": "Bearer " + sign(claims())}
    missing = client.get("/nowhere", headers=token)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong_method = client.delete("/echo", headers=token)
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["Allow"]


def test_an_oversized_body_is_413_problem(app: Flask) -> None:
    response = app.test_client().post(
        "/echo",
        data=json.dumps({"summary": "Mục đích " * 500}),
        content_type="application/json",
        headers={"Authorization": "Bearer " + sign(claims())},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_readiness_reports_each_check(app: Flask) -> None:
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "broker": "failing"}


def test_metrics_are_prometheus_text(app: Flask) -> None:
    client = app.test_client()
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert "ttdn_http_requests_total" in body


def test_public_paths_are_exact_not_prefixes() -> None:
    from servicekit.web import PUBLIC_PATHS, is_public

    assert is_public("/healthz", PUBLIC_PATHS) and is_public("/docs/swagger.css", PUBLIC_PATHS)
    assert not is_public("/healthzadmin", PUBLIC_PATHS) and not is_public("/docsecret", PUBLIC_PATHS)


def test_a_bearer_challenge_escapes_its_quoted_strings() -> None:
    from servicekit.web import unauthorized

    challenge = unauthorized('the token has an invalid claim: "sub" \\ oddity').headers["WWW-Authenticate"]
    assert 'error_description="the token has an invalid claim: \\"sub\\" \\\\ oddity"' in challenge
