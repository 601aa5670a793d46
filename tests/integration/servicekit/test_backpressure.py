"""Backpressure on a real RabbitMQ: the depths of the queues that receive a service's events are read
from the broker, a command is refused while one of them is behind and passes once it has drained,
and a dropped connection to the broker is opened again."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pika
import pika.exceptions
import pytest
import requests
from flask import Flask
from servicekit.backpressure import REFRESH_SECONDS, BrokerDepths, install_backpressure, queues_receiving
from servicekit.settings import ServiceSettings
from servicekit.topology import SUITE_QUEUES, declare_all
from werkzeug.serving import make_server

from tests.support.stack import Patient

EXCHANGE = "ttdn.events"


@pytest.fixture
def channel(amqp_url: str) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.confirm_delivery()  # a confirmed publish has been routed
    declare_all(channel, EXCHANGE, SUITE_QUEUES, (1000,))
    yield channel
    with contextlib.suppress(pika.exceptions.AMQPError):  # a test may have had the broker close it
        connection.close()


def publish(channel: pika.adapters.blocking_connection.BlockingChannel, routing_key: str, count: int) -> None:
    for n in range(count):
        channel.basic_publish(EXCHANGE, routing_key, b"{}", pika.BasicProperties(message_id=f"{routing_key}-{n}"))


def test_the_depths_are_the_messages_waiting_in_each_queue(amqp_url: str, channel) -> None:  # type: ignore[no-untyped-def]
    publish(channel, "approval.decision_recorded", 7)
    publish(channel, "approval.task_assigned", 2)
    depths = BrokerDepths(amqp_url)
    try:
        watched = (*queues_receiving(["approval"]), "no.such-queue")
        assert depths(watched) == {
            "plans.approval-events": 9,
            "notifications.events": 9,
            "plans.overview": 2,  # bound to the levels opened, not to decisions
            "no.such-queue": 0,
        }
        # The broker closes the connection (a restart would): the next reading opens another.
        vhost = unquote(urlsplit(amqp_url).path.lstrip("/"))
        subprocess.run(
            ["rabbitmqctl", "-q", "close_all_connections", "-p", vhost, "test"], check=True, capture_output=True
        )
        time.sleep(0.2)
        assert depths(watched)["notifications.events"] == 9
    finally:
        depths.close()


def test_a_command_is_refused_until_the_consumers_have_caught_up(amqp_url: str, channel) -> None:  # type: ignore[no-untyped-def]
    settings = ServiceSettings(service_name="probe", amqp_url=amqp_url, log_format="text", backpressure_queue_depth=5)
    app = Flask("probe")
    install_backpressure(app, settings, ["approval"])
    app.add_url_rule("/tasks/1/decision", "decide", lambda: ("decided", 201), methods=["GET", "POST"])
    client = app.test_client()

    publish(channel, "approval.decision_recorded", 4)
    assert client.post("/tasks/1/decision").status_code == 201
    publish(channel, "approval.decision_recorded", 1)
    time.sleep(REFRESH_SECONDS)
    refused = client.post("/tasks/1/decision")
    assert (refused.status_code, refused.headers["Retry-After"]) == (503, "1")
    assert client.get("/tasks/1/decision").status_code == 201  # reads go on

    channel.queue_purge("plans.approval-events")  # the consumer has caught up
    channel.queue_purge("notifications.events")
    time.sleep(REFRESH_SECONDS)
    assert client.post("/tasks/1/decision").status_code == 201


def test_a_patient_client_sends_the_command_again_and_it_is_done_once_the_backlog_has_drained(
    amqp_url: str,
    channel,  # type: ignore[no-untyped-def]
) -> None:
    settings = ServiceSettings(service_name="probe", amqp_url=amqp_url, log_format="text", backpressure_queue_depth=3)
    app = Flask("probe")
    install_backpressure(app, settings, ["approval"])
    done: list[str] = []

    def decide() -> tuple[str, int]:
        done.append("decided")
        return "decided", 201

    app.add_url_rule("/tasks/1/decision", "decide", decide, methods=["POST"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}"
    publish(channel, "approval.decision_recorded", 3)
    drained = threading.Timer(1.5, lambda: [channel.queue_purge(name) for name in queues_receiving(["approval"])])
    try:
        client = requests.Session()
        client.mount(origin + "/", Patient())
        started = time.monotonic()
        drained.start()
        answer = client.post(origin + "/tasks/1/decision", timeout=10)
        assert answer.status_code == 201
        assert time.monotonic() - started >= 1.0  # it waited as asked, at least once
        assert done == ["decided"]  # refused before any work, then done once
    finally:
        drained.join()
        server.shutdown()
