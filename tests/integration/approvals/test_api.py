"""The approvals HTTP API on PostgreSQL: the lifecycle, the record, access rules,
and the catalogue of bad input."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from servicekit.db import Database
from sqlalchemy import text

from tests.support.hostile import HOSTILE_JSON, HOSTILE_TEXT, is_problem
from tests.unit.approvals.fakes import FakeClock

from .conftest import auth, open_task_of, outbox_events, plan_submitted


def decide(client: FlaskClient, task_id: str, who: str, decision: str = "approve", comment: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        f"/approvals/tasks/{task_id}/decision", json={"decision": decision, "comment": comment}, headers=auth(who)
    )


def test_three_levels_from_submission_to_approval(client: FlaskClient, deliver: Callable, db: Database) -> None:
    plan = plan_submitted()
    assert deliver("plan.submitted", plan) == "handled"

    tasks = client.get("/approvals/tasks", headers=auth("dept.cb")).get_json()["items"]
    mine = next(task for task in tasks if task["plan_id"] == plan["plan_id"])
    assert mine["title"] == "Kế hoạch hoạt động thông tin đối ngoại năm 2024"
    assert (mine["org_unit"], mine["level"], mine["level_name"]["vi"], mine["overdue"]) == (
        "svhttdl-cao-bang",
        1,
        "Lãnh đạo Sở",
        False,
    )
    assert mine["due_at"] == "2024-03-07T10:00:00+00:00"  # Monday + 3 working days, 17:00 Hà Nội

    first = decide(client, mine["id"], "dept.cb", comment="Đồng ý trình UBND tỉnh.")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["approval_status"] == "open" and first.get_json()["current_level"] == 2
    for who in ("province.cb", "ministry.1"):
        task = open_task_of(db, plan["plan_id"])
        assert decide(client, task.id, who).status_code == 201

    detail = client.get(f"/approvals/{mine['approval_id']}", headers=auth("drafter.cb")).get_json()
    assert detail["status"] == "approved" and detail["verified"] is True
    assert [d["by"] for d in detail["decisions"]] == ["dept.cb", "province.cb", "ministry.1"]
    assert detail["decisions"][1]["previous_hash"] == detail["decisions"][0]["hash"]
    assert (detail["chain"]["key"], detail["chain"]["version"]) == ("ttdn-plan", 1)
    assert [key for key, _ in outbox_events(db, plan["plan_id"])] == [
        "approval.task_assigned",
        "approval.decision_recorded", "approval.task_assigned",
        "approval.decision_recorded", "approval.task_assigned",
        "approval.decision_recorded", "approval.completed",
    ]  # fmt: skip


def test_editing_a_stored_decision_behind_the_services_back_is_detected(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    assert decide(client, task.id, "dept.cb", comment="Nhất trí.").status_code == 201
    assert (
        decide(client, open_task_of(db, plan["plan_id"]).id, "province.cb", "return", "Bổ sung kinh phí.").status_code
        == 201
    )
    url = f"/approvals/{task.approval_id}"
    assert client.get(url, headers=auth("admin")).get_json()["verified"] is True
    with db.transaction() as session:
        session.execute(
            text("UPDATE decisions SET comment = 'Nhất trí, không cần sửa.' WHERE task_id = :t"), {"t": task.id}
        )
    assert client.get(url, headers=auth("admin")).get_json()["verified"] is False


def test_who_sees_an_approval(client: FlaskClient, deliver: Callable, db: Database) -> None:
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    url = f"/approvals/{open_task_of(db, plan['plan_id']).approval_id}"
    for who in ("drafter.cb", "dept.cb", "province.cb", "ministry.2", "admin"):
        assert client.get(url, headers=auth(who)).status_code == 200, who
    for who in ("drafter.bk", "dept.bk", "province.bk"):
        response = client.get(url, headers=auth(who))
        assert response.status_code == 404 and response.mimetype == "application/problem+json", who
    assert client.get("/approvals/no-such-approval", headers=auth("admin")).status_code == 404
    assert client.get(url).status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"decision": "postpone"}, 422, "decision"),
        ({"decision": "return"}, 422, "comment"),
        ({"decision": "reject", "comment": "   "}, 422, "comment"),
        ({"comment": "Đồng ý"}, 422, "decision"),
        ({"decision": "approve", "signature": "x"}, 422, "signature"),
        ({"decision": "approve", "comment": 5}, 422, "comment"),
    ],
    ids=[
        "unknown-decision",
        "return-without-comment",
        "blank-reject-comment",
        "no-decision",
        "unknown-field",
        "comment-not-text",
    ],
)
def test_bad_decisions_are_422_with_the_field(
    client: FlaskClient, deliver: Callable, db: Database, body: dict, status: int, field: str
) -> None:
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    response = client.post(f"/approvals/tasks/{task.id}/decision", json=body, headers=auth("dept.cb"))
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert open_task_of(db, plan["plan_id"]).id == task.id  # nothing was written


def test_malformed_and_oversized_bodies(client: FlaskClient, deliver: Callable, db: Database) -> None:
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    url = f"/approvals/tasks/{open_task_of(db, plan['plan_id']).id}/decision"
    malformed = client.post(
        url, data='{"decision": "approve",', content_type="application/json", headers=auth("dept.cb")
    )
    assert malformed.status_code == 400 and malformed.mimetype == "application/problem+json"
    huge = client.post(url, json={"decision": "return", "comment": "Đ" * 1_100_000}, headers=auth("dept.cb"))
    assert huge.status_code == 413 and huge.mimetype == "application/problem+json"


def test_closed_tasks_other_scopes_and_separation_of_duties(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    plan = plan_submitted(submitted_by="dual.cb", edited_by=["drafter.cb", "dual.cb"])
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])

    other_scope = decide(client, task.id, "dept.bk")
    assert other_scope.status_code == 404
    assert decide(client, task.id, "province.cb").status_code == 404  # the right province, the wrong level
    assert decide(client, "2d0c3a52-7e6f-4a0b-9c1d-000000000000", "dept.cb").status_code == 404

    conflicted = decide(client, task.id, "dual.cb")
    assert conflicted.status_code == 403
    assert conflicted.get_json()["type"] == "urn:ttdn:problem:separation-of-duties"
    assert "you submitted this plan" in conflicted.get_json()["detail"]

    assert decide(client, task.id, "dept.cb", "reject", "Không phù hợp Nghị định 72/2015/NĐ-CP.").status_code == 201
    closed = decide(client, task.id, "dept.cb")
    assert closed.status_code == 409 and closed.get_json()["type"] == "urn:ttdn:problem:task-closed"
    assert client.post(f"/approvals/tasks/{task.id}/decision", json={"decision": "approve"}).status_code == 401


def test_a_withdrawn_plan_cancels_its_approval_once(client: FlaskClient, deliver: Callable, db: Database) -> None:
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    withdrawn = {"plan_id": plan["plan_id"], "version": 1, "by": "drafter.cb", "withdrawn_at": "2024-03-05T02:00:00Z"}
    assert deliver("plan.withdrawn", withdrawn, event_id="0d6f0c1e-5a77-4c1e-8f1e-1c3b5e7a9d01") == "handled"
    assert deliver("plan.withdrawn", withdrawn, event_id="0d6f0c1e-5a77-4c1e-8f1e-1c3b5e7a9d01") == "duplicate"
    assert deliver("plan.withdrawn", withdrawn) == "handled"  # another event, same fact: no second effect
    assert decide(client, task.id, "dept.cb").status_code == 409
    completed = [data for key, data in outbox_events(db, plan["plan_id"]) if key == "approval.completed"]
    assert [data["outcome"] for data in completed] == ["cancelled"]


def test_the_task_list_is_paginated_searchable_and_puts_overdue_first(
    client: FlaskClient, deliver: Callable, clock: FakeClock
) -> None:
    deliver(
        "plan.submitted",
        plan_submitted(
            org_unit="svhttdl-lang-son", province="ubnd-lang-son", title="Kế hoạch tuyên truyền biên giới Lạng Sơn"
        ),
    )
    clock.advance(days=20)
    deliver(
        "plan.submitted",
        plan_submitted(
            org_unit="svhttdl-lang-son", province="ubnd-lang-son", title="Kế hoạch thông tin đối ngoại Đồng Đăng"
        ),
    )
    clock.advance(days=2)  # the first is now overdue, the second is not
    # dept.cb's token says CB: Lạng Sơn's tasks are never in their list.
    listed = client.get("/approvals/tasks?limit=200", headers=auth("dept.cb")).get_json()["items"]
    assert listed and all(task["org_unit"] == "svhttdl-cao-bang" for task in listed)
    ls_headers = auth("dept.ls")
    page = client.get("/approvals/tasks?limit=1&province=ubnd-lang-son", headers=ls_headers).get_json()
    assert page["items"][0]["overdue"] is True and page["next_cursor"]
    rest = client.get(
        f"/approvals/tasks?limit=1&province=ubnd-lang-son&cursor={page['next_cursor']}", headers=ls_headers
    ).get_json()
    assert rest["items"][0]["overdue"] is False and rest["next_cursor"] is None
    found = client.get("/approvals/tasks?q=dong dang", headers=ls_headers).get_json()["items"]
    assert [task["title"] for task in found] == ["Kế hoạch thông tin đối ngoại Đồng Đăng"]
    bad = client.get("/approvals/tasks?cursor=not-ours", headers=ls_headers)
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]
    assert client.get("/approvals/tasks?status=someday", headers=ls_headers).status_code == 422


def test_delegation_through_the_api(client: FlaskClient, deliver: Callable, db: Database) -> None:
    plan = plan_submitted(edited_by=["drafter.cb"])
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    to_other_unit = client.post(f"/approvals/tasks/{task.id}/delegate", json={"to": "dept.bk"}, headers=auth("dept.cb"))
    assert to_other_unit.status_code == 422 and "to" in to_other_unit.get_json()["errors"]
    assert client.post(f"/approvals/tasks/{task.id}/delegate", json={}, headers=auth("dept.cb")).status_code == 422
    # dual.cb is already offered the task: handing it over leaves it to him (the quorum is "any").
    handed = client.post(
        f"/approvals/tasks/{task.id}/delegate",
        json={"to": "dual.cb", "comment": "Đi công tác"},
        headers=auth("dept.cb"),
    )
    assert handed.status_code == 201, handed.get_json()
    late = client.post(f"/approvals/tasks/{task.id}/decision", json={"decision": "approve"}, headers=auth("dept.cb"))
    assert late.status_code == 403


def test_chains_are_read_and_versioned_by_admins(client: FlaskClient) -> None:
    assert client.get("/approval-chains", headers=auth("dept.cb")).status_code == 403
    listed = client.get("/approval-chains", headers=auth("admin")).get_json()["items"]
    chain = next(item for item in listed if item["key"] == "ttdn-plan")
    assert [level["sla_working_days"] for level in chain["levels"]] == [3, 7, 10]

    bad = {"name": chain["name"], "levels": [dict(chain["levels"][0], role="chairman", sla_working_days=-1)]}
    bad["levels"][0].pop("level")
    refused = client.put("/approval-chains/ttdn-plan", json=bad, headers=auth("admin"))
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]["levels"]["0"]) == {"role", "sla_working_days"}
    empty = client.put("/approval-chains/ttdn-plan", json={"name": chain["name"], "levels": []}, headers=auth("admin"))
    assert empty.status_code == 422 and empty.get_json()["errors"] == {"levels": ["a chain needs at least one level"]}

    levels = [{k: v for k, v in level.items() if k != "level"} for level in chain["levels"]]
    levels[2]["quorum"] = 2
    published = client.put(
        "/approval-chains/ttdn-plan", json={"name": chain["name"], "levels": levels}, headers=auth("admin")
    )
    assert published.status_code == 200, published.get_json()
    assert (
        client.put(
            "/approval-chains/ttdn-plan", json={"name": chain["name"], "levels": levels}, headers=auth("dept.cb")
        ).status_code
        == 403
    )
    history = client.get("/approval-chains/ttdn-plan", headers=auth("admin")).get_json()
    assert history["version"] == published.get_json()["version"] >= 2
    assert [v["version"] for v in history["versions"]] == list(range(1, history["version"] + 1))
    assert client.get("/approval-chains/no-such-chain", headers=auth("admin")).status_code == 404


def test_the_openapi_document_is_generated_and_valid(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    validate(document)
    expected = {
        "/approvals/tasks",
        "/approvals/{approval_id}",
        "/approvals/tasks/{task_id}/decision",
        "/approvals/tasks/{task_id}/delegate",
        "/approval-chains",
        "/approval-chains/{key}",
    }
    assert expected <= set(document["paths"])


def test_a_withdrawal_overtaking_its_submission_leaves_no_task(deliver: Callable, db: Database) -> None:
    plan = plan_submitted(version=2)
    withdrawn = {k: plan[k] for k in ("plan_id", "version", "title", "org_unit", "province", "year")}
    assert deliver("plan.withdrawn", {**withdrawn, "by": "drafter.cb"}) == "handled"
    assert deliver("plan.submitted", plan) == "handled"
    assert outbox_events(db, plan["plan_id"]) == []


# -- issue 12
@pytest.mark.parametrize("payload", sorted(HOSTILE_JSON))
def test_hostile_json_is_a_400_on_every_write_endpoint(
    client: FlaskClient, deliver: Callable, db: Database, payload: str
) -> None:
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    for path, who, method in (
        (f"/approvals/tasks/{task.id}/decision", "dept.cb", "POST"),
        (f"/approvals/tasks/{task.id}/delegate", "dept.cb", "POST"),
        ("/approval-chains/ttdn-plan", "admin", "PUT"),
    ):
        response = client.open(
            path, method=method, data=HOSTILE_JSON[payload], headers={**auth(who), "Content-Type": "application/json"}
        )
        assert is_problem(response, 400), (path, response.status_code, response.get_data(as_text=True)[:200])
    assert open_task_of(db, plan["plan_id"]).id == task.id  # nothing was decided or delegated
    assert [name for name, _ in outbox_events(db, plan["plan_id"])] == ["approval.task_assigned"]


@pytest.mark.parametrize("kind", sorted(HOSTILE_TEXT))
def test_hostile_text_in_a_comment_is_422_naming_the_field(
    client: FlaskClient, deliver: Callable, db: Database, kind: str
) -> None:
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    for path, body in (
        (f"/approvals/tasks/{task.id}/decision", {"decision": "return", "comment": HOSTILE_TEXT[kind]}),
        (f"/approvals/tasks/{task.id}/delegate", {"to": "dual.cb", "comment": HOSTILE_TEXT[kind]}),
    ):
        response = client.post(path, json=body, headers=auth("dept.cb"))
        assert is_problem(response, 422) and "comment" in response.get_json()["errors"], response.get_json()
    assert open_task_of(db, plan["plan_id"]).id == task.id


def test_a_text_plain_decision_is_415(client: FlaskClient, deliver: Callable, db: Database) -> None:
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    response = client.post(
        f"/approvals/tasks/{task.id}/decision",
        data='{"decision": "approve"}',
        headers={**auth("dept.cb"), "Content-Type": "text/plain"},
    )
    assert is_problem(response, 415)
    assert open_task_of(db, plan["plan_id"]).id == task.id


def test_whoever_submitted_an_earlier_version_decides_no_later_one(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    # dual.cb (drafter and department approver) submitted version 1; dept.cb returned it;
    # drafter.cb resubmitted it unchanged as version 2.
    first = plan_submitted(submitted_by="dual.cb", edited_by=[], submitters=["dual.cb"])
    deliver("plan.submitted", first)
    returned = decide(client, open_task_of(db, first["plan_id"]).id, "dept.cb", "return", "Bổ sung kinh phí.")
    assert returned.status_code == 201
    second = {**first, "version": 2, "submitted_by": "drafter.cb", "submitters": ["dual.cb", "drafter.cb"]}
    deliver("plan.submitted", second)
    task = open_task_of(db, first["plan_id"])
    refused = decide(client, task.id, "dual.cb")
    assert refused.status_code == 403, refused.get_json()
    assert "you submitted this plan" in refused.get_json()["detail"]
    handed = client.post(
        f"/approvals/tasks/{task.id}/delegate",
        json={"to": "dual.cb", "comment": "Nhờ xem giúp"},
        headers=auth("dept.cb"),
    )
    assert is_problem(handed, 422) and "separation of duties" in str(handed.get_json()["errors"]["to"])


def test_a_return_comment_names_one_activity_of_the_decided_version(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    activities = ["7d0c8f52-1b1e-4f7a-9a0e-5d1c2b3a4f01", "7d0c8f52-1b1e-4f7a-9a0e-5d1c2b3a4f02"]
    plan = plan_submitted(activity_ids=activities)
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    url = f"/approvals/tasks/{task.id}/decision"
    comment = "Đề nghị giảm kinh phí tập huấn xuống 120.000.000 đồng."
    # An activity the version does not have: 422 naming the field, in the caller's language, nothing written.
    wrong = {"decision": "return", "comment": comment, "activity_id": "7d0c8f52-0000-4000-8000-000000000000"}
    refused = client.post(url, json=wrong, headers={**auth("dept.cb"), "Accept-Language": "vi"})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"] == {"activity_id": ["không phải là một hoạt động của phiên bản 1"]}
    assert open_task_of(db, plan["plan_id"]).id == task.id
    assert [key for key, _ in outbox_events(db, plan["plan_id"])] == ["approval.task_assigned"]

    answer = client.post(url, json={**wrong, "activity_id": activities[1]}, headers=auth("dept.cb"))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["decision"]["activity_id"] == activities[1]
    # The decision and the approval's end carry it to plans (the timeline) and the notifications.
    events = dict(outbox_events(db, plan["plan_id"]))
    assert events["approval.decision_recorded"]["activity_id"] == activities[1]
    assert events["approval.completed"]["activity_id"] == activities[1]
    assert events["approval.completed"]["comment"] == comment
    # The record shows it and still verifies (the activity is hashed with the decision).
    record = client.get(f"/approvals/{answer.get_json()['approval_id']}", headers=auth("dept.cb")).get_json()
    assert record["verified"] and record["decisions"][0]["activity_id"] == activities[1]


def test_a_submission_that_lists_no_activities_takes_no_comment_on_one(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    plan = plan_submitted()  # from a producer that does not list its activities
    deliver("plan.submitted", plan)
    task = open_task_of(db, plan["plan_id"])
    body = {"decision": "approve", "activity_id": "7d0c8f52-1b1e-4f7a-9a0e-5d1c2b3a4f01"}
    refused = client.post(f"/approvals/tasks/{task.id}/decision", json=body, headers=auth("dept.cb"))
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["activity_id"]
    plain = client.post(f"/approvals/tasks/{task.id}/decision", json={"decision": "approve"}, headers=auth("dept.cb"))
    assert plain.status_code == 201 and plain.get_json()["decision"]["activity_id"] == ""
