"""POST /plans/from-last-year on PostgreSQL: a drafter starts next year's plan from the unit's
approved plan; without one, a 404 in the caller's language; a delegated decision in the history."""

from __future__ import annotations

from plans.domain import commands

from tests.unit.plans.test_plans_use_cases import LEVEL_NAMES, Approval


def test_a_drafter_starts_next_years_plan_from_the_approved_one(app, client, tokens, body):  # type: ignore[no-untyped-def]
    nothing = client.post(
        "/plans/from-last-year", json={"year": 2025}, headers={**tokens("drafter.cb"), "Accept-Language": "vi"}
    )
    assert nothing.status_code == 404
    assert nothing.json["type"] == "urn:ttdn:problem:nothing-to-copy"
    assert nothing.json["detail"] == "Đơn vị chưa có kế hoạch năm 2024 đã được phê duyệt để sao chép."

    created = client.post("/plans", json=body, headers=tokens("drafter.cb"))
    plan_id = created.json["id"]
    submitted = client.post(
        f"/plans/{plan_id}/submit", headers={**tokens("drafter.cb"), "If-Match": created.headers["ETag"]}
    )
    assert submitted.status_code == 200
    bus = app.extensions["plans"]
    approval = Approval(plan_id)
    facts = approval.full_approval()
    handed = commands.RecordDelegation(
        **approval._common(),
        task_id="t2",
        level=2,
        level_name=LEVEL_NAMES[2],
        from_user="province.cb",
        to_user="dept.cb",
        comment="Công tác nước ngoài.",
        kind="out_of_office",
    )
    for fact in [*facts[:3], handed, *facts[3:]]:
        bus.handle(fact)
    timeline = client.get(f"/plans/{plan_id}/timeline", headers=tokens("drafter.cb")).json["items"]
    delegated = next(entry for entry in timeline if entry["kind"] == "delegated")
    assert (delegated["actor"], delegated["details"]["to"], delegated["details"]["comment"]) == (
        "province.cb",
        "dept.cb",
        "Công tác nước ngoài.",
    )

    copied = client.post("/plans/from-last-year", json={"year": 2025}, headers=tokens("drafter.cb"))
    assert copied.status_code == 201, copied.json
    plan = copied.json
    assert copied.headers["Location"].endswith(f"/plans/{plan['id']}") and plan["id"] != plan_id
    assert (plan["status"], plan["year"], plan["title"]) == (
        "draft",
        2025,
        "Kế hoạch hoạt động thông tin đối ngoại năm 2025",
    )
    assert plan["total_budget_vnd"] == 792_000_000
    assert plan["activities"][0]["start_date"] == "2025-03-01"
    assert plan["activities"][0]["partner_units"] == body["activities"][0]["partner_units"]
    assert client.post("/plans/from-last-year", json={"year": 2025}, headers=tokens("dept.cb")).status_code == 403
    assert client.post("/plans/from-last-year", json={"year": 1999}, headers=tokens("drafter.cb")).status_code == 422
