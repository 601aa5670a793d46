"""Messages have one shape: the domain's rules return every broken rule at once,
each with its field path and rule name, as catalogue messages that the edge
renders in the reader's language; the catalogue (Babel .po/.mo, Vietnamese and
English) holds every text the code marks, compiled as committed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import plans
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from plans.domain.catalogue import Catalogue
from plans.domain.content import PlanContent
from plans.domain.errors import PlanInvalid
from plans.domain.rules import check_content, content_validation
from plans.entrypoints.messages import CATALOGUE

PACKAGE = Path(plans.__file__).parent
TRANSLATIONS = PACKAGE / "translations"


def marked_in_code() -> set[str]:
    return {message for _file, _line, message, _comments, _context in extract_from_dir(str(PACKAGE))}


def po(locale: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "plans.po").open("rb") as file:
        return read_po(file, locale=locale)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_catalogue_holds_every_marked_text_translated_with_its_placeholders(locale: str) -> None:
    catalogue = po(locale)
    entries = {message.id: message.string for message in catalogue if message.id}
    assert set(entries) == marked_in_code(), "run `make messages`"
    for msgid, text in entries.items():
        assert text, f"{locale}: {msgid!r} has no translation"
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", msgid)), msgid


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_committed_mo_file_is_compiled_from_the_po_file(locale: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, po(locale))
    assert (TRANSLATIONS / locale / "LC_MESSAGES" / "plans.mo").read_bytes() == compiled.getvalue(), (
        "run `make messages`"
    )


def broken(body: dict) -> PlanContent:
    """An empty title, a negative budget and an activity that ends before it starts."""
    body["title"] = ""
    body["activities"][0]["budget_vnd"] = -150_000_000
    body["activities"][1]["start_date"], body["activities"][1]["end_date"] = "2024-06-30", "2024-06-01"
    return PlanContent.from_dict(body)


def test_every_broken_rule_comes_at_once_with_its_field_path_and_rule(body) -> None:
    with pytest.raises(PlanInvalid) as raised:
        check_content(broken(body), Catalogue())
    assert [(v.field, v.rule) for v in raised.value.validation] == [
        ("title", "required"),
        ("activities.0.budget_vnd", "not-negative"),
        ("activities.1.end_date", "date-order"),
    ]
    assert raised.value.errors == {
        "title": ["A plan needs a title."],
        "activities": {
            0: {"budget_vnd": ["A budget cannot be negative."]},
            1: {"end_date": ["Ends before it starts."]},
        },
    }


def test_the_same_violations_read_in_vietnamese_with_vietnamese_dates(body) -> None:
    body["activities"][0]["end_date"] = "2025-01-15"
    validation = content_validation(broken(body), Catalogue())
    rendered = validation.details(lambda message: CATALOGUE.text(message, "vi"))
    assert {"field": "title", "rule": "required", "message": "Kế hoạch cần có tên."} in rendered
    assert {
        "field": "activities.0.end_date",
        "rule": "within-period",
        "message": "Nằm ngoài thời gian của kế hoạch (01/01/2024 – 31/12/2024).",
    } in rendered
    english = validation.details(lambda message: CATALOGUE.text(message, "en"))
    assert english == validation.details()  # English is the source text
    assert "Outside the plan's period (2024-01-01 – 2024-12-31)." in [item["message"] for item in english]
