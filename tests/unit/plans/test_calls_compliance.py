"""The rules of calls, compliance and lateness (working days on the Vietnamese calendar), and the
overview's order-independent merging of events — the domain alone, no I/O."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from plans.domain.calls import Call, Province, Requested, answering
from plans.domain.compliance import (
    DocumentFacts,
    compliance,
    due_for_reminder,
    standing,
    working_days_after,
)
from plans.domain.errors import CallInvalid
from plans.domain.overview import OverviewDocument, indicator_totals
from servicekit.calendar import WorkingCalendar

CALENDAR = WorkingCalendar()
NORTH = Province("ubnd-a", "A", "Tỉnh A")
SOUTH = Province("ubnd-b", "B", "Tỉnh B")
MINISTRY = Province("bo-x", "", "Bộ X")
AT = datetime(2024, 10, 6, 2, 0, tzinfo=UTC)


def issue(**body: object) -> Call:
    letter = {
        "reference": "12/BX-TTĐN",
        "issued_on": date(2024, 10, 6),
        "plan_year": 2025,
        "plan_due": date(2025, 1, 31),
        "report_year": 2024,
        "report_due": date(2024, 12, 20),
        **body,
    }
    return Call.issue("c1", letter, provinces_on=[NORTH, SOUTH], issuer=MINISTRY, by="ministry.1", at=AT)


def test_working_days_skip_weekends_and_tet() -> None:
    # Friday 24/01/2025 to Friday 31/01/2025 is Tết Ất Tỵ (27/01–31/01 off by decree): no working day
    assert working_days_after(date(2025, 1, 24), date(2025, 2, 2), CALENDAR) == 0
    assert working_days_after(date(2025, 1, 24), date(2025, 2, 3), CALENDAR) == 1
    # Wednesday to the next Wednesday: five working days; a day on or before the due date is never late
    assert working_days_after(date(2023, 12, 20), date(2023, 12, 27), CALENDAR) == 5
    assert working_days_after(date(2023, 12, 20), date(2023, 12, 20), CALENDAR) == 0
    assert working_days_after(date(2023, 12, 20), date(2023, 12, 1), CALENDAR) == 0


def test_a_call_addresses_every_province_by_default_and_records_its_event() -> None:
    call = issue()
    assert call.provinces == (NORTH, SOUTH)
    [event] = call.events
    assert event.name == "call.issued" and [p.id for p in event.provinces] == ["ubnd-a", "ubnd-b"]
    assert [asked.kind for asked in call.requested] == ["plan", "report"]


def test_a_call_is_refused_naming_every_wrong_field() -> None:
    with pytest.raises(CallInvalid) as refused:
        issue(plan_due=date(2024, 10, 5), report_due=None, provinces=["ubnd-a", "ubnd-z"], reference=" ")
    fields = {violation.field for violation in refused.value.validation}
    assert fields == {"plan_due", "report_due", "provinces.1", "reference"}


def test_a_document_answers_the_latest_call_that_asks_its_province_for_it() -> None:
    first, later = (
        issue(),
        Call.issue(
            "c2",
            {"reference": "13/BX", "issued_on": date(2024, 11, 1), "plan_year": 2025, "plan_due": date(2025, 2, 10)},
            provinces_on=[NORTH, SOUTH],
            issuer=MINISTRY,
            by="ministry.1",
            at=AT,
        ),
    )
    assert answering([first, later], "plan", 2025, "A") is later  # a legacy code matches too
    assert answering([first, later], "report", 2024, "ubnd-b") is first
    assert answering([first, later], "plan", 2026, "A") is None


def facts(status: str, submitted: date | None, province: str = "A", **more: object) -> DocumentFacts:
    return DocumentFacts(
        kind="plan",
        id=f"p-{province}",
        province=province,
        year=2025,
        status=status,
        first_submitted_on=submitted,
        **more,
    )  # type: ignore[arg-type]


def test_lateness_counts_the_first_submission_and_a_missing_document_counts_until_today() -> None:
    asked = Requested("plan", 2025, date(2025, 1, 31))  # a Friday of Tết: the next working day is 03/02
    on_time = standing(asked, facts("returned", date(2025, 1, 30)), date(2025, 3, 1), CALENDAR)
    assert (on_time.status, on_time.late, on_time.working_days_late) == ("returned", False, 0)
    late = standing(asked, facts("approved", date(2025, 2, 5), document_number="1/KH-UBND"), date(2025, 3, 1), CALENDAR)
    assert (late.late, late.working_days_late, late.document_number) == (True, 3, "1/KH-UBND")
    missing = standing(asked, None, date(2025, 2, 4), CALENDAR)
    assert (missing.status, missing.working_days_late) == ("not_started", 2)
    under_way = standing(asked, facts("submitted", date(2025, 1, 20), level=2), date(2025, 1, 21), CALENDAR)
    assert (under_way.status, under_way.level, under_way.late) == ("submitted", 2, False)


def test_compliance_lists_every_province_and_document_and_prefers_the_document_linked_to_the_call() -> None:
    call = issue()
    documents = [
        facts("draft", None, "A"),
        DocumentFacts("plan", "linked", "A", 2025, "submitted", date(2025, 1, 10), call_id="c1", level=1),
        DocumentFacts("report", "r", "ubnd-b", 2024, "received", date(2024, 12, 30), received_on=date(2025, 1, 2)),
    ]
    rows = {row.province.id: row for row in compliance(call, documents, date(2025, 1, 15), CALENDAR)}
    north = {item.kind: item for item in rows["ubnd-a"].documents}
    assert north["plan"].document_id == "linked" and north["plan"].status == "submitted"
    assert (north["report"].status, north["report"].late, north["report"].working_days_late) == (
        "not_started",
        True,
        17,
    )
    south = {item.kind: item for item in rows["ubnd-b"].documents}
    assert (south["report"].status, south["report"].working_days_late) == ("received", 6)
    assert rows["ubnd-b"].late and rows["ubnd-a"].late


def test_reminders_go_to_provinces_not_submitted_near_the_due_date_once_each() -> None:
    call = issue(report_year=None, report_due=None)
    documents = [facts("submitted", date(2025, 1, 20), "A")]
    today = date(2025, 1, 22)  # Wednesday; 31/01 is in Tết, so only 23 and 24/01 are working days left
    due = due_for_reminder(call, documents, today, CALENDAR, days_before=5, already=set())
    assert [(province.id, asked.kind, left) for province, asked, left in due] == [("ubnd-b", "plan", 2)]
    assert due_for_reminder(call, documents, today, CALENDAR, days_before=5, already={("c1", "ubnd-b", "plan")}) == []
    assert due_for_reminder(call, documents, date(2025, 1, 2), CALENDAR, days_before=5, already=set()) == []


def submitted(version: int, at: str, targets: dict[str, int]) -> tuple[str, dict[str, object]]:
    indicators = [{"code": code, "name": code, "unit": "cuộc", "value": value} for code, value in targets.items()]
    data = {"plan_id": "p", "version": version, "province": "A", "year": 2025, "submitted_at": at}
    return "plan.submitted", {**data, "indicators": indicators, "total_budget_vnd": 10 * version}


EVENTS = [
    submitted(1, "2025-01-10T03:00:00+00:00", {"X": 5}),
    ("approval.task_assigned", {"plan_id": "p", "version": 1, "level": 1}),
    ("approval.completed", {"plan_id": "p", "version": 1, "outcome": "returned"}),
    submitted(2, "2025-01-20T03:00:00+00:00", {"X": 7}),
    ("approval.task_assigned", {"plan_id": "p", "version": 2, "level": 1}),
    ("approval.task_assigned", {"plan_id": "p", "version": 2, "level": 2}),
    ("approval.completed", {"plan_id": "p", "version": 2, "outcome": "approved"}),
    ("plan.approved", {"plan_id": "p", "version": 2, "document_number": "3/KH-UBND", "issued_on": "2025-02-01"}),
]


@pytest.mark.parametrize("order", list(itertools.islice(itertools.permutations(range(len(EVENTS))), 0, None, 997)))
def test_the_overview_reads_the_same_whatever_the_order_of_the_events(order: tuple[int, ...]) -> None:
    document = OverviewDocument(kind="plan", id="p")
    for index in (*order, *order[:3]):  # some delivered twice
        name, data = EVENTS[index]
        document.apply(name, data, AT)
    assert (document.status, document.document_number, document.approved_version) == ("approved", "3/KH-UBND", 2)
    assert document.first_submitted_on == date(2025, 1, 10)
    assert document.figures["total_budget_vnd"] == 20
    assert document.facts().status == "approved"


def test_a_late_level_does_not_reopen_a_returned_version() -> None:
    document = OverviewDocument(kind="plan", id="p")
    for name, data in (EVENTS[0], EVENTS[2], EVENTS[1]):
        document.apply(name, data, AT)
    assert document.status == "returned"


def test_totals_sum_coded_indicators_and_complete_over_the_provinces_that_reported() -> None:
    def approved(kind: str, province: str, values: dict[str, int]) -> OverviewDocument:
        document = OverviewDocument(kind=kind, id=f"{kind}-{province}", province=province)
        indicators = [{"code": c, "name": c or "tự do", "unit": "cuộc", "value": v} for c, v in values.items()]
        document.apply(f"{kind}.submitted", {"version": 1, "indicators": indicators}, AT)
        document.apply(f"{kind}.approved", {"version": 1, "document_number": "1"}, AT)
        return document

    plans = [approved("plan", "A", {"X": 10, "": 4}), approved("plan", "B", {"X": 30})]
    reports = [approved("report", "A", {"X": 9})]
    [total], uncoded = indicator_totals(plans, reports, headline=("X",))
    # Σ target 40 nationally, but only A reported: 9 of its 10, not 9 of 40, nor a mean of percentages
    assert (total.target, total.actual, total.completion, total.headline) == (40, 9, 90.0, True)
    assert [item["name"] for item in uncoded] == ["tự do"]


def test_a_plan_answering_a_call_cites_the_letter_after_its_legal_bases() -> None:
    from plans.domain.content import PlanContent
    from plans.domain.document import Signer, document_face
    from plans.domain.organisation_seed import load_seed
    from plans.domain.organisations import Organisations

    from infra.local.sample_plans import CAO_BANG_2024, drafter_of

    registry = load_seed()
    organisations = Organisations.load(lambda: registry)
    province = drafter_of(CAO_BANG_2024["org_unit"]).province
    assert province is not None
    body = organisations.body(province, date(2024, 2, 8))
    letter = issue(issued_on=date(2023, 10, 6), reference="3616/BTTTT-TTĐN")
    common = {
        "document_id": "p",
        "version": 1,
        "content": PlanContent.from_dict(CAO_BANG_2024),
        "number": "01/KH-UBND",
        "issued_on": date(2024, 2, 8),
        "place": "Cao Bằng",
        "issuer": body,
        "signer": Signer("province.cb", "Bế Đức Thắng", "Phó Chủ tịch", body.code),
        "organisations": organisations,
    }
    cited = document_face(**common, answering=letter.citation).preamble
    assert letter.citation == "Thực hiện Công văn số 3616/BTTTT-TTĐN ngày 06/10/2023 của Bộ X"
    assert cited[-2] == f"{letter.citation};" and cited[0].startswith("Căn cứ ")
    assert document_face(**common).preamble == cited[:-2] + cited[-1:]  # a plan answering no call: no such line
