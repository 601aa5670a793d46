"""One language at a time: the kit's, the approvals and the notifications services' catalogues hold every
text their code marks, in Vietnamese and English with the same placeholders, compiled as
committed; marshmallow's field messages and a domain error's message reach the caller in
the language they ask for (Accept-Language, else their token's locale claim)."""

from __future__ import annotations

import io
import re
from importlib import import_module
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, request
from servicekit.auth import Principal
from servicekit.field_messages import localised, localised_errors
from servicekit.i18n import N_, Catalogue, LocalisedError, request_locale
from servicekit.problems import ProblemTable, ProblemType, register_problem_table

# The catalogues beside plans' (tested in tests/unit/plans) and the web's (tests/unit/web).
CATALOGUES = [("servicekit", "servicekit"), ("approvals", "approvals"), ("notifications", "notifications")]


def folder(package: str) -> Path:
    return Path(import_module(package).__file__).parent  # type: ignore[arg-type]


def po(package: str, domain: str, locale: str):  # type: ignore[no-untyped-def]
    with (folder(package) / "translations" / locale / "LC_MESSAGES" / f"{domain}.po").open("rb") as file:
        return read_po(file, locale=locale)


@pytest.mark.parametrize(("package", "domain"), CATALOGUES)
@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_catalogue_holds_every_marked_text_translated_and_compiled(package: str, domain: str, locale: str) -> None:
    marked = {message for _f, _l, message, _c, _x in extract_from_dir(str(folder(package)))}
    catalogue = po(package, domain, locale)
    entries = {message.id: message.string for message in catalogue if message.id}
    assert marked and set(entries) == marked, "run `make messages`"
    for msgid, text in entries.items():
        assert text, f"{package} {locale}: {msgid!r} has no translation"
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", msgid)), msgid
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    mo = folder(package) / "translations" / locale / "LC_MESSAGES" / f"{domain}.mo"
    assert mo.read_bytes() == compiled.getvalue(), "run `make messages`"


def test_marshmallows_messages_read_in_vietnamese_and_unknown_texts_pass_through() -> None:
    errors = {
        "title": ["Length must be between 1 and 500."],
        "activities": {
            "0": {"budget_vnd": ["Not a valid integer."], "lead_unit": ["Missing data for required field."]}
        },
        "plan_type": ["Must be one of: annual, thematic."],
        "summary": ["Kế hoạch cần có mục đích, yêu cầu mới được trình."],
    }
    vietnamese = localised_errors(errors, "vi")
    assert vietnamese == {
        "title": ["Độ dài phải từ 1 đến 500 ký tự."],
        "activities": {"0": {"budget_vnd": ["Cần nhập một số nguyên."], "lead_unit": ["Chưa nhập mục bắt buộc này."]}},
        "plan_type": ["Chỉ được chọn một trong: annual, thematic."],
        "summary": ["Kế hoạch cần có mục đích, yêu cầu mới được trình."],
    }
    assert localised_errors(errors, "en") == errors
    assert localised("Must be greater than or equal to 0.", "vi") == "Không được nhỏ hơn 0."


class Refused(LocalisedError):
    pass


def app_with_a_refusal(catalogue: Catalogue) -> Flask:
    app = Flask(__name__)
    table: ProblemTable = {Refused: ProblemType(409, "Task closed", "task-closed")}
    register_problem_table(app, table, catalogue)

    @app.get("/refuse")
    def refuse() -> str:
        claims = {"locale": "vi"} if "claim" in request.args else {}
        g.principal = Principal(subject="s", username="u", roles=frozenset(), claims=claims)
        raise Refused(N_("The task is closed ({status}); no more decisions are taken on it.", status=N_("open")))

    return app


def test_a_domain_errors_detail_follows_accept_language_then_the_tokens_locale() -> None:
    client = app_with_a_refusal(Catalogue("approvals", "approvals")).test_client()
    english = client.get("/refuse")
    assert english.status_code == 409
    assert english.json["detail"] == "The task is closed (open); no more decisions are taken on it."
    vietnamese = client.get("/refuse", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    assert vietnamese.json["detail"] == "Việc này đã kết thúc (đang mở); không nhận thêm quyết định."
    assert vietnamese.headers["Content-Language"] == "vi"
    # No Accept-Language: the token's locale claim decides.
    assert client.get("/refuse?claim=1").json["detail"].startswith("Việc này đã kết thúc")
    # An Accept-Language the suite does not speak falls back to the claim, then English.
    assert client.get("/refuse?claim=1", headers={"Accept-Language": "fr"}).json["detail"].startswith("Việc")


def test_outside_a_request_the_locale_is_english() -> None:
    assert request_locale() == "en"
