"""The pure parts: Vietnamese formats, the form-to-body mapping, field errors,
what-changed, and the message catalogues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gateway.web import formatting
from gateway.web.changes import compare
from gateway.web.i18n import catalogue, translate
from gateway.web.plan_form import flatten_errors, parse_amount, parse_plan_form
from werkzeug.datastructures import MultiDict

from tests.support.web_forms import plan_form

TEMPLATES = Path(__file__).resolve().parents[3] / "gateway" / "src" / "gateway" / "web" / "templates" / "web"


@pytest.mark.parametrize(
    ("amount", "vi", "en"),
    # A no-break space (U+00A0) joins the amount and ₫.
    [
        (1_500_000_000, "1.500.000.000\u00a0₫", "1,500,000,000\u00a0₫"),
        (0, "0\u00a0₫", "0\u00a0₫"),
        (999, "999\u00a0₫", "999\u00a0₫"),
    ],
)
def test_amounts_are_grouped_the_vietnamese_way(amount: int, vi: str, en: str) -> None:
    assert formatting.vnd(amount, "vi") == vi
    assert formatting.vnd(amount, "en") == en


def test_dates_are_day_month_year_in_vietnams_time_zone() -> None:
    assert formatting.day("2024-02-08") == "08/02/2024"
    assert formatting.day("2024-02-07T18:30:00+00:00") == "08/02/2024"  # 01:30 on the 8th in Hà Nội
    assert formatting.day(None) == ""


def test_the_date_line_follows_decree_30() -> None:
    assert formatting.date_line("Cao Bằng", "2024-02-08") == "Cao Bằng, ngày 08 tháng 02 năm 2024"
    assert formatting.date_line("Kon Tum", "2023-09-15") == "Kon Tum, ngày 15 tháng 9 năm 2023"


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("150.000.000", 150_000_000),
        ("150 000 000 ₫", 150_000_000),
        ("150000000", 150_000_000),
        ("một tỷ", None),
        ("-5", None),
    ],
)
def test_amounts_are_read_as_typed(typed: str, amount: int | None) -> None:
    assert parse_amount(typed) == amount


def test_the_form_becomes_the_services_body_with_nfc_text() -> None:
    decomposed = (
        "Ke\u0302\u0301 hoa\u0323ch hoạt động thông tin đối ngoại năm 2024"  # "Kế hoạch" typed with combining marks
    )
    body, errors = parse_plan_form(MultiDict(plan_form(title=f"  {decomposed}  ")))
    assert errors == {}
    assert body["title"] == "Kế hoạch hoạt động thông tin đối ngoại năm 2024"
    assert body["year"] == 2024
    assert body["legal_bases"][0] == {
        "reference": "57-KL/TW",
        "issued_on": "2023-06-15",
        "issuer": "Bộ Chính trị",
        "title": "về tiếp tục nâng cao chất lượng, hiệu quả công tác thông tin đối ngoại trong tình hình mới",
    }
    assert body["recipients"] == ["Bộ Văn hóa, Thể thao và Du lịch;", "Thường trực Tỉnh ủy;", "Các sở, ban, ngành tỉnh"]
    assert [a["budget_vnd"] for a in body["activities"]] == [150_000_000, 1_350_000_000]


def test_an_untouched_new_row_is_not_an_activity() -> None:
    fields = [
        *plan_form([]),
        ("act-7-title", ""),
        ("act-7-category", ""),
        ("act-7-budget_vnd", ""),
        ("act-7-budget_source", "provincial"),
    ]
    body, errors = parse_plan_form(MultiDict(fields))
    assert body["activities"] == [] and errors == {}


def test_marshmallow_errors_are_flattened_to_field_paths() -> None:
    errors = {
        "title": ["Shorter than minimum length 1."],
        "activities": {
            "0": {
                "budget_vnd": ["A budget cannot be negative."],
                "indicators": {"1": {"target": ["Not a valid integer."]}},
            }
        },
        "_schema": ["The end year comes before the year."],
    }
    assert flatten_errors(errors) == {
        "title": ["Shorter than minimum length 1."],
        "activities.0.budget_vnd": ["A budget cannot be negative."],
        "activities.0.indicators.1.target": ["Not a valid integer."],
        "": ["The end year comes before the year."],
    }


def test_what_changed_between_two_versions() -> None:
    before = {
        "title": "Kế hoạch TTĐN năm 2024",
        "activities": [
            {
                "title": "Tập huấn",
                "budget_vnd": 150_000_000,
                "indicators": [{"name": "Người tham gia", "unit": "người", "target": 200}],
            },
            {"title": "Họp báo định kỳ", "budget_vnd": 30_000_000, "indicators": []},
        ],
    }
    after = {
        "title": "Kế hoạch TTĐN năm 2024",
        "activities": [
            {
                "title": "Tập huấn",
                "budget_vnd": 120_000_000,
                "indicators": [
                    {"name": "Người tham gia", "unit": "người", "target": 250},
                    {"name": "Lớp", "unit": "lớp", "target": 2},
                ],
            },
            {"title": "Ấn phẩm song ngữ", "budget_vnd": 90_000_000, "indicators": []},
        ],
    }
    changes = compare(before, after)
    assert [a["title"] for a in changes.added] == ["Ấn phẩm song ngữ"]
    assert [a["title"] for a in changes.removed] == ["Họp báo định kỳ"]
    (training,) = changes.changed
    assert [(c.field, c.before, c.after) for c in training.fields] == [("budget_vnd", 150_000_000, 120_000_000)]
    assert [(i.name, i.before, i.after) for i in training.indicators] == [
        ("Người tham gia", 200, 250),
        ("Lớp", None, 2),
    ]
    assert (changes.budget_before, changes.budget_after) == (180_000_000, 210_000_000)
    assert not compare(before, before).any


def test_every_message_the_templates_use_exists_in_both_languages() -> None:
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.]+[a-z_])["']""", template.read_text(encoding="utf-8")))
    assert used, "no messages found: the pattern is wrong"
    for locale in ("vi", "en"):
        missing = used - set(catalogue(locale))
        assert not missing, f"{locale} lacks {sorted(missing)}"
    assert set(catalogue("vi")) == set(catalogue("en"))
    assert translate("en", "nav.inbox_count", count=3) == "Notifications: 3 unread"


