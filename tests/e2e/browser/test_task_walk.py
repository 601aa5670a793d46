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
