"""A report through the whole suite: on Cao Bằng's approved plan the drafter writes the year-end
report; the approvals service opens the report chain (department → provincial People's Committee,
no ministry task), the department returns it, the resubmission is approved by the province and the
report is numbered NN/BC-UBND; the ministry records its receipt; the drafters are told in their
inbox, with links to the report's page."""

from __future__ import annotations

from typing import Any

from infra.local.sample_plans import CAO_BANG_2025_BAN_GIOC
from tests.support.journeys import Person, eventually, plan_body


def report_task(person: Person, report_id: str, level: int, version: int) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        for task in person.tasks(kind="report"):
            if task["plan_id"] == report_id and task["level"] == level and task["version"] == version:
                return task
        return None

    return eventually(probe, what=f"{person.username}'s level-{level} task on report {report_id}")


def report_of(person: Person, report_id: str) -> tuple[dict[str, Any], str]:
    response = person.get(f"/reports/{report_id}")
    assert response.status_code == 200, response.text
    return response.json(), response.headers["ETag"]


def test_a_report_goes_through_the_report_chain_and_the_ministry_receives_it(people: dict[str, Person]) -> None:
    drafter = people["drafter.cb"]
    plan = drafter.create_plan(plan_body(CAO_BANG_2025_BAN_GIOC))
    drafter.submit(plan["id"])
    for who, level in (("dept.cb", 1), ("province.cb", 2), ("ministry.1", 3)):
        people[who].approve_level(plan["id"], level=level)
    drafter.wait_for_status(plan["id"], "approved")

    created = drafter.post("/reports", json={"plan_id": plan["id"], "kind": "annual"})
    assert created.status_code == 201, created.text
    report = created.json()
    results = report["results"]
    for result in results:
        result["status"] = "done"
        for indicator in result["indicators"]:
            indicator["actual"] = indicator["target"]
    saved = drafter.put(
        f"/reports/{report['id']}", json={"results": results}, headers={"If-Match": created.headers["ETag"]}
    )
    assert saved.status_code == 200, saved.text
    assert drafter.post(f"/reports/{report['id']}/submit").status_code == 200

    # The department returns the first version; the report's subject is in the task and the approval.
    task = report_task(people["dept.cb"], report["id"], level=1, version=1)
    assert task["subject"]["kind"] == "report" and task["subject"]["id"] == report["id"]
    returned = people["dept.cb"].decide(task["id"], "return", "Bổ sung khó khăn, vướng mắc.")
    assert returned.status_code == 201, returned.text
    approval = people["dept.cb"].get(f"/approvals/{task['approval_id']}").json()
    assert approval["subject"]["kind"] == "report" and approval["chain"]["key"] == "ttdn-report"
    assert [level["role"] for level in approval["chain"]["levels"]] == ["dept_approver", "province_approver"]
    assert approval["chain"]["receiver"]["name_on_date"]["vi"] == "Bộ Văn hóa, Thể thao và Du lịch"

    def returned_report() -> tuple[dict[str, Any], str] | None:
        found = report_of(drafter, report["id"])
        return found if found[0]["status"] == "returned" else None

    _, etag = eventually(returned_report, what="the report returned")
    revised = drafter.put(
        f"/reports/{report['id']}",
        json={"results": results, "difficulties": "Kinh phí còn hạn chế."},
        headers={"If-Match": etag},
    )
    assert revised.status_code == 200, revised.text
    assert drafter.post(f"/reports/{report['id']}/submit").status_code == 200

    for who, level in (("dept.cb", 1), ("province.cb", 2)):
        task = report_task(people[who], report["id"], level=level, version=2)
        assert people[who].decide(task["id"], "approve", "Đồng ý.").status_code == 201

    issued = eventually(
        lambda: (found := report_of(drafter, report["id"])[0])["status"] == "approved" and found,
        what="the report approved and numbered",
    )
    assert issued["document_number"].endswith("/BC-UBND")
    # the ministry receives the report: it never had a task on it
    assert all(task["plan_id"] != report["id"] for task in people["ministry.1"].tasks(status="all"))
    received = people["ministry.1"].post(f"/reports/{report['id']}/receipt", json={"note": "Đã nhận."})
    assert received.status_code == 200, received.text

    notice = drafter.wait_for_message(
        lambda m: m["plan_id"] == report["id"] and m["event_type"] == "report.received", "the ministry's receipt"
    )
    assert notice["subject"].startswith("Bộ đã tiếp nhận báo cáo số " + issued["document_number"])
    assert notice["link"].endswith(f"/reports/{report['id']}")
    returned_notice = drafter.wait_for_message(
        lambda m: m["plan_id"] == report["id"] and m["event_type"] == "approval.completed", "the return"
    )
    assert "báo cáo" in returned_notice["subject"].lower()
