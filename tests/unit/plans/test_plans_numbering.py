"""Decree 30 numbering and the issuing-body configuration."""

from __future__ import annotations

from datetime import date

import pytest
from plans.domain.errors import NoIssuingBody
from plans.domain.numbering import IssuingBodies, IssuingBody, date_line, document_number

UBND_CB = IssuingBody(code="ubnd-cao-bang", symbol="UBND", province="ubnd-cao-bang", place="Cao Bằng")


@pytest.mark.parametrize(
    ("number", "expected"), [(1, "01/KH-UBND"), (9, "09/KH-UBND"), (15, "15/KH-UBND"), (371, "371/KH-UBND")]
)
def test_numbers_below_ten_take_a_leading_zero(number, expected):
    assert document_number(number, UBND_CB) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 2, 8), "Cao Bằng, ngày 08 tháng 02 năm 2024"),
        (date(2023, 9, 15), "Cao Bằng, ngày 15 tháng 9 năm 2023"),
        (date(2020, 1, 28), "Cao Bằng, ngày 28 tháng 01 năm 2020"),
        (date(2023, 12, 1), "Cao Bằng, ngày 01 tháng 12 năm 2023"),
    ],
)
def test_the_date_line(day, expected):
    assert date_line("Cao Bằng", day) == expected


def test_by_default_the_provincial_committee_of_the_day_issues_a_departments_plans():
    bodies = IssuingBodies()
    before = bodies.for_unit("stttt-kon-tum", date(2023, 5, 2))
    assert (before.code, before.symbol, before.province, before.place, before.series) == (
        "ubnd-kon-tum",
        "UBND",
        "ubnd-kon-tum",
        "Kon Tum",
        "administrative",
    )
    after = bodies.for_unit("svhttdl-quang-ngai-2025", date(2026, 1, 5))
    assert (after.code, after.symbol, after.place) == ("ubnd-quang-ngai-2025", "UBND", "Quảng Ngãi")


def test_a_plan_of_a_dissolved_unit_is_issued_by_the_province_that_took_its_work():
    # Drafted by Bắc Kạn's Sở TTTT, approved after the 2025 mergers: Thái Nguyên's register and place.
    body = IssuingBodies().for_unit("stttt-bac-kan", date(2026, 1, 5))
    assert (body.code, body.place) == ("ubnd-thai-nguyen-2025", "Thái Nguyên")
    assert IssuingBodies().province_of("stttt-bac-kan", date(2020, 2, 28)) == "ubnd-bac-kan"


def test_configuration_names_other_issuers_and_series():
    bodies = IssuingBodies.from_json('{"units": {"stttt-bac-kan": {"issuer": "stttt-bac-kan", "series": "plans"}}}')
    own = bodies.for_unit("stttt-bac-kan", date(2020, 2, 28))
    assert (document_number(213, own), own.series, own.place) == ("213/KH-STTTT", "plans", "Bắc Kạn")
    assert bodies.for_unit("svhttdl-cao-bang", date(2026, 1, 5)).code == "ubnd-cao-bang"


def test_an_unknown_organisation_is_a_configuration_error():
    with pytest.raises(NoIssuingBody):
        IssuingBodies().for_unit("zz-stttt", date(2026, 1, 5))
