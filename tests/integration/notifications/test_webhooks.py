"""Webhooks end to end on PostgreSQL: subscriptions through the API, events
through the consumer, the dispatcher POSTing to real HTTP receivers on
loopback, which verify the Standard Webhooks signature as a receiver would."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from notifications.adapters.http import RequestsWebhookSender, signed_headers
from notifications.adapters.orm import WebhookSubscriptionRow, webhook_deliveries
from notifications.entrypoints.webhook_dispatcher import WebhookDispatcher
from servicekit.db import Database
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook

from tests.integration.notifications.support import (
    RealmKeys,
    deliver_through_consumer,
    make_deps,
    make_settings,
    migrated,
    sample_event,
    wait_for,
)
from tests.support.hostile import HOSTILE_JSON, HOSTILE_TEXT, is_problem
from tests.support.orgs import province_of, unit_of

DASHBOARD = ("service-account-ttdn-integrator-dashboard", ("integrator",))


class Receiver:
    """An integrator's endpoint: answers 500 to its first ``fail_first`` requests,
    or holds every request until ``release`` is set."""

    def __init__(self, *, fail_first: int = 0, hold: bool = False) -> None:
        self.fail_first = fail_first
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answered = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers.items()), body))
                receiver.release.wait(30)
                failing = len(receiver.requests) <= receiver.fail_first
                try:
                    self.send_response(500 if failing else 204)
                    self.end_headers()
                except OSError:
                    pass  # the dispatcher gave up waiting and closed the connection
                receiver.answered += 1

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ttdn/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[callable]:
    made: list[Receiver] = []

    def make(**kwargs: object) -> Receiver:
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture(scope="module")
def shared_db(module_postgres_url: str) -> Iterator[Database]:
    database = migrated(module_postgres_url)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def each_test_leaves_no_subscription(shared_db: Database) -> Iterator[None]:
    yield
    now = datetime.now(UTC)
    with shared_db.transaction() as session:
        session.execute(
            update(WebhookSubscriptionRow).where(WebhookSubscriptionRow.deleted_at.is_(None)).values(deleted_at=now)
        )
        session.execute(
            update(webhook_deliveries).where(webhook_deliveries.c.status == "pending").values(status="cancelled")
        )


@pytest.fixture
def stack(shared_db: Database, directory, realm: RealmKeys):
    db = shared_db
    settings = make_settings(
        db.engine.url.render_as_string(hide_password=False),
        realm,
        webhook_backoff_base_seconds=0.05,
        webhook_backoff_cap_seconds=0.2,
        webhook_give_up_seconds=30,
        webhook_timeout_seconds=2,
        webhook_workers=4,
    )
    deps = make_deps(db, settings, directory)
    app = deps.app()
    running: list[tuple[threading.Event, threading.Thread]] = []

    def start(dispatcher: WebhookDispatcher | None = None) -> WebhookDispatcher:
        dispatcher = dispatcher or deps.dispatcher()
        stop = threading.Event()
        thread = threading.Thread(target=dispatcher.run, args=(stop, 0.05), daemon=True)
        thread.start()
        running.append((stop, thread))
        return dispatcher

    with app.test_client() as client:
        yield client, deps, deliver_through_consumer(deps), start
    for stop, thread in running:
        stop.set()
        thread.join(10)


def auth(realm: RealmKeys, who=DASHBOARD, client: str = "ttdn-integrator-dashboard") -> dict[str, str]:
    return {"Authorization": f"Bearer {realm.token(who[0], who[1], client=client)}"}


def subscribe(client, realm, url: str, **body: object) -> dict:
    response = client.post(
        "/webhooks", json={"url": url, "event_types": ["plan.approved"], **body}, headers=auth(realm)
    )
    assert response.status_code == 201, response.json
    return response.json


def delivery_status(deps, subscription_id: str) -> str | None:
    with deps.db.transaction() as session:
        return session.scalars(
            select(webhook_deliveries.c.status).where(webhook_deliveries.c.subscription_id == subscription_id)
        ).first()


def test_a_receiver_failing_its_first_attempts_gets_the_signed_event_and_the_log_shows_each_attempt(
    stack, realm, receivers
) -> None:
    client, deps, deliver, start = stack
    receiver = receivers(fail_first=2)
    subscription = subscribe(
        client, realm, receiver.url, event_types=["vn.ttdn.plan.approved"], province="ubnd-cao-bang"
    )
    secret = subscription["secret"]
    event = sample_event("plan.approved")
    deliver(event)
    start()

    wait_for(lambda: delivery_status(deps, subscription["id"]) == "succeeded")
    assert len(receiver.requests) == 3
    for headers, body in receiver.requests:
        # As the receiver would: verify with the secret shown once, dedupe by webhook-id.
        payload = Webhook(secret).verify(body, headers)
        assert headers["webhook-id"] == event.id
        assert payload["type"] == "vn.ttdn.plan.approved" and payload["id"] == event.id
        assert payload["data"]["document_number"] == "15/KH-UBND"
        assert payload["data"]["title"] == "Kế hoạch hoạt động thông tin đối ngoại năm 2024"

    log = client.get(f"/webhooks/{subscription['id']}/deliveries", headers=auth(realm)).json
    (delivery,) = log["items"]
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 3 and delivery["event_id"] == event.id
    assert [a["outcome"] for a in delivery["attempt_log"]] == ["failed", "failed", "succeeded"]
    assert [a["response_code"] for a in delivery["attempt_log"]] == [500, 500, 204]
    assert all(isinstance(a["duration_ms"], int) for a in delivery["attempt_log"])
    assert delivery["attempt_log"][0]["error"] == "the receiver answered 500"

    deliver(event)  # redelivered: no second delivery
    assert len(client.get(f"/webhooks/{subscription['id']}/deliveries", headers=auth(realm)).json["items"]) == 1


def test_a_slow_receiver_delays_nobody_elses_delivery(stack, realm, receivers) -> None:
    client, deps, deliver, start = stack
    slow = receivers(hold=True)
    fast = receivers()
    slow_subscription = subscribe(client, realm, slow.url)
    fast_subscription = subscribe(client, realm, fast.url)
    deliver(sample_event("plan.approved"))
    start()

    wait_for(lambda: delivery_status(deps, fast_subscription["id"]) == "succeeded")
    assert len(slow.requests) == 1 and slow.answered == 0  # still held while the other was delivered
    slow.release.set()
    wait_for(lambda: delivery_status(deps, slow_subscription["id"]) == "succeeded")


def test_a_dead_receiver_is_retried_with_timeouts_until_given_up_and_marked_failed(stack, realm, receivers) -> None:
    """Each attempt times out (0.3 s of real time); the retries follow the dispatcher's clock, which
    the test moves, so they do not depend on how soon a busy machine runs the dispatcher."""
    client, deps, _, _ = stack
    dead = receivers(hold=True)
    subscription = subscribe(client, realm, dead.url)
    now = [datetime.now(UTC)]
    impatient = make_deps(
        deps.db,
        deps.settings.model_copy(update={"webhook_timeout_seconds": 0.3, "webhook_give_up_seconds": 1.0}),
        deps.directory,
        clock=lambda: now[0],
    )
    deliver_through_consumer(impatient)(sample_event("plan.approved"))  # give-up time is fixed when queued
    dispatcher = impatient.dispatcher()
    for _ in range(10):  # 4 s on the clock: far past the give-up time
        for job in dispatcher.claim_due(1):
            dispatcher.attempt(job)
        if delivery_status(deps, subscription["id"]) == "failed":
            break
        now[0] += timedelta(seconds=0.4)

    assert delivery_status(deps, subscription["id"]) == "failed"
    (delivery,) = client.get(f"/webhooks/{subscription['id']}/deliveries", headers=auth(realm)).json["items"]
    assert delivery["attempts"] >= 2 and delivery["completed_at"]
    assert all(a["outcome"] == "failed" and "timed out" in a["error"] for a in delivery["attempt_log"])


def test_a_crash_between_sending_and_recording_resends_with_the_same_webhook_id(stack, realm, receivers) -> None:
    client, deps, deliver, _ = stack
    receiver = receivers()
    subscription = subscribe(client, realm, receiver.url)
    event = sample_event("plan.approved")
    deliver(event)

    crashed = deps.dispatcher()
    (job,) = crashed.claim_due(1)
    RequestsWebhookSender().post(
        job.url, job.payload.encode(), signed_headers(job.secret, job.event_id, job.payload, datetime.now(UTC)), 2
    )
    # ... and the process died here, before recording the attempt.
    assert deps.dispatcher().claim_due(4) == []  # leased: not resent while it might be in flight

    # A successor whose clock is past the lease.
    successor = make_deps(
        deps.db, deps.settings, deps.directory, clock=lambda: datetime.now(UTC) + timedelta(seconds=60)
    ).dispatcher()
    (retry,) = successor.claim_due(4)
    assert successor.attempt(retry).succeeded
    assert [headers["webhook-id"] for headers, _ in receiver.requests] == [event.id, event.id]
    assert delivery_status(deps, subscription["id"]) == "succeeded"


def test_subscriptions_are_private_to_their_integrator_and_the_secret_is_shown_once(stack, realm, receivers) -> None:
    client, deps, deliver, _ = stack
    created = subscribe(client, realm, receivers().url, event_types=["plan.approved", "approval.completed"])
    assert created["secret"].startswith("whsec_")
    listed = client.get("/webhooks", headers=auth(realm)).json["items"]
    assert [item["id"] for item in listed] == [created["id"]] and "secret" not in listed[0]

    other = auth(realm, ("service-account-egov-caobang", ("integrator",)), client="egov-caobang")
    assert client.get("/webhooks", headers=other).json == {"items": []}
    assert client.delete(f"/webhooks/{created['id']}", headers=other).status_code == 404
    assert client.get(f"/webhooks/{created['id']}/deliveries", headers=other).status_code == 404

    deliver(sample_event("approval.completed", outcome="approved"))
    assert client.delete(f"/webhooks/{created['id']}", headers=auth(realm)).status_code == 204
    assert delivery_status(deps, created["id"]) == "cancelled"  # its pending delivery stops
    assert client.get("/webhooks", headers=auth(realm)).json == {"items": []}
    assert client.delete(f"/webhooks/{created['id']}", headers=auth(realm)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event_types": ["plan.approved"]}, "url"),
        ({"url": "https://dashboard.bvhttdl.gov.vn/h"}, "event_types"),
        ({"url": "https://dashboard.bvhttdl.gov.vn/h", "event_types": []}, "event_types"),
        ({"url": "https://dashboard.bvhttdl.gov.vn/h", "event_types": ["plan.deleted"]}, "event_types"),
        ({"url": "https://dashboard.bvhttdl.gov.vn/h", "event_types": "plan.approved"}, "event_types"),
        (
            {"url": "https://dashboard.bvhttdl.gov.vn/h", "event_types": ["plan.approved"], "province": "Cao Bằng"},
            "province",
        ),
        ({"url": "https://dashboard.bvhttdl.gov.vn/h", "event_types": ["plan.approved"], "secret": "mine"}, "secret"),
        ({"url": 42, "event_types": ["plan.approved"]}, "url"),
        ({"url": "ftp://dashboard.bvhttdl.gov.vn/h", "event_types": ["plan.approved"]}, "url"),
        ({"url": "http://user:pw@127.0.0.1/h", "event_types": ["plan.approved"]}, "url"),
        ({"url": "http://169.254.169.254/latest", "event_types": ["plan.approved"]}, "url"),
        ({"url": "http://10.1.2.3/h", "event_types": ["plan.approved"]}, "url"),
        ({"url": "http://[::1]:8080/h", "event_types": ["plan.approved"]}, "url"),
    ],
)
def test_bad_subscriptions_are_422_naming_the_field_and_store_nothing(stack, realm, body: dict, field: str) -> None:
    client, *_ = stack
    response = client.post("/webhooks", json=body, headers=auth(realm))
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"]
    assert client.get("/webhooks", headers=auth(realm)).json == {"items": []}


def test_malformed_oversized_and_unauthorised_requests(stack, realm) -> None:
    client, *_ = stack
    headers = {**auth(realm), "Content-Type": "application/json"}
    malformed = client.post("/webhooks", data='{"url": "https://x.vn/h", "event_types": [', headers=headers)
    assert malformed.status_code == 400 and malformed.content_type == "application/problem+json"
    huge = json.dumps(
        {"url": "https://dashboard.bvhttdl.gov.vn/h", "event_types": ["plan.approved"], "pad": "á" * 1_100_000}
    )
    oversized = client.post("/webhooks", data=huge, headers=headers)
    assert oversized.status_code == 413 and oversized.content_type == "application/problem+json"
    token = realm.token("drafter.cb", ("drafter",), org_unit=unit_of("drafter.cb"), province=province_of("drafter.cb"))
    drafter = {"Authorization": f"Bearer {token}"}
    forbidden = client.post(
        "/webhooks", json={"url": "https://x.vn/h", "event_types": ["plan.approved"]}, headers=drafter
    )
    assert forbidden.status_code == 403
    assert client.get("/webhooks", headers=drafter).status_code == 403
    assert client.get("/webhooks").status_code == 401
    assert client.get("/webhooks/x/deliveries?limit=0", headers=auth(realm)).status_code == 422


def test_loopback_targets_need_the_allow_list(shared_db: Database, directory, realm) -> None:
    db = shared_db
    settings = make_settings(db.engine.url.render_as_string(hide_password=False), realm, webhook_allowed_hosts="")
    app = make_deps(db, settings, directory).app()
    with app.test_client() as client:
        response = client.post(
            "/webhooks",
            json={"url": "http://127.0.0.1:8099/h", "event_types": ["plan.approved"]},
            headers={**auth(realm), "Accept-Language": "en"},
        )
        vietnamese = client.post(
            "/webhooks", json={"url": "http://127.0.0.1:8099/h", "event_types": ["plan.approved"]}, headers=auth(realm)
        )
    assert response.status_code == 422
    assert "non-public" in response.json["errors"]["url"][0]
    # The caller's token says Vietnamese: the reason and the detail read in Vietnamese.
    assert vietnamese.status_code == 422 and vietnamese.headers["Content-Language"] == "vi"
    assert "địa chỉ không công khai (127.0.0.1)" in vietnamese.json["errors"]["url"][0]
    assert vietnamese.json["detail"] == "Địa chỉ webhook này không được chấp nhận."


def test_a_dead_receivers_backlog_never_crowds_out_other_subscriptions(stack, realm, receivers) -> None:
    client, deps, deliver, _ = stack
    dead = subscribe(client, realm, "http://127.0.0.1:9/gone")
    for n in range(30):  # thirty approved plans queued for the dead receiver first
        deliver(sample_event("plan.approved", plan_id=f"0c6a7d2e-0000-4000-8000-{n:012d}"))
    alive = subscribe(client, realm, receivers().url)
    deliver(sample_event("plan.approved", plan_id="0c6a7d2e-0000-4000-8000-999999999999"))

    jobs = deps.dispatcher().claim_due(4)
    assert sorted(job.subscription_id for job in jobs) == sorted([dead["id"], alive["id"]])


@pytest.mark.parametrize("payload", sorted(HOSTILE_JSON))
def test_hostile_json_is_a_400_and_stores_no_subscription(stack, realm, payload: str) -> None:
    client, *_ = stack
    response = client.post(
        "/webhooks", data=HOSTILE_JSON[payload], headers={**auth(realm), "Content-Type": "application/json"}
    )
    assert is_problem(response, 400), (response.status_code, response.get_data(as_text=True)[:300])
    assert client.get("/webhooks", headers=auth(realm)).json == {"items": []}


@pytest.mark.parametrize("kind", sorted(HOSTILE_TEXT))
def test_hostile_text_in_a_subscription_is_422_naming_the_field(stack, realm, kind: str) -> None:
    client, *_ = stack
    body = {"url": "https://dashboard.bvhttdl.gov.vn/" + HOSTILE_TEXT[kind], "event_types": ["plan.approved"]}
    response = client.post("/webhooks", json=body, headers=auth(realm))
    assert is_problem(response, 422) and "url" in response.json["errors"], response.json
    assert client.get("/webhooks", headers=auth(realm)).json == {"items": []}


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]/h",  # NAT64 of 127.0.0.1
        "http://[2002:7f00:1::]/h",  # 6to4 of 127.0.0.1
        "http://[::127.0.0.1]/h",  # IPv4-compatible
        "http://[::ffff:10.1.2.3]/h",  # IPv4-mapped private
        "http://[64:ff9b:1::a01:203]/h",  # local-use NAT64
    ],
)
def test_ipv6_targets_that_embed_a_private_ipv4_address_are_422(shared_db: Database, directory, realm, url) -> None:
    # No allow-list, so even the loopback the tests use elsewhere is refused.
    settings = make_settings(
        shared_db.engine.url.render_as_string(hide_password=False), realm, webhook_allowed_hosts=""
    )
    app = make_deps(shared_db, settings, directory).app()
    with app.test_client() as client:
        response = client.post(
            "/webhooks",
            json={"url": url, "event_types": ["plan.approved"]},
            headers={**auth(realm), "Accept-Language": "en"},
        )
        assert response.status_code == 422 and response.content_type == "application/problem+json"
        assert "non-public" in response.json["errors"]["url"][0]
        assert client.get("/webhooks", headers=auth(realm)).json == {"items": []}


def test_a_host_that_resolves_to_loopback_when_delivering_is_not_sent_anything(
    shared_db: Database, directory, realm, receivers
) -> None:
    """DNS rebinding: the name resolved to a public address when it was checked, and to
    127.0.0.1 when the dispatcher connects. The connection's own address is judged."""
    receiver = receivers()
    url = receiver.url.replace("127.0.0.1", "localhost")
    settings = make_settings(
        shared_db.engine.url.render_as_string(hide_password=False),
        realm,
        webhook_allowed_hosts="",
        webhook_backoff_base_seconds=30,
        webhook_timeout_seconds=2,
    )
    deps = make_deps(shared_db, settings, directory, resolve=lambda host: ["203.162.10.20"])
    app = deps.app()
    with app.test_client() as client:
        subscription = subscribe(client, realm, url)
        deliver_through_consumer(deps)(sample_event("plan.approved"))
        dispatcher = deps.dispatcher()
        stop = threading.Event()
        thread = threading.Thread(target=dispatcher.run, args=(stop, 0.05), daemon=True)
        thread.start()
        try:
            log = wait_for(
                lambda: (
                    client.get(f"/webhooks/{subscription['id']}/deliveries", headers=auth(realm)).json["items"][0][
                        "attempt_log"
                    ]
                    or None
                )
            )
        finally:
            stop.set()
            thread.join(10)
    assert receiver.requests == []
    assert log[0]["outcome"] == "failed" and "target refused" in log[0]["error"] and "non-public" in log[0]["error"]


