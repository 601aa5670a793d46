"""The report pages against the real services: the drafter starts the report from the approved
plan's page, sees each frozen target beside an input for the actual value (with the preview script),
saves actuals typed the Vietnamese way and sees the API's completion and shortfalls; a non-numeric
actual comes back named; the ministry records its receipt. The report chain's decisions cross
services by events (the e2e suite's); here the approval facts are handed to the plans service."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from plans.domain import commands
from servicekit.directory import Person

from tests.integration.web.conftest import Browser, World, text_of
from tests.integration.web.identity import realm_users
from tests.integration.web.test_drafter_pages import create_plan


def approve(
    world: World,
    document_id: str,
    levels: tuple[int, ...],
    *,
    version: int = 1,
    delegated: dict[int, tuple[str, str]] | None = None,
    assigned: Callable[[int], None] | None = None,
) -> None:
    """What the approvals service's events would tell the plans service: each level opened and approved
    (``delegated``: a level whose approver handed it, with a reason, to someone who then approved in
    their place; ``assigned`` is called as each level opens, before anyone decides)."""
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
        if assigned is not None:
            assigned(level)
        authority = {}
        if delegated and level in delegated:
            to, reason = delegated[level]
            bus.handle(
                commands.RecordDelegation(
                    **fact(),
                    task_id=f"t{level}",
                    level=level,
                    level_name=name,
                    from_user=by,
                    to_user=to,
                    comment=reason,
                )
            )
            by, authority = to, {"on_behalf_of": by, "delegation_kind": "manual"}
        bus.handle(
            commands.RecordDecision(**fact(), task_id=f"t{level}", level=level, level_name=name, by=by, **authority)
        )
    bus.handle(commands.CompleteApproval(**fact(), outcome="approved", level=levels[-1], by=roles[levels[-1]][1]))


@pytest.fixture
def directory(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plans service's directory answered from the realm's users, as Keycloak's Admin API would
    (the loopback identity provider of these tests has no Admin API)."""
    users = realm_users()

    def person_of(username: str) -> tuple[str, str] | None:
        user = users.get(username)
        if user is None:
            return None
        person = Person.from_representation({"id": username, **user})
        return person.display_name, person.position

    bus = world.upstreams.services.apps["plans.test"].extensions["plans"]
    monkeypatch.setitem(bus.dependencies, "person_of", person_of)


def link_call(browser: Browser, page_path: str, call_id: str) -> tuple[int, str, str]:
    """Choose a call in the page's "Công văn trả lời" select: the answer's status, the page then
    shown (followed after a redirect) as text and as HTML."""
    page = browser.get(page_path)
    answer = browser.post(f"{page_path}/call", {"call_id": call_id}, from_page=page)
    shown = browser.follow(answer)
    return answer.status_code, text_of(shown), shown.get_data(as_text=True)


def test_the_drafter_chooses_the_call_a_plan_and_its_report_answer(browser: Browser, world: World) -> None:
    """The plan's and the report's pages show the call the document answers and, while it is editable,
    a select of the calls that fit (the current one marked, or none); a choice the API refuses is
    explained beside the select."""
    issue = {"issued_on": "2023-10-06", "provinces": ["ubnd-cao-bang"]}
    asked = world.api(
        "ministry.1",
        "POST",
        "/calls",
        json={
            **issue,
            "reference": "3616/BTTTT-TTĐN",
            "plan_year": 2024,
            "plan_due": "2023-12-20",
            "report_year": 2024,
            "report_due": "2024-12-20",
        },
    )
    old = world.api(
        "ministry.1",
        "POST",
        "/calls",
        json={**issue, "reference": "17/BTTTT-TTĐN", "report_year": 2023, "report_due": "2023-12-25"},
    )
    browser.login("drafter.cb")
    plan_id = create_plan(browser)
    page = browser.get(f"/plans/{plan_id}")
    html, text = page.get_data(as_text=True), text_of(page)
    assert "Công văn trả lời" in text and asked["citation"] in text and "(tự động theo năm và tỉnh)" in text
    assert re.search(rf'<option value="{asked["id"]}" selected>[^<]*3616/BTTTT-TTĐN[^<]*\(đang chọn\)', html)
    assert '<option value="" >' in html and old["id"] not in html  # none is offered; a call that does not fit is not

    # A call that does not ask for this plan (forged in the form): refused, the reason beside the select.
    status, text, html = link_call(browser, f"/plans/{plan_id}", old["id"])
    assert status == 422 and 'id="err-call_id"' in html and 'aria-invalid="true"' in html
    assert "Công văn này không đề nghị tỉnh gửi kế hoạch năm 2024." in text
    status, text, html = link_call(browser, f"/plans/{plan_id}", "")
    assert status == 303 and "Đã lưu công văn trả lời." in text and "Không trả lời công văn nào" in text
    assert re.search(r'<option value="" selected>[^<]*\(đang chọn\)', html)
    status, text, _ = link_call(browser, f"/plans/{plan_id}", asked["id"])
    assert status == 303 and asked["citation"] in text and "(tự động theo năm và tỉnh)" not in text

    browser.post(f"/plans/{plan_id}/submit", {"etag": "", "confirm": "yes"})
    assert 'name="call_id"' not in browser.get(f"/plans/{plan_id}").get_data(as_text=True)  # fixed once submitted
    approve(world, plan_id, (1, 2, 3))
    # (a six-month report: the other test of this module makes the year's report of the same unit)
    started = browser.post(
        f"/plans/{plan_id}/report", {"kind": "semiannual"}, from_page=browser.get(f"/plans/{plan_id}")
    )
    report_path = "/reports/" + started.headers["Location"].split("/reports/")[1].split("?")[0]
    report = text_of(browser.follow(started))
    assert asked["citation"] in report and "(tự động theo năm và tỉnh)" in report
    status, text, html = link_call(browser, report_path, old["id"])
    assert status == 422 and "Công văn này không đề nghị tỉnh gửi báo cáo năm 2024." in text
    assert 'id="err-call_id"' in html
    status, text, _ = link_call(browser, report_path, asked["id"])
    assert status == 303 and "Đã lưu công văn trả lời." in text
    assert world.api("drafter.cb", "GET", f"{report_path}/call")["chosen"] is True

    # In English too: the control, and the API's reason for a refusal.
    browser.post("/language", {"locale": "en", "next": report_path}, from_page=browser.get(report_path))
    status, text, _ = link_call(browser, report_path, old["id"])
    assert status == 422 and "Call answered" in text and "The ministry's letter this document answers" in text
    assert "This call does not ask your province for a report of 2024." in text


