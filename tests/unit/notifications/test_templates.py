"""Messages rendered in the reader's language from the Jinja2 templates."""

from __future__ import annotations

import pytest
from notifications.adapters.templates import DigestEntry, TemplateRenderer, format_deadline
from notifications.domain import events
from notifications.domain.model import CALL_EVENTS, NOTIFIED_EVENTS
from notifications.testing import sample_event_data
from servicekit.contracts import events as contract
from servicekit.contracts.examples import EXAMPLES

LINK = "https://ttdn.caobang.gov.vn/plans/5f0c8a1e-2b7d-4c55-9a7e-0d3c2f6b8a11"
TITLE = "Kế hoạch hoạt động thông tin đối ngoại năm 2024"


def context(name: str, **overrides: object) -> dict:
    data = sample_event_data(name, **overrides)
    return {
        "plan_id": data["plan_id"],
        "plan_title": data["title"],
        "year": data["year"],
        "org_unit": data["org_unit"],
        "province": data["province"],
        "level": data.get("level"),
        "level_name": data.get("level_name"),
        "actor": "Nông Văn Sơn",
        "comment": data.get("comment", ""),
        "decision": data.get("decision"),
        "outcome": data.get("outcome"),
        "document_number": data.get("document_number", ""),
        "issued_on": data.get("issued_on"),
        "issuer_name": "",
        "due_at": data.get("due_at"),
        "link": LINK,
    }


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("name", sorted(NOTIFIED_EVENTS - CALL_EVENTS))
def test_every_notified_event_renders_in_both_languages_naming_the_plan_and_linking_to_it(
    renderer: TemplateRenderer, name: str, locale: str
) -> None:
    rendered = renderer.render_notice(name, locale, context(name))
    title = sample_event_data(name)["title"]  # the plan's (TITLE), or for a report.* event the report's
    assert title in rendered.subject
    assert title in rendered.body
    # The link is the message's, with its words; the text carries no address.
    assert LINK not in rendered.body and "http" not in rendered.body
    words = {"vi": ("Xem kế hoạch", "Xem báo cáo"), "en": ("Open the plan", "Open the report")}[locale]
    assert rendered.link_text in words
    assert "\n" not in rendered.subject


CALL_LINK = "https://ttdn.example/calls/9a4e1c7b-3d2f-4b8a-a6c1-5e0f2d9b7c31"


def call_context(name: str) -> dict:
    data = contract.to_data(EXAMPLES[name])
    province = data.get("province")
    return {
        **{key: data.get(key) for key in ("reference", "issuer_name", "plan_year", "plan_due", "report_year")},
        **{key: data.get(key) for key in ("report_due", "document", "due_on", "working_days_left", "issued_on")},
        "priorities": data.get("priorities") or "",
        "year": data.get("year") or "",
        "province": province["name"] if province else "",
        "plan_id": "",
        "plan_title": "",
        "org_unit": "",
        "level": None,
        "level_name": None,
        "actor": None,
        "comment": "",
        "decision": None,
        "outcome": None,
        "document_number": "",
        "due_at": None,
        "link": CALL_LINK,
    }


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("name", sorted(CALL_EVENTS))
def test_every_call_event_renders_in_both_languages_naming_the_letter_and_linking_to_it(
    renderer: TemplateRenderer, name: str, locale: str
) -> None:
    rendered = renderer.render_notice(name, locale, call_context(name))
    assert "3616/BTTTT-TTĐN" in rendered.body
    assert (
        CALL_LINK not in rendered.body and rendered.link_text == {"vi": "Xem công văn", "en": "Open the letter"}[locale]
    )
    assert "\n" not in rendered.subject
    due = "31/01/2024" if locale == "vi" else "31 January 2024"
    assert due in rendered.subject + rendered.body  # dates in the reader's form


def test_a_returned_decision_in_vietnamese_names_level_actor_and_comment(renderer: TemplateRenderer) -> None:
    rendered = renderer.render_notice(events.DECISION_RECORDED, "vi", context(events.DECISION_RECORDED, level=2))
    assert rendered.subject == f"UBND tỉnh trả lại để chỉnh sửa kế hoạch: {TITLE}"
    assert "Nông Văn Sơn (UBND tỉnh) đã trả lại để chỉnh sửa kế hoạch" in rendered.body
    assert "Ý kiến: Đề nghị bổ sung kinh phí cho lớp tập huấn nghiệp vụ tại khu vực biên giới." in rendered.body
    assert rendered.body.endswith("biên giới.") and rendered.link_text == "Xem kế hoạch"


def test_the_same_decision_in_english_uses_the_english_level_name(renderer: TemplateRenderer) -> None:
    rendered = renderer.render_notice(events.DECISION_RECORDED, "en", context(events.DECISION_RECORDED, level=2))
    assert rendered.subject == f"Provincial committee returned the plan for revision: {TITLE}"
    assert "Comment: Đề nghị bổ sung" in rendered.body
    assert "UBND" not in rendered.body


