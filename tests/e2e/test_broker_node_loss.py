"""A broker node lost in the middle of a burst: the suite runs on a three-node
RabbitMQ cluster of its own (quorum queues, AMQP_URL listing the three nodes),
the node every process is connected to and every queue's leader lives on is
killed while plans are submitted, and afterwards every event has been handled
exactly once — 0 lost, 0 doubled."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from infra.local.sample_plans import LANG_SON_2018
from tests.support import audit
from tests.support.journeys import Person, eventually, plan_body
from tests.support.rabbitmq_cluster import RabbitCluster, available
from tests.support.stack import Stack

pytestmark = [
    pytest.mark.broker_cluster,
    pytest.mark.skipif(not available(), reason="rabbitmq-server is not installed here"),
]

PLANS = 120
# What the burst needs: the HTTP path, the relays and the consumers (no mail, webhooks or timers).
PROCESSES = (
    "idp",
    "plans",
    "plans-relay",
    "plans-consumer",
    "approvals",
    "approvals-relay",
    "approvals-consumer",
    "notifications",
    "notifications-consumer",
    "gateway",
)


@pytest.fixture(scope="module")
def cluster_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RabbitCluster, Stack]]:
    # Node directories under /tmp: Erlang's distribution wants short paths, and they are removed at the end.
    cluster = RabbitCluster(Path(tmp_path_factory.mktemp("rabbitmq-cluster")))
    stack = Stack(
        tmp_path_factory.mktemp("suite-on-a-cluster"),
        amqp_url=cluster.amqp_url,
        processes=PROCESSES,
        extra_env={"WEB_CONCURRENCY": "1", "GATEWAY_WORKERS": "1", "RETRY_DELAYS_MS": "500,1000"},
    )
    try:
        cluster.start()
        stack.prepare()  # databases and migrations while the nodes boot
        cluster.wait_ready()
        # The tap is bound before the first relay runs: it sees every event, the registry's seed
        # (published when the relays start) included.
        audit.open_tap(cluster.amqp_url)
        stack.launch()
        yield cluster, stack
    finally:
        stack.close()
        cluster.close()


def test_losing_a_broker_node_mid_burst_loses_and_doubles_nothing(
    cluster_suite: tuple[RabbitCluster, Stack], record_property: pytest.RecordProperty
) -> None:
    cluster, stack = cluster_suite
    drafter = Person(stack.api, "drafter.ls", stack.session("drafter.ls"))
    approver = Person(stack.api, "dept.ls", stack.session("dept.ls"))
    lost_node = cluster.nodes[0]  # first in AMQP_URL: every process is connected to it, every queue led from it
    submitted = 0
    killed_at: list[float] = []
    lock = threading.Lock()

    def submit(n: int) -> str:
        nonlocal submitted
        plan = drafter.create_plan(plan_body(LANG_SON_2018, title=f"{LANG_SON_2018['title']} — đợt {n}"))
        drafter.submit(plan["id"])
        with lock:
            submitted += 1
            if submitted == PLANS // 2:
                killed_at.append(time.monotonic())
                lost_node.kill()
        return plan["id"]

    memory = cluster.memory_mb()
    with ThreadPoolExecutor(max_workers=6) as pool:
        plan_ids = list(pool.map(submit, range(PLANS)))
    assert killed_at, "the node was not lost during the burst"

    # The approver decides every plan once the approvals service has heard of it (after the loss).
    burst = set(plan_ids)

    def open_tasks() -> list[dict]:
        return [t for t in approver.tasks() if t["plan_id"] in burst and t["level"] == 1]

    tasks = eventually(lambda: t if len(t := open_tasks()) == PLANS else None, timeout=90, what="every task")
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = Counter(pool.map(lambda t: approver.decide(t["id"], "approve", "Đồng ý").status_code, tasks))
    assert statuses == {201: PLANS}, statuses

    databases = stack.databases
    audit.wait_until_every_event_is_handled(databases, timeout=90)  # 0 lost, for every consumer
    recovered = time.monotonic() - killed_at[0]
    ids = list(burst)
    doubled = {
        "approvals": audit.rows(
            databases["approvals"],
            "SELECT count(*) - count(DISTINCT subject_id) FROM approvals "
            "WHERE subject_kind = 'plan' AND subject_id = ANY(%s)",
            (ids,),
        )[0][0],
        "plans timeline": audit.rows(
            databases["plans"],
            "SELECT count(*) - count(DISTINCT plan_id) FROM plan_timeline "
            "WHERE kind = 'decision' AND plan_id = ANY(%s)",
            (ids,),
        )[0][0],
        "notifications": audit.rows(
            databases["notifications"],
            "SELECT count(*) - count(DISTINCT (event_id, recipient)) FROM notifications WHERE plan_id = ANY(%s)",
            (ids,),
        )[0][0],
    }
    assert doubled == dict.fromkeys(doubled, 0)
    assert audit.rows(
        databases["approvals"],
        "SELECT count(*) FROM approvals WHERE subject_kind = 'plan' AND subject_id = ANY(%s)",
        (ids,),
    ) == [(PLANS,)]
    assert audit.rows(
        databases["plans"], "SELECT count(*) FROM plan_timeline WHERE kind = 'decision' AND plan_id = ANY(%s)", (ids,)
    ) == [(PLANS,)]

    # The broker carried each aggregate's events in order; a publish whose confirm the lost node
    # never sent may have gone out twice (at-least-once), which the inboxes absorbed above.
    events = audit.published(databases)
    arrived = audit.drain_tap(cluster.amqp_url)
    assert set(arrived) == set(events)
    assert not audit.order_violations(arrived, events)
    facts = {
        **cluster.timings,
        "node memory MiB": memory,
        "events published": len(events),
        "republished after the loss": len(arrived) - len(set(arrived)),
        "seconds from the loss to every event handled, decisions included": round(recovered, 1),
    }
    for name, value in facts.items():
        record_property(name, value)
    print(facts)
