"""The gateway verifies the bearer token and the route table's roles before
anything reaches a service."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gateway.routes import ROUTES, Route

from tests.integration.gateway.users import DEMO_USERS, subject_of, token_for
from tests.support.tokens import claims, make_key, sign

SAMPLE_VALUES = {"id": "0b6c5a52-6f55-4a5e-9e1e-3c1f6c2f2f10", "n": "1", "key": "plan-default"}


def concrete_path(route: Route) -> str:
    return "/api/v1" + re.sub(r"<([^>]+)>", lambda match: SAMPLE_VALUES[match.group(1)], route.rule)


def call(client: FlaskClient, route: Route, headers: dict[str, str]):
    body = {"decision": "approve", "comment": "Đồng ý"} if route.method in ("POST", "PUT") else None
    return client.open(concrete_path(route), method=route.method, headers=headers, json=body)


# Every route but document verification, which anyone may call without an account.
PROTECTED = [route for route in ROUTES if not route.public]


@pytest.mark.parametrize("route", PROTECTED, ids=lambda route: f"{route.method} {route.rule}")
def test_every_demo_user_on_every_route_is_let_through_or_refused_by_role(
    client: FlaskClient, upstream_apps: dict[str, Flask], route: Route
) -> None:
    for username, user in DEMO_USERS.items():
        seen_before = len(upstream_apps[route.service].config["seen"])
        response = call(client, route, {"Authorization": f"Bearer {token_for(username)}"})
        reached = len(upstream_apps[route.service].config["seen"]) > seen_before
        if route.roles.intersection(user["roles"]):
            assert response.status_code in (200, 201, 204), (username, response.get_json())
            assert reached
        else:
            assert response.status_code == 403, username
            assert response.mimetype == "application/problem+json"
            assert response.get_json()["required_roles"] == sorted(route.roles)
            assert not reached


@pytest.mark.parametrize("route", PROTECTED, ids=lambda route: f"{route.method} {route.rule}")
def test_every_route_needs_a_token(client: FlaskClient, upstream_apps: dict[str, Flask], route: Route) -> None:
    response = call(client, route, {})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.mimetype == "application/problem+json"
    assert not upstream_apps[route.service].config["seen"]


def test_the_one_public_route_is_reached_with_or_without_a_token(
    client: FlaskClient, upstream_apps: dict[str, Flask]
) -> None:
    (route,) = [route for route in ROUTES if route.public]
    assert (route.method, route.rule) == ("POST", "/documents/verify")
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": f"Bearer {token_for('drafter.cb')}"},
    ):
        seen_before = len(upstream_apps["plans"].config["seen"])
        response = client.post(
            "/api/v1/documents/verify", data=b"%PDF-1.7", headers={**headers, "Content-Type": "application/pdf"}
        )
        assert response.status_code not in (401, 403), headers
        assert len(upstream_apps["plans"].config["seen"]) == seen_before + 1


def _alg_none(payload: dict) -> str:
    def encode(part: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()

    return f"{encode({'alg': 'none', 'typ': 'JWT', 'kid': 'key-a'})}.{encode(payload)}."


def _drafter(**overrides: object) -> dict:
    return claims(sub=subject_of("drafter.cb"), **overrides)


BAD_TOKENS = {
    "forged": lambda: sign(_drafter(), make_key("key-a")),
    "unknown-key": lambda: sign(_drafter(), make_key("key-z")),
    "expired": lambda: sign(_drafter(exp=int(time.time()) - 300)),
    "wrong-issuer": lambda: sign(_drafter(iss="https://sso.example.org/realms/ttdn")),
    "wrong-audience": lambda: sign(_drafter(aud=["account"])),
    "alg-none": lambda: _alg_none(_drafter()),
    "refresh-token": lambda: sign(_drafter(typ="Refresh")),
    "tampered-roles": lambda: _tamper(sign(_drafter()), {"realm_access": {"roles": ["admin"]}}),
    "not-a-jwt": lambda: "Cao-Bang-2024",
}


def _tamper(token: str, changes: dict) -> str:
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_untrustworthy_tokens_are_401_with_the_reason(
    client: FlaskClient, upstream_apps: dict[str, Flask], kind: str
) -> None:
    response = client.get("/api/v1/plans", headers={"Authorization": f"Bearer {BAD_TOKENS[kind]()}"})

    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer") and 'error="invalid_token"' in challenge
    assert response.get_json()["detail"]
    assert not upstream_apps["plans"].config["seen"]


def test_a_non_bearer_scheme_is_401(client: FlaskClient) -> None:
    response = client.get("/api/v1/plans", headers={"Authorization": "Basic ZHJhZnRlci5jYjp0dGRuMjAyNA=="})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_client_roles_count_for_the_route_table(client: FlaskClient) -> None:
    token = sign(
        claims(
            sub=subject_of("service-account-ttdn-integrator-dashboard"),
            preferred_username="service-account-ttdn-integrator-dashboard",
            realm_access={"roles": ["default-roles-ttdn"]},
            resource_access={"ttdn-api": {"roles": ["integrator"]}},
        )
    )
    assert client.get("/api/v1/webhooks", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_public_paths_need_no_token(client: FlaskClient) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/healthz").status_code == 200
    # /metrics was public here; it is for operators now (test_edge_security.py).
    assert client.get("/metrics").status_code == 401
