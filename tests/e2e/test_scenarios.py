"""Further journeys through the whole suite: rejection, withdrawal, delegation,
separation of duties, and two provinces working at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from infra.local.sample_plans import BAC_KAN_2020, CAO_BANG_2025_BAN_GIOC, KON_TUM_2023, LANG_SON_2018, QUANG_BINH_2017
from tests.support.journeys import Person, eventually, plan_body


def test_the_ministry_rejects_a_plan_and_it_is_final(people: dict[str, Person]) -> None:
    drafter = people["drafter.bk"]
    plan = drafter.create_plan(plan_body(BAC_KAN_2020))
    drafter.submit(plan["id"])
    people["dept.bk"].approve_level(plan["id"], level=1)
    people["province.bk"].approve_level(plan["id"], level=2)
    task = people["ministry.2"].wait_for_task(plan["id"], level=3)

    missing_comment = people["ministry.2"].decide(task["id"], "reject", "")
    assert missing_comment.status_code == 422, missing_comment.text
    rejected = people["ministry.2"].decide(task["id"], "reject", "Kế hoạch không phù hợp định hướng năm 2020.")
    assert rejected.status_code == 201, rejected.text

    final = drafter.wait_for_status(plan["id"], "rejected")
    assert final["document_number"] is None
    edit = drafter.put(f"/plans/{plan['id']}", json=plan_body(BAC_KAN_2020), headers={"If-Match": final["etag"]})
    assert edit.status_code == 409, edit.text
    again = people["ministry.1"].decide(task["id"], "approve", "")
    assert again.status_code == 409 and again.json()["type"] == "urn:ttdn:problem:task-closed", again.text
    drafter.wait_for_message(
        lambda m: m["plan_id"] == plan["id"] and m["event_type"] == "approval.completed", "the rejection notice"
    )


def test_a_drafter_withdraws_a_plan_under_review(people: dict[str, Person]) -> None:
    drafter, dept = people["drafter.kt"], people["dept.kt"]
    plan = drafter.create_plan(plan_body(KON_TUM_2023))
    drafter.submit(plan["id"])
    task = dept.wait_for_task(plan["id"], level=1)

    withdrawn = drafter.post(f"/plans/{plan['id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert drafter.plan(plan["id"])["status"] == "withdrawn"
    eventually(lambda: all(t["plan_id"] != plan["id"] for t in dept.tasks()), what="the task to be withdrawn")
    late = dept.decide(task["id"], "approve", "")
    assert late.status_code == 409, late.text

    # Withdrawn is editable again, and a resubmission starts a fresh approval.
    current = drafter.plan(plan["id"])
    revised = plan_body(KON_TUM_2023, summary=KON_TUM_2023["summary"] + " Bổ sung sau khi rút lại.")
    assert drafter.put(f"/plans/{plan['id']}", json=revised, headers={"If-Match": current["etag"]}).status_code == 200
    drafter.submit(plan["id"])
    dept.wait_for_task(plan["id"], level=1, version=2)


def test_a_department_approver_delegates_a_task(people: dict[str, Person]) -> None:
    drafter, dept, deputy = people["drafter2.cb"], people["dept.cb"], people["dual.cb"]
    plan = drafter.create_plan(plan_body(CAO_BANG_2025_BAN_GIOC))
    drafter.submit(plan["id"])
    task = dept.wait_for_task(plan["id"], level=1)

    outsider = dept.post(f"/approvals/tasks/{task['id']}/delegate", json={"to": "dept.qb", "comment": "Nhờ xử lý"})
    assert outsider.status_code == 422 and "to" in outsider.json()["errors"], outsider.text  # not eligible
    handed = dept.post(
        f"/approvals/tasks/{task['id']}/delegate",
        json={"to": "dual.cb", "comment": "Đồng chí xử lý thay khi tôi đi công tác."},
    )
    assert handed.status_code == 201, handed.text

    deputy.wait_for_message(
        lambda m: m["plan_id"] == plan["id"] and m["event_type"] == "approval.task_delegated", "the delegation notice"
    )
    deputy.approve_level(plan["id"], level=1)
    people["province.cb"].wait_for_task(plan["id"], level=2)
    detail = dept.get(f"/approvals/{task['approval_id']}").json()
    assert detail["verified"] is True
    assert any(d["by"] == "dual.cb" for d in detail["decisions"])


def test_nobody_decides_a_plan_they_submitted(people: dict[str, Person]) -> None:
    dual = people["dual.cb"]  # both drafter and department approver of svhttdl-cao-bang
    body = plan_body(
        CAO_BANG_2025_BAN_GIOC, title="Kế hoạch thông tin đối ngoại về Công viên địa chất Non nước Cao Bằng"
    )
    plan = dual.create_plan(body)
    dual.submit(plan["id"])
    task = people["dept.cb"].wait_for_task(plan["id"], level=1)

    own = dual.decide(task["id"], "approve", "")
    assert own.status_code == 403, own.text
    assert own.headers["Content-Type"].startswith("application/problem+json")
    assert own.json()["type"] == "urn:ttdn:problem:separation-of-duties"
    assert all(t["plan_id"] != plan["id"] for t in dual.tasks())
    people["dept.cb"].approve_level(plan["id"], level=1)


def test_two_provinces_work_at_once_without_seeing_each_other(people: dict[str, Person]) -> None:
    quang_binh, lang_son = people["drafter.qb"], people["drafter.ls"]

    def draft_and_submit(drafter: Person, body: dict) -> dict:
        plan = drafter.create_plan(plan_body(body))
        drafter.submit(plan["id"])
        return plan

    with ThreadPoolExecutor(max_workers=2) as pool:
        qb_plan, ls_plan = pool.map(draft_and_submit, [quang_binh, lang_son], [QUANG_BINH_2017, LANG_SON_2018])

    assert quang_binh.get(f"/plans/{ls_plan['id']}").status_code == 404
    assert lang_son.get(f"/plans/{qb_plan['id']}").status_code == 404
    assert people["province.ls"].get(f"/plans/{qb_plan['id']}").status_code == 404
    assert {p["org_unit"] for p in quang_binh.get("/plans").json()["items"]} == {"svhttdl-quang-tri-2025"}
    qb_task = people["dept.qb"].wait_for_task(qb_plan["id"], level=1)
    people["dept.ls"].wait_for_task(ls_plan["id"], level=1)
    assert all(t["province"] == "ubnd-quang-tri-2025" for t in people["dept.qb"].tasks())
    cross = people["dept.ls"].decide(qb_task["id"], "approve", "")
    assert cross.status_code == 404, cross.text
    search = quang_binh.get("/plans", params={"q": "lang son"}).json()["items"]
    assert search == []


def test_polls_of_the_task_list_and_the_inbox_are_304_through_the_gateway_until_they_change(
    people: dict[str, Person],
) -> None:
    drafter, dept = people["drafter.kt"], people["dept.kt"]

    def settled(path: str) -> str:
        """The list's tag once a poll with it is answered 304 (earlier tests' events may still arrive)."""

        def probe() -> str | None:
            etag = dept.get(path).headers["ETag"]
            again = dept.get(path, headers={"If-None-Match": etag, "Prefer": "wait=0.2"})
            if again.status_code != 304:
                return None
            assert again.content == b"" and again.headers["ETag"] == etag, again.headers
            assert again.headers["Preference-Applied"] == "wait=0.2"  # it waited for a change that did not come
            return etag

        return eventually(probe, what=f"{path} to settle")

    tasks, inbox = settled("/approvals/tasks"), settled("/notifications")
    plan = drafter.create_plan(plan_body(KON_TUM_2023, title="Kế hoạch thông tin đối ngoại — thăm dò danh sách"))
    drafter.submit(plan["id"])

    def changed(path: str, etag: str) -> list[dict]:
        answer = dept.get(path, headers={"If-None-Match": etag, "Prefer": "wait=5"})  # answered at the change
        if answer.status_code == 304:
            return []
        assert answer.status_code == 200 and answer.headers["ETag"] != etag, answer.text
        return [item for item in answer.json()["items"] if item["plan_id"] == plan["id"]]

    eventually(lambda: changed("/approvals/tasks", tasks), what="the new task under a new tag")
    eventually(lambda: changed("/notifications", inbox), what="the new message under a new tag")
