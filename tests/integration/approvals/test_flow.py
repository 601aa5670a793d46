"""The whole three-level flow driven by events, on real PostgreSQL, RabbitMQ and the
development identity provider: plan.submitted in, decisions over HTTP with real
tokens, approval events out through the outbox relay."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pika
import pytest
from approvals.__main__ import migrate_database
from approvals.adapters import orm
from approvals.bootstrap import bootstrap
from approvals.config import ApprovalsSettings
from approvals.entrypoints.app import create_app
from approvals.entrypoints.consumer import build_consumer
from devidp.testing import free_port, start_devidp
from flask.testing import FlaskClient
from keycloak import KeycloakOpenID
from servicekit.broker import Publisher, connection_parameters
from servicekit.db import Database
from servicekit.events import new_event
from servicekit.outbox import OutboxRelay
from servicekit.topology import SUITE_QUEUES, declare_all

from tests.support.waiting import wait_for

from .conftest import plan_submitted, report_submitted

OBSERVER = "approvals-test.observer"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process, base_url = start_devidp(free_port(), Path(tmp_path_factory.mktemp("devidp")) / "keys.json")
    yield base_url
    process.stop()


@pytest.fixture(scope="module")
def stack(idp: str, module_postgres_url: str, module_amqp_url: str) -> Iterator[dict[str, Any]]:
    settings = ApprovalsSettings(
        database_url=module_postgres_url,
        amqp_url=module_amqp_url,
        keycloak_url=idp,
        log_format="text",
        log_level="WARNING",
    )
    migrate_database(settings)
    db = Database(settings.database_url)
    stop = threading.Event()

    def declare(channel: Any) -> None:
        declare_all(channel, settings.events_exchange, SUITE_QUEUES, settings.retry_delays)
        channel.queue_declare(OBSERVER, durable=False, auto_delete=False)
        channel.queue_bind(OBSERVER, settings.events_exchange, "approval.#")

    relay = OutboxRelay(
        db, orm.Outbox, Publisher(settings.amqp_url, settings.events_exchange, on_connect=declare), poll_seconds=0.2
    )
    consumer = build_consumer(settings, db, bootstrap(settings, db=db), retry_delays_ms=(200,))
    plans = Publisher(settings.amqp_url, settings.events_exchange, on_connect=declare)
    threads = [
        threading.Thread(target=relay.run, args=(stop,), daemon=True),
        threading.Thread(target=consumer.run, args=(stop,), daemon=True),
    ]
    for thread in threads:
        thread.start()
    wait_for(consumer.connected.is_set, what="the consumer")
    openid = KeycloakOpenID(server_url=idp, realm_name="ttdn", client_id="ttdn-cli")
    yield {
        "settings": settings,
        "db": db,
        "plans": plans,
        "client": create_app(settings).test_client(),
        "openid": openid,
    }
    stop.set()
    for thread in threads:
        thread.join(10)
    plans.close()
    db.dispose()


def token(stack: dict[str, Any], username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack['openid'].token(username, 'ttdn2024')['access_token']}"}


def publish(stack: dict[str, Any], name: str, data: dict[str, Any], event_id: str | None = None) -> None:
    event = new_event(name, source="/ttdn/plans", subject=f"plans/{data['plan_id']}", data=data, id=event_id)
    stack["plans"].publish(event.routing_key, event.to_json().encode(), message_id=event.id, event_type=event.type)


def observed(stack: dict[str, Any], plan_id: str, seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drain the observer queue into ``seen``; return this plan's events in order."""
    connection = pika.BlockingConnection(connection_parameters(stack["settings"].amqp_url))
    try:
        channel = connection.channel()
        while True:
            method, _properties, body = channel.basic_get(OBSERVER, auto_ack=True)
            if method is None:
                break
            seen.append(json.loads(body))
    finally:
        connection.close()
    return [event for event in seen if event["data"]["plan_id"] == plan_id]


def my_task(client: FlaskClient, headers: dict[str, str], plan_id: str) -> dict[str, Any] | None:
    items = client.get("/approvals/tasks", headers=headers).get_json()["items"]
    return next((task for task in items if task["plan_id"] == plan_id), None)


