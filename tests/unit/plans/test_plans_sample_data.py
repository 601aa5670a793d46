"""The sample plans load through the use cases into varied states, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from plans.domain.catalogue import Catalogue
from plans.domain.content import PlanContent
from plans.domain.rules import content_errors

from infra.local.sample_plans import (
    BAC_KAN_2020,
    CAO_BANG_2024,
    CAO_BANG_2025_BAN_GIOC,
    KON_TUM_2023,
    LANG_SON_2018,
    QUANG_BINH_2017,
    QUANG_BINH_2017_HISTORY,
    load_sample_history,
    load_sample_plans,
)


def test_every_sample_body_passes_the_reviewers_rules():
    for body in (
        CAO_BANG_2024,
        CAO_BANG_2025_BAN_GIOC,
        BAC_KAN_2020,
        KON_TUM_2023,
        LANG_SON_2018,
        QUANG_BINH_2017,
        QUANG_BINH_2017_HISTORY,
    ):
        assert content_errors(PlanContent.from_dict(body), Catalogue(), for_submission=True) == {}, body["title"]


@pytest.fixture
def world(world):
    # The sample plans are drafted by today's units (those since the 2025 reorganisation).
    world.clock.now = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    return world


def test_sample_plans_in_varied_states(world):
    loaded = load_sample_plans(world.bus)
    states = {
        (plan.org_unit, plan.content.year): (plan.status, plan.stage.level if plan.stage else None) for plan in loaded
    }
    assert states == {
        ("svhttdl-cao-bang", 2024): ("approved", None),
        ("svhttdl-thai-nguyen-2025", 2020): ("submitted", 2),
        ("svhttdl-quang-ngai-2025", 2023): ("submitted", 3),
        ("svhttdl-lang-son", 2018): ("returned", None),
        ("svhttdl-quang-tri-2025", 2017): ("submitted", None),  # left to the real approvals service
        ("svhttdl-cao-bang", 2025): ("draft", None),
    }
    approved = next(plan for plan in loaded if plan.status == "approved")
    assert approved.document_number == "01/KH-UBND" and approved.issuer == "ubnd-cao-bang"
    returned = next(plan for plan in loaded if plan.status == "returned")
    assert returned.ordered_timeline()[-1].details["comment"].startswith("Đề nghị bổ sung")
    assert [event.name for event in world.published].count("plan.submitted") == 5


def test_sample_data_loads_only_into_an_empty_service(world):
    assert len(load_sample_plans(world.bus)) == 6
    assert load_sample_plans(world.bus) == []
    assert len(world.store) == 6


def test_the_seeds_issued_documents_are_imported_as_history_once(world):
    imported = load_sample_history(world.bus)
    assert [(p.kind, p.document_number, p.issued_on.isoformat(), p.issuer, p.status) for p in imported] == [
        ("plan", "213/KH-STTTT", "2020-02-28", "stttt-bac-kan", "approved"),
        ("plan", "371/KH-UBND", "2023-02-16", "ubnd-kon-tum", "approved"),
        ("plan", None, "2017-01-01", "ubnd-quang-binh", "approved"),  # seed 004 names no 2017 plan
        ("report", None, "2017-12-14", "ubnd-quang-binh", "approved"),  # nor the report's number and date
    ]
    assert [p.date_line for p in imported] == [
        "Bắc Kạn, ngày 28 tháng 02 năm 2020",
        "Kon Tum, ngày 16 tháng 02 năm 2023",
        "Quảng Bình, ngày 01 tháng 01 năm 2017",
        "Quảng Bình, ngày 14 tháng 12 năm 2017",
    ]
    assert world.register.issued == []  # no number taken from any register
    assert load_sample_history(world.bus) == []


def test_the_cao_bang_2024_report_carries_the_seeds_figures(world):
    from infra.local.sample_plans import load_sample_reports

    load_sample_plans(world.bus)
    (report,) = load_sample_reports(world.bus)
    assert (report.kind, report.status, report.content.plan_ref_number) == ("report", "submitted", "01/KH-UBND")
    actuals = {
        r.title: [(i.actual, i.qualifier, i.completion_pct) for i in r.indicators] for r in report.content.results
    }
    assert actuals[CAO_BANG_2024["activities"][0]["title"]] == [(200, "trên", 100.0), (1, "", 100.0)]
    assert actuals[CAO_BANG_2024["activities"][1]["title"]] == [(900, "trên", 100.0)]
    assert actuals[CAO_BANG_2024["activities"][2]["title"]] == [(48, "", 100.0)]
    exhibition = report.content.results[-1]
    assert exhibition.status == "not_done" and exhibition.indicators[0].actual is None
    assert load_sample_reports(world.bus) == []


def test_the_quang_binh_2017_report_is_history_with_the_seeds_figures_on_its_2017_plan(world):
    from infra.local.sample_plans import QUANG_BINH_2017_REPORT

    *_, plan, report = load_sample_history(world.bus)
    assert (plan.org_unit, plan.content.year, plan.is_editable) == ("stttt-quang-binh", 2017, False)
    assert (report.kind, report.status, report.is_editable, report.org_unit) == (
        "report",
        "approved",
        False,
        "stttt-quang-binh",
    )
    content = report.content
    assert (content.plan_ref, content.report_kind, content.year) == (plan.id, "annual", 2017)
    assert content.replies_to == "3616/BTTTT-TTĐN ngày 06/10/2017"
    assert content.recipients == tuple(QUANG_BINH_2017_REPORT["recipients"])
    figures = {r.title: [(i.name, i.actual, i.completion_pct) for i in r.indicators] for r in content.results}
    press = QUANG_BINH_2017_HISTORY["activities"][2]["title"]
    assert figures[press] == [("Đoàn phóng viên", 7, 100.0), ("Lượt phóng viên", 72, 100.0)]
    assert figures[QUANG_BINH_2017_HISTORY["activities"][0]["title"]] == [("Thành viên Ban Chỉ đạo", 15, 100.0)]
    exhibition = QUANG_BINH_2017_HISTORY["activities"][3]["title"]
    assert "Hoàng Sa" in exhibition and figures[exhibition] == [("Triển lãm", 1, 100.0)]
    assert all(r.status == "done" for r in content.results)
    (extra,) = content.extra_results
    assert "APEC" in extra.title and extra.planned is False
    assert [entry.kind for entry in report.timeline] == ["imported"]
    assert world.register.issued == [] and world.published == []  # history: no number, no event
