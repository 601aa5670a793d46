"""The approver's task pages on the running suite, over HTTP: the delegation picker (names and
titles, searchable, a refusal keeping what was chosen and typed) and the history that names who
delegated to whom and in whose place a decision was taken; bulk approval of opened tasks; the
out-of-office page sending arriving tasks to the deputy; a drafter's plan started from last year's.

The stack is shared with the other end-to-end tests: each plan has a title of its own, and the
absence recorded here is ended before the test returns."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from tests.e2e.test_web_pages import decide, login, submitted_plan, task_form, task_link, titled
from tests.support.orgs import unit_of
from tests.support.web_browser import text_of
from tests.support.web_forms import TITLE

__all__ = ["login"]  # the fixture, shared with test_web_pages


def test_delegation_with_a_picker_and_a_history_that_names_both(login) -> None:  # type: ignore[no-untyped-def]
    title = titled(TITLE)
    submitted_plan(login("drafter.cb"), title)
    dept, deputy = login("dept.cb"), login("dual.cb")
    page, action, approval_id = task_form(dept, title, "delegate")
    # The eligible people, by name and title; a search narrows them, accents optional.
    assert re.search(r'<option value="dual.cb"[^>]*>Lương Thị Thu — Phó Trưởng phòng</option>', page.text)
    link = task_link(dept, title)
    found = dept.get(f"{link}&delegate_q=luong+thi")
    assert 'value="dual.cb"' in found.text
    assert "Không có ai khác đủ điều kiện" in text_of(dept.get(f"{link}&delegate_q=khong+ai+ten+nay"))

    # A refusal keeps the reason typed and shows the error at the picker, which takes the focus.
    refused = dept.post(
        action, {"to": "", "comment": "Nhờ đồng chí xem giúp.", "approval_id": approval_id}, from_page=page
    )
    assert refused.status_code == 422
    assert "Nhờ đồng chí xem giúp.</textarea>" in refused.text
    assert 'id="err-delegate-to"' in refused.text and re.search(r'<select id="to"[^>]*autofocus', refused.text)

    done = dept.post(
        action, {"to": "dual.cb", "comment": "Đi công tác Hà Nội.", "approval_id": approval_id}, from_page=page
    )
    assert done.status_code == 303
    tasks = deputy.until("/tasks?delegated=true", lambda page: title in html.unescape(page.text), "the delegated task")
    assert "Được dept.cb ủy quyền" in text_of(tasks)
    assert decide(deputy, title, "approve").status_code == 303

    record = text_of(deputy.get(f"/approvals/{approval_id}"))
    assert "Hoàng Văn Minh ủy quyền cho Lương Thị Thu" in record
    assert "Lý do: Đi công tác Hà Nội." in record
    assert "Lương Thị Thu (được Hoàng Văn Minh ủy quyền)" in record


def test_bulk_approval_of_opened_tasks(login) -> None:  # type: ignore[no-untyped-def]
    drafter, dept = login("drafter.qb"), login("dept.qb")
    titles = [titled(f"Kế hoạch tuyên truyền biên giới số {n}") for n in range(3)]
    for title in titles:
        submitted_plan(drafter, title, org_unit=unit_of("drafter.qb"))
    links = [task_link(dept, title) for title in titles]
    for link in links[:2]:
        assert dept.get(link).status_code == 200  # opening the decision page is what allows bulk approval
    page = dept.get("/tasks?q=" + titles[0].split("(")[1].rstrip(")"))
    task_ids = [re.search(r"task=([0-9a-f-]+)", link).group(1) for link in links]
    # Only the opened tasks can be chosen.
    assert f'value="{task_ids[0]}"' in page.text and f'value="{task_ids[2]}"' not in page.text
    everything = dept.get("/tasks")
    approved = dept.post("/tasks/approve", [("task_ids", task_ids[0]), ("task_ids", task_ids[1])], from_page=everything)
    assert approved.status_code == 303
    assert "Đã ghi nhận đồng ý cho 2 kế hoạch." in text_of(dept.follow(approved))
    remaining = text_of(dept.get("/tasks"))
    assert titles[2] in remaining and titles[0] not in remaining and titles[1] not in remaining
    nothing = dept.post("/tasks/approve", [], from_page=everything)
    assert nothing.status_code == 422 and "Chưa chọn việc nào." in text_of(nothing)


def test_out_of_office_sends_arriving_tasks_to_the_deputy(login) -> None:  # type: ignore[no-untyped-def]
    dept, deputy, drafter = login("dept.cb"), login("dual.cb"), login("drafter.cb")
    page = dept.get("/out-of-office")
    assert re.search(r'<option value="dual.cb"[^>]*>Lương Thị Thu — Phó Trưởng phòng</option>', page.text)
    today = datetime.now(UTC) + timedelta(hours=7)
    start, end = today.date().isoformat(), (today + timedelta(days=1)).date().isoformat()
    refused = dept.post(
        "/out-of-office", {"deputy": "", "starts_on": end, "ends_on": start, "reason": "Nghỉ phép"}, from_page=page
    )
    assert refused.status_code == 422
    assert (
        'id="err-deputy"' in refused.text and 'id="err-ends_on"' in refused.text and 'value="Nghỉ phép"' in refused.text
    )
    recorded = dept.post(
        "/out-of-office",
        {"deputy": "dual.cb", "starts_on": start, "ends_on": end, "reason": "Học tập trung tại Hà Nội."},
        from_page=page,
    )
    assert recorded.status_code == 303
    listing = dept.follow(recorded)
    assert "Đã ghi nhận thời gian vắng mặt và người thay." in text_of(listing)
    absence = re.search(r'action="(/out-of-office/[^"]+/end)"', listing.text).group(1)
    try:
        title = titled(TITLE)
        submitted_plan(drafter, title)
        tasks = deputy.until("/tasks", lambda page: title in html.unescape(page.text), "the deputy's task")
        assert "Thay dept.cb (vắng mặt)" in text_of(tasks)
        approval_id = re.search(r'name="approval_id" value="([^"]+)"', deputy.get(task_link(deputy, title)).text)
        assert decide(deputy, title, "approve").status_code == 303
        record = text_of(deputy.get(f"/approvals/{approval_id.group(1)}"))
        assert "Hoàng Văn Minh vắng mặt, ủy quyền cho Lương Thị Thu" in record
        assert "Lương Thị Thu (được Hoàng Văn Minh ủy quyền)" in record
    finally:
        ended = dept.post(absence, {}, from_page=listing)
    assert "Đã kết thúc ủy quyền vắng mặt." in text_of(dept.follow(ended))


def test_a_drafter_starts_next_years_plan_from_the_approved_one(login) -> None:  # type: ignore[no-untyped-def]
    drafter = login("drafter.ls")
    plans = drafter.get("/plans")
    missing = drafter.post("/plans/from-last-year", {"year": "2031"}, from_page=plans)
    assert missing.status_code == 404
    assert "Đơn vị chưa có kế hoạch năm 2030 đã được phê duyệt để sao chép." in text_of(missing)

    title = titled(TITLE)
    source = submitted_plan(drafter, title, org_unit=unit_of("drafter.ls"))
    for who in ("dept.ls", "province.ls", "ministry.1"):
        assert decide(login(who), title, "approve").status_code == 303
    drafter.until(f"/plans/{source}", lambda page: "document-number" in page.text, "the approval and its number")
    copied = drafter.post("/plans/from-last-year", {"year": "2025"}, from_page=plans)
    assert copied.status_code == 303
    page = drafter.follow(copied)
    text = text_of(page)
    assert "Đã tạo bản nháp từ kế hoạch năm trước" in text and "năm 2025" in text and "Bản nháp" in text
    plan_id = copied.headers["Location"].split("/plans/")[1].split("?")[0]
    edit = drafter.get(f"/plans/{plan_id}/edit")
    assert 'value="2025-03-01"' in edit.text  # last year's dates moved by a year, ready to edit
