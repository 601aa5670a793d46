"""Decree 30 numbering and the issuing-body configuration."""

from __future__ import annotations

from datetime import date

import pytest
from plans.domain.errors import NoIssuingBody
from plans.domain.numbering import IssuingBodies, IssuingBody, date_line, document_number

UBND_CB = IssuingBody(code="CB-UBND", symbol="UBND", province="CB", place="Cao Bằng")


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


def test_by_default_the_provincial_committee_issues_a_departments_plans():
    body = IssuingBodies().for_unit("KT-STTTT")
    assert (body.code, body.symbol, body.province, body.place, body.series) == (
        "KT-UBND",
        "UBND",
        "KT",
        "Kon Tum",
        "administrative",
    )


def test_configuration_names_other_issuers_and_series():
    bodies = IssuingBodies.from_json(
        '{"units": {"BK-STTTT": {"issuer": "BK-STTTT", "symbol": "STTTT", "series": "plans"},'
        ' "TN-SVHTTDL": {"province": "TN"}}, "places": {"TN": "Thái Nguyên"}}'
    )
    own = bodies.for_unit("BK-STTTT")
    assert (document_number(213, own), own.series, own.place) == ("213/KH-STTTT", "plans", "Bắc Kạn")
    assert bodies.for_unit("TN-SVHTTDL").place == "Thái Nguyên"


def test_an_unknown_province_is_a_configuration_error():
    with pytest.raises(NoIssuingBody):
        IssuingBodies().for_unit("ZZ-STTTT")
