"""Backpressure: commands are refused while the consumers of a service's events are behind, from
the depths the broker last answered, read at most twice a second; reads are never refused."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from flask import Flask
from servicekit.backpressure import (
    REFRESH_SECONDS,
    UNKNOWN_RETRY_SECONDS,
    Backlog,
    install_backpressure,
    queues_receiving,
)
from servicekit.settings import ServiceSettings


class Broker:
    """The depths a broker would answer, and how often it was asked; ``away`` makes it fail."""

    def __init__(self, **depths: int) -> None:
        self.depths = {name.replace("_", "."): depth for name, depth in depths.items()}
        self.asked = 0
        self.away = False

    def __call__(self, queues: Sequence[str]) -> dict[str, int]:
        self.asked += 1
        if self.away:
            raise ConnectionRefusedError("broker away")
        return {name: self.depths.get(name, 0) for name in queues}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


QUEUES = ("plans.approval-events", "notifications.events", "plans.overview")


def test_a_service_watches_the_queues_its_events_are_routed_to() -> None:
    assert queues_receiving(["approval"]) == QUEUES
    assert queues_receiving(["plan", "report", "call", "organisation"]) == (
        "approvals.plan-events",
        "notifications.events",
        "plans.overview",
    )
    assert queues_receiving(["nothing"]) == ()


def test_the_depths_are_read_at_most_once_per_refresh_and_the_deepest_queue_is_named() -> None:
    broker, clock = Broker(notifications_events=240, plans_overview=12), Clock()
    backlog = Backlog(QUEUES, broker, clock=clock)
    assert backlog.deepest() == ("notifications.events", 240)
    broker.depths["notifications.events"] = 3
    clock.now += REFRESH_SECONDS / 2
    assert backlog.deepest() == ("notifications.events", 240)  # the last reading, not asked again
    assert broker.asked == 1
    clock.now += REFRESH_SECONDS / 2
    assert backlog.deepest() == ("plans.overview", 12)
    assert broker.asked == 2


def test_a_broker_that_cannot_be_asked_leaves_the_depths_unknown_and_is_asked_less_often() -> None:
    broker, clock = Broker(plans_overview=500), Clock()
    backlog = Backlog(QUEUES, broker, clock=clock)
    broker.away = True
    assert backlog.deepest() is None
    clock.now += REFRESH_SECONDS
    assert backlog.deepest() is None
    assert broker.asked == 1  # not again within UNKNOWN_RETRY_SECONDS
    broker.away = False
    clock.now += UNKNOWN_RETRY_SECONDS
    assert backlog.deepest() == ("plans.overview", 500)


def make_app(broker: Broker, clock: Clock, *, limit: int = 200) -> Flask:
    settings = ServiceSettings(service_name="probe", log_format="text", backpressure_queue_depth=limit)
    app = Flask("probe")
    install_backpressure(app, settings, ["approval"], exempt=["/check"], backlog=Backlog(QUEUES, broker, clock=clock))
    app.add_url_rule("/tasks/1/decision", "decide", lambda: ("decided", 201), methods=["GET", "POST", "PUT", "DELETE"])
    app.add_url_rule("/check", "check", lambda: ("checked", 200), methods=["POST"])
    return app


def test_a_command_is_refused_with_retry_after_in_the_callers_language_while_a_queue_is_behind() -> None:
    client = make_app(Broker(notifications_events=200), Clock()).test_client()
    for method in ("POST", "PUT", "DELETE"):
        refused = client.open("/tasks/1/decision", method=method, headers={"Accept-Language": "vi"})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "1"
        assert refused.mimetype == "application/problem+json"
        assert refused.json["type"] == "urn:ttdn:problem:catching-up"
        assert refused.json["detail"] == "Hệ thống đang xử lý nốt các thay đổi trước đó; xin thử lại sau giây lát."
    english = client.post("/tasks/1/decision", headers={"Accept-Language": "en"})
    assert english.json["detail"] == "The suite is catching up with earlier changes; try again in a moment."
    assert "notifications.events" not in english.get_data(as_text=True)  # no internals to callers


def test_reads_and_exempt_paths_are_never_refused() -> None:
    client = make_app(Broker(notifications_events=10_000), Clock()).test_client()
    assert client.get("/tasks/1/decision").status_code == 201  # answered by the view, not refused
    assert client.head("/tasks/1/decision").status_code == 201
    assert client.post("/check").status_code == 200


def test_commands_pass_below_the_limit_once_the_backlog_drains_and_when_the_depths_are_unknown() -> None:
    broker, clock = Broker(plans_approval_events=199), Clock()
    client = make_app(broker, clock).test_client()
    assert client.post("/tasks/1/decision").status_code == 201
    broker.depths["plans.approval-events"] = 450
    clock.now += REFRESH_SECONDS
    assert client.post("/tasks/1/decision").status_code == 503
    broker.depths["plans.approval-events"] = 0
    clock.now += REFRESH_SECONDS
    assert client.post("/tasks/1/decision").status_code == 201
    broker.away = True
    clock.now += REFRESH_SECONDS
    assert client.post("/tasks/1/decision").status_code == 201


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_of_zero_never_refuses(limit: int) -> None:
    broker = Broker(notifications_events=10_000)
    client = make_app(broker, Clock(), limit=limit).test_client()
    assert client.post("/tasks/1/decision").status_code == 201
    assert broker.asked == 0
