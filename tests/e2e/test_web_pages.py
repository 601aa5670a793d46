"""The web interface's pages where the services meet through events, on the
running suite (tests/e2e/conftest.py's stack) over HTTP: the stage a submission
opens, the task list (overdue first), the plan to decide with what changed
since the returned version, decisions with comments, delegation; the drafter's
view of a returned plan; the bell and inbox; the printable plan.

The stack is shared with the other end-to-end tests, so each plan has a title of
its own and counts are read before and after. The words checked are the real
services' (the chain's level names, the approvals service's refusals, the
notifications' subjects)."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from requests import Response

from tests.support.stack import Stack
from tests.support.web_browser import WebUser, text_of
from tests.support.web_forms import ACTIVITIES, TITLE, plan_form

FORTY_DAYS_BACK = str(-40 * 24 * 3600)


def titled(title: str) -> str:
    return f"{title} ({uuid.uuid4().hex[:6]})"


@pytest.fixture
def login(stack: Stack):  # type: ignore[no-untyped-def]
    def signed_in(username: str) -> WebUser:
        user = WebUser(stack, username)
        user.login()
        return user

    return signed_in


def create_plan(
    drafter: WebUser, title: str, activities: list[dict] | None = None, org_unit: str = "svhttdl-cao-bang"
) -> str:
    form = drafter.get("/plans/new")
    created = drafter.post("/plans/new", plan_form(activities, title=title, org_unit=org_unit), from_page=form)
    assert created.status_code == 303, text_of(created)
    return created.headers["Location"].split("/plans/")[1].split("?")[0]


def submitted_plan(drafter: WebUser, title: str, activities: list[dict] | None = None, **unit: str) -> str:
    plan_id = create_plan(drafter, title, activities, **unit)
    page = drafter.get(f"/plans/{plan_id}")
    assert drafter.post(f"/plans/{plan_id}/submit", {"confirm": "yes"}, from_page=page).status_code == 303
    return plan_id


def task_link(approver: WebUser, title: str) -> str:
    """The approver's link to the plan's open task, once the approval has reached them."""
    page = approver.until("/tasks", lambda page: title in html.unescape(page.text), f"the task of {title}")
    links = re.findall(r'href="(/approvals/[^"]+)">([^<]+)</a>', page.text)
    return next(html.unescape(link) for link, text in links if title in html.unescape(text))


def task_form(approver: WebUser, title: str, form: str) -> tuple[Response, str, str]:
    """The plan's approval page, the action of its ``decision`` or ``delegate`` form, and the approval's id."""
    page = approver.get(task_link(approver, title))
    action = re.search(rf'action="(/tasks/[^"]+/{form})"', page.text).group(1)
    return page, action, re.search(r'name="approval_id" value="([^"]+)"', page.text).group(1)


def decide(approver: WebUser, title: str, decision: str, comment: str = "") -> Response:
    """The decision, confirmed (the confirmation step itself is tested on its own)."""
    page, action, approval_id = task_form(approver, title, "decision")
    form = {"decision": decision, "comment": comment, "approval_id": approval_id, "confirm": "yes"}
    return approver.post(action, form, from_page=page)


def restart_at_once(stack: Stack, name: str, env: dict[str, str]) -> None:
    """Kill a consumer and start it with ``env``: quicker than a graceful stop, and survived by
    design (an unacknowledged event is delivered again, and the inbox drops a second handling)."""
    stack.kill_process(name)
    stack.process_env[name] = env
    stack.start_process(name)


def unread(user: WebUser) -> int:
    return int(re.search(r"(\d+) chưa đọc", text_of(user.get("/inbox"))).group(1))


def test_submit_then_withdraw_and_the_timeline_records_both(login) -> None:  # type: ignore[no-untyped-def]
    drafter = login("drafter.cb")
    title = titled(TITLE)
    plan_id = create_plan(drafter, title)
    page = drafter.get(f"/plans/{plan_id}")
    # One clear step first, naming the plan; nothing is submitted until it is confirmed.
    asked = drafter.post(f"/plans/{plan_id}/submit", {}, from_page=page)
    assert asked.status_code == 200 and "Xác nhận trình duyệt" in text_of(asked)
    assert f"Trình kế hoạch “{title}”" in text_of(asked)
    assert "Bản nháp" in text_of(drafter.get(f"/plans/{plan_id}"))
    submitted = drafter.follow(drafter.post(f"/plans/{plan_id}/submit", {"confirm": "yes"}, from_page=asked))
    text = text_of(submitted)
    assert "Đã trình duyệt kế hoạch." in text and "Đang trình duyệt" in text
    # The stage: the first level of the chain, once the approvals service has opened it.
    staged = drafter.until(f"/plans/{plan_id}", lambda page: "Lãnh đạo Sở" in text_of(page), "the stage")
    asked = drafter.post(f"/plans/{plan_id}/withdraw", {}, from_page=staged)
    assert "đang chờ Lãnh đạo Sở duyệt" in text_of(asked)  # the plan and the level it waits at
    withdrawn = drafter.follow(drafter.post(f"/plans/{plan_id}/withdraw", {"confirm": "yes"}, from_page=asked))
    text = text_of(withdrawn)
    assert "Đã rút lại" in text
    assert text.index("Trình duyệt phiên bản 1") < text.index("Rút lại phiên bản 1")


def test_the_task_list_puts_overdue_tasks_first(stack: Stack, login) -> None:  # type: ignore[no-untyped-def]
    drafter, dept = login("drafter.ls"), login("dept.ls")
    late, fresh = titled("Kế hoạch tuyên truyền biên giới năm 2024"), titled(TITLE)
    # The first plan's level opens on a clock forty days back: its task is past due when it arrives.
    restart_at_once(stack, "approvals-consumer", {"CLOCK_OFFSET_SECONDS": FORTY_DAYS_BACK})
    try:
        submitted_plan(drafter, late, org_unit="svhttdl-lang-son")
        task_link(dept, late)
    finally:
        restart_at_once(stack, "approvals-consumer", {})
    submitted_plan(drafter, fresh, [dict(ACTIVITIES[0], title="Họp báo cung cấp thông tin định kỳ hằng quý")],
                   org_unit="svhttdl-lang-son")  # fmt: skip
    task_link(dept, fresh)
    text = text_of(dept.get("/tasks"))
    assert text.index(late) < text.index(fresh)
    assert "Quá hạn" in text


def test_a_return_needs_a_comment_shown_beside_the_comment_field(login) -> None:  # type: ignore[no-untyped-def]
    title = titled(TITLE)
    submitted_plan(login("drafter.cb"), title)
    dept = login("dept.cb")
    page, action, approval_id = task_form(dept, title, "decision")
    # Nothing is chosen in advance, and the comment says before submitting that a return needs it.
    assert "checked" not in page.text.split('id="decision"')[1].split("</fieldset>")[0]
    assert "Bắt buộc khi trả lại hoặc từ chối." in text_of(page)
    answer = dept.post(action, {"decision": "return", "comment": " ", "approval_id": approval_id}, from_page=page)
    assert answer.status_code == 422
    page_html = answer.text
    textarea = re.search(r"<textarea id=\"comment\"[^>]*>", page_html).group(0)
    # One aria-describedby naming the error and the hint, so the error is announced.
    assert (
        textarea.count("aria-describedby") == 1 and 'aria-describedby="err-decision-comment comment-hint"' in textarea
    )
    assert 'id="err-decision-comment"' in page_html
    assert 'href="#comment"' in page_html  # the error summary links to the field
    assert "Cần ghi ý kiến khi trả lại hoặc từ chối" in text_of(answer)
    # No choice at all is refused too, before anything is sent.
    none = dept.post(action, {"comment": "", "approval_id": approval_id}, from_page=page)
    assert none.status_code == 422 and "Hãy chọn Đồng ý, Trả lại hoặc Từ chối." in text_of(none)


def test_a_decision_is_confirmed_in_one_step_naming_the_plan_and_level(login) -> None:  # type: ignore[no-untyped-def]
    title = titled(TITLE)
    plan_id = submitted_plan(login("drafter.cb"), title)
    dept = login("dept.cb")
    page, action, approval_id = task_form(dept, title, "decision")
    # The plan's content comes before the decision form.
    assert page.text.index('id="content-title"') < page.text.index('id="decide-title"')
    form = {"decision": "return", "comment": "Đề nghị bổ sung chỉ tiêu.", "approval_id": approval_id}
    asked = dept.post(action, form, from_page=page)
    assert asked.status_code == 200
    assert f"Trả lại kế hoạch “{title}” để đơn vị chỉnh sửa, với tư cách Lãnh đạo Sở?" in text_of(asked)
    assert "Đề nghị bổ sung chỉ tiêu." in text_of(asked)
    assert "Đang trình duyệt" in text_of(dept.get(f"/plans/{plan_id}"))  # nothing decided yet
    done = dept.post(action, {**form, "confirm": "yes"}, from_page=asked)
    assert done.status_code == 303


def test_a_task_decided_by_someone_else_first_is_explained(login) -> None:  # type: ignore[no-untyped-def]
    title = titled(TITLE)
    submitted_plan(login("drafter.cb"), title)
    dept = login("dept.cb")
    page, action, approval_id = task_form(dept, title, "decision")
    form = {"decision": "approve", "approval_id": approval_id, "confirm": "yes"}
    assert dept.post(action, form, from_page=page).status_code == 303
    late = dept.post(action, form, from_page=page)
    assert late.status_code == 409
    assert "Việc này đã kết thúc" in text_of(late)  # the approvals service's words, in the page's language


def test_delegation_to_an_ineligible_user_says_why(login) -> None:  # type: ignore[no-untyped-def]
    title = titled(TITLE)
    submitted_plan(login("drafter.cb"), title)
    dept = login("dept.cb")
    page, action, approval_id = task_form(dept, title, "delegate")
    refused = dept.post(action, {"to": "drafter.bk", "approval_id": approval_id}, from_page=page)
    assert refused.status_code == 422
    # The approvals service's words, in the page's language and without its jargon.
    assert "drafter.bk không phải là người duyệt cấp Sở" in text_of(refused)
    done = dept.follow(
        dept.post(action, {"to": "dual.cb", "comment": "Anh xem giúp", "approval_id": approval_id}, from_page=page)
    )
    assert "Đã ủy quyền cho dual.cb." in text_of(done)


def test_the_seed_scenario_through_the_pages(login) -> None:  # type: ignore[no-untyped-def]
    """Drafter submits; department approves; province returns with a comment; the drafter
    sees it on top, revises and resubmits; the province sees what changed; all approve;
    the number appears and "print" gives the stored signed PDF.

    In Kon Tum: every drafter of a unit hears of its plans, and no other test of this module
    decides a Kon Tum plan, so the bell's count is this plan's alone."""
    title = titled(TITLE)
    drafter = login("drafter.kt")
    before = unread(drafter)
    plan_id = submitted_plan(drafter, title, org_unit="svhttdl-quang-ngai-2025")
    dept, province, ministry = login("dept.kt"), login("province.kt"), login("ministry.1")
    assert decide(dept, title, "approve").status_code == 303
    comment = "Đề nghị bổ sung hoạt động xuất bản ấn phẩm song ngữ và giảm kinh phí tập huấn."
    returned = province.follow(decide(province, title, "return", comment))
    assert "Đã trả lại kế hoạch cho đơn vị soạn thảo." in text_of(returned)

    # The drafter hears of it (the bell: both decisions, and the approval's outcome) and the plan
    # opens with the comment on top.
    page = drafter.until(
        f"/plans/{plan_id}",
        # The comment reaches the timeline with the decision; the plan is "returned" with the outcome.
        lambda page: 'data-testid="returning-comment"' in page.text and comment in page.text,
        "the returning comment on top",
    )
    bell = drafter.until(
        "/plans",
        lambda page: re.search(rf'data-testid="unread-count">\s*{before + 3}\s*<', page.text) is not None,
        "three more unread notifications",
    )
    assert bell.status_code == 200
    text = text_of(page)
    assert text.index(comment) < text.index(f"{title} Bị trả lại")
    assert "Ủy ban nhân dân tỉnh đã trả lại kế hoạch để chỉnh sửa" in text

    # Revise: cut the training budget, add a publication with an indicator; resubmit.
    edit = drafter.get(f"/plans/{plan_id}/edit")
    # The comment that returned it is at the top of the edit form, before the first field.
    assert comment in edit.text and edit.text.index(comment) < edit.text.index('id="title"')
    etag = html.unescape(re.search(r'name="etag" value="([^"]+)"', edit.text).group(1))
    revised = [
        dict(ACTIVITIES[0], budget_vnd="120.000.000", indicators=[("Người tham gia", "người", "250")]),
        ACTIVITIES[1],
        {
            "title": "Xuất bản ấn phẩm song ngữ Việt – Anh giới thiệu Cao Bằng",
            "category": "publications",
            "lead_unit": "svhttdl-cao-bang",
            "start_date": "2024-04-01",
            "end_date": "2024-10-31",
            "budget_vnd": "90.000.000",
            "budget_source": "provincial",
            "indicators": [("Ấn phẩm", "bản", "2000")],
        },
    ]
    revision = plan_form(revised, title=title, org_unit="svhttdl-quang-ngai-2025")
    saved = drafter.post(f"/plans/{plan_id}/edit", [("etag", etag), *revision], from_page=edit)
    assert saved.status_code == 303, text_of(saved)
    page = drafter.get(f"/plans/{plan_id}")
    # The resubmission step shows the comment again and takes the drafters' reply (giải trình).
    asked = drafter.post(f"/plans/{plan_id}/submit", {}, from_page=page)
    assert comment in text_of(asked) and 'name="reply"' in asked.text
    reply = "Đã bổ sung ấn phẩm song ngữ và giảm kinh phí tập huấn xuống 120.000.000 đồng."
    assert (
        drafter.post(f"/plans/{plan_id}/submit", {"confirm": "yes", "reply": reply}, from_page=asked).status_code == 303
    )

    assert decide(dept, title, "approve").status_code == 303
    review = text_of(province.get(task_link(province, title)))
    assert "Giải trình của đơn vị soạn thảo khi trình lại (phiên bản 2)" in review and reply in review
    assert "Thay đổi so với phiên bản 1 đã bị trả lại" in review
    assert "Xuất bản ấn phẩm song ngữ Việt – Anh giới thiệu Cao Bằng" in review
    assert "150.000.000 ₫ → 120.000.000 ₫" in review
    assert "«Người tham gia» (người): 200 → 250" in review
    assert "1.500.000.000 ₫ → 1.560.000.000 ₫" in review
    assert decide(province, title, "approve").status_code == 303
    assert decide(ministry, title, "approve").status_code == 303

    approved = drafter.until(f"/plans/{plan_id}", lambda page: "document-number" in page.text, "the number")
    number = re.search(r"Số: (\d+/KH-UBND)", text_of(approved))
    assert "Đã phê duyệt" in text_of(approved) and number
    # "Print" gives the issued document itself: while the renderer signs it, a page that says so,
    first = drafter.get(f"/plans/{plan_id}/print")
    if first.status_code == 202:
        assert first.headers["Retry-After"] and "đang được ký số" in text_of(first)
    # then the very bytes the plans service stored (its layout is tested on the real PDF).
    printable = drafter.until(f"/plans/{plan_id}/print", lambda page: page.status_code == 200, "the signed PDF")
    assert printable.headers["Content-Type"] == "application/pdf" and printable.content.startswith(b"%PDF-")
    assert f'filename="{number.group(1).replace("/", "-")}.pdf"' in printable.headers["Content-Disposition"]


def test_only_an_approved_plan_has_a_printable_document(login) -> None:  # type: ignore[no-untyped-def]
    drafter = login("drafter.cb")
    plan_id = submitted_plan(drafter, titled(TITLE))
    assert drafter.get(f"/plans/{plan_id}/print").status_code == 404


def test_the_inbox_lists_notifications_and_marks_them_read(login) -> None:  # type: ignore[no-untyped-def]
    title = titled(TITLE)
    drafter = login("drafter.bk")  # Bắc Kạn: no other test of this module decides its plans
    before = unread(drafter)
    plan_id = submitted_plan(drafter, title, org_unit="svhttdl-thai-nguyen-2025")
    decide(login("dept.bk"), title, "approve")
    subject = f"Lãnh đạo Sở đồng ý kế hoạch: {title}"
    inbox = drafter.until("/inbox", lambda page: subject in text_of(page), "the decision's notification")
    text = text_of(inbox)
    assert f"{before + 1} chưa đọc" in text and subject in text
    # The item's link is a link with words, not an address: it marks the item read and opens the plan.
    assert "http://" not in text and "https://" not in text
    notification = re.search(
        rf'<a class="open" href="(/inbox/[^"/]+/open\?to=(?:/|%2F)plans(?:/|%2F){plan_id})">Xem kế hoạch</a>',
        inbox.text,
    )
    assert notification, "no link to the plan in the inbox"
    opened = drafter.get(html.unescape(notification.group(1)))
    assert opened.status_code == 303 and opened.headers["Location"] == f"/plans/{plan_id}"
    assert f"{before} chưa đọc" in text_of(drafter.get("/inbox"))
