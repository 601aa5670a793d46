"""Approvers' pages: the task list (overdue first), the plan to decide with what
changed since the returned version, decisions with comments, delegation; the
drafter's view of a returned plan; the bell and inbox; the printable plan."""

from __future__ import annotations

import re

from tests.unit.web.conftest import Browser, World, text_of
from tests.unit.web.seed import ACTIVITIES, plan_form


def submitted_plan(browser: Browser, activities: list[dict] | None = None) -> str:
    browser.login("drafter.cb")
    form = browser.get("/plans/new")
    created = browser.post("/plans/new", plan_form(activities), from_page=form)
    plan_id = created.headers["Location"].split("/plans/")[1].split("?")[0]
    page = browser.get(f"/plans/{plan_id}")
    assert browser.post(f"/plans/{plan_id}/submit", {}, from_page=page).status_code == 303
    return plan_id


def task_link(approver: Browser, title_fragment: str = "") -> str:
    tasks = approver.get("/tasks").get_data(as_text=True)
    links = re.findall(r'href="(/approvals/[^"]+)">([^<]+)</a>', tasks)
    return next(link.replace("&amp;", "&") for link, title in links if title_fragment in title)


def decide(approver: Browser, decision: str, comment: str = "") -> object:
    page = approver.get(task_link(approver))
    action = re.search(r'action="(/tasks/[^"]+/decision)"', page.get_data(as_text=True)).group(1)
    approval_id = re.search(r'name="approval_id" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return approver.post(action, {"decision": decision, "comment": comment, "approval_id": approval_id}, from_page=page)


def test_the_task_list_puts_overdue_tasks_first(world: World, browser: Browser, second_browser: Browser) -> None:
    first = submitted_plan(browser)
    second = submitted_plan(browser, [dict(ACTIVITIES[0], title="Họp báo cung cấp thông tin định kỳ hằng quý")])
    world.suite.plans[second]["title"] = "Kế hoạch tuyên truyền biên giới năm 2024"
    for approval in world.suite.approvals.values():
        approval["plan"]["title"] = world.suite.plans[approval["plan"]["plan_id"]]["title"]
        if approval["plan"]["plan_id"] == second:
            world.suite.make_overdue(approval["id"])
    second_browser.login("dept.cb")
    page = second_browser.get("/tasks")
    text = text_of(page)
    assert text.index("Kế hoạch tuyên truyền biên giới năm 2024") < text.index("Kế hoạch hoạt động thông tin đối ngoại")
    assert "Quá hạn" in text
    assert first != second


def test_a_return_needs_a_comment_shown_beside_the_comment_field(browser: Browser, second_browser: Browser) -> None:
    submitted_plan(browser)
    second_browser.login("dept.cb")
    answer = decide(second_browser, "return", "")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="err-decision-comment"' in html and 'aria-describedby="err-decision-comment"' in html
    assert "a comment is required" in html


def test_a_task_decided_by_someone_else_first_is_explained(
    world: World, browser: Browser, second_browser: Browser
) -> None:
    submitted_plan(browser)
    second_browser.login("dept.cb")
    page = second_browser.get(task_link(second_browser))
    html = page.get_data(as_text=True)
    action = re.search(r'action="(/tasks/[^"]+/decision)"', html).group(1)
    approval_id = re.search(r'name="approval_id" value="([^"]+)"', html).group(1)
    assert (
        second_browser.post(action, {"decision": "approve", "approval_id": approval_id}, from_page=page).status_code
        == 303
    )
    late = second_browser.post(action, {"decision": "approve", "approval_id": approval_id}, from_page=page)
    assert late.status_code == 409
    assert "already been decided" in text_of(late)


def test_delegation_to_an_ineligible_user_says_why(browser: Browser, second_browser: Browser) -> None:
    submitted_plan(browser)
    second_browser.login("dept.cb")
    page = second_browser.get(task_link(second_browser))
    html = page.get_data(as_text=True)
    action = re.search(r'action="(/tasks/[^"]+/delegate)"', html).group(1)
    approval_id = re.search(r'name="approval_id" value="([^"]+)"', html).group(1)
    refused = second_browser.post(action, {"to": "drafter.bk", "approval_id": approval_id}, from_page=page)
    assert refused.status_code == 422 and "not an eligible approver" in text_of(refused)
    done = second_browser.follow(
        second_browser.post(
            action, {"to": "dual.cb", "comment": "Anh xem giúp", "approval_id": approval_id}, from_page=page
        )
    )
    assert "Đã ủy quyền cho dual.cb." in text_of(done)


def test_the_seed_scenario_through_the_pages(world: World, browser: Browser) -> None:
    """Drafter submits; department approves; province returns with a comment; the drafter
    sees it on top, revises and resubmits; the province sees what changed; all approve;
    the number appears and "print" gives the stored signed PDF."""
    plan_id = submitted_plan(browser)
    dept, province, ministry = Browser(world), Browser(world), Browser(world)
    dept.login("dept.cb")
    assert decide(dept, "approve").status_code == 303
    province.login("province.cb")
    comment = "Đề nghị bổ sung hoạt động xuất bản ấn phẩm song ngữ và giảm kinh phí tập huấn."
    returned = province.follow(decide(province, "return", comment))
    assert "Đã trả lại kế hoạch cho đơn vị soạn thảo." in text_of(returned)

    # The drafter hears of it (the bell) and the plan opens with the comment on top.
    plans_page = browser.get("/plans")
    assert re.search(r'data-testid="unread-count">\s*2\s*<', plans_page.get_data(as_text=True))
    page = browser.get(f"/plans/{plan_id}")
    text = text_of(page)
    assert text.index(comment) < text.index("Kế hoạch hoạt động thông tin đối ngoại năm 2024 Bị trả lại")
    assert "UBND tỉnh đã trả lại kế hoạch để chỉnh sửa" in text

    # Revise: cut the training budget, add a publication with an indicator; resubmit.
    edit = browser.get(f"/plans/{plan_id}/edit")
    etag = re.search(r'name="etag" value="([^"]+)"', edit.get_data(as_text=True)).group(1).replace("&#34;", '"')
    revised = [
        dict(ACTIVITIES[0], budget_vnd="120.000.000", indicators=[("Người tham gia", "người", "250")]),
        ACTIVITIES[1],
        {
            "title": "Xuất bản ấn phẩm song ngữ Việt – Anh giới thiệu Cao Bằng",
            "category": "publications",
            "lead_unit": "CB-STTTT",
            "budget_vnd": "90.000.000",
            "budget_source": "provincial",
            "indicators": [("Ấn phẩm", "bản", "2000")],
        },
    ]
    assert (
        browser.post(f"/plans/{plan_id}/edit", [("etag", etag), *plan_form(revised)], from_page=edit).status_code == 303
    )
    page = browser.get(f"/plans/{plan_id}")
    assert browser.post(f"/plans/{plan_id}/submit", {}, from_page=page).status_code == 303

    assert decide(dept, "approve").status_code == 303
    review = text_of(province.get(task_link(province)))
    assert "Thay đổi so với phiên bản 1 đã bị trả lại" in review
    assert "Xuất bản ấn phẩm song ngữ Việt – Anh giới thiệu Cao Bằng" in review
    assert "150.000.000 ₫ → 120.000.000 ₫" in review
    assert "«Người tham gia» (người): 200 → 250" in review
    assert "1.500.000.000 ₫ → 1.560.000.000 ₫" in review
    assert decide(province, "approve").status_code == 303
    ministry.login("ministry.1")
    assert decide(ministry, "approve").status_code == 303

    approved = text_of(browser.get(f"/plans/{plan_id}"))
    assert "Đã phê duyệt" in approved and "Số: 15/KH-UBND" in approved
    # "Print" gives the issued document itself: while the renderer signs it, a page that says so,
    pending = browser.get(f"/plans/{plan_id}/print")
    assert pending.status_code == 202 and pending.headers["Retry-After"] == "2"
    assert "đang được ký số" in text_of(pending)
    # then the very bytes the plans service stored (its layout is tested on the real PDF).
    world.suite.issued_files[plan_id] = b"%PDF-1.7 signed 15/KH-UBND"
    printable = browser.get(f"/plans/{plan_id}/print")
    assert printable.status_code == 200 and printable.mimetype == "application/pdf"
    assert printable.data == b"%PDF-1.7 signed 15/KH-UBND"
    assert 'filename="15-KH-UBND.pdf"' in printable.headers["Content-Disposition"]


def test_only_an_approved_plan_has_a_printable_document(browser: Browser) -> None:
    plan_id = submitted_plan(browser)
    assert browser.get(f"/plans/{plan_id}/print").status_code == 404


def test_the_inbox_lists_notifications_and_marks_them_read(world: World, browser: Browser) -> None:
    plan_id = submitted_plan(browser)
    dept = Browser(world)
    dept.login("dept.cb")
    decide(dept, "approve")
    inbox = browser.get("/inbox")
    text = text_of(inbox)
    assert "1 chưa đọc" in text and "Sở Thông tin và Truyền thông: approve" in text
    notification = world.suite.notifications[0]["id"]
    opened = browser.post(f"/inbox/{notification}/read", {"open": f"/plans/{plan_id}"}, from_page=inbox)
    assert opened.headers["Location"] == f"/plans/{plan_id}"
    assert "0 chưa đọc" in text_of(browser.get("/inbox"))
