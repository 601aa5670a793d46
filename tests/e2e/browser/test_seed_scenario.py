"""The seed scenario in a real browser, by clicking and typing: the Cao Bằng
drafter creates and submits the 2024 plan, the department approves, the
provincial committee returns it with a comment, the drafter revises and
resubmits with a reply to the comment, all three levels approve, and the number
appears. Every act is confirmed in one step naming the plan (and the level). Every
screen is saved under var/screenshots/, no page logs a console error, and every page
passes axe-core's WCAG 2.1 AA rules with no critical or serious violation and shows no
English on a Vietnamese page (audit.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser.audit import audit
from tests.support.journeys import eventually
from tests.support.stack import PASSWORD, Stack

# Its own title: the stack is shared with the other end-to-end scenarios, whose Cao Bằng
# plans may also wait in the same approvers' task lists.
TITLE = "Kế hoạch thông tin đối ngoại năm 2024 về quảng bá Cao Bằng qua Cụm thông tin Thác Bản Giốc"
RETURN_COMMENT = "Đề nghị bổ sung hoạt động xuất bản ấn phẩm song ngữ và rà soát lại kinh phí tập huấn."
REPLY = "Đã bổ sung hoạt động xuất bản ấn phẩm song ngữ; kinh phí tập huấn giảm còn 120.000.000 đồng."
EVENT_TIMEOUT = 30.0  # the events between services travel through RabbitMQ


class User:
    """One person at their own browser (own cookies, own identity-provider session)."""

    def __init__(
        self, context: BrowserContext, stack: Stack, username: str, shots: Path, errors: list[str], axe: Path
    ) -> None:
        self.context = context
        self.errors = errors
        self.axe = axe
        self.stack = stack
        self.username = username
        self.shots = shots
        self.page: Page = context.new_page()
        gateway = stack.url("gateway")
        # Our pages must log no error; the identity provider's login page is not ours
        # (in production it is Keycloak's), so its messages are not counted.
        # A form sent back with its errors answers 422 on purpose (the walk provokes it), which
        # Chromium logs as a failed load: that one is not an error of the page.
        self.page.on(
            "console",
            lambda message: (
                errors.append(f"{username} {message.location.get('url')}: {message.text}")
                if message.type == "error"
                and self.page.url.startswith(gateway)
                and "the server responded with a status of 422" not in message.text
                else None
            ),
        )
        self.page.on("pageerror", lambda error: errors.append(f"{username} {gateway}: {error}"))

    def login(self) -> None:
        self.page.goto(self.stack.url("gateway") + "/")
        self.page.fill("#username", self.username)
        self.page.fill("#password", PASSWORD)
        self.page.click("#kc-login")
        self.page.wait_for_url(re.compile(re.escape(self.stack.url("gateway")) + r"/(plans|tasks|inbox)"))

    def shot(self, name: str) -> None:
        """Save the screen, and audit the page (accessibility, one language)."""
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)
        self.errors.extend(audit(self.page, name, self.axe))

    def reload_until(self, url: str, locator: str, text: str | None = None) -> None:
        """Open ``url`` until ``locator`` (with ``text``) shows: what another service does arrives by event."""
        deadline = time.monotonic() + EVENT_TIMEOUT
        while True:
            self.page.goto(url)
            found = self.page.locator(locator)
            if text is not None:
                found = found.filter(has_text=text)
            if found.count() > 0:
                return
            assert time.monotonic() < deadline, f"{locator} {text!r} never appeared at {url}"
            self.page.wait_for_timeout(250)

    def decide(self, decision: str, comment: str = "", shot: str = "", *, try_without_a_choice: bool = False) -> None:
        self.reload_until(self.stack.url("gateway") + "/tasks", "table.list a", TITLE)
        self.page.get_by_role("link", name=TITLE).first.click()
        expect(self.page.get_by_role("heading", name="Quyết định")).to_be_visible()
        expect(self.page.locator("input[name=decision]:checked")).to_have_count(0)  # nothing chosen for them
        if try_without_a_choice:
            self.page.get_by_role("button", name="Ghi nhận quyết định").click()
            summary = self.page.locator("[data-error-summary]")
            expect(summary).to_be_focused()
            expect(summary).to_contain_text("Hãy chọn Đồng ý, Trả lại hoặc Từ chối.")
            self.shot(f"{shot or self.username}-decision-errors")
        self.page.locator(f"input[name=decision][value={decision}]").check()
        if comment:
            self.page.get_by_label("Ý kiến, nhận xét").fill(comment)
        if shot:
            self.shot(shot)
        self.page.get_by_role("button", name="Ghi nhận quyết định").click()
        # One clear step naming the plan and the level before anything is recorded.
        expect(self.page.get_by_test_id("confirm-question")).to_contain_text(TITLE)
        if shot:
            self.shot(shot + "-confirm")
        button = {"approve": "Đồng ý kế hoạch", "return": "Trả lại kế hoạch", "reject": "Từ chối kế hoạch"}[decision]
        self.page.get_by_role("button", name=button).click()
        expect(self.page.locator(".notice.success")).to_be_visible()


def fill_activity(
    page: Page,
    row: int,
    *,
    title: str,
    category: str,
    budget: str,
    start: str,
    end: str,
    indicator: tuple[str, str, str],
) -> None:
    activity = page.locator("[data-activity]").nth(row)
    activity.get_by_label("Tên hoạt động").fill(title)
    activity.get_by_label("Nhóm hoạt động").select_option(category)
    activity.get_by_label("Đơn vị chủ trì").fill("svhttdl-cao-bang")
    activity.get_by_label("Đơn vị phối hợp").fill("bdbp-cao-bang, dai-ptth-cao-bang")
    activity.get_by_label("Từ ngày").fill(start)
    activity.get_by_label("Đến ngày").fill(end)
    activity.get_by_label("Kinh phí (đồng)").fill(budget)
    activity.get_by_role("button", name="Thêm chỉ tiêu").click()
    indicator_row = activity.locator("[data-indicator]").last
    indicator_row.get_by_label("Tên chỉ tiêu").fill(indicator[0])
    indicator_row.get_by_label("Đơn vị tính").fill(indicator[1])
    indicator_row.get_by_label("Chỉ tiêu", exact=True).fill(indicator[2])


# Longer than the suite's 300 s: the walk audits some twenty pages with axe-core as it goes.
@pytest.mark.timeout(600)
def test_the_seed_scenario_in_a_browser(stack: Stack, chromium, screenshots: Path, axe: Path) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    # bypass_csp: the pages allow only their own scripts; the audit injects axe-core's.
    desktop = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN", "bypass_csp": True}
    phone = {"viewport": {"width": 375, "height": 812}, "locale": "vi-VN", "is_mobile": True, "has_touch": True}
    phone["bypass_csp"] = True
    drafter = User(chromium.new_context(**desktop), stack, "drafter.cb", screenshots, errors, axe)
    dept = User(chromium.new_context(**desktop), stack, "dept.cb", screenshots, errors, axe)
    province = User(chromium.new_context(**phone), stack, "province.cb", screenshots, errors, axe)
    ministry = User(chromium.new_context(**desktop), stack, "ministry.1", screenshots, errors, axe)
    gateway = stack.url("gateway")
    page = drafter.page

    # -- the drafter writes the plan
    drafter.login()
    drafter.shot("01-drafter-plans")
    page.get_by_role("link", name="Tạo kế hoạch mới").click()
    # A first save of an empty form reports every missing field at once, each linked from the
    # summary that takes the focus.
    page.get_by_role("button", name="Lưu", exact=True).click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#title']")).to_be_visible()
    drafter.shot("02a-drafter-form-errors")
    page.get_by_label("Tên kế hoạch").fill(TITLE)
    page.get_by_label(re.compile(r"^Năm\W*$")).fill("2024")  # "Năm *": a required field
    page.get_by_label("I. Mục đích, yêu cầu").fill(
        "Chủ động cung cấp thông tin chính thống về Cao Bằng; quảng bá hình ảnh tỉnh biên giới với bạn bè quốc tế."
    )
    page.get_by_role("button", name="Thêm căn cứ").click()
    page.get_by_label("Loại văn bản").fill("Kết luận")
    page.get_by_label("Số, ký hiệu văn bản").fill("57-KL/TW")
    page.get_by_label("Số văn bản (khi trích dẫn)").fill("57-KL/TW")
    page.get_by_label("Ngày ban hành").fill("2023-06-15")
    page.get_by_label("Cơ quan ban hành").fill("Bộ Chính trị")
    page.get_by_label("Trích yếu").fill("Kết luận về nâng cao chất lượng, hiệu quả công tác thông tin đối ngoại")
    page.get_by_label("Nội dung trích dẫn").fill(
        "về tiếp tục nâng cao chất lượng, hiệu quả công tác thông tin đối ngoại trong tình hình mới"
    )
    page.get_by_role("button", name="Thêm hoạt động").click()
    fill_activity(
        page,
        0,
        title="Tập huấn nghiệp vụ thông tin đối ngoại cho cán bộ khu vực biên giới",
        category="training",
        budget="150000000",
        start="2024-03-01",
        end="2024-09-30",
        indicator=("Người tham gia", "người", "200"),
    )
    page.get_by_role("button", name="Thêm hoạt động").click()
    fill_activity(
        page,
        1,
        title="Duy trì Cụm thông tin đối ngoại Thác Bản Giốc",
        category="border_information",
        budget="1350000000",
        start="2024-01-15",
        end="2024-12-15",
        indicator=("Chương trình phát trên cụm", "chương trình", "12"),
    )
    page.get_by_label("Mỗi dòng một nơi nhận").fill("Bộ Văn hóa, Thể thao và Du lịch\nThường trực Tỉnh ủy")
    expect(page.locator("[data-total]")).to_have_text("1.500.000.000 ₫")
    drafter.shot("02-drafter-plan-form")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".notice.success")).to_have_text("Đã lưu kế hoạch.")
    drafter.shot("03-drafter-plan-saved")
    plan_url = page.url.split("?")[0]
    page.get_by_role("button", name="Trình duyệt").click()
    expect(page.get_by_test_id("confirm-question")).to_contain_text(TITLE)
    drafter.shot("03a-drafter-confirms-submission")
    page.get_by_role("button", name="Trình duyệt").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Đang trình duyệt")
    drafter.shot("04-drafter-plan-submitted")

    # -- department approves; the provincial committee returns it (on a phone)
    dept.login()
    dept.decide("approve", shot="05-dept-decides", try_without_a_choice=True)
    dept.shot("06-dept-tasks-after")
    province.login()
    province.decide("return", RETURN_COMMENT, shot="07-province-returns")
    width = province.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide on a 375px phone"

    # -- the drafter reads the comment on top, revises and resubmits
    drafter.reload_until(plan_url, "[data-testid=returning-comment]", RETURN_COMMENT)
    expect(page.get_by_test_id("plan-status")).to_have_text("Bị trả lại")
    drafter.shot("08-drafter-returned-plan")
    expect(page.locator(".badge")).to_be_visible()  # the bell counts the decisions
    page.get_by_role("link", name="Sửa").click()
    expect(page.get_by_test_id("returning-comment")).to_contain_text(RETURN_COMMENT)  # on top of the form
    first = page.locator("[data-activity]").nth(0)
    first.get_by_label("Kinh phí (đồng)").fill("120.000.000")
    page.get_by_role("button", name="Thêm hoạt động").click()
    fill_activity(
        page,
        2,
        title="Xuất bản ấn phẩm song ngữ Việt – Anh giới thiệu Cao Bằng",
        category="publications",
        budget="90000000",
        start="2024-04-01",
        end="2024-10-31",
        indicator=("Ấn phẩm", "bản", "2000"),
    )
    page.locator("[data-activity]").nth(2).get_by_role("button", name="Chuyển hoạt động lên trên").click()
    expect(page.locator("[data-activity] legend").nth(1)).to_have_text("Hoạt động 2")
    expect(page.locator("[data-total]")).to_have_text("1.560.000.000 ₫")
    drafter.shot("09-drafter-revises")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".notice.success")).to_be_visible()
    page.get_by_role("button", name="Trình duyệt").click()
    # The resubmission carries the drafters' reply to the comment (giải trình).
    expect(page.get_by_test_id("returning-comment")).to_contain_text(RETURN_COMMENT)
    page.get_by_label("Giải trình (trả lời ý kiến trả lại)").fill(REPLY)
    drafter.shot("09a-drafter-replies")
    page.get_by_role("button", name="Trình duyệt").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Đang trình duyệt")

    # -- all three levels approve; the province sees what changed since the returned version
    dept.decide("approve")
    province.reload_until(gateway + "/tasks", "table.list a", TITLE)
    province.page.get_by_role("link", name=TITLE).first.click()
    changes = province.page.get_by_test_id("changes")
    expect(changes).to_contain_text("Xuất bản ấn phẩm song ngữ Việt – Anh giới thiệu Cao Bằng")
    expect(changes).to_contain_text("150.000.000 ₫ → 120.000.000 ₫")
    expect(province.page.get_by_test_id("drafter-reply")).to_contain_text(REPLY)
    province.shot("10-province-sees-changes")
    province.decide("approve")
    ministry.login()
    ministry.decide("approve", shot="11-ministry-decides")

    # -- the number appears; the approved plan prints in Decree 30's layout
    drafter.reload_until(plan_url, "[data-testid=document-number]")
    expect(page.get_by_test_id("plan-status")).to_have_text("Đã phê duyệt")
    expect(page.get_by_test_id("document-number")).to_contain_text(re.compile(r"Số: \d+/KH-UBND"))
    drafter.shot("12-drafter-approved-plan")
    # "In / lưu PDF" gives the issued document: the signed PDF the renderer stored (202 until then).
    print_url = page.get_by_role("link", name="In / lưu PDF").get_attribute("href")
    assert print_url
    printed = eventually(
        lambda: (answer := page.request.get(gateway + print_url)).status == 200 and answer,
        timeout=60,
        what="the signed PDF behind the print link",
    )
    assert printed.headers["content-type"] == "application/pdf"
    (screenshots / "approved-plan.pdf").write_bytes(printed.body())
    assert printed.body().startswith(b"%PDF-") and (screenshots / "approved-plan.pdf").stat().st_size > 10_000

    page.goto(gateway + "/inbox")
    drafter.shot("14-drafter-inbox")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(gateway + "/logged-out")
    drafter.shot("15-logged-out")
    page.goto(gateway + "/plans")
    expect(page.locator("#kc-form-login")).to_be_visible()  # the identity provider's session ended too

    for user in (drafter, dept, province, ministry):
        user.context.close()
    assert errors == [], "\n".join(errors)
