"""The web interface's texts live in its Babel catalogue (gateway/web/translations, domain
``web``): every key a page or the code names is in both languages, with the same
placeholders, and the committed .mo files are compiled from the .po files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import gateway.web
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from gateway.web.i18n import KEYS_BUILT_AT_RUN_TIME, catalogue, translate
from gateway.web.plan_form import error_links, field_anchor

PACKAGE = Path(gateway.web.__file__).parent
TRANSLATIONS = PACKAGE / "translations"
KEYWORDS = {"t": None, "translate": (2,), "mark": None}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def named_in_code() -> set[str]:
    found = extract_from_dir(str(PACKAGE), METHODS, keywords=KEYWORDS)  # type: ignore[arg-type]
    return {message for _file, _line, message, _comments, _context in found}


def po(locale: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "web.po").open("rb") as file:
        return read_po(file, locale=locale)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_catalogue_holds_every_key_the_pages_name_translated_with_its_placeholders(locale: str) -> None:
    entries = {message.id: message.string for message in po(locale) if message.id}
    named = named_in_code()
    assert "nav.plans" in named and "status.draft" in named, "the extraction finds nothing: its keywords are wrong"
    assert set(entries) == named, "run `make messages`"
    for key, text in entries.items():
        assert text, f"{locale}: {key!r} has no text"
        assert text != key, f"{locale}: {key!r} is its own text"
    vietnamese = {message.id: message.string for message in po("vi") if message.id}
    for key, text in entries.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", vietnamese[key])), key


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_committed_mo_file_is_compiled_from_the_po_file(locale: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, po(locale))
    assert (TRANSLATIONS / locale / "LC_MESSAGES" / "web.mo").read_bytes() == compiled.getvalue(), "run `make messages`"


def test_the_keys_built_at_run_time_are_in_the_catalogue_and_no_json_catalogue_is_left() -> None:
    for key in KEYS_BUILT_AT_RUN_TIME:
        assert key in catalogue("vi") and key in catalogue("en"), key
    assert not list(TRANSLATIONS.glob("*.json"))
    assert translate("en", "nav.inbox_count", count=3) == "Notifications: 3 unread"
    assert translate("vi", "nav.inbox_count", count=3) == "Thông báo: 3 chưa đọc"
    assert translate("vi", "no.such.key") == "no.such.key"  # a gap shows itself


def test_every_error_of_a_save_links_to_its_field_with_the_field_named() -> None:
    errors = {
        "title": ["Kế hoạch cần có tên."],
        "activities.1.budget_vnd": ["Kinh phí không được âm."],
        "activities.0.indicators.2.target": ["Cần một số nguyên."],
        "legal_bases.0.reference": ["Cần số, ký hiệu."],
        "": ["Không lưu được."],
    }
    links = error_links(errors, "vi")
    assert [link["anchor"] for link in links] == ["title", "act-1-budget_vnd", "act-0-ind-2-target", "lb-0-reference"]
    assert links[0]["label"] == translate("vi", "field.title")
    assert links[1]["label"] == f"{translate('vi', 'form.activity')} 2 · {translate('vi', 'field.budget_vnd')}"
    assert links[1]["message"] == "Kinh phí không được âm."
    assert links[2]["label"].endswith(translate("vi", "form.indicator.target"))
    assert field_anchor("activities.3") == "act-3-title"
    assert field_anchor("activities") == "activities-title"


def test_the_inbox_shows_no_raw_addresses() -> None:
    from gateway.web.formatting import without_raw_links

    body = "Kế hoạch X chờ đồng chí duyệt.\nHạn xử lý: 15/03/2024.\nXem kế hoạch: http://127.0.0.1:8000/plans/abc"
    assert without_raw_links(body) == "Kế hoạch X chờ đồng chí duyệt.\nHạn xử lý: 15/03/2024."
