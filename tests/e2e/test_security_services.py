"""Issue 12, the services' side, against the running suite: separation of duties across
versions, approvers reading only what was submitted to them, a withdrawal racing a decision,
and hostile JSON on the gateway and on each service's own port."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
import requests

from infra.local.sample_plans import CAO_BANG_2025_BAN_GIOC, LANG_SON_2018, QUANG_BINH_2017
from tests.support.hostile import HOSTILE_JSON, is_problem
from tests.support.journeys import Person, eventually, plan_body
from tests.support.stack import Stack


def test_whoever_submitted_an_earlier_version_cannot_decide_a_later_one(people: dict[str, Person]) -> None:
    drafter, dual, dept = people["drafter.cb"], people["dual.cb"], people["dept.cb"]
    plan = drafter.create_plan(plan_body(CAO_BANG_2025_BAN_GIOC))
    dual.submit(plan["id"])  # dual.cb drafts and approves for the department
    first = dept.wait_for_task(plan["id"], level=1)
    returned = dept.decide(first["id"], "return", "Đề nghị bổ sung dự toán kinh phí.")
    assert returned.status_code == 201, returned.text
    drafter.wait_for_status(plan["id"], "returned")
    drafter.submit(plan["id"])  # version 2, unchanged, submitted by drafter.cb
    second = dept.wait_for_task(plan["id"], level=1, version=2)
    assert "dual.cb" not in _approval(dept, second["approval_id"])["tasks"][0]["assignees"]

    decision = dual.decide(second["id"], "approve")
    assert decision.status_code == 403, decision.text
    assert decision.json()["type"] == "urn:ttdn:problem:separation-of-duties"
    handed = dept.post(f"/approvals/tasks/{second['id']}/delegate", json={"to": "dual.cb", "comment": "Nhờ xem"})
    assert handed.status_code == 422 and "separation of duties" in str(handed.json()["errors"]["to"]), handed.text


def _reads(person: Person, base: str, plan_id: str) -> requests.Response:
    return person.http.get(f"{base}/plans/{plan_id}", timeout=10)


def _finds(person: Person, base: str, words: str) -> list[str]:
    response = person.http.get(f"{base}/plans", params={"q": words, "limit": 100}, timeout=10)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_approvers_read_only_the_frozen_versions_submitted_to_them(stack: Stack, people: dict[str, Person]) -> None:
    drafter, dept, province, ministry = (people[n] for n in ("drafter.ls", "dept.ls", "province.ls", "ministry.1"))
    original = plan_body(LANG_SON_2018, title="Kế hoạch hoạt động thông tin đối ngoại năm 2018 (bantrinhgoc)")
    plan = drafter.create_plan(original)
    drafter.submit(plan["id"])
    dept.approve_level(plan["id"], level=1)
    task = province.wait_for_task(plan["id"], level=2)
    bases = (stack.api, stack.url("plans"))  # through the gateway and on the plans service's own port
    for base in bases:  # still at level 2: the ministry reads nothing of it
        assert _reads(ministry, base, plan["id"]).status_code == 404
        assert plan["id"] not in _finds(ministry, base, "bantrinhgoc")
    returned = province.decide(task["id"], "return", "Đề nghị bổ sung kinh phí đón phóng viên nước ngoài.")
    assert returned.status_code == 201, returned.text

    # The drafter edits without resubmitting: nobody but the unit reads the new words.
    current = drafter.wait_for_status(plan["id"], "returned")
    draft = plan_body(original, title="Kế hoạch TTĐN Lạng Sơn (bản sửa chưa trình khoxaydung)")
    edited = drafter.put(f"/plans/{plan['id']}", json=draft, headers={"If-Match": current["etag"]})
    assert edited.status_code == 200, edited.text
    for base in bases:
        for approver in (dept, province):
            seen = _reads(approver, base, plan["id"])
            assert seen.status_code == 200 and seen.json()["title"] == original["title"], base
            assert plan["id"] not in _finds(approver, base, "khoxaydung")
            assert plan["id"] in _finds(approver, base, "bantrinhgoc")
        assert _reads(ministry, base, plan["id"]).status_code == 404
    assert plan["id"] in _finds(drafter, stack.api, "khoxaydung")

    # Resubmitted as version 2, then withdrawn and edited again: the department reads version 2 only.
    drafter.submit(plan["id"])
    dept.wait_for_task(plan["id"], level=1, version=2)
    withdrawn = drafter.post(f"/plans/{plan['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn", withdrawn.text
    again = plan_body(original, title="Kế hoạch TTĐN Lạng Sơn (bản rút về sửa tiếp khongtrinh)")
    current = drafter.plan(plan["id"])
    assert drafter.put(f"/plans/{plan['id']}", json=again, headers={"If-Match": current["etag"]}).status_code == 200
    for base in bases:
        seen = _reads(dept, base, plan["id"]).json()
        assert seen["title"] == draft["title"] and seen["current_version"] == 2
        versions = dept.http.get(f"{base}/plans/{plan['id']}/versions", timeout=10).json()["items"]
        assert [v["number"] for v in versions] == [1, 2]
        assert plan["id"] not in _finds(dept, base, "khongtrinh")
        # The province decided version 1 only: it keeps reading that one, not version 2.
        assert _reads(province, base, plan["id"]).json()["title"] == original["title"]
        assert province.http.get(f"{base}/plans/{plan['id']}/versions/2", timeout=10).status_code == 404


RACES = 8


def test_a_withdrawal_racing_a_decision_has_exactly_one_winner(people: dict[str, Person]) -> None:
    drafter, dept, province = people["drafter.qb"], people["dept.qb"], people["province.qb"]
    rng = random.Random(12)
    withdrawn_plans: list[str] = []
    decided_plans: list[str] = []
    sequential: list[str] = []
    for round_ in range(RACES):
        plan = drafter.create_plan(plan_body(QUANG_BINH_2017, title=f"Kế hoạch TTĐN Quảng Bình, lượt đua {round_}"))
        drafter.submit(plan["id"])
        task = dept.wait_for_task(plan["id"], level=1)
        eventually(lambda p=plan["id"]: (drafter.plan(p)["stage"] or {}).get("level") == 1, what="plans at level 1")
        answers: dict[str, requests.Response] = {}
        start = threading.Barrier(2)
        # Start together, with one side a little late: the withdrawal's way to its arbiter (two
        # events) is longer than the decision's, so half the rounds hold the decision back.
        jitter = rng.uniform(0, 0.03)
        hold = rng.uniform(0.0, 0.5) if round_ % 2 else 0.0

        def withdraw(
            plan_id: str = plan["id"], delay: float = jitter, start: threading.Barrier = start, answers: dict = answers
        ) -> None:
            start.wait()
            time.sleep(delay)
            answers["withdraw"] = drafter.post(f"/plans/{plan_id}/withdraw")

        def decide(
            task_id: str = task["id"], hold: float = hold, start: threading.Barrier = start, answers: dict = answers
        ) -> None:
            start.wait()
            time.sleep(hold)
            answers["decide"] = dept.decide(task_id, "approve", "Đồng ý trình UBND tỉnh.")

        threads = [threading.Thread(target=withdraw), threading.Thread(target=decide)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        statuses = (answers["withdraw"].status_code, answers["decide"].status_code)
        assert statuses in ((200, 409), (409, 201), (200, 201)), (
            statuses,
            answers["withdraw"].text,
            answers["decide"].text,
        )
        approval = _approval(drafter, task["approval_id"])
        if statuses == (200, 201):
            # Not a race: the decision had reached the plans service before the withdrawal was
            # asked, so the drafter withdrew a plan already at level 2 — one after the other, as
            # the domain allows. The decision counted as seen and the withdrawal cancelled the rest.
            sequential.append(plan["id"])
            assert approval["status"] == "cancelled" and len(approval["decisions"]) == 1
            kinds = [entry["kind"] for entry in drafter.timeline(plan["id"])]
            ended = next(i for i, kind in enumerate(kinds) if kind in ("withdrawn", "cancelled"))
            assert kinds.index("decision") < ended, kinds
            assert drafter.plan(plan["id"])["status"] == "withdrawn"
        elif statuses == (200, 409):
            withdrawn_plans.append(plan["id"])
            assert approval["status"] == "cancelled" and approval["decisions"] == []
            assert drafter.plan(plan["id"])["status"] == "withdrawn"
        else:
            decided_plans.append(plan["id"])
            assert approval["status"] == "open" and len(approval["decisions"]) == 1
            # The decision stands and goes on to the province; the plan was never withdrawn.
            province.wait_for_task(plan["id"], level=2)
            assert "withdrawn" not in {entry["kind"] for entry in drafter.timeline(plan["id"])}
            assert drafter.plan(plan["id"])["status"] == "submitted"
    print(
        f"withdrawal won {len(withdrawn_plans)}, decision won {len(decided_plans)}, "
        f"one after the other {len(sequential)} of {RACES} rounds"
    )
    assert withdrawn_plans or decided_plans, "no round raced"
    # The loser's side told nobody anything: no level-2 task announced for a withdrawn plan, and
    # no withdrawal announced for a plan whose decision won.
    if decided_plans:
        province.wait_for_message(lambda m: m["plan_id"] == decided_plans[-1], "the last level-2 task")
    time.sleep(1.0)  # what the notifications consumer still had in hand
    assert not [m for m in province.inbox() if m["plan_id"] in withdrawn_plans]
    ends = {"plan.withdrawn", "approval.completed", "approval.withdrawal_answered"}
    for person in (dept, drafter):
        assert not [m for m in person.inbox() if m["plan_id"] in decided_plans and m["event_type"] in ends]


def _approval(person: Person, approval_id: str) -> dict[str, Any]:
    response = person.get(f"/approvals/{approval_id}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("payload", sorted(HOSTILE_JSON))
def test_hostile_json_is_a_4xx_problem_on_the_gateway_and_on_each_services_port(
    stack: Stack, people: dict[str, Person], integrator: Person, payload: str
) -> None:
    body = HOSTILE_JSON[payload]
    json_headers = {"Content-Type": "application/json"}
    targets = [
        (people["drafter.cb"], "/plans", "plans"),
        (people["dept.cb"], "/approvals/tasks/00000000-0000-4000-8000-000000000000/decision", "approvals"),
        (integrator, "/webhooks", "notifications"),
    ]
    for person, path, service in targets:
        for base in (stack.api, stack.url(service)):
            response = person.http.post(base + path, data=body, headers=json_headers, timeout=10)
            assert is_problem(response, 400, 422), (base + path, response.status_code, response.text[:300])
