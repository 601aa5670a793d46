"""Every process of the suite twice, as two replicas of each Deployment would run:
two gateways (each request goes to the next one), two of each service, consumer,
relay, scheduler, mailer and webhook dispatcher on the same databases and
queues. The seed scenario and a burst of 500 submissions and 500 decisions
go through it; every event is handled once, one plan's events stay in order,
and what a client leaves in one gateway (an idempotency key, a rate-limit
count, a web session) holds in the other."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import unescape

import pytest
import requests

from infra.local.sample_plans import BAC_KAN_2020, CAO_BANG_2024, KON_TUM_2023, LANG_SON_2018, QUANG_BINH_2017
from tests.e2e.conftest import suite_env
from tests.e2e.test_seed_scenario import test_the_cao_bang_2024_plan_from_draft_to_number as seed_scenario
from tests.support import audit
from tests.support.journeys import Person, eventually, plan_body
from tests.support.receivers import Mailbox, WebhookReceiver, start_smtp, start_webhook_receiver
from tests.support.stack import PASSWORD, Stack, procfile

RATE_LIMIT = 600  # per caller, route and minute, across both gateways
BURST = 500
PROVINCES = {  # drafter → (their department's approver, a seed plan of theirs)
    "drafter.cb": ("dept.cb", CAO_BANG_2024),
    "drafter.bk": ("dept.bk", BAC_KAN_2020),
    "drafter.kt": ("dept.kt", KON_TUM_2023),
    "drafter.ls": ("dept.ls", LANG_SON_2018),
    "drafter.qb": ("dept.qb", QUANG_BINH_2017),
}


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Scaled:
    stack: Stack
    mailbox: Mailbox
    receiver: WebhookReceiver

    def person(self, username: str) -> Person:
        session = self.stack.session(username)
        return Person(self.stack.api, username, session)


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    controller, mailbox, smtp_port = start_smtp()
    receiver = start_webhook_receiver(fail_first=1)
    env = {
        **suite_env(smtp_port),
        # Two replicas of one worker each: as much CPU as one replica of two, on this small machine.
        "WEB_CONCURRENCY": "1",
        "GATEWAY_WORKERS": "1",
        "RATELIMIT_DEFAULT": f"{RATE_LIMIT}/minute",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
        "RATELIMIT_KEY_PREFIX": f"ttdn-e2e-{uuid.uuid4().hex[:8]}",
    }
    replicas = {name: 2 for name in procfile() if name != "idp"}
    stack = Stack(tmp_path_factory.mktemp("every-process-twice"), extra_env=env, replicas=replicas)
    try:
        stack.prepare()
        # The tap is bound before the first relay runs: it sees every event, the registry's seed
        # (published when the relays start) included.
        audit.open_tap(stack.env["AMQP_URL"])
        stack.launch()
        yield Scaled(stack, mailbox, receiver)
    finally:
        stack.close()
        receiver.stop()
        controller.stop()


def test_the_seed_scenario_with_every_process_twice(scaled: Scaled) -> None:
    class People(dict):
        def __missing__(self, username: str) -> Person:
            self[username] = scaled.person(username)
            return self[username]

    integrator = Person(scaled.stack.api, "integrator", scaled.stack.integrator_session())
    seed_scenario(People(), integrator, scaled.receiver, (scaled.mailbox, 0))

    # Two mailers and two webhook dispatchers: still one mail per digest, one delivery per event.
    message_ids = Counter(str(m["Message-ID"]) for m in scaled.mailbox.messages)
    assert message_ids and max(message_ids.values()) == 1, message_ids.most_common(3)
    delivered = Counter(d.headers["webhook-id"] for d in scaled.receiver.deliveries)
    assert delivered and max(delivered.values()) == 1, delivered


def test_a_burst_of_submissions_and_decisions_is_handled_once_and_in_order(
    scaled: Scaled, record_property: pytest.RecordProperty
) -> None:
    stack = scaled.stack
    started = time.monotonic()
    drafters = {username: scaled.person(username) for username in PROVINCES}
    approvers = {username: scaled.person(approver) for username, (approver, _) in PROVINCES.items()}

    def submit(n: int) -> str:
        username = list(PROVINCES)[n % len(PROVINCES)]
        template = PROVINCES[username][1]
        drafter = drafters[username]
        plan = drafter.create_plan(plan_body(template, title=f"{template['title']} — bản thử tải {n}"))
        drafter.submit(plan["id"])
        return plan["id"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        plan_ids = list(pool.map(submit, range(BURST)))
    burst = set(plan_ids)
    phases = {"submitted": time.monotonic() - started}

    # Waiting is read from the approvals database: polling through the API would spend the rate limit.
    eventually(
        lambda: (
            audit.rows(
                stack.databases["approvals"],
                "SELECT count(*) FROM approval_tasks t JOIN approvals a ON a.id = t.approval_id "
                "WHERE a.subject_kind = 'plan' AND a.subject_id = ANY(%s) AND t.level = 1 AND t.status = 'open'",
                (plan_ids,),
            )
            == [(BURST,)]
        ),
        timeout=120,
        what="the level-1 tasks",
    )
    tasks = [
        (username, task)
        for username, approver in approvers.items()
        for task in approver.tasks()
        if task["plan_id"] in burst and task["level"] == 1
    ]
    assert len(tasks) == BURST
    phases["tasks open"] = time.monotonic() - started

    def decide(item: tuple[str, dict]) -> int:
        username, task = item
        return approvers[username].decide(task["id"], "approve", "Đồng ý, trình UBND tỉnh.").status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = Counter(pool.map(decide, tasks))
    assert statuses == {201: BURST}, statuses
    phases["decided"] = time.monotonic() - started

    # Every event published once and handled once by every consumer it is routed to.
    databases = stack.databases
    audit.wait_until_every_event_is_handled(databases, timeout=120)
    phases["every event handled"] = time.monotonic() - started
    for phase, seconds in phases.items():
        record_property(f"seconds until {phase}", round(seconds, 1))
    print({phase: round(seconds, 1) for phase, seconds in phases.items()})
    events = audit.published(databases)
    arrived = audit.drain_tap(stack.env["AMQP_URL"])
    assert sorted(arrived) == sorted(events), "the broker carried events not once each"
    assert not audit.order_violations(arrived, events)

    # ...and each effect applied once: one approval and one decision per plan, heard once.
    ids = list(burst)
    assert audit.rows(
        databases["approvals"],
        "SELECT count(*), count(DISTINCT subject_id) FROM approvals "
        "WHERE subject_kind = 'plan' AND subject_id = ANY(%s)",
        (ids,),
    ) == [(BURST, BURST)]
    assert audit.rows(
        databases["plans"],
        "SELECT count(*), count(DISTINCT plan_id) FROM plan_timeline WHERE kind = 'decision' AND plan_id = ANY(%s)",
        (ids,),
    ) == [(BURST, BURST)]
    heard = dict(
        audit.rows(
            databases["notifications"],
            "SELECT recipient, count(*) FROM notifications "
            "WHERE event_type = 'approval.decision_recorded' AND plan_id = ANY(%s) GROUP BY recipient",
            (ids,),
        )
    )
    assert {username: heard.get(username) for username in PROVINCES} == dict.fromkeys(PROVINCES, BURST // 5)
    assert audit.rows(
        databases["notifications"],
        "SELECT count(*) - count(DISTINCT (event_id, recipient)) FROM notifications WHERE plan_id = ANY(%s)",
        (ids,),
    ) == [(0,)]
    # Order kept where it shows: every plan now waits at the provincial level, none fell back.
    stages = audit.rows(
        databases["plans"],
        "SELECT status, (stage->>'level')::int, count(*) FROM plans WHERE id = ANY(%s) GROUP BY 1, 2",
        (ids,),
    )
    assert stages == [("submitted", 2, BURST)], stages

    # Both replicas of everything took part and are still running.
    assert all(process.poll() is None for process in stack.processes.values())
    for gateway in stack.instances("gateway"):
        assert stack.logs(gateway).count('"POST /api/v1/') > BURST // 2
    consumers = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", stack.vhost or "/", "name", "consumers"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts = dict(line.split() for line in consumers.splitlines() if line.strip())
    assert {name: counts[name] for name in audit.CONSUMER_DATABASE} == dict.fromkeys(audit.CONSUMER_DATABASE, "2")


def test_an_idempotency_key_used_on_one_gateway_replays_on_the_other(scaled: Scaled) -> None:
    first, second = (scaled.stack.url(gateway) + "/api/v1" for gateway in scaled.stack.instances("gateway"))
    token = {"Authorization": f"Bearer {scaled.stack.token('drafter.kt')}", "Idempotency-Key": str(uuid.uuid4())}
    body = plan_body(KON_TUM_2023, title="Kế hoạch thông tin đối ngoại năm 2023 — gửi lại qua cổng khác")

    created = requests.post(f"{first}/plans", json=body, headers=token, timeout=10)
    replayed = requests.post(f"{second}/plans", json=body, headers=token, timeout=10)

    assert created.status_code == replayed.status_code == 201, replayed.text
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json()["id"] == created.json()["id"]
    assert audit.rows(
        scaled.stack.databases["plans"], "SELECT count(*) FROM plans WHERE title = %s", (body["title"],)
    ) == [(1,)]


def test_a_web_login_begun_on_one_gateway_finishes_on_the_other(scaled: Scaled) -> None:
    first, second = (scaled.stack.url(gateway) for gateway in scaled.stack.instances("gateway"))
    browser = requests.Session()

    login = browser.get(f"{first}/login", timeout=10)  # the identity provider's form, via a redirect
    assert login.status_code == 200 and 'id="kc-form-login"' in login.text
    action = unescape(re.search(r'<form id="kc-form-login" action="([^"]+)"', login.text).group(1))
    answer = browser.post(
        scaled.stack.idp + action, data={"username": "province.ls", "password": PASSWORD}, allow_redirects=False
    )
    callback = answer.headers["Location"]
    assert callback.startswith(f"{first}/")
    # The code comes back to the other gateway: the login under way lives in the shared store.
    signed_in = browser.get(second + callback[len(first) :], allow_redirects=False, timeout=10)
    assert signed_in.status_code == 302, signed_in.text

    for gateway in (first, second):  # signed in on both: the approver's task page, not the login
        page = browser.get(f"{gateway}/", timeout=10)
        assert page.status_code == 200 and page.url.startswith(gateway) and "kc-form-login" not in page.text
    anonymous = requests.get(f"{second}/", allow_redirects=False, timeout=10)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379 for the shared rate-limit store")
def test_the_gateways_share_one_rate_limit(scaled: Scaled) -> None:
    # A caller of its own (an anonymous address is counted too), alternating between the gateways.
    client = scaled.stack.http_client()
    token = {"Authorization": f"Bearer {scaled.stack.token('admin')}"}

    def call(_: int) -> int:
        return client.get(f"{scaled.stack.api}/approval-chains", headers=token, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(call, range(RATE_LIMIT + 20)))

    # Per-process counters would let each gateway allow the whole limit.
    assert Counter(statuses) == {200: RATE_LIMIT, 429: 20}, Counter(statuses)
    for gateway in scaled.stack.instances("gateway"):
        url = f"{scaled.stack.url(gateway)}/api/v1/approval-chains"
        assert requests.get(url, headers=token, timeout=10).status_code == 429
