"""The report's arithmetic and rules, without I/O: completion percentages (zero targets,
over 100 %, qualifiers, "at most" indicators), the reporting periods of Decree 09/2019,
the draft made from a plan's approved version, the drafter's edit that cannot move what
the plan fixed, and the content model v2 (stable activity ids, catalogue codes, frozen hashes)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest
from plans.domain.catalogue import AT_MOST, Catalogue
from plans.domain.content import PlanContent
from plans.domain.report import (
    ANNUAL,
    SEMIANNUAL,
    IndicatorResult,
    ReportContent,
    completion_pct,
    default_period,
    is_shortfall,
)
from plans.domain.rules import report_validation

from infra.local.sample_plans import CAO_BANG_2024

CATALOGUE = Catalogue()


@pytest.mark.parametrize(
    ("target", "actual", "expected"),
    [
        (900, 900, 100.0),
        (900, 1000, 111.1),  # over 100 % is kept
        (48, 45, 93.8),  # one decimal, half up
        (3, 2, 66.7),
        (8, 1, 12.5),
        (200, 0, 0.0),
        (0, 5, None),  # no percentage of a zero target
        (0, 0, None),
        (12, None, None),  # nothing reported yet
        (10, 12.5, 125.0),  # decimal actuals
    ],
)
def test_completion_is_actual_over_target_with_one_decimal(target, actual, expected) -> None:
    assert completion_pct(target, actual) == expected


def test_an_at_most_indicator_counts_the_other_way() -> None:
    assert completion_pct(150, 120, AT_MOST) == 125.0  # spent less than allowed: better than the target
    assert completion_pct(150, 200, AT_MOST) == 75.0
    assert completion_pct(150, 0, AT_MOST) is None
    assert not is_shortfall(150, 120, AT_MOST) and is_shortfall(150, 151, AT_MOST)
    assert is_shortfall(200, 199) and not is_shortfall(200, 200) and not is_shortfall(200, None)
    assert CATALOGUE.direction_of("budget.spent") == AT_MOST
    assert CATALOGUE.direction_of("training.participants") == "at_least"
    assert CATALOGUE.direction_of("") == "at_least"  # free text counts up


def test_a_qualifier_stays_beside_the_number_and_out_of_the_arithmetic() -> None:
    plain = IndicatorResult(name="Người được tập huấn", unit="người", target=200, actual=200)
    over = IndicatorResult(name="Người được tập huấn", unit="người", target=200, actual=200, qualifier="trên")
    assert over.completion_pct == plain.completion_pct == 100.0
    assert over.view()["qualifier"] == "trên" and over.view()["completion_pct"] == 100.0


def test_periods_follow_the_data_cut_off_of_decree_09() -> None:
    assert default_period(ANNUAL, 2024) == (date(2023, 12, 15), date(2024, 12, 14))
    assert default_period(SEMIANNUAL, 2024) == (date(2023, 12, 15), date(2024, 6, 14))


def cao_bang_plan() -> PlanContent:
    content = PlanContent.from_dict(copy.deepcopy(CAO_BANG_2024) | {"org_unit": "XX-DEPT"})
    ids = iter(f"act-{n}" for n in range(1, 100))
    return content.with_activity_ids(None, lambda: next(ids))


def draft(kind: str = ANNUAL) -> ReportContent:
    plan = cao_bang_plan()
    return ReportContent.from_plan(
        plan_id="plan-1",
        plan_version=2,
        plan_number="15/KH-UBND",
        plan=plan,
        kind=kind,
        org_unit=plan.org_unit,
        catalogue=CATALOGUE,
    )


def test_a_draft_lists_every_activity_and_indicator_with_frozen_targets() -> None:
    plan, report = cao_bang_plan(), draft()
    assert [result.activity_id for result in report.results] == [activity.id for activity in plan.activities]
    assert [[i.target for i in r.indicators] for r in report.results] == [
        [i.target for i in a.indicators] for a in plan.activities
    ]
    assert (report.plan_ref, report.plan_ref_version, report.plan_ref_number) == ("plan-1", 2, "15/KH-UBND")
    assert report.period == (date(2023, 12, 15), date(2024, 12, 14))
    assert report.title == "Báo cáo kết quả công tác thông tin đối ngoại năm 2024"
    assert all(i.actual is None and i.completion_pct is None for r in report.results for i in r.indicators)
    assert report.total_budget_vnd == plan.total_budget_vnd


def test_an_edit_sets_actuals_by_activity_id_and_cannot_move_targets() -> None:
    report = draft()
    first = report.results[0]
    edited, unknown = report.edited(
        {
            "advantages": "Được sự quan tâm của Tỉnh ủy.",
            "results": [
                {
                    "activity_id": first.activity_id,
                    "title": "another title",
                    "budget_vnd": 1,
                    "status": "done",
                    "done": "Đã tổ chức.",
                    "spent_vnd": 10_000_000,
                    "indicators": [
                        {"name": "x", "target": 1, "actual": 250, "qualifier": "trên"} for _ in first.indicators
                    ],
                },
                {"activity_id": "nope", "title": "?"},
                {
                    "planned": False,
                    "title": "Đón đoàn phóng viên Lào",
                    "status": "done",
                    "indicators": [{"name": "Phóng viên", "unit": "người", "actual": 6, "target": 99}],
                },
            ],
        },
        CATALOGUE,
    )
    assert unknown == [("results", 1, "activity_id")]
    result = edited.results[0]
    assert (result.title, result.budget_vnd, result.status, result.spent_vnd) == (
        first.title,
        first.budget_vnd,
        "done",
        10_000_000,
    )
    assert [(i.name, i.target, i.actual, i.qualifier) for i in result.indicators] == [
        (i.name, i.target, 250, "trên") for i in first.indicators
    ]
    assert len(edited.planned_results) == len(report.results)  # a planned activity is never dropped
    extra = edited.extra_results[0]
    assert (extra.planned, extra.indicators[0].target, extra.indicators[0].completion_pct) == (False, None, None)
    assert edited.advantages == "Được sự quan tâm của Tỉnh ủy."
    assert edited.sha256() != report.sha256() and ReportContent.from_dict(edited.to_dict()) == edited


def test_the_rules_name_every_wrong_field_and_submission_needs_each_status() -> None:
    report = draft()
    edited, _ = report.edited(
        {
            "period_start": "2024-12-20",
            "period_end": "2024-12-14",
            "results": [
                {
                    "activity_id": report.results[0].activity_id,
                    "status": "done",
                    "spent_vnd": -1,
                    "indicators": [{"actual": -3, "qualifier": "tầm"}],
                },
            ],
        },
        CATALOGUE,
    )
    fields = {violation.field for violation in report_validation(edited, for_submission=True)}
    assert {
        "period_end",
        "results.0.spent_vnd",
        "results.0.indicators.0.actual",
        "results.0.indicators.0.qualifier",
        "results.1.status",
    } <= fields
    assert "results.0.status" not in fields


def test_activity_ids_are_kept_across_versions_and_frozen_hashes_do_not_move() -> None:
    body = copy.deepcopy(CAO_BANG_2024)
    old = PlanContent.from_dict(body)  # as frozen before content model v2: no ids, no codes
    assert "id" not in old.to_dict()["activities"][0] and "code" not in str(
        old.to_dict()["activities"][0]["indicators"]
    )
    assert PlanContent.from_dict(old.to_dict()).sha256() == old.sha256()
    fresh = iter(f"new-{n}" for n in range(100))
    first = old.with_activity_ids(None, lambda: next(fresh))
    # A client that does not send ids back keeps them by title; a renamed activity gets a new one.
    resent = PlanContent.from_dict(body)
    renamed = resent.activities[1].__class__(**{**resent.activities[1].__dict__, "title": "Một hoạt động khác"})
    resent = resent.__class__(
        **{**resent.__dict__, "activities": (resent.activities[0], renamed, *resent.activities[2:])}
    )
    second = resent.with_activity_ids(first, lambda: next(fresh))
    assert second.activities[0].id == first.activities[0].id
    assert second.activities[1].id not in {a.id for a in first.activities}
    assert [a.id for a in second.activities[2:]] == [a.id for a in first.activities[2:]]


def test_indicator_codes_come_from_the_catalogue() -> None:
    from plans.domain.rules import content_validation

    body = copy.deepcopy(CAO_BANG_2024)
    body["activities"][0]["indicators"] = [
        {"code": "training.participants", "name": "Người được tập huấn", "unit": "lượt người", "target": 200},
        {"code": "nowhere.at_all", "name": "?", "unit": "người", "target": 1},
        {"name": "Chỉ tiêu tự do", "unit": "người", "target": 1},
    ]
    fields = {violation.field for violation in content_validation(PlanContent.from_dict(body), CATALOGUE)}
    assert "activities.0.indicators.1.code" in fields
    assert not {"activities.0.indicators.0.code", "activities.0.indicators.2.code"} & fields


def test_an_unplanned_activity_without_a_title_or_indicator_name_is_named_not_crashed() -> None:
    edited, unknown = draft().edited({"results": [{"planned": False, "indicators": [{"actual": 3}]}]}, CATALOGUE)
    fields = {violation.field for violation in report_validation(edited)}
    extra = len(edited.results) - 1
    assert unknown == [] and {f"results.{extra}.title", f"results.{extra}.indicators.0.name"} <= fields


def test_the_report_fills_the_same_document_face_as_a_plan() -> None:
    from plans.domain.document import document_face

    from infra.local.sample_plans import CAO_BANG_2024_REPORT, report_edit
    from tests.support.documents import DEPUTY_CHAIR, ORGANISATIONS

    report = draft()
    report, _ = report.edited(report_edit(report.to_dict(), CAO_BANG_2024_REPORT), CATALOGUE)
    issued_on = date(2024, 12, 20)
    face = document_face(
        document_id="r-1",
        version=2,
        content=report,
        number="07/BC-UBND",
        issued_on=issued_on,
        place="Cao Bằng",
        issuer=ORGANISATIONS.body("ubnd-cao-bang", issued_on),
        signer=DEPUTY_CHAIR,
        organisations=ORGANISATIONS,
    )
    assert (face.kind, face.type_code, face.type_name, face.number_line) == (
        "report",
        "BC",
        "BÁO CÁO",
        "Số: 07/BC-UBND",
    )
    assert face.summary_line == "Kết quả công tác thông tin đối ngoại năm 2024"
    assert [section.heading for section in face.sections] == [
        "I. TÌNH HÌNH CHUNG",
        "II. KẾT QUẢ THỰC HIỆN",
        "III. ĐÁNH GIÁ CHUNG",
        "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TIẾP THEO",
        "V. KIẾN NGHỊ, ĐỀ XUẤT",
    ]
    table = face.sections[1].table
    assert table is not None and table.headers[2:] == ("Kế hoạch", "Thực hiện", "Tỷ lệ (%)")
    assert table.rows[0][2:] == ("200", "trên 200", "100,0") and table.rows[-1][3:] == ("–", "–")
    assert face.addressed_to == ("Bộ Văn hóa, Thể thao và Du lịch",)
    assert face.recipients[-1] == f"Lưu: VT, {face.issuer.handling_unit}." and face.closing.endswith("./.")
    assert face.signature.authority[0].startswith("TM. ")


def test_the_report_opens_with_the_call_it_is_linked_to_and_falls_back_to_the_letter_typed() -> None:
    """The linked call wins over the free text ``replies_to``, which stays the fallback of a report
    linked to no call (one imported as history, or whose drafter chose none); without either the
    report names the plan it reports on."""
    from dataclasses import replace

    from plans.domain.calls import Call, Province
    from plans.domain.document import document_face

    from tests.support.documents import DEPUTY_CHAIR, ORGANISATIONS

    issued_on = date(2017, 12, 20)
    issuer = ORGANISATIONS.body("ubnd-cao-bang", issued_on)
    call = Call.issue(
        "c-3616",
        {
            "reference": "3616/BTTTT-TTĐN",
            "issued_on": date(2017, 10, 6),
            "report_year": 2017,
            "report_due": date(2017, 12, 20),
        },
        provinces_on=[Province("ubnd-cao-bang", "CB", "Tỉnh Cao Bằng")],
        issuer=Province("bo-tttt", "", "Bộ Thông tin và Truyền thông"),
        by="ministry.1",
        at=datetime(2017, 10, 6, 2, tzinfo=UTC),
    )

    def opening(content: ReportContent, answering: str | None = None) -> str:
        face = document_face(
            document_id="r-1",
            version=1,
            content=content,
            number="07/BC-UBND",
            issued_on=issued_on,
            place="Cao Bằng",
            issuer=issuer,
            signer=DEPUTY_CHAIR,
            organisations=ORGANISATIONS,
            answering=answering,
        )
        return face.preamble[0]

    typed = replace(draft(), replies_to="12/BX ngày 01/10/2017")
    assert opening(typed, call.citation) == (
        "Thực hiện Công văn số 3616/BTTTT-TTĐN ngày 06/10/2017 của Bộ Thông tin và Truyền thông, "
        f"{issuer.name} báo cáo như sau:"
    )
    assert opening(typed) == f"Thực hiện Công văn số 12/BX ngày 01/10/2017, {issuer.name} báo cáo như sau:"
    assert "báo cáo kết quả thực hiện Kế hoạch số 15/\u2060KH-UBND (kỳ báo cáo từ ngày" in opening(draft())
    assert not opening(draft()).startswith("Thực hiện")
