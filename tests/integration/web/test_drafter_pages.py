"""A drafter's pages against the real services: the unit's plans, the plan form
(rows, lists, VND, errors beside their fields, a conflicting save), submitting
twice, another unit's plan, a stopped service. Submitting and withdrawing with
the approval's stage on the page crosses services by events: tests/e2e/test_web_pages.py."""

from __future__ import annotations

import re
from html import unescape

from tests.integration.web.conftest import Browser, World, text_of
from tests.support.web_forms import ACTIVITIES, TITLE, plan_form


def create_plan(browser: Browser, activities: list[dict] | None = None) -> str:
    form = browser.get("/plans/new")
    answer = browser.post("/plans/new", plan_form(activities), from_page=form)
    assert answer.status_code == 303, text_of(answer)
    return answer.headers["Location"].split("/plans/")[1].split("?")[0]


def test_the_new_plan_form_offers_the_catalogues_and_labels_every_input(browser: Browser) -> None:
    page = browser.login("drafter.cb", start="/plans/new")
    html = page.get_data(as_text=True)
    assert "Tập huấn, bồi dưỡng" in html and "Cụm thông tin đối ngoại biên giới" in html
    assert '<option value="lượt phóng viên">' in html  # indicator units from the catalogue
    ids = set(re.findall(r'<input[^>]* id="([^"]+)"', html)) | set(
        re.findall(r'<(?:select|textarea)[^>]* id="([^"]+)"', html)
    )
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
    assert ids and ids <= labelled, f"inputs without a label: {ids - labelled}"


def test_a_drafter_creates_a_plan_and_sees_it_with_budgets_in_vietnamese_format(browser: Browser, world: World) -> None:
    browser.login("drafter.cb")
    plan_id = create_plan(browser)
    stored = world.plan(plan_id)
    assert [a["budget_vnd"] for a in stored["activities"]] == [150_000_000, 1_350_000_000]
    assert stored["activities"][0]["partner_units"] == ["ban-tuyen-giao-cao-bang", "bdbp-cao-bang"]
    # content model v2: an indicator typed in the form is free text (no catalogue code); the activity has its id
    assert stored["activities"][0]["indicators"] == [
        {"code": "", "name": "Người tham gia", "unit": "người", "target": 200}
    ]
    assert all(activity["id"] for activity in stored["activities"])
    page = text_of(browser.get(f"/plans/{plan_id}?done=saved"))
    assert "Đã lưu kế hoạch." in page
    assert "1.500.000.000 ₫" in page  # the total, dots between thousands
    assert "01/03/2024 – 30/09/2024" in page  # dd/mm/yyyy
    listing = text_of(browser.get("/plans"))
    assert TITLE in listing and "Bản nháp" in listing


def test_rows_are_saved_in_the_order_the_page_shows_them(browser: Browser, world: World) -> None:
    browser.login("drafter.cb")
    form = browser.get("/plans/new")
    fields = plan_form()
    # The user moved the second activity above the first: its inputs now come first.
    second = [f for f in fields if f[0].startswith("act-1-")]
    rest = [f for f in fields if not f[0].startswith("act-1-")]
    first_activity = next(i for i, f in enumerate(rest) if f[0].startswith("act-0-"))
    reordered = rest[:first_activity] + second + rest[first_activity:]
    answer = browser.post("/plans/new", reordered, from_page=form)
    plan_id = answer.headers["Location"].split("/plans/")[1].split("?")[0]
    assert [a["title"] for a in world.plan(plan_id)["activities"]] == [
        ACTIVITIES[1]["title"],
        ACTIVITIES[0]["title"],
    ]