def test_a_receiver_written_for_plans_gets_report_events_it_subscribed_to_and_reads_them(
    stack, realm, receivers
) -> None:
    """An integrator subscribed to the report types (and to plan.approved) gets each signed; a
    receiver that reads only today's plan fields reads the report as a document with its title,
    unit, year and number, and the subject tells it the kind."""
    client, deps, deliver, start = stack
    receiver = receivers()
    subscription = subscribe(
        client,
        realm,
        receiver.url,
        event_types=["vn.ttdn.report.approved", "report.received", "plan.approved"],
        province="ubnd-cao-bang",
    )
    assert subscription["event_types"] == ["report.approved", "report.received", "plan.approved"]
    approved, received = sample_event("report.approved"), sample_event("report.received")
    for event in (approved, received, sample_event("report.submitted")):
        deliver(event)
    start()
    wait_for(lambda: len(receiver.requests) >= 2)
    wait_for(lambda: delivery_status(deps, subscription["id"]) == "succeeded")
    payloads = sorted(
        (Webhook(subscription["secret"]).verify(body, headers) for headers, body in receiver.requests),
        key=lambda payload: payload["type"],
    )
    assert [payload["id"] for payload in payloads] == [approved.id, received.id]  # not the submission
    for payload in payloads:
        data = payload["data"]
        plan_fields = (
            data["plan_id"],
            data["version"],
            data["title"],
            data["org_unit"],
            data["province"],
            data["year"],
        )
        assert plan_fields == (
            "8e2a4c6b-1f3d-4b5a-9c7e-2d4f6a8b0c35",
            1,
            "Báo cáo tổng kết công tác thông tin đối ngoại năm 2024",
            "svhttdl-cao-bang",
            "ubnd-cao-bang",
            2024,
        )
        assert data["document_number"] == "112/BC-UBND" and data["subject"]["kind"] == "report"


def test_a_subscriptions_field_errors_read_in_the_callers_language(stack, realm) -> None:
    client, *_ = stack
    body = {"url": "https://dashboard.bvhttdl.gov.vn/h", "event_types": ["plan.approved"], "province": "Cao Bằng"}
    vietnamese = client.post("/webhooks", json=body, headers=auth(realm))  # the token's locale: vi
    english = client.post("/webhooks", json=body, headers={**auth(realm), "Accept-Language": "en"})
    assert vietnamese.status_code == english.status_code == 422
    assert vietnamese.json["errors"]["province"] == ["mã trong danh mục tổ chức của UBND tỉnh, ví dụ ubnd-cao-bang"]
    assert english.json["errors"]["province"] == [
        "the registry id of a province's People's Committee, such as ubnd-cao-bang"
    ]
