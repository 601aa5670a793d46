"""The report pages against the real services: the drafter starts the report from the approved
plan's page, sees each frozen target beside an input for the actual value (with the preview script),
saves actuals typed the Vietnamese way and sees the API's completion and shortfalls; a non-numeric
actual comes back named; the ministry records its receipt. The report chain's decisions cross
services by events (the e2e suite's); here the approval facts are handed to the plans service."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape

from plans.domain import commands

from tests.integration.web.conftest import Browser, World, text_of
from tests.integration.web.test_drafter_pages import create_plan


def approve(world: World, document_id: str, levels: tuple[int, ...], *, version: int = 1) -> None:
    """What the approvals service's events would tell the plans service: each level opened and approved."""
    bus = world.upstreams.services.apps["plans.test"].extensions["plans"]
    approval, at = str(uuid.uuid4()), datetime.now(UTC)
    roles = {
        1: ("dept_approver", "dept.cb"),
        2: ("province_approver", "province.cb"),
        3: ("ministry_approver", "ministry.1"),
    }

    def fact() -> dict:
        nonlocal at
        at += timedelta(milliseconds=5)
        return {
            "event_id": str(uuid.uuid4()),
            "plan_id": document_id,
            "approval_id": approval,
            "version": version,
            "occurred_at": at,
        }

    for level in levels:
        role, by = roles[level]
        name = {"vi": f"Cấp {level}", "en": f"Level {level}"}
        bus.handle(commands.RecordTaskAssigned(**fact(), task_id=f"t{level}", level=level, level_name=name, role=role))
        bus.handle(commands.RecordDecision(**fact(), task_id=f"t{level}", level=level, level_name=name, by=by))
    bus.handle(commands.CompleteApproval(**fact(), outcome="approved", level=levels[-1], by=roles[levels[-1]][1]))


def test_a_report_is_started_from_the_approved_plan_filled_in_and_received(browser: Browser, world: World) -> None:
    browser.login("drafter.cb")
    plan_id = create_plan(browser)
    browser.post(f"/plans/{plan_id}/submit", {"etag": "", "confirm": "yes"})
    approve(world, plan_id, (1, 2, 3))
    plan_page = browser.get(f"/plans/{plan_id}")
    assert 'data-testid="start-report"' in plan_page.get_data(as_text=True)

    started = browser.post(f"/plans/{plan_id}/report", {"kind": "annual"}, from_page=plan_page)
    assert started.status_code == 303, text_of(started)
    report_id = started.headers["Location"].split("/reports/")[1].split("?")[0]
    page = browser.follow(started)
    html = page.get_data(as_text=True)
    text = text_of(page)
    assert "Đã lập báo cáo từ kế hoạch" in text and "Kỳ báo cáo từ 15/12/2023 đến 14/12/2024" in text
    assert 'name="results.0.indicators.0.actual"' in html and "report-form.js" in html
    assert 'data-target="200"' in html  # the frozen target beside the input, for the preview
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
    inputs = set(re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html))
    assert inputs <= labelled, f"inputs without a label: {inputs - labelled}"

    report = world.api("drafter.cb", "GET", f"/reports/{report_id}")
    etag = unescape(re.search(r'name="etag" value="([^"]+)"', html).group(1))
    fields = [("etag", etag), ("advantages", "Được sự quan tâm của Tỉnh ủy.")]
    for index, result in enumerate(report["results"]):
        fields.append((f"results.{index}.status", "done"))
        for position, _indicator in enumerate(result["indicators"]):
            fields.append((f"results.{index}.indicators.{position}.actual", "nhiều" if index == 1 else "190"))
    wrong = browser.post(f"/reports/{report_id}", fields, from_page=page)
    assert wrong.status_code == 422 and "results.1.indicators.0.actual" in text_of(wrong)
    assert world.api("drafter.cb", "GET", f"/reports/{report_id}")["revision"] == report["revision"]

    fields = [(name, "1.250" if value == "nhiều" else value) for name, value in fields]
    fields.append(("results.0.indicators.0.qualifier", "gần"))
    saved = browser.post(f"/reports/{report_id}", fields, from_page=page)
    assert saved.status_code == 303, text_of(saved)
    stored = world.api("drafter.cb", "GET", f"/reports/{report_id}")
    first = stored["results"][0]["indicators"][0]
    assert (first["actual"], first["qualifier"], first["completion_pct"], first["shortfall"]) == (
        190,
        "gần",
        95.0,
        True,
    )
    assert stored["results"][1]["indicators"][0]["actual"] == 1250
    shown = text_of(browser.follow(saved))
    assert "Đã lưu báo cáo." in shown and "95,0 %" in shown and "Chưa đạt" in shown

    submitted = browser.post(f"/reports/{report_id}/submit", {"etag": ""}, from_page=page)
    assert submitted.status_code == 303, text_of(submitted)
    approve(world, report_id, (1, 2))
    issued = world.api("drafter.cb", "GET", f"/reports/{report_id}")
    assert issued["status"] == "approved" and issued["document_number"].endswith("/BC-UBND")
    assert "Báo cáo" in text_of(browser.get("/reports")) and issued["title"] in text_of(browser.get("/reports"))

    ministry = Browser(world)
    received_page = ministry.login("ministry.1", start=f"/reports/{report_id}")
    assert "Xác nhận đã nhận báo cáo" in text_of(received_page) and "Chưa đạt" in text_of(received_page)
    received = ministry.post(f"/reports/{report_id}/receipt", {"note": "Đã nhận."}, from_page=received_page)
    assert received.status_code == 303, text_of(received)
    assert "Bộ đã nhận báo cáo" in text_of(ministry.follow(received))