def test_each_validation_error_is_shown_beside_its_field_and_the_work_is_kept(browser: Browser, world: World) -> None:
    browser.login("drafter.cb")
    plans_before = world.plans_of("drafter.cb")
    broken = [dict(ACTIVITIES[0]), dict(ACTIVITIES[1], title="", budget_vnd="một tỷ")]
    form = browser.get("/plans/new")
    answer = browser.post("/plans/new", plan_form(broken), from_page=form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="err-activities-1-budget_vnd"' in html
    assert 'aria-describedby="err-activities-1-budget_vnd"' in html
    assert 'value="một tỷ"' in html and ACTIVITIES[0]["title"] in html  # nothing typed is lost
    assert world.plans_of("drafter.cb") == plans_before  # nothing was sent with an unreadable amount

    # Errors the service finds (marshmallow's nested shape) land beside their fields too.
    answer = browser.post("/plans/new", plan_form([dict(ACTIVITIES[0], title="")]), from_page=form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="err-activities-0-title"[^>]*>([^<]+)</p>', html)
    assert error and error.group(1).strip()
    assert 'id="act-0-title" name="act-0-title" value="" aria-invalid="true"' in html


def test_a_conflicting_save_keeps_the_users_work_and_shows_what_differs(
    browser: Browser, second_browser: Browser, world: World
) -> None:
    browser.login("drafter.cb")
    plan_id = create_plan(browser)
    mine = browser.get(f"/plans/{plan_id}/edit")
    etag = unescape(re.search(r'name="etag" value="([^"]+)"', mine.get_data(as_text=True)).group(1))

    second_browser.login("drafter.cb")
    theirs = second_browser.get(f"/plans/{plan_id}/edit")
    saved = second_browser.post(
        f"/plans/{plan_id}/edit",
        [("etag", etag), *plan_form([dict(ACTIVITIES[0], budget_vnd="180.000.000")])],
        from_page=theirs,
    )
    assert saved.status_code == 303

    my_work = [
        dict(ACTIVITIES[0]),
        dict(ACTIVITIES[1]),
        {
            "title": "Xuất bản ấn phẩm song ngữ Việt – Anh về Cao Bằng",
            "category": "publications",
            "lead_unit": "svhttdl-cao-bang",
            "budget_vnd": "90.000.000",
            # The plans service's rule: an activity says when (dates or a quarter).
            "start_date": "2024-04-01",
            "end_date": "2024-10-31",
        },
    ]
    answer = browser.post(f"/plans/{plan_id}/edit", [("etag", etag), *plan_form(my_work)], from_page=mine)
    assert answer.status_code == 409
    page = text_of(answer)
    assert "Kế hoạch vừa được người khác lưu" in page
    assert "Xuất bản ấn phẩm song ngữ" in page and "Duy trì Cụm thông tin đối ngoại Thác Bản Giốc" in page
    assert "180.000.000 ₫ → 150.000.000 ₫" in page
    html = answer.get_data(as_text=True)
    assert 'value="90.000.000"' in html  # the unsaved row is still in the form
    new_etag = unescape(re.search(r'name="etag" value="([^"]+)"', html).group(1))
    assert new_etag != etag
    # Saving again is deliberate, and works.
    again = browser.post(f"/plans/{plan_id}/edit", [("etag", new_etag), *plan_form(my_work)], from_page=answer)
    assert again.status_code == 303, text_of(again)[:3000]
    assert len(world.plan(plan_id)["activities"]) == 3


def test_submitting_twice_explains_instead_of_failing(browser: Browser) -> None:
    browser.login("drafter.cb")
    plan_id = create_plan(browser)
    page = browser.get(f"/plans/{plan_id}")
    browser.post(f"/plans/{plan_id}/submit", {"confirm": "yes"}, from_page=page)
    again = browser.post(f"/plans/{plan_id}/submit", {"confirm": "yes"}, from_page=page)
    assert again.status_code == 409
    # The plans service's own explanation (the service's words, not a stand-in's), in the page's language.
    assert "Không thể trình duyệt kế hoạch đang ở trạng thái “Đang trình duyệt”." in text_of(again)


def test_another_units_plan_is_not_found(browser: Browser, second_browser: Browser) -> None:
    browser.login("drafter.cb")
    plan_id = create_plan(browser)
    second_browser.login("drafter.bk")
    answer = second_browser.get(f"/plans/{plan_id}")
    assert answer.status_code == 404
    assert "Không tìm thấy" in text_of(answer)


def test_a_stopped_service_gives_a_clear_page_and_a_stopped_inbox_hides_only_the_bell(
    browser: Browser, world: World
) -> None:
    browser.login("drafter.cb")
    world.upstreams.stop("notifications")
    page = browser.get("/plans")
    assert page.status_code == 200 and 'data-testid="unread-count"' not in page.get_data(as_text=True)
    world.upstreams.start("notifications")
    world.upstreams.stop("plans")
    down = browser.get("/plans")
    assert down.status_code == 503 and down.headers["Retry-After"] == "5"
    assert "Dịch vụ plans tạm thời không trả lời" in text_of(down)


def test_the_pages_reach_the_services_only_past_the_apis_route_table_with_the_users_token(
    browser: Browser, world: World
) -> None:
    browser.login("dept.cb")  # an approver: the route table lets only drafters create plans
    form = browser.get("/plans/new")
    world.upstreams.services.calls.clear()
    refused = browser.post("/plans/new", plan_form(), from_page=form)
    assert refused.status_code == 403
    assert ("POST", "/plans") not in world.upstreams.services.calls  # refused at the gateway, as /api/v1 is
    drafter = Browser(world)
    drafter.login("drafter.cb")
    plan_id = create_plan(drafter)
    assert ("POST", "/plans") in world.upstreams.services.calls
    assert world.plan(plan_id)["created_by"] == "drafter.cb"  # the service saw the user, not the gateway