def test_events_drive_an_approval_through_three_levels(stack: dict[str, Any]) -> None:
    client: FlaskClient = stack["client"]
    plan = plan_submitted(submitted_at=None)
    submitted_id = str(uuid.uuid4())
    publish(stack, "plan.submitted", plan, event_id=submitted_id)
    publish(stack, "plan.submitted", plan, event_id=submitted_id)  # redelivered
    seen: list[dict[str, Any]] = []
    for who, level in (("dept.cb", 1), ("province.cb", 2), ("ministry.1", 3)):
        headers = token(stack, who)
        task = wait_for(lambda h=headers: my_task(client, h, plan["plan_id"]), what=f"{who}'s task")
        assert task["level"] == level
        response = client.post(
            f"/approvals/tasks/{task['id']}/decision",
            json={"decision": "approve", "comment": "Đồng ý."},
            headers=headers,
        )
        assert response.status_code == 201, response.get_json()

    events = wait_for(
        lambda: len(observed(stack, plan["plan_id"], seen)) >= 7 and observed(stack, plan["plan_id"], seen),
        what="7 events",
    )
    assert [event["type"] for event in events] == [
        "vn.ttdn.approval.task_assigned",
        "vn.ttdn.approval.decision_recorded", "vn.ttdn.approval.task_assigned",
        "vn.ttdn.approval.decision_recorded", "vn.ttdn.approval.task_assigned",
        "vn.ttdn.approval.decision_recorded", "vn.ttdn.approval.completed",
    ]  # fmt: skip
    # Eligibility came from the identity provider's role members in scope.
    assert "dept.cb" in events[0]["data"]["assignees"] and "dept.bk" not in events[0]["data"]["assignees"]
    assert set(events[4]["data"]["assignees"]) >= {"ministry.1", "ministry.2"}
    assert events[-1]["data"]["outcome"] == "approved"
    detail = client.get(f"/approvals/{events[0]['data']['approval_id']}", headers=token(stack, "drafter.cb")).get_json()
    assert detail["verified"] is True and len(detail["decisions"]) == 3


def test_a_withdrawal_event_cancels_the_open_approval(stack: dict[str, Any]) -> None:
    plan = plan_submitted(
        org_unit="svhttdl-quang-tri-2025",
        province="ubnd-quang-tri-2025",
        title="Kế hoạch thông tin đối ngoại tỉnh Quảng Bình năm 2024",
        submitted_by="drafter.qb",
        created_by="drafter.qb",
        edited_by=["drafter.qb"],
    )
    publish(stack, "plan.submitted", plan)
    seen: list[dict[str, Any]] = []
    wait_for(lambda: observed(stack, plan["plan_id"], seen), what="the assignment")
    publish(
        stack,
        "plan.withdrawn",
        {**{k: plan[k] for k in ("plan_id", "version", "title", "org_unit", "province", "year")}, "by": "drafter.qb"},
    )
    events = wait_for(
        lambda: len(observed(stack, plan["plan_id"], seen)) >= 2 and observed(stack, plan["plan_id"], seen),
        what="completion",
    )
    assert events[-1]["type"] == "vn.ttdn.approval.completed" and events[-1]["data"]["outcome"] == "cancelled"


def test_a_report_goes_through_the_broker_to_the_province_and_old_receivers_read_it(stack: dict[str, Any]) -> None:
    """report.submitted through RabbitMQ: the report chain's two levels decide with real tokens, and
    the approval events that come out carry the report as subject and in the plan fields alike."""
    client: FlaskClient = stack["client"]
    report = report_submitted(submitted_at=None)
    publish(stack, "report.submitted", report)
    seen: list[dict[str, Any]] = []
    for who, level in (("dept.cb", 1), ("province.cb", 2)):
        headers = token(stack, who)
        task = wait_for(lambda h=headers: my_task(client, h, report["report_id"]), what=f"{who}'s task")
        assert task["level"] == level and task["subject"]["kind"] == "report"
        response = client.post(
            f"/approvals/tasks/{task['id']}/decision", json={"decision": "approve", "comment": ""}, headers=headers
        )
        assert response.status_code == 201, response.get_json()
    events = wait_for(
        lambda: len(observed(stack, report["report_id"], seen)) >= 5 and observed(stack, report["report_id"], seen),
        what="5 events",
    )
    assert [event["type"] for event in events] == [
        "vn.ttdn.approval.task_assigned",
        "vn.ttdn.approval.decision_recorded", "vn.ttdn.approval.task_assigned",
        "vn.ttdn.approval.decision_recorded", "vn.ttdn.approval.completed",
    ]  # fmt: skip
    assert events[-1]["data"]["outcome"] == "approved" and events[-1]["data"]["chain_key"] == "ttdn-report"
    for event in events:
        data = event["data"]
        assert data["subject"]["kind"] == "report" and data["subject"]["id"] == report["report_id"]
        # a receiver that reads only today's plan fields sees the report
        assert (data["plan_id"], data["version"], data["title"], data["org_unit"], data["year"]) == (
            report["report_id"],
            1,
            "Báo cáo tổng kết công tác thông tin đối ngoại năm 2024",
            "svhttdl-cao-bang",
            2024,
        )
