"""Approvals of reports on PostgreSQL: report.submitted opens the report chain (department →
provincial People's Committee, the ministry receives), decisions, return and resubmission,
withdrawal arbitration, the task list and the approval view by subject; chain versions by
document date through the API; and a receiver that reads only today's plan fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from servicekit.db import Database

from .conftest import auth, open_task_of, outbox_events, plan_submitted, report_submitted

MIC = {"vi": "Bộ Thông tin và Truyền thông", "en": "Ministry of Information and Communications"}
MCST = {"vi": "Bộ Văn hóa, Thể thao và Du lịch", "en": "Ministry of Culture, Sports and Tourism"}


def decide(client: FlaskClient, task_id: str, who: str, decision: str = "approve", comment: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        f"/approvals/tasks/{task_id}/decision", json={"decision": decision, "comment": comment}, headers=auth(who)
    )


REPORT_CONTEXT = (
    "report_id",
    "report_kind",
    "plan_ref",
    "plan_ref_version",
    "plan_ref_number",
    "period_start",
    "period_end",
)


def context_of(report: dict[str, Any]) -> dict[str, Any]:
    """The plan fields describing the report, its subject and its report context."""
    keys = ("plan_id", "version", "title", "org_unit", "province", "year", "subject", *REPORT_CONTEXT)
    return {key: report[key] for key in keys}


def plan_fields_only(data: dict[str, Any]) -> dict[str, Any]:
    """What a receiver written when plans were the only documents reads of an approval event."""
    return {key: data[key] for key in ("plan_id", "version", "title", "org_unit", "province", "year")}


def test_a_report_goes_through_the_report_chain_and_stops_at_the_province(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    report = report_submitted()
    assert deliver("report.submitted", report) == "handled"

    tasks = client.get("/approvals/tasks?kind=report", headers=auth("dept.cb")).get_json()["items"]
    mine = next(task for task in tasks if task["plan_id"] == report["report_id"])
    assert mine["subject"] == {
        "kind": "report",
        "id": report["report_id"],
        "version": 1,
        "content_sha256": report["content_sha256"],
    }
    assert (mine["title"], mine["level_name"]["vi"]) == (
        "Báo cáo tổng kết công tác thông tin đối ngoại năm 2024",
        "Lãnh đạo Sở",
    )
    plans_only = client.get("/approvals/tasks?kind=plan", headers=auth("dept.cb")).get_json()["items"]
    assert all(task["subject"]["kind"] == "plan" for task in plans_only)

    assert decide(client, mine["id"], "dept.cb", comment="Trình UBND tỉnh.").status_code == 201
    last = decide(client, open_task_of(db, report["report_id"]).id, "province.cb")
    assert last.status_code == 201
    assert (last.get_json()["approval_status"], last.get_json()["current_level"]) == ("approved", 2)

    detail = client.get(f"/approvals/{mine['approval_id']}", headers=auth("drafter.cb")).get_json()
    assert detail["verified"] is True and detail["status"] == "approved"
    assert detail["subject"]["kind"] == "report" and detail["subject"]["id"] == report["report_id"]
    assert detail["subject"]["document_date"] == "2024-12-16"
    assert detail["plan"]["plan_id"] == report["report_id"]  # the plan fields describe the same document
    assert (detail["chain"]["key"], len(detail["chain"]["levels"])) == ("ttdn-report", 2)
    # the ministry receives the report in 2024 as the Ministry of Information and Communications
    assert detail["chain"]["receiver"]["name_on_date"] == MIC
    assert {d["content_sha256"] for d in detail["decisions"]} == {report["content_sha256"]}
    signed = {"kind": "report", "id": report["report_id"], "version": 1}
    assert [d["subject"] for d in detail["decisions"]] == [signed, signed]  # each decision signs its subject

    events = outbox_events(db, report["report_id"])
    assert [key for key, _ in events] == [
        "approval.task_assigned",
        "approval.decision_recorded", "approval.task_assigned",
        "approval.decision_recorded", "approval.completed",
    ]  # fmt: skip
    for _, data in events:
        assert data["subject"]["kind"] == "report" and data["subject"]["id"] == report["report_id"]
        assert plan_fields_only(data) == {
            "plan_id": report["report_id"],
            "version": 1,
            "title": report["title"],
            "org_unit": "svhttdl-cao-bang",
            "province": "ubnd-cao-bang",
            "year": 2024,
        }
    assert events[-1][1]["chain_key"] == "ttdn-report" and events[-1][1]["outcome"] == "approved"


def test_a_returned_report_resubmitted_keeps_its_authors_out_and_withdrawal_is_arbitrated(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    report = report_submitted(edited_by=["drafter.cb"])
    deliver("report.submitted", report)
    task = open_task_of(db, report["report_id"])
    assert decide(client, task.id, "dept.cb", "return", "Bổ sung số liệu tập huấn.").status_code == 201

    second = report_submitted(
        report_id=report["report_id"],
        version=2,
        submitted_by="dual.cb",
        edited_by=["drafter.cb", "dual.cb"],
        submitted_at="2024-12-17T02:00:00Z",
    )
    deliver("report.submitted", second)
    task = open_task_of(db, report["report_id"])
    refused = decide(client, task.id, "dual.cb")
    assert refused.status_code == 403
    assert refused.get_json()["type"] == "urn:ttdn:problem:separation-of-duties"
    assert "you submitted this report" in refused.get_json()["detail"]

    request = {
        **context_of(second),
        "request_id": "3d6f9b2c-1a4e-4c8d-9f0b-7e2a5c8d1b46",
        "by": "drafter.cb",
        "requested_at": "2024-12-17T03:00:00Z",
        "seen_decisions": 0,
    }
    assert deliver("report.withdrawal_requested", request) == "handled"
    answered = [data for key, data in outbox_events(db, report["report_id"]) if key.endswith("withdrawal_answered")]
    assert [(a["accepted"], a["subject"]["kind"], a["version"]) for a in answered] == [(True, "report", 2)]
    completed = [data for key, data in outbox_events(db, report["report_id"]) if key == "approval.completed"]
    assert [c["outcome"] for c in completed] == ["returned", "cancelled"]


def test_a_report_withdrawn_before_its_submission_arrives_starts_nothing(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    report = report_submitted()
    withdrawn = {
        **context_of(report),
        "by": "drafter.cb",
        "withdrawn_at": "2024-12-16T03:00:00Z",
    }
    assert deliver("report.withdrawn", withdrawn) == "handled"
    assert deliver("report.submitted", report) == "handled"
    assert outbox_events(db, report["report_id"]) == []
    # a plan with the same id is another subject: its submission still starts an approval
    plan = plan_submitted(plan_id=report["report_id"])
    deliver("plan.submitted", plan)
    assert [key for key, _ in outbox_events(db, plan["plan_id"])] == ["approval.task_assigned"]


def test_a_report_event_without_a_subject_is_read_by_its_type(
    client: FlaskClient, deliver: Callable, db: Database
) -> None:
    report = report_submitted()
    del report["subject"]
    deliver("report.submitted", report)
    events = outbox_events(db, report["report_id"])
    assert [key for key, _ in events] == ["approval.task_assigned"]
    assert events[0][1]["subject"]["kind"] == "report"


def test_chain_versions_by_document_date_through_the_api(client: FlaskClient, deliver: Callable, db: Database) -> None:
    chain = client.get("/approval-chains/ttdn-plan", headers=auth("admin")).get_json()
    assert chain["levels"][2]["name"] == MIC
    assert chain["levels"][2]["names_from"] == [{"from": "2025-03-01", "name": MCST}]
    levels = [
        {
            key: level[key]
            for key in ("name", "names_from", "role", "scope", "quorum", "sla_working_days")
            if key in level
        }
        for level in chain["levels"]
    ]
    levels[0]["sla_working_days"] = 5
    published = client.put(
        "/approval-chains/ttdn-plan",
        json={"name": chain["name"], "levels": levels, "valid_from": "2030-01-01"},
        headers=auth("admin"),
    )
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["valid_from"] == "2030-01-01"
    version = published.get_json()["version"]

    # a 2024 submission still takes the version in force in 2024, with the ministry of then
    plan = plan_submitted()
    deliver("plan.submitted", plan)
    approval_id = outbox_events(db, plan["plan_id"])[0][1]["approval_id"]
    detail = client.get(f"/approvals/{approval_id}", headers=auth("admin")).get_json()
    assert detail["chain"]["version"] < version
    assert detail["chain"]["levels"][2]["name_on_date"] == MIC

    bad = client.put(
        "/approval-chains/ttdn-plan",
        json={
            "name": chain["name"],
            "levels": [{**levels[0], "names_from": [{"from": "2025-03-01", "name": {"vi": "Sở"}}]}],
            "valid_from": "mùng một",
        },
        headers=auth("admin"),
    )
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert errors["valid_from"] == ["Not a valid date."]
    assert list(errors["levels"]["0"]["names_from"]["0"]["name"]) == ["en"]
