"""Organisations on the pages by their names in force, and the plan form's organisation picker:
the organisations in force offered without JavaScript, the registry's search (accents optional)
for the combobox, and names typed in the form turned back into registry ids."""

from __future__ import annotations

import json
import re

from tests.integration.web.conftest import Browser, World, text_of
from tests.support.web_forms import ACTIVITIES, plan_form

DEPARTMENT = "Sở Văn hóa, Thể thao và Du lịch tỉnh Cao Bằng"


def test_the_form_offers_the_organisations_in_force_and_names_the_drafters_unit(browser: Browser) -> None:
    html = browser.login("drafter.cb", start="/plans/new").get_data(as_text=True)
    choices = re.search(r'<datalist id="organisations">(.*?)</datalist>', html, re.S)
    assert choices is not None and f'<option value="{DEPARTMENT}">' in choices.group(1)
    assert "Ủy ban nhân dân tỉnh Bắc Kạn" not in choices.group(1)  # no longer in force
    assert re.search(r'id="act-[^"]*-lead_unit"[^>]*list="organisations"', html)  # the rows' template
    assert re.search(r'id="org_unit_name" value="' + re.escape(DEPARTMENT) + '"', html)
    assert "organisation-picker.js" in html


def test_the_combobox_searches_the_registry_accents_optional(browser: Browser) -> None:
    browser.login("drafter.cb")
    answer = browser.get("/organisations/search?q=van hoa cao bang")
    found = json.loads(answer.get_data(as_text=True))["items"]
    assert [item["id"] for item in found] == ["svhttdl-cao-bang"] and found[0]["name"] == DEPARTMENT
    assert json.loads(browser.get("/organisations/search?q=v").get_data(as_text=True)) == {"items": []}


def test_names_typed_in_the_form_are_saved_as_ids_and_shown_as_names(browser: Browser, world: World) -> None:
    browser.login("drafter.cb")
    named = [
        {
            **ACTIVITIES[0],
            "lead_unit": "so van hoa, the thao va du lich tinh cao bang",  # accents left out
            "partner_units": "Ban Tuyên giáo Tỉnh ủy Cao Bằng; BĐBP tỉnh Cao Bằng",
        },
        ACTIVITIES[1],  # ids still do
    ]
    form = browser.get("/plans/new")
    answer = browser.post("/plans/new", plan_form(named), from_page=form)
    assert answer.status_code == 303, text_of(answer)
    plan_id = answer.headers["Location"].split("/plans/")[1].split("?")[0]
    stored = world.plan(plan_id)
    assert stored["activities"][0]["lead_unit"] == "svhttdl-cao-bang"
    assert stored["activities"][0]["partner_units"] == ["ban-tuyen-giao-cao-bang", "bdbp-cao-bang"]
    assert stored["activities"][1]["partner_units"] == ["bdbp-cao-bang", "dai-ptth-cao-bang"]

    page = text_of(browser.get(f"/plans/{plan_id}"))
    assert DEPARTMENT in page and "Ban Tuyên giáo Tỉnh ủy Cao Bằng" in page
    assert "svhttdl-cao-bang" not in page and "bdbp-cao-bang" not in page
    edit = browser.get(f"/plans/{plan_id}/edit").get_data(as_text=True)
    assert f'value="{DEPARTMENT}"' in edit
    assert 'value="Ban Tuyên giáo Tỉnh ủy Cao Bằng; Bộ Chỉ huy Bộ đội Biên phòng tỉnh Cao Bằng"' in edit
    listing = text_of(browser.get("/plans"))
    assert "Sở VHTTDL Cao Bằng" in listing and "svhttdl-cao-bang" not in listing


def test_a_name_that_names_no_organisation_is_refused_beside_its_field(browser: Browser) -> None:
    browser.login("drafter.cb")
    form = browser.get("/plans/new")
    wrong = [{**ACTIVITIES[0], "lead_unit": "Sở Không Có Thật"}]
    answer = browser.post("/plans/new", plan_form(wrong), from_page=form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="err-activities-0-lead_unit"' in html
    assert 'value="Sở Không Có Thật"' in html  # what was typed stays in the field


def test_the_ministrys_call_is_addressed_to_provinces_by_name(browser: Browser) -> None:
    page = browser.login("ministry.1", start="/calls")
    html = page.get_data(as_text=True)
    assert '<datalist id="province-choices">' in html and '<option value="Ủy ban nhân dân tỉnh Cao Bằng">' in html
    issued = browser.post(
        "/calls",
        {
            "reference": "15/BVHTTDL-TTCS",
            "issued_on": "2025-10-06",
            "plan_year": "2026",
            "plan_due": "2026-01-31",
            "provinces": "uy ban nhan dan tinh cao bang; ubnd-lang-son",  # a name without accents, an id
        },
        from_page=page,
    )
    assert issued.status_code == 303, text_of(issued)
    rows = text_of(browser.follow(issued))
    assert "Cao Bằng" in rows and "Lạng Sơn" in rows and "Thái Nguyên" not in rows


def test_the_timeline_says_when_a_task_passed_to_a_successors_approvers(browser: Browser, world: World) -> None:
    from datetime import UTC, datetime

    from plans.domain import commands

    browser.login("drafter.cb")
    form = browser.get("/plans/new")
    created = browser.post("/plans/new", plan_form(), from_page=form)
    plan_id = created.headers["Location"].split("/plans/")[1].split("?")[0]
    page = browser.get(f"/plans/{plan_id}")
    assert browser.post(f"/plans/{plan_id}/submit", {"confirm": "yes"}, from_page=page).status_code == 303
    plans = world.upstreams.services.apps["plans.test"].extensions["plans"]
    level = {"vi": "Lãnh đạo Sở", "en": "Department leadership"}
    common = {"plan_id": plan_id, "approval_id": "a-handed", "version": 1, "level": 1, "level_name": level}
    plans.handle(
        commands.RecordTaskAssigned(
            **common,
            event_id="e-1",
            occurred_at=datetime(2025, 6, 20, 2, tzinfo=UTC),
            task_id="t-1",
            due_at="2025-06-25T10:00:00+00:00",
            role="dept_approver",
        )
    )
    plans.handle(
        commands.RecordTaskAssigned(
            **common,
            event_id="e-2",
            occurred_at=datetime(2025, 7, 1, 1, tzinfo=UTC),
            task_id="t-1",
            due_at="2025-07-04T10:00:00+00:00",
            role="dept_approver",
            reassigned={
                "task_id": "t-1",
                "predecessor": "svhttdl-bac-kan",
                "successor": "svhttdl-thai-nguyen-2025",
                "date": "2025-07-01",
            },
        )
    )
    text = text_of(browser.get(f"/plans/{plan_id}"))
    assert (
        "Sở Văn hóa, Thể thao và Du lịch tỉnh Bắc Kạn giải thể: Lãnh đạo Sở chuyển cho người phê duyệt của "
        "Sở Văn hóa, Thể thao và Du lịch tỉnh Thái Nguyên, hạn mới 04/07/2025"
    ) in text
    assert "svhttdl-bac-kan" not in text