def test_what_changed_looks_at_the_fields_the_plans_service_lists() -> None:
    fields = {"plan": ["title", "summary", "activities", "org_unit"], "activity": ["title", "budget_vnd", "indicators"]}
    saved = {"title": "Kế hoạch TTĐN năm 2024", "revision": 3, "status": "draft", "activities": [], "org_unit": "CB"}
    typed = {"title": "Kế hoạch TTĐN năm 2025", "activities": [], "org_unit": "CB"}
    # The saved plan's document carries more than its content (status, revision): only the content is compared.
    assert [(c.field, c.before, c.after) for c in compare(saved, typed, fields).plan_fields] == [
        ("title", "Kế hoạch TTĐN năm 2024", "Kế hoạch TTĐN năm 2025")
    ]


def test_what_changed_keys_activities_on_their_stable_id() -> None:
    before = {
        "activities": [
            {"id": "a1", "title": "Tập huấn", "budget_vnd": 10, "indicators": []},
            {"id": "a2", "title": "Họp báo", "budget_vnd": 5, "indicators": []},
        ]
    }
    after = {
        "activities": [
            {"id": "a1", "title": "Tập huấn nghiệp vụ TTĐN", "budget_vnd": 12, "indicators": []},
            {"id": "a3", "title": "Họp báo", "budget_vnd": 5, "indicators": []},  # same title, new id: matched by title
            {"id": "a4", "title": "Triển lãm", "budget_vnd": 1, "indicators": []},
        ]
    }
    changes = compare(before, after)
    assert [(c.title, [(f.field, f.before, f.after) for f in c.fields]) for c in changes.changed] == [
        ("Tập huấn nghiệp vụ TTĐN", [("title", "Tập huấn", "Tập huấn nghiệp vụ TTĐN"), ("budget_vnd", 10, 12)])
    ]
    assert [a["title"] for a in changes.added] == ["Triển lãm"] and changes.removed == []


def test_what_changed_in_a_resubmitted_report() -> None:
    from gateway.web.report_pages import parse_actual, report_changes

    result = {"activity_id": "a1", "title": "Tập huấn", "status": "partly_done", "done": "", "spent_vnd": None}
    before = {
        "advantages": "",
        "results": [{**result, "indicators": [{"name": "Người", "actual": 180, "qualifier": ""}]}],
    }
    after = {
        "advantages": "Thuận lợi mới",
        "results": [
            {**result, "status": "done", "indicators": [{"name": "Người", "actual": 1200, "qualifier": "trên"}]},
            {"activity_id": "x1", "title": "Đón phóng viên", "planned": False, "indicators": []},
        ],
    }
    assert report_changes(before, after, "vi") == [
        "Đã sửa mục “Thuận lợi”",
        "“Tập huấn”: đổi tình hình thực hiện",
        "“Tập huấn” – Người: 180 → trên 1.200",
        "Thêm hoạt động “Đón phóng viên”",
    ]
    assert report_changes(before, before) == []
    # the API keeps actual values as decimals: a whole one reads as it was typed
    decimals = {**before, "results": [{**result, "indicators": [{"name": "Người", "actual": 150.0, "qualifier": ""}]}]}
    revised = {
        **before,
        "results": [{**result, "indicators": [{"name": "Người", "actual": 210.0, "qualifier": "trên"}]}],
    }
    assert report_changes(decimals, revised, "vi") == ["“Tập huấn” – Người: 150 → trên 210"]
    assert [parse_actual(v) for v in ("", "1.250", "12,5", "900", "7.5", "nhiều")] == [
        None,
        1250,
        12.5,
        900,
        7.5,
        "nhiều",
    ]
