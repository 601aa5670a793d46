"""The inbox API on PostgreSQL, with messages made by the consumer from events
and bearer tokens checked by the real verifier against a JWKS on loopback."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from notifications.testing import FakeDirectory
from servicekit.list_versions import LIST_CHANGES, ListChanges

from tests.integration.notifications.support import (
    RealmKeys,
    deliver_through_consumer,
    make_deps,
    make_settings,
    migrated,
    sample_event,
)
from tests.support.hostile import HOSTILE_JSON, is_problem
from tests.support.waiting import wait_for

APPROVER = ("ministry.1", ("ministry_approver",))
OTHER_APPROVER = ("ministry.2", ("ministry_approver",))


@pytest.fixture(scope="module")
def app_and_deps(module_postgres_url: str, realm: RealmKeys):
    db = migrated(module_postgres_url)
    settings = make_settings(module_postgres_url, realm)
    deps = make_deps(db, settings, FakeDirectory())
    app = deps.app()
    # 25 task events at the ministry level: 25 messages each for ministry.1 and ministry.2.
    deliver = deliver_through_consumer(deps)
    for n in range(25):
        deliver(
            sample_event("approval.task_assigned", level=3, task_id=f"t-3-{n}", title=f"Kế hoạch TTĐN năm 2024 số {n}")
        )
    yield app, deps
    db.dispose()


@pytest.fixture
def client(app_and_deps) -> Iterator[FlaskClient]:
    app, _ = app_and_deps
    with app.test_client() as client:
        yield client


def auth(realm: RealmKeys, who: tuple[str, tuple[str, ...]] = APPROVER, **kwargs: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {realm.token(who[0], who[1], **kwargs)}"}


def test_the_inbox_is_newest_first_with_keyset_pages_and_an_unread_count(client: FlaskClient, realm: RealmKeys) -> None:
    seen: list[dict] = []
    cursor = None
    while True:
        query = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        response = client.get("/notifications", query_string=query, headers=auth(realm))
        assert response.status_code == 200, response.json
        page = response.json
        assert page["unread_count"] >= 25 - sum(1 for item in seen if item["read"])
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 25
    assert len({item["id"] for item in seen}) == 25
    stamps = [(item["created_at"], item["id"]) for item in seen]
    assert stamps == sorted(stamps, reverse=True)
    first = seen[0]
    assert first["subject"] == "Kế hoạch chờ phê duyệt (Bộ Văn hóa, Thể thao và Du lịch): Kế hoạch TTĐN năm 2024 số 24"
    # A message about a task opens that task's decision page.
    assert first["link"] == "https://ttdn.caobang.gov.vn/approvals/a7f3e2d1-0000-4000-8000-000000000001?task=t-3-24"
    assert first["event_type"] == "approval.task_assigned"


def test_marking_read_one_then_all_and_filtering_unread(client: FlaskClient, realm: RealmKeys) -> None:
    headers = auth(realm, OTHER_APPROVER, locale="en")
    items = client.get("/notifications?limit=3", headers=headers).json["items"]
    assert items[0]["subject"].startswith("Plan awaiting approval (ministry)")  # ministry.2 reads English

    marked = client.post(f"/notifications/{items[0]['id']}/read", headers=headers)
    assert marked.status_code == 200 and marked.json["read"] is True and marked.json["read_at"]
    again = client.post(f"/notifications/{items[0]['id']}/read", headers=headers)
    assert again.status_code == 200 and again.json["read_at"] == marked.json["read_at"]  # idempotent
    assert client.get("/notifications/unread-count", headers=headers).json == {"unread_count": 24}

    unread = client.get("/notifications?unread=true&limit=100", headers=headers).json
    assert len(unread["items"]) == 24 and all(not item["read"] for item in unread["items"])
    assert items[0]["id"] not in {item["id"] for item in unread["items"]}

    assert client.post("/notifications/read-all", headers=headers).json == {"marked": 24, "unread_count": 0}
    assert client.get("/notifications?unread=true", headers=headers).json["items"] == []


def test_a_reader_sees_only_their_own_messages(client: FlaskClient, realm: RealmKeys) -> None:
    theirs = client.get("/notifications?limit=1", headers=auth(realm)).json["items"][0]["id"]
    stranger = ("drafter.bk", ("drafter",))
    assert client.get("/notifications", headers=auth(realm, stranger)).json == {
        "items": [],
        "next_cursor": None,
        "unread_count": 0,
    }
    response = client.post(f"/notifications/{theirs}/read", headers=auth(realm, stranger))
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert client.get("/notifications?limit=1", headers=auth(realm)).json["items"][0]["read"] is False


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("unread=perhaps", "unread"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=WyIyMDI0IiwxXQ", "cursor"),
        ("colour=red", "colour"),
    ],
)
def test_bad_inbox_queries_are_422_with_the_field_named(client: FlaskClient, realm: RealmKeys, query: str, field: str):
    response = client.get(f"/notifications?{query}", headers=auth(realm))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    errors = response.json["errors"]
    # servicekit keeps non-body errors under their location: {"query": {"limit": [...]}}
    assert field in errors.get("query", errors)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not.a.jwt"}, {"Authorization": "Basic ZHJhZnRlci5jYjp0dGRuMjAyNA=="}],
)
def test_without_a_valid_token_it_is_401(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/notifications", headers=headers)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


def test_unknown_id_and_unknown_method(client: FlaskClient, realm: RealmKeys) -> None:
    assert (
        client.post("/notifications/00000000-0000-0000-0000-000000000000/read", headers=auth(realm)).status_code == 404
    )
    assert client.delete("/notifications/read-all", headers=auth(realm)).status_code == 405


def test_health_and_the_generated_openapi_document(client: FlaskClient) -> None:
    from openapi_spec_validator import validate

    assert client.get("/healthz").json["status"] == "ok"
    spec = client.get("/openapi.json").json
    validate(spec)
    assert {"/notifications", "/notifications/unread-count", "/notifications/{notification_id}/read"} <= set(
        spec["paths"]
    )
    assert {"/webhooks", "/webhooks/{subscription_id}", "/webhooks/{subscription_id}/deliveries"} <= set(spec["paths"])


@pytest.mark.parametrize("payload", sorted(HOSTILE_JSON))
def test_hostile_json_to_the_inbox_write_endpoints_is_a_400(client: FlaskClient, realm: RealmKeys, payload: str):
    unread = client.get("/notifications/unread-count", headers=auth(realm)).json["unread_count"]
    first = client.get("/notifications", headers=auth(realm)).json["items"][0]["id"]
    headers = {**auth(realm), "Content-Type": "application/json"}
    for path in (f"/notifications/{first}/read", "/notifications/read-all"):
        response = client.post(path, data=HOSTILE_JSON[payload], headers=headers)
        assert is_problem(response, 400), (path, response.status_code)
    assert client.get("/notifications/unread-count", headers=auth(realm)).json["unread_count"] == unread


DRAFTER = ("drafter.cb", ("drafter",))


def test_a_return_is_one_item_with_its_link_in_words_not_an_address(app_and_deps, realm: RealmKeys) -> None:
    app, deps = app_and_deps
    deliver = deliver_through_consumer(deps)
    decision = sample_event("approval.decision_recorded", level=2, version=3)
    completed = sample_event("approval.completed", level=2, version=3)
    for event in (completed, decision, decision):  # the approval's end first, the decision delivered twice
        deliver(event)
    with app.test_client() as client:
        page = client.get("/notifications", headers=auth(realm, DRAFTER)).json
        english = client.get("/notifications", headers={**auth(realm, DRAFTER), "Accept-Language": "en"}).json
    returned = [item for item in page["items"] if item["event_type"] == "approval.completed"]
    assert len(returned) == 1 and page["unread_count"] == len(page["items"])
    (item,) = returned
    assert item["event_types"] == ["approval.completed", "approval.decision_recorded"]
    assert item["subject"].startswith("Kế hoạch bị trả lại để chỉnh sửa: ")
    assert "http" not in item["body"] and item["body"].count("Ý kiến:") == 1
    assert item["link"] == "https://ttdn.caobang.gov.vn/plans/5f0c8a1e-2b7d-4c55-9a7e-0d3c2f6b8a11"
    assert item["link_text"] == "Xem kế hoạch"
    # The item is written in its reader's language (drafter.cb reads Vietnamese) whatever the caller asks.
    assert [i["link_text"] for i in english["items"] if i["id"] == item["id"]] == ["Xem kế hoạch"]


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({"Accept-Language": "vi"}, "Không có thông báo này trong hộp thư của bạn."),
        ({"Accept-Language": "en"}, "No such notification in your inbox."),
        ({}, "Không có thông báo này trong hộp thư của bạn."),  # the token's locale claim
    ],
)
def test_problems_read_in_the_callers_language(client: FlaskClient, realm: RealmKeys, headers, detail) -> None:
    response = client.post("/notifications/no-such-id/read", headers={**auth(realm, locale="vi"), **headers})
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert response.json["detail"] == detail
    assert response.headers["Content-Language"] == ("en" if "No such" in detail else "vi")


def test_a_poll_is_a_304_until_the_readers_inbox_changes(app_and_deps, realm: RealmKeys) -> None:
    app, deps = app_and_deps
    deliver = deliver_through_consumer(deps)
    reader, stranger = auth(realm), auth(realm, ("drafter.bk", ("drafter",)))

    def polled(headers: dict[str, str], etag: str, query: str = "limit=5") -> int:
        answer = client.get(f"/notifications?{query}", headers={**headers, "If-None-Match": etag})
        if answer.status_code == 304:
            assert answer.get_data() == b"" and answer.headers["ETag"] == etag
        else:
            assert answer.status_code == 200 and answer.headers["ETag"] != etag, answer.json
        return answer.status_code

    with app.test_client() as client:
        etag = client.get("/notifications?limit=5", headers=reader).headers["ETag"]
        assert etag.startswith('W/"') and polled(reader, etag) == 304
        # Another query or language is another answer; another reader's tag gets their own inbox.
        assert polled(reader, etag, "limit=6") == 200 and polled(reader, etag, "limit=5&unread=true") == 200
        assert polled({**reader, "Accept-Language": "en"}, etag) == 200
        assert polled(stranger, etag) == 200
        theirs = client.get("/notifications?limit=5", headers=stranger).headers["ETag"]

        # A new item changes its readers' inboxes and nobody else's.
        another = {"approval_id": str(uuid.uuid4()), "plan_id": str(uuid.uuid4())}  # an approval still open
        deliver(
            sample_event("approval.task_assigned", level=3, task_id="t-3-etag", title="Kế hoạch thăm dò", **another)
        )
        assert polled(reader, etag) == 200 and polled(stranger, theirs) == 304
        page = client.get("/notifications?limit=5", headers=reader)
        newest, etag = page.json["items"][0], page.headers["ETag"]
        assert newest["subject"].endswith("Kế hoạch thăm dò")

        # Marking read changes it once; marking the same item again, or all when none is unread, does not.
        assert client.post(f"/notifications/{newest['id']}/read", headers=reader).status_code == 200
        assert polled(reader, etag) == 200
        etag = client.get("/notifications?limit=5", headers=reader).headers["ETag"]
        assert client.post(f"/notifications/{newest['id']}/read", headers=reader).status_code == 200
        assert polled(reader, etag) == 304
        assert client.post("/notifications/read-all", headers=reader).json["marked"] > 0
        assert polled(reader, etag) == 200
        etag = client.get("/notifications?limit=5", headers=reader).headers["ETag"]
        assert client.post("/notifications/read-all", headers=reader).json["marked"] == 0
        assert polled(reader, etag) == 304


def test_a_poll_that_prefers_to_wait_is_answered_when_a_message_arrives(app_and_deps, realm: RealmKeys) -> None:
    app, deps = app_and_deps
    deliver = deliver_through_consumer(deps)
    changes: ListChanges = app.extensions[LIST_CHANGES]
    changes.RECHECK_SECONDS = 60  # only the consumer's commit notifying the reader answers in time
    reader = auth(realm)
    answers: list[Any] = []
    with app.test_client() as client:
        etag = client.get("/notifications?limit=5", headers=reader).headers["ETag"]
        quiet = client.get("/notifications?limit=5", headers={**reader, "If-None-Match": etag, "Prefer": "wait=0.2"})
        assert quiet.status_code == 304 and quiet.headers["Preference-Applied"] == "wait=0.2"

        def poll() -> None:
            with app.test_client() as own:
                headers = {**reader, "If-None-Match": etag, "Prefer": "wait=8"}
                answers.append(own.get("/notifications?limit=5", headers=headers))

        waiting = threading.Thread(target=poll)
        waiting.start()
        wait_for(lambda: changes.waiting == 1 and changes.listening.is_set(), 5, "the poll to wait")
        started = time.monotonic()
        another = {"approval_id": str(uuid.uuid4()), "plan_id": str(uuid.uuid4())}
        title = "Kế hoạch chờ tin"
        deliver(sample_event("approval.task_assigned", level=3, task_id="t-3-wait", title=title, **another))
        waiting.join(8)
    (answer,) = answers
    assert answer.status_code == 200 and answer.headers["ETag"] != etag
    assert answer.json["items"][0]["subject"].endswith("Kế hoạch chờ tin")
    assert time.monotonic() - started < 8
