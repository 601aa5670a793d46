"""The approver's task pages and the drafter's start from last year in a real browser, by clicking
and typing: a delegation chosen in the picker (searched by name, without accents) and the history
that names both people; a bulk approval from the task list of a task whose decision page was
opened; an out-of-office period sending an arriving task to the deputy; a new plan started from
last year's approved one. Screens are saved under var/screenshots/; no page logs a console error.

The plans are set up through the API (the seed scenario's walk types one in); the stack is shared,
so each has a title of its own, and the absence recorded here is ended before the test returns."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import expect

from infra.local.sample_plans import CAO_BANG_2024
from tests.e2e.browser.test_seed_scenario import User
from tests.support.journeys import Person, plan_body
from tests.support.orgs import unit_of
from tests.support.stack import Stack

# bypass_csp: the pages allow only their own scripts; the audit injects axe-core's.
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN", "bypass_csp": True}


def submitted(people: dict[str, Person], drafter: str, title: str, org_unit: str = "") -> str:
    author = people[drafter]
    plan = author.create_plan(plan_body(CAO_BANG_2024, title=title, org_unit=org_unit or unit_of(drafter)))
    author.submit(plan["id"])
    return plan["id"]


def test_delegation_bulk_approval_and_out_of_office_in_a_browser(  # type: ignore[no-untyped-def]
    stack: Stack, people, chromium, screenshots: Path, axe: Path
) -> None:
    errors: list[str] = []
    gateway = stack.url("gateway")
    title = f"Kế hoạch thông tin đối ngoại năm 2024 — ủy quyền {uuid.uuid4().hex[:6]}"
    submitted(people, "drafter.cb", title)
    dept = User(chromium.new_context(**DESKTOP), stack, "dept.cb", screenshots, errors, axe)
    deputy = User(chromium.new_context(**DESKTOP), stack, "dual.cb", screenshots, errors, axe)

    # -- the department director hands the task to a deputy chosen by name
    dept.login()
    dept.reload_until(gateway + "/tasks", "table.list a", title)
    dept.page.get_by_role("link", name=title).click()
    approval_url = dept.page.url
    dept.page.get_by_text("Ủy quyền cho người khác").click()
    dept.page.get_by_label("Tìm người nhận ủy quyền (tên, chức vụ)").fill("luong thu")
    dept.page.get_by_role("button", name="Tìm", exact=True).click()
    picker = dept.page.get_by_label("Người nhận ủy quyền", exact=True)
    expect(picker.locator("option", has_text="Lương Thị Thu — Phó Trưởng phòng")).to_have_count(1)
    picker.select_option(label="Lương Thị Thu — Phó Trưởng phòng")
    dept.page.get_by_label("Lời nhắn cho người được ủy quyền").fill("Tôi đi công tác Hà Nội, nhờ chị xem xét.")
    dept.shot("task-01-delegation-picker")
    dept.page.get_by_role("button", name="Ủy quyền", exact=True).click()
    expect(dept.page.locator(".notice.success")).to_contain_text("Đã ủy quyền cho dual.cb.")

    # -- the deputy opens it, then approves it from the task list (bulk approval)
    deputy.login()
    deputy.reload_until(gateway + "/tasks?delegated=true", "table.list a", title)
    row = deputy.page.locator("tr", has_text=title)
    expect(row.get_by_text("Được dept.cb ủy quyền")).to_be_visible()
    expect(row.locator("input[type=checkbox]")).to_have_count(0)  # not opened yet: not selectable
    row.get_by_role("link", name=title).click()
    expect(deputy.page.get_by_role("heading", name="Quyết định")).to_be_visible()
    deputy.page.goto(gateway + "/tasks")
    deputy.page.locator("tr", has_text=title).locator("input[type=checkbox]").check()
    deputy.page.get_by_label("Ý kiến, nhận xét").fill("Nhất trí trình Ủy ban nhân dân tỉnh.")
    deputy.shot("task-02-bulk-approval")
    deputy.page.get_by_role("button", name="Đồng ý các việc đã chọn").click()
    expect(deputy.page.locator(".notice.success")).to_contain_text("Đã ghi nhận đồng ý cho 1 kế hoạch.")
    deputy.page.goto(approval_url)
    history = deputy.page.get_by_test_id("approval-history")
    expect(history).to_contain_text("Hoàng Văn Minh ủy quyền cho Lương Thị Thu")
    expect(history).to_contain_text("Lý do: Tôi đi công tác Hà Nội, nhờ chị xem xét.")
    expect(history).to_contain_text("Lương Thị Thu (được Hoàng Văn Minh ủy quyền)")
    deputy.shot("task-03-history")

    # -- out of office: the director names the deputy for today and tomorrow
    dept.page.goto(gateway + "/tasks")
    dept.page.get_by_role("link", name="Vắng mặt và ủy quyền").click()
    today = (datetime.now(UTC) + timedelta(hours=7)).date()
    dept.page.get_by_label("Người thay").select_option(label="Lương Thị Thu — Phó Trưởng phòng")
    dept.page.get_by_label("Từ ngày").fill(today.isoformat())
    dept.page.get_by_label("Đến ngày").fill((today + timedelta(days=1)).isoformat())
    dept.page.get_by_label("Lý do").fill("Học tập trung tại Hà Nội.")
    dept.shot("task-04-out-of-office")
    dept.page.get_by_role("button", name="Lưu").click()
    expect(dept.page.locator(".notice.success")).to_contain_text("Đã ghi nhận thời gian vắng mặt và người thay.")
    try:
        away = f"Kế hoạch thông tin đối ngoại năm 2024 — khi vắng mặt {uuid.uuid4().hex[:6]}"
        submitted(people, "drafter.cb", away)
        deputy.reload_until(gateway + "/tasks", "table.list a", away)
        expect(deputy.page.locator("tr", has_text=away).get_by_text("Thay dept.cb (vắng mặt)")).to_be_visible()
        deputy.shot("task-05-deputy-task")
    finally:
        dept.page.goto(gateway + "/out-of-office")
        dept.page.get_by_role("button", name="Kết thúc ngay").first.click()
    expect(dept.page.locator(".notice.success")).to_contain_text("Đã kết thúc ủy quyền vắng mặt.")
    assert errors == [], errors


def test_a_plan_started_from_last_years_in_a_browser(  # type: ignore[no-untyped-def]
    stack: Stack, people, chromium, screenshots: Path, axe: Path
) -> None:
    errors: list[str] = []
    title = f"Kế hoạch thông tin đối ngoại năm 2024 của Quảng Bình {uuid.uuid4().hex[:6]}"
    plan_id = submitted(people, "drafter.qb", title, org_unit=unit_of("drafter.qb"))
    for level, who in enumerate(("dept.qb", "province.qb", "ministry.1"), start=1):
        people[who].approve_level(plan_id, level=level)
    people["drafter.qb"].wait_for_status(plan_id, "approved", timeout=30)

    drafter = User(chromium.new_context(**DESKTOP), stack, "drafter.qb", screenshots, errors, axe)
    drafter.login()
    drafter.page.goto(stack.url("gateway") + "/plans")
    drafter.page.get_by_label("cho năm").fill("2025")
    drafter.page.get_by_role("button", name="Tạo từ kế hoạch năm trước").click()
    expect(drafter.page.locator(".notice.success")).to_contain_text("Đã tạo bản nháp từ kế hoạch năm trước")
    expect(drafter.page.get_by_role("heading", level=1)).to_contain_text("năm 2025")
    drafter.shot("task-06-copied-plan")
    assert re.search(r"/plans/[0-9a-f-]{36}", drafter.page.url)
    assert errors == [], errors


def submit_report(user: User, title: str, shot: str = "") -> None:
    """Send the report up: the button, and the one confirmation step naming the report."""
    page = user.page
    page.get_by_role("button", name="Trình duyệt").click()
    expect(page.get_by_test_id("confirm-question")).to_contain_text(title)
    expect(page.get_by_test_id("report-status")).to_have_count(0)  # nothing sent until confirmed
    if shot:
        user.shot(shot + "-confirm")
    page.get_by_role("button", name="Trình báo cáo").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Đang trình duyệt")


def open_report_task(user: User, title: str) -> None:
    """The approver opens the report's decision page from their task list (once the task has arrived)."""
    user.reload_until(user.stack.url("gateway") + "/tasks", "table.list a", title)
    user.page.get_by_role("link", name=title).first.click()
    expect(user.page.get_by_role("heading", name="Quyết định")).to_be_visible()


