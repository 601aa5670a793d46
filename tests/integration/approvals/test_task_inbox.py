"""The task inbox API on PostgreSQL: filters (province, level, overdue, delegated), the
accent-insensitive title search, both sorts and keyset paging; the people one may delegate to;
bulk approval of opened tasks; out-of-office deputies."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from servicekit.db import Database
from servicekit.list_versions import LIST_CHANGES, ListChanges

from tests.support.orgs import province_of, unit_of
from tests.support.waiting import wait_for
from tests.unit.approvals.fakes import FakeClock

from .conftest import auth, open_task_of, plan_submitted


def marker() -> str:
    return uuid.uuid4().hex[:10]


def submit(deliver: Callable, tag: str, title: str, **changes: Any) -> dict[str, Any]:
    plan = plan_submitted(title=f"{title} {tag}", **changes)
    assert deliver("plan.submitted", plan) == "handled"
    return plan


def tasks(client: FlaskClient, who: str, **params: Any) -> dict[str, Any]:
    answer = client.get("/approvals/tasks", query_string=params, headers=auth(who))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def decide(client: FlaskClient, task_id: str, who: str) -> None:
    answer = client.post(
        f"/approvals/tasks/{task_id}/decision", json={"decision": "approve", "comment": ""}, headers=auth(who)
    )
    assert answer.status_code == 201, answer.get_json()


def test_search_ignores_accents_and_the_filters_narrow_the_list(
    client: FlaskClient, deliver: Callable, db: Database, clock: FakeClock
) -> None:
    tag = marker()
    cb = submit(deliver, tag, "Kế hoạch thông tin đối ngoại năm 2024")
    bk = submit(
        deliver, tag, "Kế hoạch tuyên truyền biên giới năm 2024",
        org_unit=unit_of("drafter.bk"), province=province_of("drafter.bk"),
        submitted_by="drafter.bk", created_by="drafter.bk", edited_by=["drafter.bk"], drafters=["drafter.bk"],
    )  # fmt: skip
    for plan, dept, province in ((cb, "dept.cb", "province.cb"), (bk, "dept.bk", "province.bk")):
        decide(client, open_task_of(db, plan["plan_id"]).id, dept)
        decide(client, open_task_of(db, plan["plan_id"]).id, province)

    # The ministry sees both provinces' plans at level 3; the search needs no accents.
    found = tasks(client, "ministry.1", q=f"ke hoach {tag}")["items"]
    assert {task["plan_id"] for task in found} == {cb["plan_id"], bk["plan_id"]}
    assert [t["plan_id"] for t in tasks(client, "ministry.1", q=f"DOI NGOAI {tag}")["items"]] == [cb["plan_id"]]
    in_bk = tasks(client, "ministry.1", q=tag, province=province_of("drafter.bk"))["items"]
    assert [t["plan_id"] for t in in_bk] == [bk["plan_id"]]
    assert len(tasks(client, "ministry.1", q=tag, level=3)["items"]) == 2
    assert tasks(client, "ministry.1", q=tag, level=1)["items"] == []
    # Not yet overdue.
    assert tasks(client, "ministry.1", q=tag, overdue="true")["items"] == []
    assert len(tasks(client, "ministry.1", q=tag, overdue="false")["items"]) == 2
    clock.advance(days=20)  # the ministry has ten working days
    late = tasks(client, "ministry.1", q=tag, overdue="true")["items"]
    assert len(late) == 2 and all(task["overdue"] for task in late)
    assert tasks(client, "ministry.1", q=tag, overdue="false")["items"] == []


def test_both_sorts_page_through_every_task_once(client: FlaskClient, deliver: Callable, clock: FakeClock) -> None:
    tag = marker()
    submitted = []
    for n in range(7):
        submitted.append(submit(deliver, tag, f"Kế hoạch số {n}")["plan_id"])
        clock.advance(hours=5)  # each arrives later, and is due later (working hours)

    def walk(sort: str) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"q": tag, "sort": sort, "limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = tasks(client, "dept.cb", **params)
            seen.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    by_due = walk("due")
    assert sorted(task["plan_id"] for task in by_due) == sorted(submitted)
    # Several fall due at the same 17:00: the id breaks the tie, and no page repeats or skips one.
    assert [(task["due_at"], task["id"]) for task in by_due] == sorted((task["due_at"], task["id"]) for task in by_due)
    assert len({task["due_at"] for task in by_due}) > 1
    by_arrival = walk("arrival")
    assert [task["plan_id"] for task in by_arrival] == submitted[::-1]  # the newest first
    assert len({task["id"] for task in by_arrival}) == 7


def test_a_bad_filter_or_cursor_is_a_422_naming_each_field(client: FlaskClient) -> None:
    answer = client.get(
        "/approvals/tasks", query_string={"sort": "title", "level": 0, "overdue": "maybe"}, headers=auth("dept.cb")
    )
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"sort", "level", "overdue"}
    answer = client.get("/approvals/tasks", query_string={"cursor": "bm90LW91cnM"}, headers=auth("dept.cb"))
    assert answer.status_code == 422 and "cursor" in str(answer.get_json())


def test_a_delegated_task_is_marked_and_filtered_and_its_decision_names_both(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    tag = marker()
    plan = submit(deliver, tag, "Kế hoạch ủy quyền", drafters=["drafter.cb"])
    task_id = open_task_of(db, plan["plan_id"]).id

    people = client.get(f"/approvals/tasks/{task_id}/delegates", headers=auth("dept.cb")).get_json()["items"]
    assert [(p["username"], p["name"], p["position"]) for p in people] == [
        ("dual.cb", "Lương Thị Thu", "Phó Trưởng phòng")
    ]
    assert (
        client.get(
            f"/approvals/tasks/{task_id}/delegates", query_string={"q": "luong thi"}, headers=auth("dept.cb")
        ).get_json()["items"]
        == people
    )
    assert (
        client.get(
            f"/approvals/tasks/{task_id}/delegates", query_string={"q": "giám đốc"}, headers=auth("dept.cb")
        ).get_json()["items"]
        == []
    )
    assert client.get(f"/approvals/tasks/{task_id}/delegates", headers=auth("dept.bk")).status_code == 404

    answer = client.post(
        f"/approvals/tasks/{task_id}/delegate",
        json={"to": "dual.cb", "comment": "Đi công tác Hà Nội."},
        headers=auth("dept.cb"),
    )
    assert answer.status_code == 201, answer.get_json()
    mine = tasks(client, "dual.cb", q=tag)["items"]
    assert [(t["delegated_by"], t["delegation_kind"]) for t in mine] == [("dept.cb", "manual")]
    assert tasks(client, "dual.cb", q=tag, delegated="true")["items"] == mine
    assert tasks(client, "dual.cb", q=tag, delegated="false")["items"] == []

    decide(client, task_id, "dual.cb")
    approval = client.get(f"/approvals/{mine[0]['approval_id']}", headers=auth("admin")).get_json()
    decision = approval["decisions"][0]
    assert (decision["by"], decision["on_behalf_of"], decision["delegation_reason"]) == (
        "dual.cb",
        "dept.cb",
        "Đi công tác Hà Nội.",
    )
    assert approval["delegations"][0]["kind"] == "manual" and approval["verified"] is True


def test_bulk_approval_takes_only_opened_tasks_and_records_each_decision(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    tag = marker()
    plans = [submit(deliver, tag, f"Kế hoạch duyệt nhanh {n}") for n in range(3)]
    task_ids = [open_task_of(db, plan["plan_id"]).id for plan in plans]
    for task_id in task_ids[:2]:
        assert client.post(f"/approvals/tasks/{task_id}/opened", headers=auth("dept.cb")).status_code == 204
    assert client.post(f"/approvals/tasks/{task_ids[0]}/opened", headers=auth("province.cb")).status_code == 404
    listed = {task["id"]: task["opened"] for task in tasks(client, "dept.cb", q=tag)["items"]}
    assert listed == {task_ids[0]: True, task_ids[1]: True, task_ids[2]: False}

    refused = client.post(
        "/approvals/tasks/decisions", json={"task_ids": task_ids, "comment": "Nhất trí."}, headers=auth("dept.cb")
    )
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]["task_ids"]) == ["2"]
    assert {task["id"] for task in tasks(client, "dept.cb", q=tag)["items"]} == set(task_ids)  # nothing recorded

    done = client.post(
        "/approvals/tasks/decisions", json={"task_ids": task_ids[:2], "comment": "Nhất trí."}, headers=auth("dept.cb")
    )
    assert done.status_code == 201, done.get_json()
    items = done.get_json()["items"]
    assert [item["decision"]["task_id"] for item in items] == task_ids[:2]
    assert all(item["current_level"] == 2 and item["decision"]["hash"] for item in items)
    assert [task["id"] for task in tasks(client, "dept.cb", q=tag)["items"]] == [task_ids[2]]


def test_out_of_office_sends_arriving_tasks_to_the_deputy(client: FlaskClient, deliver: Callable, db: Database) -> None:
    deputies = client.get("/approvals/out-of-office/deputies", headers=auth("dept.cb")).get_json()["items"]
    assert [person["username"] for person in deputies] == ["dual.cb"]
    bad = client.post(
        "/approvals/out-of-office",
        json={"deputy": "dept.bk", "starts_on": "2024-03-10", "ends_on": "2024-03-01", "reason": ""},
        headers=auth("dept.cb"),
    )
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"deputy", "ends_on"}
    made = client.post(
        "/approvals/out-of-office",
        json={"deputy": "dual.cb", "starts_on": "2024-03-04", "ends_on": "2024-03-08", "reason": "Nghỉ phép năm."},
        headers=auth("dept.cb"),
    )
    assert made.status_code == 201, made.get_json()
    absence = made.get_json()
    assert absence["deputy_name"] == "dual.cb" or absence["deputy_name"]
    assert [
        item["id"] for item in client.get("/approvals/out-of-office", headers=auth("dept.cb")).get_json()["items"]
    ] == [absence["id"]]

    tag = marker()
    plan = submit(deliver, tag, "Kế hoạch khi vắng mặt", drafters=["drafter.cb"])
    assert tasks(client, "dept.cb", q=tag)["items"] == []
    mine = tasks(client, "dual.cb", q=tag)["items"]
    assert [(t["plan_id"], t["delegated_by"], t["delegation_kind"]) for t in mine] == [
        (plan["plan_id"], "dept.cb", "out_of_office")
    ]

    ended = client.delete(f"/approvals/out-of-office/{absence['id']}", headers=auth("dept.cb"))
    assert ended.status_code == 200 and ended.get_json()["cancelled_at"]
    later = submit(deliver, tag, "Kế hoạch sau khi trở lại", drafters=["drafter.cb"])
    assert [t["plan_id"] for t in tasks(client, "dept.cb", q=tag)["items"]] == [later["plan_id"]]
    assert client.delete(f"/approvals/out-of-office/{absence['id']}", headers=auth("dept.bk")).status_code == 404


def etag_of(client: FlaskClient, who: str, **params: Any) -> str:
    answer = client.get("/approvals/tasks", query_string=params, headers=auth(who))
    assert answer.status_code == 200, answer.get_json()
    return str(answer.headers["ETag"])


def poll(client: FlaskClient, who: str, etag: str, **params: Any) -> int:
    """A poll with the tag last seen: 304 (no body, the same tag) while nothing the caller sees changed."""
    answer = client.get("/approvals/tasks", query_string=params, headers={**auth(who), "If-None-Match": etag})
    if answer.status_code == 304:
        assert answer.get_data() == b"" and answer.headers["ETag"] == etag
    else:
        assert answer.status_code == 200 and answer.headers["ETag"] != etag, answer.get_json()
    return answer.status_code


def test_a_poll_is_a_304_until_the_callers_list_changes(
    client: FlaskClient, deliver: Callable, db: Database, clock: FakeClock
) -> None:
    tag = marker()
    dept, deputy, province = etag_of(client, "dept.cb"), etag_of(client, "dual.cb"), etag_of(client, "province.cb")
    assert dept.startswith('W/"') and poll(client, "dept.cb", dept) == 304
    # The tag says whose list, for which query, in which language: none of them answers another.
    assert len({dept, etag_of(client, "dept.cb", q=tag), etag_of(client, "dept.cb", sort="arrival")}) == 3
    vietnamese = client.get("/approvals/tasks", headers={**auth("dept.cb"), "Accept-Language": "vi"})
    assert vietnamese.headers["ETag"] != dept
    assert poll(client, "dept.bk", dept) == 200  # another approver's tag gets their own list

    # A new task: its assignees' lists change, nobody else's.
    plan = submit(deliver, tag, "Kế hoạch thăm dò danh sách", drafters=["drafter.cb"])
    task_id = open_task_of(db, plan["plan_id"]).id
    assert poll(client, "dept.cb", dept) == 200 and poll(client, "province.cb", province) == 304
    dept, deputy = etag_of(client, "dept.cb"), etag_of(client, "dual.cb")

    # Reading changes nothing; opening the decision page marks the item for its reader only.
    client.get(f"/approvals/tasks/{task_id}/delegates", headers=auth("dept.cb"))
    assert poll(client, "dept.cb", dept) == 304
    assert client.post(f"/approvals/tasks/{task_id}/opened", headers=auth("dept.cb")).status_code == 204
    assert poll(client, "dept.cb", dept) == 200 and poll(client, "dual.cb", deputy) == 304
    dept = etag_of(client, "dept.cb")

    # A delegation changes both people's lists; the decision closing the task, the deputy's and the
    # next level's.
    handed = client.post(
        f"/approvals/tasks/{task_id}/delegate", json={"to": "dual.cb", "comment": "Thay tôi."}, headers=auth("dept.cb")
    )
    assert handed.status_code == 201, handed.get_json()
    assert poll(client, "dept.cb", dept) == 200 and poll(client, "dual.cb", deputy) == 200
    dept, deputy = etag_of(client, "dept.cb"), etag_of(client, "dual.cb")
    decide(client, task_id, "dual.cb")
    assert poll(client, "dual.cb", deputy) == 200 and poll(client, "province.cb", province) == 200
    assert poll(client, "dept.cb", dept) == 304  # handed over before: nothing of it is on dept.cb's list

    # Time alone changes what ``overdue`` says: the tag moves when a day's end (every due date's
    # moment) passes, and not before.
    province = etag_of(client, "province.cb")
    clock.advance(hours=2)  # 10:00 in Hà Nội
    assert poll(client, "province.cb", province) == 304
    clock.advance(days=20)
    assert poll(client, "province.cb", province) == 200
    assert all(task["overdue"] for task in tasks(client, "province.cb", q=tag)["items"])


def test_a_poll_that_prefers_to_wait_is_answered_when_a_task_arrives(
    app: Flask, client: FlaskClient, deliver: Callable, db: Database
) -> None:
    changes: ListChanges = app.extensions[LIST_CHANGES]
    changes.RECHECK_SECONDS = 60  # only the commit's notification answers the poll in time
    tag = marker()
    held = etag_of(client, "dept.cb", q=tag)
    headers = {**auth("dept.cb"), "If-None-Match": held, "Prefer": "wait=0.2"}
    quiet = client.get("/approvals/tasks", query_string={"q": tag}, headers=headers)
    assert quiet.status_code == 304 and quiet.headers["Preference-Applied"] == "wait=0.2"

    answers: list[Any] = []

    def poll() -> None:
        headers = {**auth("dept.cb"), "If-None-Match": held, "Prefer": "wait=8"}
        answers.append(client.get("/approvals/tasks", query_string={"q": tag}, headers=headers))

    waiting = threading.Thread(target=poll)
    waiting.start()
    wait_for(lambda: changes.waiting == 1 and changes.listening.is_set(), 5, "the poll to wait")
    started = time.monotonic()
    plan = submit(deliver, tag, "Kế hoạch chờ nhiệm vụ", drafters=["drafter.cb"])
    waiting.join(8)
    (answer,) = answers
    assert answer.status_code == 200 and answer.headers["ETag"] != held
    assert [task["plan_id"] for task in answer.get_json()["items"]] == [plan["plan_id"]]
    assert time.monotonic() - started < 8
