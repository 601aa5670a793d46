"""Idempotency-Key on POST, end to end with the store on PostgreSQL: a retried
submission or decision returns the first answer and changes nothing."""

from __future__ import annotations

import threading
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gateway.app import create_app

from tests.integration.gateway.conftest import gateway_settings
from tests.integration.gateway.servers import ServerThread, upstream_app
from tests.integration.gateway.users import token_for

PLAN = {
    "title": "Kế hoạch thông tin đối ngoại tỉnh Lạng Sơn năm 2018",
    "plan_type": "annual",
    "year": 2018,
    "org_unit": "svhttdl-lang-son",
}
DRAFTER = {"Authorization": f"Bearer {token_for('drafter.ls')}"}


@pytest.fixture(scope="module")
def gateway(identity_provider, upstreams, module_postgres_url: str) -> FlaskClient:
    urls = {name: server.url for name, server in upstreams.items()}
    return create_app(gateway_settings(identity_provider, urls, module_postgres_url)).test_client()


def keyed(key: str, headers: dict[str, str] = DRAFTER) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def test_a_retried_creation_returns_the_first_answer_and_creates_nothing(
    gateway: FlaskClient, upstream_apps: dict[str, Flask]
) -> None:
    key = str(uuid.uuid4())
    created_before = upstream_apps["plans"].config["created"]

    first = gateway.post("/api/v1/plans", json=PLAN, headers=keyed(key))
    retry = gateway.post("/api/v1/plans", json=PLAN, headers=keyed(key))

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert upstream_apps["plans"].config["created"] == created_before + 1
    assert upstream_apps["plans"].config["seen"][-1]["headers"]["Idempotency-Key"] == key


def test_a_retried_decision_is_recorded_once(gateway: FlaskClient, upstream_apps: dict[str, Flask]) -> None:
    key = str(uuid.uuid4())
    approver = {"Authorization": f"Bearer {token_for('dept.ls')}"}
    decision = {"decision": "return", "comment": "Bổ sung kinh phí cho hoạt động tập huấn tại huyện biên giới"}
    upstream_apps["approvals"].config["seen"].clear()

    answers = [
        gateway.post("/api/v1/approvals/tasks/t-1/decision", json=decision, headers=keyed(key, approver))
        for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(upstream_apps["approvals"].config["seen"]) == 1


def test_the_same_key_with_another_body_or_path_is_refused(gateway: FlaskClient) -> None:
    key = str(uuid.uuid4())
    assert gateway.post("/api/v1/plans", json=PLAN, headers=keyed(key)).status_code == 201

    other_body = gateway.post("/api/v1/plans", json={**PLAN, "year": 2019}, headers=keyed(key))
    other_path = gateway.post("/api/v1/plans/p-1/submit", json=PLAN, headers=keyed(key))

    for refused in (other_body, other_path):
        assert refused.status_code == 422
        assert refused.get_json()["type"] == "urn:ttdn:problem:idempotency-key-reused"


def test_keys_belong_to_their_caller(gateway: FlaskClient, upstream_apps: dict[str, Flask]) -> None:
    key = str(uuid.uuid4())
    created_before = upstream_apps["plans"].config["created"]

    gateway.post("/api/v1/plans", json=PLAN, headers=keyed(key))
    other = gateway.post(
        "/api/v1/plans", json=PLAN, headers=keyed(key, {"Authorization": f"Bearer {token_for('drafter2.cb')}"})
    )

    assert "Idempotent-Replayed" not in other.headers
    assert upstream_apps["plans"].config["created"] == created_before + 2


def test_a_malformed_key_is_400(gateway: FlaskClient) -> None:
    response = gateway.post("/api/v1/plans", json=PLAN, headers=keyed("khóa có dấu"))

    assert response.status_code == 400
    assert response.get_json()["type"] == "urn:ttdn:problem:invalid-idempotency-key"


def test_a_failed_attempt_does_not_burn_the_key(identity_provider, upstreams, module_postgres_url: str) -> None:
    # The plans service is down for the first attempt and back for the retry.
    plans = ServerThread(upstream_app("plans", {}))
    port_url = plans.url
    plans.stop()
    urls = {name: server.url for name, server in upstreams.items()} | {"plans": port_url}
    down = create_app(gateway_settings(identity_provider, urls, module_postgres_url)).test_client()
    key = str(uuid.uuid4())

    assert down.post("/api/v1/plans", json=PLAN, headers=keyed(key)).status_code == 503

    up = create_app(
        gateway_settings(
            identity_provider, {name: server.url for name, server in upstreams.items()}, module_postgres_url
        )
    ).test_client()
    retry = up.post("/api/v1/plans", json=PLAN, headers=keyed(key))
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers


def test_a_duplicate_while_the_first_is_in_flight_is_409(
    identity_provider, upstreams, module_postgres_url: str
) -> None:
    release = threading.Event()
    arrived = threading.Event()
    slow_plans = upstream_app("plans", {})

    @slow_plans.before_request
    def _hold() -> None:
        arrived.set()
        release.wait(timeout=10)

    server = ServerThread(slow_plans)
    urls = {name: s.url for name, s in upstreams.items()} | {"plans": server.url}
    app = create_app(gateway_settings(identity_provider, urls, module_postgres_url, upstream_read_timeout=10))
    key = str(uuid.uuid4())
    first: dict = {}
    worker = threading.Thread(
        target=lambda: first.update(response=app.test_client().post("/api/v1/plans", json=PLAN, headers=keyed(key)))
    )
    try:
        worker.start()
        assert arrived.wait(timeout=10)
        duplicate = app.test_client().post("/api/v1/plans", json=PLAN, headers=keyed(key))
        assert duplicate.status_code == 409
        assert duplicate.get_json()["type"] == "urn:ttdn:problem:idempotency-in-progress"
    finally:
        release.set()
        worker.join(timeout=10)
        server.stop()
    assert first["response"].status_code == 201
    replay = app.test_client().post("/api/v1/plans", json=PLAN, headers=keyed(key))
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first["response"].get_json()
