"""The ministry's pages against the real services: issuing a call from its form (errors beside it,
a province's drafter offered no form), the call's compliance table, and the overview with its
charts (server-side SVG, each with its numbers as a table) and its exports. The overview's figures
come from events (tests/e2e/test_calls_overview.py); here it shows the provinces with nothing yet."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.integration.web.conftest import Browser, text_of


def test_the_ministry_issues_a_call_and_follows_it(browser: Browser) -> None:
    page = browser.login("ministry.1", start="/calls")
    assert page.status_code == 200 and 'name="reference"' in page.get_data(as_text=True)
    wrong = browser.post(
        "/calls",
        {"reference": "12/BVHTTDL-TTCS", "issued_on": "2024-10-06", "plan_year": "2025", "plan_due": "2024-10-01"},
        from_page=page,
    )
    assert wrong.status_code == 422 and "plan_due" in text_of(wrong)
    issued = browser.post(
        "/calls",
        {"reference": "12/BVHTTDL-TTCS", "issued_on": "2024-10-06", "plan_year": "2025", "plan_due": "2025-01-31"},
        from_page=page,
    )
    assert issued.status_code == 303
    call = browser.follow(issued)
    text = text_of(call)
    assert "Thực hiện Công văn số 12/BVHTTDL-TTCS ngày 06/10/2024 của Bộ Thông tin và Truyền thông" in text
    assert "Cao Bằng" in text and "Chưa thực hiện" in text and "31/01/2025" in text


def test_a_provinces_drafter_sees_the_calls_but_no_form(browser: Browser) -> None:
    page = browser.login("drafter.cb", start="/calls")
    assert page.status_code == 200 and 'name="reference"' not in page.get_data(as_text=True)


def test_the_overview_draws_its_charts_with_their_numbers_and_exports_its_workbook(browser: Browser) -> None:
    page = browser.login("ministry.1", start="/overview?year=2024")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('<svg class="chart" role="img"') == 2  # completion by province, trend
    assert "Tình hình gửi kế hoạch, báo cáo theo tỉnh" in html and "Bắc Kạn" in html  # 2024: before the merger
    assert "Số liệu của biểu đồ" in html  # the trend's numbers as a table
    workbook = browser.get("/overview.xlsx?year=2024")
    assert workbook.status_code == 200
    matrix, totals = load_workbook(io.BytesIO(workbook.data)).worksheets
    assert matrix.max_row == 64 and totals["A1"].value == "Mã chỉ tiêu"
    assert browser.get("/overview.csv?year=2026").get_data(as_text=True).count("\n") == 35  # the 34 since 2025


def test_a_provinces_user_sees_only_their_province(browser: Browser) -> None:
    page = browser.login("drafter.ls", start="/overview?year=2024")
    assert page.status_code == 200
    text = text_of(page)
    assert "Lạng Sơn" in text and "Cao Bằng" not in text


def test_a_province_formed_in_2025_sees_itself_in_an_earlier_year(browser: Browser) -> None:
    # drafter.bk works today for Thái Nguyên, formed on 01/07/2025 (Bắc Kạn merged into it)
    page = browser.login("drafter.bk", start="/overview?year=2024")
    assert page.status_code == 200 and "Thái Nguyên" in text_of(page)