def test_deadlines_are_shown_in_vietnam_time(renderer: TemplateRenderer) -> None:
    vi = renderer.render_notice(events.TASK_ASSIGNED, "vi", context(events.TASK_ASSIGNED))
    en = renderer.render_notice(events.TASK_ASSIGNED, "en", context(events.TASK_ASSIGNED))
    assert "Hạn xử lý: 17:00 ngày 18/01/2024." in vi.body
    assert "Due: 18 January 2024, 17:00 (UTC+7)." in en.body
    assert format_deadline("2024-12-31T20:30:00+00:00", "vi") == "03:30 ngày 01/01/2025"


def test_the_issued_number_and_date(renderer: TemplateRenderer) -> None:
    vi = renderer.render_notice(events.PLAN_APPROVED, "vi", context(events.PLAN_APPROVED))
    en = renderer.render_notice(events.PLAN_APPROVED, "en", context(events.PLAN_APPROVED))
    assert vi.subject == f"Kế hoạch đã được cấp số 15/KH-UBND: {TITLE}"
    assert "ngày 08/02/2024" in vi.body
    assert "on 8 February 2024" in en.body
    # The issuing body, when the copy of the registry names it (the approving level may be another).
    issuer = {
        "issuer_name": "Ủy ban nhân dân tỉnh Cao Bằng",
        "level_name": {"vi": "Bộ Văn hóa, Thể thao và Du lịch", "en": "ministry"},
        "actor": "Phan Thanh Hương",
    }
    vi = renderer.render_notice(events.PLAN_APPROVED, "vi", context(events.PLAN_APPROVED) | issuer)
    en = renderer.render_notice(events.PLAN_APPROVED, "en", context(events.PLAN_APPROVED) | issuer)
    assert (
        "đã được Bộ Văn hóa, Thể thao và Du lịch (Phan Thanh Hương) phê duyệt và Ủy ban nhân dân tỉnh Cao Bằng"
        " ban hành với số 15/KH-UBND" in vi.body
    )
    assert "approved by the ministry (Phan Thanh Hương) and issued by Ủy ban nhân dân tỉnh Cao Bằng as No." in en.body


@pytest.mark.parametrize(
    ("outcome", "vi_words", "en_words"),
    [
        ("approved", "đã được phê duyệt", "Plan approved"),
        ("returned", "bị trả lại để chỉnh sửa", "Plan returned for revision"),
        ("rejected", "bị từ chối", "Plan rejected"),
    ],
)
def test_each_outcome_has_its_words(renderer: TemplateRenderer, outcome: str, vi_words: str, en_words: str) -> None:
    ctx = context(events.APPROVAL_COMPLETED, outcome=outcome)
    assert vi_words in renderer.render_notice(events.APPROVAL_COMPLETED, "vi", ctx).subject
    assert renderer.render_notice(events.APPROVAL_COMPLETED, "en", ctx).subject.startswith(en_words)


def test_an_unknown_locale_reads_vietnamese_and_a_missing_comment_leaves_no_empty_line(
    renderer: TemplateRenderer,
) -> None:
    rendered = renderer.render_notice(events.TASK_DELEGATED, "fr", context(events.TASK_DELEGATED, level=3, comment=""))
    assert "đã chuyển cho bạn việc phê duyệt" in rendered.body
    assert "Ý kiến" not in rendered.body
    assert "\n\n\n" not in rendered.body


def test_a_level_without_names_falls_back_to_its_number(renderer: TemplateRenderer) -> None:
    ctx = {**context(events.TASK_OVERDUE), "level_name": None, "level": 2}
    assert "(cấp 2)" in renderer.render_notice(events.TASK_OVERDUE, "vi", ctx).subject
    assert "(level 2)" in renderer.render_notice(events.TASK_OVERDUE, "en", ctx).subject


def test_a_digest_of_several_counts_them_and_escapes_html(renderer: TemplateRenderer) -> None:
    entries = [
        DigestEntry("Kế hoạch chờ phê duyệt", "Kế hoạch <Cao Bằng> & biên giới\n\nXem kế hoạch: " + LINK, LINK),
        DigestEntry("Quá hạn phê duyệt", "Đề nghị xử lý ngay.", LINK),
    ]
    mail = renderer.render_digest("vi", "Nông Văn Sơn", entries)
    assert mail.subject == "TTĐN: 2 thông báo mới"
    assert mail.text.startswith("Kính gửi Nông Văn Sơn,")
    assert "1. Kế hoạch chờ phê duyệt" in mail.text and "2. Quá hạn phê duyệt" in mail.text
    assert "&lt;Cao Bằng&gt; &amp; biên giới" in mail.html
    assert f'<a href="{LINK}">Xem kế hoạch</a>' in mail.html
    assert renderer.render_digest("en", "Phạm Thu Trang", entries).subject == "TTĐN: 2 new notifications"


def test_a_digest_of_one_keeps_that_messages_subject(renderer: TemplateRenderer) -> None:
    mail = renderer.render_digest("en", "Phạm Thu Trang", [DigestEntry("Approval overdue (ministry): x", "b", LINK)])
    assert mail.subject == "Approval overdue (ministry): x"