def decide_on_report(user: User, title: str, decision: str, comment: str, shot: str = "") -> None:
    """On the report's decision page: the choice, the comment, and one confirmation naming the report."""
    page = user.page
    page.locator(f"input[name=decision][value={decision}]").check()
    page.get_by_label("Ý kiến, nhận xét").fill(comment)
    page.get_by_role("button", name="Ghi nhận quyết định").click()
    question = page.get_by_test_id("confirm-question")
    expect(question).to_contain_text(title)
    expect(question).to_contain_text("báo cáo")
    if shot:
        user.shot(shot + "-confirm")
    button = {"approve": "Đồng ý báo cáo", "return": "Trả lại báo cáo"}[decision]
    page.get_by_role("button", name=button).click()
    expect(page.locator(".notice.success")).to_contain_text("báo cáo" if decision == "return" else "Đã ghi nhận")


def test_a_report_from_the_approved_plan_to_its_number_and_the_ministrys_receipt_in_a_browser(  # type: ignore[no-untyped-def]
    stack: Stack, people, chromium, screenshots: Path, axe: Path
) -> None:
    """Issue 14's walk: the drafter starts a six-month report from the approved plan's page and fills
    in the results table (the percentage previewed as they type, the shortfall marked), then submits
    it through its confirmation step; the department
    sees targets, actuals and shortfalls at a glance and returns it; the drafter revises and resubmits;
    the department sees what changed; the provincial committee issues it as NN/BC-UBND; the ministry
    records its receipt, which the drafter sees. A six-month report: the shared stack's other tests
    report on Cao Bằng's plans yearly, and one report of a kind per unit and period is allowed."""
    errors: list[str] = []
    gateway = stack.url("gateway")
    plan_title = f"Kế hoạch thông tin đối ngoại năm 2024 — báo cáo 6 tháng {uuid.uuid4().hex[:6]}"
    plan_id = submitted(people, "drafter.cb", plan_title)
    drafter = User(chromium.new_context(**DESKTOP), stack, "drafter.cb", screenshots, errors, axe)
    dept = User(chromium.new_context(**DESKTOP), stack, "dept.cb", screenshots, errors, axe)
    province = User(chromium.new_context(**DESKTOP), stack, "province.cb", screenshots, errors, axe)
    ministry = User(chromium.new_context(**DESKTOP), stack, "ministry.1", screenshots, errors, axe)
    for user in (drafter, dept, province, ministry):  # while the plan's first task is on its way
        user.login()
    for level, who in enumerate(("dept.cb", "province.cb", "ministry.1"), start=1):
        people[who].approve_level(plan_id, level=level)
    people["drafter.cb"].wait_for_status(plan_id, "approved", timeout=30)
    page = drafter.page

    # -- the drafter starts the report from the approved plan's page
    page.goto(f"{gateway}/plans/{plan_id}")
    page.get_by_label("Loại báo cáo").select_option(label="Báo cáo 6 tháng")
    page.get_by_role("button", name="Lập báo cáo kết quả").click()
    expect(page.locator(".notice.success")).to_contain_text("Đã lập báo cáo từ kế hoạch")
    title = page.get_by_role("heading", level=1).inner_text()
    assert title == "Báo cáo kết quả công tác thông tin đối ngoại 6 tháng đầu năm 2024"
    report_url = page.url.split("?")[0]
    assert re.search(r"/reports/[0-9a-f-]{36}$", report_url)

    # -- the results table: the target beside an input for the actual value, the percentage as they type
    results = page.get_by_test_id("results")
    trained = results.locator("tr", has=page.get_by_label("Thực hiện: Số người tham gia"))
    expect(trained.locator("td.amount").first).to_have_text("200")  # the plan's frozen target
    page.get_by_label("Thực hiện: Số người tham gia").fill("150")
    expect(trained.locator("output.preview-pct")).to_have_text("→ 75,0 %")
    expect(trained).to_have_class(re.compile(r"\bshortfall-preview\b"))
    for name, actual in (("Số lớp", "1"), ("Tin, bài, ảnh", "1.020"), ("Chuyên mục", "48"), ("Chương trình", "12")):
        page.get_by_label(f"Thực hiện: {name}").fill(actual)
    page.get_by_label("Thực hiện: Triển lãm").fill("1")
    expect(results.locator("tr", has=page.get_by_label("Thực hiện: Tin, bài, ảnh")).locator("output")).to_have_text(
        "→ 113,3 %"
    )
    statuses = page.get_by_label("Tình hình thực hiện")
    statuses.nth(0).select_option(label="Hoàn thành một phần")
    for index in range(1, statuses.count()):
        statuses.nth(index).select_option(label="Đã hoàn thành")
    page.get_by_label("Kết quả cụ thể").first.fill("Tổ chức 1 lớp tập huấn cho 150 cán bộ khu vực biên giới.")
    drafter.shot("report-01-drafter-fills-results")
    page.get_by_role("button", name="Lưu báo cáo").click()
    expect(page.locator(".notice.success")).to_have_text("Đã lưu báo cáo.")
    trained = page.get_by_test_id("results").locator("tr", has=page.get_by_label("Thực hiện: Số người tham gia"))
    expect(trained.get_by_test_id("completion")).to_have_text("75,0 %")  # the API's, once saved
    expect(trained.locator(".shortfall-mark")).to_have_text("Chưa đạt")
    submit_report(drafter, title, "report-03-drafter-submits")

    # -- the department sees targets, actuals and shortfalls at a glance, and returns it
    open_report_task(dept, title)
    expect(dept.page.get_by_role("heading", name="Nội dung báo cáo")).to_be_visible()
    short = dept.page.get_by_test_id("results").locator("tr.shortfall")
    expect(short).to_have_count(1)
    for seen in ("Số người tham gia", "200", "150", "75,0 %", "Chưa đạt"):
        expect(short).to_contain_text(seen)
    dept.shot("report-04-dept-reads")
    decide_on_report(dept, title, "return", "Đề nghị bổ sung kết quả tập huấn: chỉ tiêu 200 người.", "report-04-dept")
    # -- the drafter reads the comment on top of the report, revises and resubmits
    drafter.reload_until(report_url, "[data-testid=returning-comment]", "chỉ tiêu 200 người")
    expect(page.get_by_test_id("report-status")).to_have_text("Bị trả lại")
    page.get_by_label("Mức (trên, gần, khoảng…)").first.select_option("trên")
    page.get_by_label("Thực hiện: Số người tham gia").fill("210")
    expect(page.get_by_test_id("results").locator("tr.shortfall-preview")).to_have_count(0)
    drafter.shot("report-05-drafter-revises")
    page.get_by_role("button", name="Lưu báo cáo").click()
    expect(page.locator(".notice.success")).to_have_text("Đã lưu báo cáo.")
    submit_report(drafter, title)

    # -- the department sees what changed, and approves; the provincial committee issues it
    open_report_task(dept, title)
    changes = dept.page.get_by_test_id("changes")
    expect(changes).to_contain_text("Số người tham gia: 150 → trên 210")
    reviewed = dept.page.get_by_test_id("results")
    expect(reviewed.locator("tr.shortfall")).to_have_count(0)
    expect(reviewed).to_contain_text("105,0 %")
    dept.shot("report-07-dept-sees-changes")
    decide_on_report(dept, title, "approve", "Nhất trí trình UBND tỉnh ban hành.")
    open_report_task(province, title)
    decide_on_report(province, title, "approve", "Đồng ý ban hành báo cáo.")

    # -- issued as NN/BC-UBND; the ministry records its receipt, which the drafter sees
    drafter.reload_until(report_url, "[data-testid=document-number]")
    expect(page.get_by_test_id("report-status")).to_have_text("Đã phê duyệt")
    expect(page.get_by_test_id("document-number")).to_contain_text(re.compile(r"Số: \d+/BC-UBND"))
    number = page.get_by_test_id("document-number").inner_text().replace("Số:", "").strip()
    drafter.shot("report-10-drafter-issued")
    ministry.page.goto(report_url)
    ministry.page.get_by_label("Ghi chú khi nhận (không bắt buộc)").fill("Đã nhận, tổng hợp vào báo cáo chung.")
    ministry.page.get_by_role("button", name="Xác nhận đã nhận báo cáo").click()
    expect(ministry.page.get_by_test_id("report-receipt")).to_contain_text("Bộ đã nhận báo cáo")
    ministry.shot("report-11-ministry-receives")
    drafter.reload_until(report_url, "[data-testid=report-receipt]", "Đã nhận, tổng hợp vào báo cáo chung.")

    # -- the drafter's inbox: the final approval is one item (not three), its link in words
    issued = page.get_by_test_id("inbox-item").filter(has_text=f"Báo cáo đã được cấp số {number}")
    drafter.reload_until(gateway + "/inbox", "[data-testid=inbox-item]", f"Báo cáo đã được cấp số {number}")
    expect(issued).to_have_count(1)
    expect(issued).to_contain_text("Đồng ý ban hành báo cáo.")  # the decision's comment, in the same item
    expect(issued.get_by_role("link", name="Xem báo cáo")).to_be_visible()
    # the department's approval of the second version is an item of its own; the province's final one is not
    expect(page.get_by_test_id("inbox-item").filter(has_text=title).filter(has_text="đồng ý báo cáo")).to_have_count(1)
    drafter.shot("report-12-drafter-inbox")
    issued.get_by_role("link", name="Xem báo cáo").click()
    expect(page).to_have_url(report_url)
    for user in (drafter, dept, province, ministry):
        user.context.close()
    assert errors == [], "\n".join(errors)
