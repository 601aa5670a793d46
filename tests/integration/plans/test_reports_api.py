"""Reports over HTTP on real PostgreSQL: made from an approved plan (409 otherwise, 404 for
another unit's), one per unit, kind and period, edited with If-Match (a negative or
non-numeric actual is a 422 naming the field, and writes nothing), listed with the
plans' scoping and paging, submitted into the outbox as report.submitted (which a
consumer that knows only today's plan fields still reads), decided by the report chain
through the real consumer (returned, revised, approved: NN/BC-UBND from the register the
issuer shares with its plans), received by the ministry, and rendered as a BÁO CÁO."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from plans.adapters.orm import Outbox
from plans.bootstrap import bootstrap, document_tools
from plans.config import PlansSettings
from plans.documents.pki import FileCredentials
from plans.domain.commands import RenderNextDocument
from plans.entrypoints.consumer import build_consumer
from pypdf import PdfReader
from servicekit.contracts import events as contract
from servicekit.events import Event, new_event
from sqlalchemy import select

from .conftest import settings_issuing_documents

pytestmark = pytest.mark.timeout(180)

LEVELS = {
    1: ({"vi": "Lãnh đạo Sở", "en": "Department leadership"}, "dept_approver", "org_unit", "dept.cb"),
    2: ({"vi": "UBND tỉnh", "en": "Provincial People's Committee"}, "province_approver", "province", "province.cb"),
    3: ({"vi": "Bộ VHTTDL", "en": "Ministry"}, "ministry_approver", "national", "ministry.1"),
}


@pytest.fixture(scope="module")
def settings(plans_db: str, idp: str, pki: FileCredentials) -> PlansSettings:
    return settings_issuing_documents(plans_db, idp, pki)


def chain_events(
    document: dict[str, Any], kind: str, levels: tuple[int, ...], outcome: str = "approved"
) -> list[Event]:
    """The approvals service's events for one approval of the document's current version: each level
    opens and approves; the last level decides ``outcome``."""
    # Moments between the submission just made and anything the test does next.
    approval_id, at = str(uuid.uuid4()), datetime.now(UTC)
    version = document["current_version"]
    context = {
        "plan_id": document["id"],
        "version": version,
        "title": document["title"],
        "org_unit": document["org_unit"],
        "province": document["province"],
        "year": document["year"],
        "approval_id": approval_id,
        "subject": {"kind": kind, "id": document["id"], "version": version, "content_sha256": ""},
    }
    found: list[Event] = []
    for level in levels:
        name, role, scope, by = LEVELS[level]
        task = {**context, "task_id": f"{approval_id}-{level}", "level": level, "level_name": name}
        at += timedelta(milliseconds=2)
        found.append(
            new_event(
                "approval.task_assigned",
                source="/ttdn/approvals",
                subject=f"plans/{document['id']}",
                data={**task, "role": role, "scope": scope, "due_at": (at + timedelta(days=3)).isoformat()},
            )
        )
        last = level == levels[-1]
        decision = {"approved": "approve", "returned": "return", "rejected": "reject"}[outcome] if last else "approve"
        at += timedelta(milliseconds=2)
        found.append(
            new_event(
                "approval.decision_recorded",
                source="/ttdn/approvals",
                subject=f"plans/{document['id']}",
                data={
                    **task,
                    "decision": decision,
                    "comment": "Bổ sung số liệu." if decision == "return" else "Đồng ý.",
                    "by": by,
                    "decided_at": at.isoformat(),
                    "content_sha256": "0" * 64,
                    "signature": "1" * 64,
                },
            )
        )
    name, _, _, by = LEVELS[levels[-1]]
    found.append(
        new_event(
            "approval.completed",
            source="/ttdn/approvals",
            subject=f"plans/{document['id']}",
            data={**context, "outcome": outcome, "level": levels[-1], "level_name": name, "by": by},
        )
    )
    # Each event at its own moment, in order (a decision's own moment is its decided_at).
    moments = [datetime.fromisoformat(e.data["decided_at"]) if "decided_at" in e.data else None for e in found]
    timed, last = [], datetime.now(UTC)
    for event, moment in zip(found, moments, strict=True):
        last = max(moment or last, last) + timedelta(milliseconds=1)
        timed.append(Event(**{**event.__dict__, "time": last}))
    return timed


def deliver(app: Any, events: list[Event]) -> None:
    consumer = build_consumer(app.extensions["settings"], app.extensions["plans_db"], app.extensions["plans"])
    for event in events:
        assert consumer.process(event.to_json().encode(), {}) == "handled"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    return dict(response.json)


@pytest.fixture(scope="module")
def approved_plan(app: Any, tokens: Any) -> dict[str, Any]:
    """The Cao Bằng 2024 plan, created, submitted and approved by the plan chain (three levels)."""
    from infra.local.sample_plans import CAO_BANG_2024

    client = app.test_client()
    drafter = tokens("drafter.cb")
    created = client.post("/plans", json=CAO_BANG_2024, headers=drafter)
    assert created.status_code == 201, created.json
    plan = client.post(f"/plans/{created.json['id']}/submit", headers=drafter).json
    deliver(app, chain_events(plan, "plan", (1, 2, 3)))
    approved = client.get(f"/plans/{plan['id']}", headers=drafter).json
    assert approved["status"] == "approved" and approved["document_number"].endswith("/KH-UBND")
    return dict(approved)


def outbox(app: Any, routing_key: str, document_id: str) -> list[dict[str, Any]]:
    with app.extensions["plans_db"].transaction() as session:
        rows = session.scalars(
            select(Outbox).where(Outbox.aggregate_id == f"plans/{document_id}", Outbox.routing_key == routing_key)
        ).all()
        return [dict(Event.from_json(row.payload).data) for row in rows]


def test_a_report_goes_from_the_approved_plan_through_return_and_the_report_chain_to_its_receipt(
    app: Any, tokens: Any, approved_plan: dict[str, Any], settings: PlansSettings
) -> None:
    client = app.test_client()
    drafter = tokens("drafter.cb")
    plan_id = approved_plan["id"]

    # Not a plan one may report on: another unit's (404), not approved (409), a bad kind (422).
    annual = {"plan_id": plan_id, "kind": "annual"}
    assert problem(client.post("/reports", json=annual, headers=tokens("drafter.bk")), 404)
    draft_plan = client.post("/plans", json={**_plan_body(approved_plan), "title": "Kế hoạch nháp"}, headers=drafter)
    on_draft = client.post("/reports", json={**annual, "plan_id": draft_plan.json["id"]}, headers=drafter)
    assert problem(on_draft, 409)["plan_status"] == "draft"
    quarterly = client.post("/reports", json={**annual, "kind": "quarterly"}, headers=drafter)
    assert "kind" in problem(quarterly, 422)["errors"]

    created = client.post("/reports", json={"plan_id": plan_id, "kind": "annual"}, headers=drafter)
    assert created.status_code == 201, created.json
    report = created.json
    assert (report["status"], report["kind"], report["plan_ref"], report["plan_ref_number"]) == (
        "draft",
        "annual",
        plan_id,
        approved_plan["document_number"],
    )
    assert (report["period_start"], report["period_end"]) == ("2023-12-15", "2024-12-14")
    activities = approved_plan["activities"]
    assert [r["activity_id"] for r in report["results"]] == [a["id"] for a in activities]
    assert all(a["id"] for a in activities)
    assert [[i["target"] for i in r["indicators"]] for r in report["results"]] == [
        [i["target"] for i in a["indicators"]] for a in activities
    ]
    again = client.post("/reports", json={"plan_id": plan_id, "kind": "annual"}, headers=drafter)
    assert problem(again, 409)["report_id"] == report["id"]
    # The report is no plan: /plans does not list it or answer for its id.
    assert client.get(f"/plans/{report['id']}", headers=drafter).status_code == 404
    assert report["id"] not in {p["id"] for p in client.get("/plans?limit=100", headers=drafter).json["items"]}

    # A wrong edit: every wrong field named, nothing written.
    etag = created.headers["ETag"]
    first = report["results"][0]
    wrong = client.put(
        f"/reports/{report['id']}",
        json={
            "results": [
                {"activity_id": first["activity_id"], "indicators": [{"actual": "nhiều"}]},
                {"activity_id": report["results"][1]["activity_id"], "indicators": [{"actual": -5}]},
            ]
        },
        headers={**drafter, "If-Match": etag},
    )
    errors = problem(wrong, 422)["errors"]
    assert "actual" in errors["results"]["0"]["indicators"]["0"]
    assert "actual" in errors["results"]["1"]["indicators"]["0"]
    assert client.get(f"/reports/{report['id']}", headers=drafter).headers["ETag"] == etag
    assert problem(client.put(f"/reports/{report['id']}", json={}, headers=drafter), 428)

    # The drafter fills in the results (as GET returned them, with the actual values changed).
    filled = dict(report)
    for index, result in enumerate(filled["results"]):
        result["status"] = "done"
        for indicator in result["indicators"]:
            indicator["actual"] = indicator["target"] - 1 if index == 0 else indicator["target"] + 1
    filled["results"][0]["indicators"][0]["qualifier"] = "gần"
    filled["advantages"] = "Được sự quan tâm chỉ đạo của Tỉnh ủy, UBND tỉnh."
    sent = {key: filled[key] for key in ("results", "advantages")}
    saved = client.put(f"/reports/{report['id']}", json=sent, headers={**drafter, "If-Match": etag})
    assert saved.status_code == 200, saved.json.get("errors")
    indicator = saved.json["results"][0]["indicators"][0]
    target = indicator["target"]
    assert indicator["qualifier"] == "gần" and indicator["shortfall"] is True
    assert indicator["completion_pct"] == (round((target - 1) / target * 100, 1) if target else None)

    # Listed like plans: scoped to the unit, paged by a cursor, filtered by year and status.
    listed = client.get("/reports?year=2024&status=draft&limit=1", headers=drafter).json
    assert [item["id"] for item in listed["items"]] == [report["id"]] and listed["items"][0]["kind"] == "annual"
    assert client.get("/reports?limit=100", headers=tokens("drafter.bk")).json["items"] == []
    assert problem(client.get("/reports?cursor=bogus", headers=drafter), 422)

    # Submitted: report.submitted in the outbox, which a consumer of today's plan fields still reads.
    submitted = client.post(f"/reports/{report['id']}/submit", headers=drafter)
    assert submitted.status_code == 200, submitted.json
    data = outbox(app, "report.submitted", report["id"])[-1]
    assert data["subject"]["kind"] == "report" and data["report_id"] == data["plan_id"] == report["id"]
    assert data["plan_ref"] == plan_id and data["plan_ref_number"] == approved_plan["document_number"]
    legacy = contract.adapter(contract.PlanSubmitted).validate_python(data)  # knows nothing of reports
    assert (legacy.plan_id, legacy.version, legacy.org_unit, legacy.content_sha256) == (
        report["id"],
        1,
        approved_plan["org_unit"],
        data["subject"]["content_sha256"],
    )

    # The department returns it; the drafter revises and resubmits; the report chain approves at level 2.
    deliver(app, chain_events(submitted.json, "report", (1,), outcome="returned"))
    returned = client.get(f"/reports/{report['id']}", headers=drafter)
    assert returned.json["status"] == "returned" and returned.json["editable"]
    revised = client.put(
        f"/reports/{report['id']}",
        json={**sent, "difficulties": "Kinh phí còn hạn chế."},
        headers={**drafter, "If-Match": returned.headers["ETag"]},
    )
    assert revised.status_code == 200, revised.json
    # The drafters answer the return (giải trình) about one result: it travels with version 2.
    first_result = sent["results"][0]["activity_id"]
    assert problem(
        client.post(
            f"/reports/{report['id']}/submit", json={"reply": "Đã sửa.", "activity_id": "nope"}, headers=drafter
        ),
        422,
    )
    resubmitted = client.post(
        f"/reports/{report['id']}/submit",
        json={"reply": "Đã bổ sung khó khăn về kinh phí.", "activity_id": first_result},
        headers=drafter,
    ).json
    assert resubmitted["current_version"] == 2
    version = client.get(f"/reports/{report['id']}/versions/2", headers=drafter).json
    assert version["reply"] == "Đã bổ sung khó khăn về kinh phí." and version["reply_activity_id"] == first_result
    assert "submitted_by_name" in version and version["content"]["results"][0]["activity_id"] == first_result
    deliver(app, chain_events(resubmitted, "report", (1, 2)))
    issued = client.get(f"/reports/{report['id']}", headers=drafter).json
    assert issued["status"] == "approved" and issued["document_number"].endswith("/BC-UBND")
    plan_number = int(approved_plan["document_number"].split("/")[0])
    assert int(issued["document_number"].split("/")[0]) > plan_number  # the register the issuer's plans use
    assert issued["signer"]["username"] == "province.cb"
    approved = outbox(app, "report.approved", report["id"])[-1]
    assert approved["document_number"] == issued["document_number"] and approved["version"] == 2

    # The ministry receives it (it does not approve reports); drafters may not record that.
    assert client.post(f"/reports/{report['id']}/receipt", json={}, headers=drafter).status_code == 403
    received = client.post(f"/reports/{report['id']}/receipt", json={"note": "Đã nhận."}, headers=tokens("ministry.1"))
    assert received.status_code == 200, received.json
    assert received.json["receipt"]["by"] == "ministry.1" and received.json["receipt"]["note"] == "Đã nhận."
    assert problem(client.post(f"/reports/{report['id']}/receipt", json={}, headers=tokens("ministry.1")), 409)
    assert outbox(app, "report.received", report["id"])[-1]["received_by"] == "ministry.1"
    kinds = [entry["kind"] for entry in client.get(f"/reports/{report['id']}/timeline", headers=drafter).json["items"]]
    assert kinds[0] == "created" and "returned" in kinds and kinds[-2:] == ["approved", "received"]

    # Issued as a BÁO CÁO by the same renderer as plans.
    assert client.get(f"/reports/{report['id']}/document.pdf", headers=drafter).status_code == 202
    renderer = bootstrap(settings, documents=document_tools(settings))
    rendered = None
    for _ in range(5):  # the plans issued in this module's database may be queued first
        rendered = renderer.handle(RenderNextDocument())
        if rendered == report["id"] or rendered is None:
            break
    assert rendered == report["id"]
    pdf = client.get(f"/reports/{report['id']}/document.pdf", headers=drafter)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.data)).pages
    text = " ".join(" ".join(page.extract_text() or "" for page in pages).split())
    for expected in (
        f"Số: {issued['document_number']}",
        "BÁO CÁO",
        "II. KẾT QUẢ THỰC HIỆN",
        "Kế hoạch Thực hiện Tỷ lệ (%)",
        "Lưu: VT, VX.",
        "Bế Đức Thắng",
    ):
        assert expected in text, expected
    assert client.get(f"/reports/{report['id']}/document.edxml", headers=drafter).status_code == 200


def test_the_drafter_chooses_the_call_a_plan_or_report_answers_and_the_issued_report_cites_it(
    app: Any, tokens: Any, approved_plan: dict[str, Any], settings: PlansSettings
) -> None:
    from plans.domain.provinces import seeded

    client = app.test_client()
    drafter, ministry = tokens("drafter.cb"), tokens("ministry.1")
    province = approved_plan["province"]
    other = next(p.id for p in seeded().on(date(2024, 10, 6)) if not p.matches(province))

    def issue(**letter: Any) -> dict[str, Any]:
        body = {"reference": f"{uuid.uuid4().int % 9000 + 1000}/BTTTT-TTĐN", "issued_on": "2024-10-06"}
        answer = client.post("/calls", json={**body, "provinces": [province], **letter}, headers=ministry)
        assert answer.status_code == 201, answer.json
        return dict(answer.json)

    asked = issue(report_year=2024, report_due="2024-12-20", plan_year=2025, plan_due="2025-01-31")
    latest = issue(issued_on="2024-10-20", report_year=2024, report_due="2024-12-27")
    plan_only = issue(plan_year=2024, plan_due="2024-12-30")  # asks Cao Bằng for a plan of 2024, no report
    elsewhere = issue(report_year=2024, report_due="2024-12-20", provinces=[other])
    earlier_year = issue(issued_on="2023-10-06", report_year=2023, report_due="2023-12-20")

    report = client.post("/reports", json={"plan_id": approved_plan["id"], "kind": "semiannual"}, headers=drafter)
    assert report.status_code == 201, report.json
    report_id = report.json["id"]
    path = f"/reports/{report_id}/call"
    # Unchosen, it answers the latest letter asking Cao Bằng for its 2024 report; these two fit.
    link = client.get(path, headers=drafter).json
    assert (link["call_id"], link["chosen"], link["call"]["citation"]) == (latest["id"], False, latest["citation"])
    assert [call["id"] for call in link["candidates"]] == [latest["id"], asked["id"]]

    # A call that does not ask Cao Bằng for a report of 2024 — or none at all — is a 422 naming call_id.
    for wrong in (plan_only["id"], elsewhere["id"], earlier_year["id"], "no-such-call"):
        refused = client.put(path, json={"call_id": wrong}, headers={**drafter, "Accept-Language": "en"})
        assert {v["field"] for v in problem(refused, 422)["violations"]} == {"call_id"}, wrong
        assert "does not ask your province for a report of 2024" in refused.json["violations"][0]["message"]
    assert "call_id" in problem(client.put(path, json={}, headers=drafter), 422)["errors"]
    # Another unit's drafter: not found, as the report itself.
    assert problem(client.put(path, json={"call_id": asked["id"]}, headers=tokens("drafter.bk")), 404)
    assert problem(client.get(path, headers=tokens("drafter.bk")), 404)
    assert client.get(path, headers=drafter).json["call_id"] == latest["id"]  # nothing was written

    chosen = client.put(path, json={"call_id": asked["id"]}, headers=drafter)
    assert chosen.status_code == 200, chosen.json
    assert (chosen.json["call_id"], chosen.json["chosen"]) == (asked["id"], True)
    assert client.put(path, json={"call_id": ""}, headers=drafter).json["call"] is None  # none: allowed
    assert client.put(path, json={"call_id": asked["id"]}, headers=drafter).json["call_id"] == asked["id"]

    # The same rules for a plan: a draft of 2024 may answer the letter asking for a plan of 2024 only.
    draft_plan = client.post("/plans", json={**_plan_body(approved_plan), "title": "Kế hoạch bổ sung"}, headers=drafter)
    plan_path = f"/plans/{draft_plan.json['id']}/call"
    assert client.get(plan_path, headers=drafter).json["call_id"] == plan_only["id"]
    assert {
        v["field"]
        for v in problem(client.put(plan_path, json={"call_id": asked["id"]}, headers=drafter), 422)["violations"]
    } == {"call_id"}
    assert client.put(plan_path, json={"call_id": ""}, headers=drafter).json == {
        "call_id": "",
        "chosen": True,
        "call": None,
        "candidates": [client.get(f"/calls/{plan_only['id']}", headers=drafter).json],
    }
    assert problem(client.put(plan_path, json={"call_id": plan_only["id"]}, headers=tokens("drafter.bk")), 404)
    # Only while editable: the approved plan's link is fixed.
    approved_path = f"/plans/{approved_plan['id']}/call"
    assert problem(client.put(approved_path, json={"call_id": plan_only["id"]}, headers=drafter), 409)

    # Submitted with the letter typed in too: the choice travels with report.submitted and is fixed.
    current = client.get(f"/reports/{report_id}", headers=drafter)
    results = [
        {
            "activity_id": result["activity_id"],
            "status": "done",
            "indicators": [{"actual": indicator["target"]} for indicator in result["indicators"]],
        }
        for result in current.json["results"]
    ]
    typed = client.put(
        f"/reports/{report_id}",
        json={"replies_to": "99/XYZ ngày 01/10/2024", "advantages": "Thuận lợi.", "results": results},
        headers={**drafter, "If-Match": current.headers["ETag"]},
    )
    assert typed.status_code == 200, typed.json
    submitted = client.post(f"/reports/{report_id}/submit", headers=drafter)
    assert submitted.status_code == 200, submitted.json
    assert outbox(app, "report.submitted", report_id)[-1]["call_id"] == asked["id"]
    assert problem(client.put(path, json={"call_id": latest["id"]}, headers=drafter), 409)

    # Issued: the signed BÁO CÁO opens with the letter it answers, the linked call winning over the text typed.
    deliver(app, chain_events(submitted.json, "report", (1, 2)))
    # Its timeline names people as the directory does, family name first, with their position.
    timeline = client.get(f"/reports/{report_id}/timeline", headers=drafter).json
    named = {entry["actor"]: entry["actor_name"] for entry in timeline["items"] if entry["actor"]}
    assert named["dept.cb"] == "Hoàng Văn Minh, Phó Giám đốc" and named["drafter.cb"] == "Nông Thị Hoa, Chuyên viên"
    assert timeline["people"]["province.cb"] == "Bế Đức Thắng, Phó Chủ tịch"
    renderer = bootstrap(settings, documents=document_tools(settings))
    rendered = None
    for _ in range(5):  # the plans and reports issued in this module's database may be queued first
        rendered = renderer.handle(RenderNextDocument())
        if rendered == report_id or rendered is None:
            break
    assert rendered == report_id
    pdf = client.get(f"/reports/{report_id}/document.pdf", headers=drafter)
    assert pdf.status_code == 200, pdf.json
    text = " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert asked["citation"] == (
        f"Thực hiện Công văn số {asked['reference']} ngày 06/10/2024 của Bộ Thông tin và Truyền thông"
    )
    assert f"{asked['citation']}, Ủy ban nhân dân tỉnh Cao Bằng báo cáo như sau:" in text, text[:600]
    assert "99/XYZ" not in text


def _plan_body(plan: dict[str, Any]) -> dict[str, Any]:
    from infra.local.sample_plans import CAO_BANG_2024

    return dict(CAO_BANG_2024)