def test_a_report_is_started_from_the_approved_plan_filled_in_and_received(
    browser: Browser, world: World, directory: None
) -> None:
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

    # Submitting asks first, in one step naming the report; only the confirmed form submits it.
    asked = browser.post(f"/reports/{report_id}/submit", {"etag": ""}, from_page=page)
    assert asked.status_code == 200 and 'data-testid="confirm"' in asked.get_data(as_text=True)
    title = report["title"]
    assert f"Trình báo cáo “{title}” để lãnh đạo xem xét, phê duyệt?" in text_of(asked)
    assert world.api("drafter.cb", "GET", f"/reports/{report_id}")["status"] == "draft"
    submitted = browser.post(f"/reports/{report_id}/submit", {"etag": "", "confirm": "yes"}, from_page=asked)
    assert submitted.status_code == 303, text_of(submitted)

    def withdrawal_is_confirmed_first(level: int) -> None:
        if level != 1:
            return
        step = browser.post(f"/reports/{report_id}/withdraw", {"etag": ""}, from_page=page)
        assert step.status_code == 200 and f"Rút lại báo cáo “{title}” đang chờ Cấp 1 duyệt?" in text_of(step)
        assert world.api("drafter.cb", "GET", f"/reports/{report_id}")["status"] == "submitted"  # not yet

    approve(
        world,
        report_id,
        (1, 2),
        delegated={1: ("dual.cb", "Tôi đi công tác.")},
        assigned=withdrawal_is_confirmed_first,
    )
    # The history names people (family name first, with their position), never by username, and
    # shows the delegation and the decision taken in the delegator's place.
    history = text_of(browser.get(f"/reports/{report_id}")).split("Quá trình xử lý")[-1]
    assert "Hoàng Văn Minh, Phó Giám đốc ủy quyền cho Lương Thị Thu, Phó Trưởng phòng" in history
    assert "Lý do: Tôi đi công tác." in history
    assert "Lương Thị Thu, Phó Trưởng phòng (được Hoàng Văn Minh, Phó Giám đốc ủy quyền)" in history
    assert "Nông Thị Hoa, Chuyên viên" in history and "Bế Đức Thắng, Phó Chủ tịch" in history
    assert not re.search(r"\b(dept|dual|drafter|province)\.cb\b", history)
    issued = world.api("drafter.cb", "GET", f"/reports/{report_id}")
    assert issued["status"] == "approved" and issued["document_number"].endswith("/BC-UBND")
    assert "Báo cáo" in text_of(browser.get("/reports")) and issued["title"] in text_of(browser.get("/reports"))

    ministry = Browser(world)
    received_page = ministry.login("ministry.1", start=f"/reports/{report_id}")
    assert "Xác nhận đã nhận báo cáo" in text_of(received_page) and "Chưa đạt" in text_of(received_page)
    received = ministry.post(f"/reports/{report_id}/receipt", {"note": "Đã nhận."}, from_page=received_page)
    assert received.status_code == 303, text_of(received)
    assert "Bộ đã nhận báo cáo" in text_of(ministry.follow(received))
