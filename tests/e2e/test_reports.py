"""A year-end report through the whole suite: started from an approved Cao Bằng plan, filled in,
returned by the department, revised, resubmitted, approved by the report chain (the department,
then the provincial People's Committee, which issues it as NN/BC-UBND in the register it shares
with its plans), signed by the renderer, and received by the ministry — every step through the
gateway, the services talking only by events."""

from __future__ import annotations

from typing import Any

from infra.local.sample_plans import CAO_BANG_2024
from tests.support.journeys import Person, eventually, plan_body


def report(person: Person, report_id: str) -> dict[str, Any]:
    response = person.get(f"/reports/{report_id}")
    assert response.status_code == 200, response.text
    return response.json() | {"etag": response.headers["ETag"]}


def filled(document: dict[str, Any], shortfall: bool) -> dict[str, Any]:
    results = [
        {
            "activity_id": result["activity_id"],
            "status": "done",
            "done": "Đã thực hiện.",
            "indicators": [
                {"actual": indicator["target"] - (1 if shortfall and index == 0 else 0), "qualifier": ""}
                for index, indicator in enumerate(result["indicators"])
            ],
        }
        for result in document["results"]
    ]
    return {"advantages": "Được sự quan tâm của Tỉnh ủy, UBND tỉnh.", "results": results}


def test_a_report_goes_through_return_and_the_report_chain_to_its_number_and_receipt(
    people: dict[str, Person],
) -> None:
    drafter, dept, province, ministry = (
        people["drafter.cb"],
        people["dept.cb"],
        people["province.cb"],
        people["ministry.1"],
    )
    plan = drafter.create_plan(plan_body(CAO_BANG_2024))
    drafter.submit(plan["id"])
    dept.approve_level(plan["id"], level=1)
    province.approve_level(plan["id"], level=2)
    ministry.approve_level(plan["id"], level=3)
    approved = drafter.wait_for_status(plan["id"], "approved")
    plan_number = int(approved["document_number"].split("/")[0])

    created = drafter.post("/reports", json={"plan_id": plan["id"], "kind": "annual"})
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]
    first = report(drafter, report_id)
    saved = drafter.put(f"/reports/{report_id}", json=filled(first, True), headers={"If-Match": first["etag"]})
    assert saved.status_code == 200, saved.text
    assert saved.json()["results"][0]["indicators"][0]["shortfall"] is True
    assert drafter.post(f"/reports/{report_id}/submit").status_code == 200

    # The department returns it: the report chain's first level, on the report's own task.
    task = dept.wait_for_task(report_id, level=1)
    returned = dept.decide(task["id"], "return", "Bổ sung kết quả tập huấn.")
    assert returned.status_code == 201, returned.text
    eventually(lambda: report(drafter, report_id)["status"] == "returned", what="the report to be returned")

    current = report(drafter, report_id)
    revised = drafter.put(f"/reports/{report_id}", json=filled(current, False), headers={"If-Match": current["etag"]})
    assert revised.status_code == 200, revised.text
    assert drafter.post(f"/reports/{report_id}/submit").status_code == 200
    dept.approve_level(report_id, level=1, version=2)
    province.approve_level(report_id, level=2, version=2)

    issued = eventually(
        lambda: (found := report(drafter, report_id))["status"] == "approved" and found,
        what="the report to be issued",
    )
    number, _, symbol = issued["document_number"].partition("/")
    assert symbol.startswith("BC-") and int(number) > plan_number  # the register the issuer's plans use
    assert issued["signer"]["username"] == "province.cb"
    # The ministry does not approve a report: no task of its own; it records that it received it.
    assert all(task["plan_id"] != report_id for task in ministry.tasks())
    received = ministry.post(f"/reports/{report_id}/receipt", json={"note": "Đã nhận."})
    assert received.status_code == 200, received.text
    assert report(drafter, report_id)["receipt"]["by"] == "ministry.1"
    pdf = eventually(
        lambda: (answer := drafter.get(f"/reports/{report_id}/document.pdf")).status_code == 200 and answer,
        timeout=60,
        what="the signed report",
    )
    assert pdf.headers["Content-Type"].startswith("application/pdf")
    kinds = [entry["kind"] for entry in drafter.get(f"/reports/{report_id}/timeline").json()["items"]]
    assert "returned" in kinds and kinds[-2:] == ["approved", "received"]
