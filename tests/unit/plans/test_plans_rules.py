"""Each rule a reviewer checks, reported against its field."""

from __future__ import annotations

import copy
import unicodedata

import pytest
from plans.domain.catalogue import Catalogue
from plans.domain.content import PlanContent
from plans.domain.rules import content_errors
from plans.domain.text import fold

CATALOGUE = Catalogue()


def errors_of(body: dict, *, for_submission: bool = False) -> dict:
    return content_errors(PlanContent.from_dict(body), CATALOGUE, for_submission=for_submission)


def test_the_cao_bang_plan_is_sound(body):
    assert errors_of(body, for_submission=True) == {}


def test_text_is_nfc_normalised_and_trimmed(body):
    decomposed = unicodedata.normalize("NFD", "  Kế hoạch hoạt động thông tin đối ngoại năm 2024 \n")
    body["title"] = decomposed
    content = PlanContent.from_dict(body)
    assert content.title == "Kế hoạch hoạt động thông tin đối ngoại năm 2024"
    assert unicodedata.is_normalized("NFC", content.title)


def test_the_hash_is_of_canonical_json_and_ignores_how_the_text_was_typed(body):
    nfd = copy.deepcopy(body)
    nfd["summary"] = unicodedata.normalize("NFD", body["summary"]) + "  "
    assert PlanContent.from_dict(nfd).sha256() == PlanContent.from_dict(body).sha256()
    body["activities"][0]["budget_vnd"] += 1
    assert PlanContent.from_dict(body).sha256() != PlanContent.from_dict(nfd).sha256()
    assert len(PlanContent.from_dict(body).sha256()) == 64


def test_search_folding_drops_accents_and_d_stroke():
    assert fold("Tập huấn  nghiệp vụ\nkhu vực BIÊN GIỚI") == "tap huan nghiep vu khu vuc bien gioi"
    assert fold("Đoàn phóng viên") == "doan phong vien"


def test_dates_outside_the_plan_year(body):
    body["activities"][0]["start_date"] = "2023-12-31"
    body["activities"][0]["end_date"] = "2025-01-01"
    errors = errors_of(body)
    assert errors["activities"][0]["start_date"] == ["Outside the plan's period (2024-01-01 – 2024-12-31)."]
    assert errors["activities"][0]["end_date"] == ["Outside the plan's period (2024-01-01 – 2024-12-31)."]


def test_an_activity_that_ends_before_it_starts(body):
    body["activities"][1]["start_date"], body["activities"][1]["end_date"] = "2024-06-30", "2024-06-01"
    assert errors_of(body) == {"activities": {1: {"end_date": ["Ends before it starts."]}}}


def test_a_quarter_instead_of_dates(body):
    activity = body["activities"][0]
    del activity["start_date"], activity["end_date"]
    activity["quarter"] = 3
    assert errors_of(body) == {}
    activity["quarter"] = 5
    assert errors_of(body) == {"activities": {0: {"quarter": ["Must be 1, 2, 3 or 4."]}}}


def test_dates_or_quarter_are_required(body):
    del body["activities"][2]["end_date"]
    assert errors_of(body) == {
        "activities": {2: {"end_date": ["Give the activity's start and end dates, or its quarter."]}}
    }


def test_multi_year_plans_span_their_period(body):
    body.update(
        plan_type="multi_year", year=2021, end_year=2025, title="Kế hoạch thông tin đối ngoại giai đoạn 2021 – 2025"
    )
    for activity in body["activities"]:
        activity["start_date"], activity["end_date"] = "2021-03-01", "2025-09-30"
    assert errors_of(body) == {}
    body["end_year"] = None
    assert errors_of(body)["end_year"] == ["A multi-year plan needs the last year of its period."]


def test_an_annual_plan_has_no_end_year(body):
    body["end_year"] = 2026
    assert errors_of(body) == {"end_year": ["Only a multi-year plan spans several years."]}


def test_negative_budgets_and_targets(body):
    body["activities"][0]["budget_vnd"] = -150_000_000
    body["activities"][0]["indicators"][0]["target"] = -200
    errors = errors_of(body)["activities"][0]
    assert errors["budget_vnd"] == ["A budget cannot be negative."]
    assert errors["indicators"][0]["target"] == ["A target cannot be negative."]


def test_unknown_category_and_indicator_unit(body):
    body["activities"][3]["category"] = "karaoke"
    body["activities"][3]["indicators"][0]["unit"] = "bushel"
    errors = errors_of(body)["activities"][3]
    assert errors["category"] == ["Not a category of the catalogue."]
    assert errors["indicators"][0]["unit"] == ["Not a unit of the indicator catalogue."]


def test_duplicate_activity_titles_whatever_the_accents(body):
    body["activities"][4]["title"] = "TẬP HUẤN nghiệp vụ thông tin đối ngoại cho cán bộ khu vực biên giới"
    assert errors_of(body) == {"activities": {4: {"title": ["Duplicates the title of activity 1."]}}}


def test_unit_codes(body):
    body["activities"][0]["lead_unit"] = "Sở TTTT"
    body["activities"][0]["partner_units"] = ["svhttdl-cao-bang"]
    errors = errors_of(body)["activities"][0]
    assert errors["lead_unit"] == ["Not an organisation of the registry (e.g. svhttdl-cao-bang)."]
    assert "partner_units" not in errors  # svhttdl-cao-bang is a well-formed id; only the lead unit is wrong
    body["activities"][0]["lead_unit"] = "svhttdl-cao-bang"
    assert errors_of(body) == {
        "activities": {0: {"partner_units": {0: ["The lead unit is not also its own partner."]}}}
    }


def test_submission_needs_an_activity_and_a_summary(body):
    body["activities"], body["summary"] = [], ""
    assert errors_of(body) == {}  # a draft may be incomplete
    assert errors_of(body, for_submission=True) == {
        "activities": ["A plan needs at least one activity to be submitted."],
        "summary": ["A plan needs its purpose and requirements to be submitted."],
    }


@pytest.mark.parametrize("plan_type", ["weekly", ""])
def test_unknown_plan_type(body, plan_type):
    body["plan_type"] = plan_type
    assert "plan_type" in errors_of(body)


def test_a_catalogue_from_configuration(tmp_path, body):
    path = tmp_path / "catalogue.json"
    path.write_text('{"categories": {"training": {"vi": "Tập huấn", "en": "Training"}}}', encoding="utf-8")
    catalogue = Catalogue.from_file(path)
    errors = content_errors(PlanContent.from_dict(body), catalogue)
    assert errors["activities"][1]["category"] == ["Not a category of the catalogue."]
    assert 0 not in errors["activities"]
