"""Requests reach their service through the gateway, with the caller's headers,
a request id, and public (never internal) locations."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient

from tests.integration.gateway.users import token_for

PLAN = {
    "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2024",
    "plan_type": "annual",
    "year": 2024,
    "org_unit": "svhttdl-cao-bang",
    "summary": "Quảng bá hình ảnh Công viên địa chất toàn cầu UNESCO Non nước Cao Bằng",
}


def bearer(username: str = "drafter.cb") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(username)}"}


def test_a_get_reaches_its_service_with_the_callers_headers(
    client: FlaskClient, upstream_apps: dict[str, Flask]
) -> None:
    headers = {
        **bearer(),
        "X-Request-ID": "req-cao-bang-0001",
        "If-Match": '"v3"',
        "Connection": "keep-alive, X-Secret",
    }
    response = client.get("/api/v1/plans?status=draft&q=th%C3%A1c+b%E1%BA%A3n+gi%E1%BB%91c", headers=headers)

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "req-cao-bang-0001"
    seen = upstream_apps["plans"].config["seen"][-1]
    assert (seen["method"], seen["path"]) == ("GET", "/plans")
    assert seen["query"] == "status=draft&q=th%C3%A1c+b%E1%BA%A3n+gi%E1%BB%91c"
    forwarded = seen["headers"]
    assert forwarded["Authorization"] == headers["Authorization"]
    assert forwarded["If-Match"] == '"v3"'
    assert forwarded["X-Request-Id"] == "req-cao-bang-0001"
    assert forwarded["X-Forwarded-Prefix"] == "/api/v1"
    assert forwarded["X-Forwarded-For"] == "127.0.0.1"
    assert forwarded["X-Forwarded-Proto"] == "http"
    assert "X-Secret" not in forwarded and forwarded.get("Connection", "keep-alive") == "keep-alive"


def test_a_forwarded_chain_is_extended_not_trusted(client: FlaskClient, upstream_apps: dict[str, Flask]) -> None:
    client.get("/api/v1/plans", headers={**bearer(), "X-Forwarded-For": "203.113.131.5"})

    assert upstream_apps["plans"].config["seen"][-1]["headers"]["X-Forwarded-For"] == "203.113.131.5, 127.0.0.1"


def test_each_service_gets_its_own_paths(client: FlaskClient, upstream_apps: dict[str, Flask]) -> None:
    client.get("/api/v1/approvals/tasks?status=open", headers=bearer("dept.cb"))
    client.get("/api/v1/webhooks", headers=bearer("service-account-ttdn-integrator-dashboard"))
    client.post("/api/v1/notifications/read-all", headers=bearer("province.qb"))

    assert [s["path"] for s in upstream_apps["approvals"].config["seen"]] == ["/approvals/tasks"]
    assert [s["path"] for s in upstream_apps["notifications"].config["seen"]] == [
        "/webhooks",
        "/notifications/read-all",
    ]
    assert upstream_apps["plans"].config["seen"] == []


def test_a_request_id_is_created_when_missing_and_sent_upstream(
    client: FlaskClient, upstream_apps: dict[str, Flask]
) -> None:
    response = client.get("/api/v1/notifications?unread=true", headers=bearer())

    request_id = response.headers["X-Request-ID"]
    assert uuid.UUID(request_id)
    assert upstream_apps["notifications"].config["seen"][-1]["headers"]["X-Request-Id"] == request_id


def test_every_answer_carries_a_request_id(client: FlaskClient) -> None:
    for response in (
        client.get("/api/v1/plans"),  # 401
        client.get("/api/v1/approval-chains", headers=bearer()),  # 403
        client.get("/api/v1/khong-ton-tai", headers=bearer()),  # 404
        client.get("/healthz"),
    ):
        assert response.headers["X-Request-ID"]


def test_a_created_plan_is_located_under_the_public_prefix(client: FlaskClient) -> None:
    response = client.post("/api/v1/plans", json=PLAN, headers=bearer())

    assert response.status_code == 201
    assert response.headers["Location"].startswith("/api/v1/plans/")
    assert response.headers["ETag"] == '"v1"'
    assert response.get_json()["title"] == PLAN["title"]  # UTF-8 end to end

    again = client.get(response.headers["Location"], headers=bearer())
    assert again.get_json()["summary"] == PLAN["summary"]


def test_an_unknown_path_is_a_404_problem_that_never_reaches_a_service(
    client: FlaskClient, upstream_apps: dict[str, Flask]
) -> None:
    response = client.get("/api/v1/internal/numbering-registers", headers=bearer())

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert all(not app.config["seen"] for app in upstream_apps.values())


def test_a_method_the_table_does_not_list_is_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/api/v1/plans/5f0c", headers=bearer())

    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "PUT"}


def test_path_parameters_reach_the_service_encoded_as_sent(
    client: FlaskClient, upstream_apps: dict[str, Flask]
) -> None:
    response = client.get("/api/v1/plans/k%E1%BA%BF%20ho%E1%BA%A1ch%3B%3F1/timeline", headers=bearer())

    assert response.status_code == 200
    seen = upstream_apps["plans"].config["seen"][-1]
    assert (seen["path"], seen["query"]) == ("/plans/kế hoạch;?1/timeline", "")
