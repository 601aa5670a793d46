"""Reports through the use cases over fakes: made from an approved plan only, one per unit,
kind and period unless rejected, edited with If-Match, submitted and withdrawn as plans are,
decided by the report chain (department, then the provincial People's Committee, which issues
it as NN/BC-UBND in the register it shares with its plans), and received by the ministry."""

from __future__ import annotations

import pytest
from plans import views
from plans.adapters.repository import PlanQuery
from plans.domain import commands
from plans.domain.errors import (
    AlreadyReceived,
    PlanForbidden,
    PlanInvalid,
    PlanNotApproved,
    PlanNotFound,
    ReportExists,
    TransitionNotAllowed,
)
from plans.domain.events import ReportApproved, ReportReceived, ReportSubmitted, ReportWithdrawn
from plans.domain.model import Plan

from tests.unit.plans.plans_fakes import DRAFTER_BK, DRAFTER_CB, MINISTRY, PROVINCE_CB
from tests.unit.plans.test_plans_use_cases import Approval, create, deliver, submit


def approved_plan(world, body):
    plan = submit(world, create(world, body))
    deliver(world, Approval(plan.id).full_approval())
    return world.store[plan.id]


def start(world, plan, kind="annual", actor=DRAFTER_CB):
    return world.bus.handle(commands.CreateReport(actor=actor, plan_id=plan.id, kind=kind))


def submit_report(world, report, actor=DRAFTER_CB):
    return world.bus.handle(commands.SubmitPlan(actor=actor, plan_id=report.id, kind="report"))


def edit(world, report, body, actor=DRAFTER_CB):
    return world.bus.handle(
        commands.ReplaceReport(
            actor=actor, report_id=report.id, content=body, expected_revision=world.store[report.id].revision
        )
    )


def filled(report, status="done"):
    return {
        "results": [
            {
                "activity_id": result.activity_id,
                "status": status,
                "indicators": [{"actual": indicator.target} for indicator in result.indicators],
            }
            for result in report.content.results
        ]
    }


def report_chain(report_id, version=1, approval_id="r-1"):
    approval = Approval(report_id, version, approval_id)
    return approval, [
        approval.assigned(1),
        approval.decided(1, by="dept.cb"),
        approval.assigned(2),
        approval.decided(2, by="province.cb"),
        approval.completed("approved", level=2, by="province.cb"),
    ]


def test_a_report_lists_the_approved_versions_activities(world, body):
    plan = approved_plan(world, body)
    report = start(world, plan)
    assert report.kind == "report" and report.status == "draft" and report.org_unit == plan.org_unit
    assert [r.activity_id for r in report.content.results] == [a.id for a in plan.versions[-1].content.activities]
    assert all(a.id for a in plan.versions[-1].content.activities)  # content model v2: stable ids
    assert report.content.plan_ref_number == plan.document_number


def test_only_an_approved_plan_of_ones_own_unit_is_reported_on(world, body):
    draft = create(world, body)
    with pytest.raises(PlanNotApproved):
        start(world, draft)
    plan = approved_plan(world, body)
    with pytest.raises(PlanNotFound):
        start(world, plan, actor=DRAFTER_BK)
    with pytest.raises(PlanNotFound):
        world.bus.handle(commands.CreateReport(actor=DRAFTER_CB, plan_id="no-such-plan", kind="annual"))
    assert not [p for p in world.store.values() if p.kind == "report"]


def test_one_report_per_unit_kind_and_period_until_rejected(world, body):
    plan = approved_plan(world, body)
    first = start(world, plan)
    with pytest.raises(ReportExists):
        start(world, plan)
    start(world, plan, kind="semiannual")  # another period
    edit(world, first, filled(first))
    submit_report(world, first)
    approval = Approval(first.id, 1, "r-1")
    deliver(world, [approval.assigned(1), approval.completed("rejected", level=1, by="dept.cb")])
    assert world.store[first.id].status == "rejected"
    second = start(world, plan)  # a rejected report stays as history; a new one may follow
    assert second.id != first.id and world.store[first.id].status == "rejected"


def test_an_edit_is_validated_whole_and_writes_nothing_when_wrong(world, body):
    report = start(world, approved_plan(world, body))
    revision = world.store[report.id].revision
    first = report.content.results[0]
    with pytest.raises(PlanInvalid) as refused:
        edit(
            world,
            report,
            {
                "results": [
                    {"activity_id": first.activity_id, "indicators": [{"actual": -1}]},
                    {"activity_id": "unknown"},
                ]
            },
        )
    assert {v.field for v in refused.value.validation} == {"results.0.indicators.0.actual", "results.1.activity_id"}
    assert world.store[report.id].revision == revision
    with pytest.raises(PlanNotFound):  # a draft is its unit's drafters' alone
        world.bus.handle(
            commands.ReplaceReport(actor=PROVINCE_CB, report_id=report.id, content={}, expected_revision=revision)
        )


def test_submit_withdraw_and_the_report_chain_number_it_in_the_shared_register(world, body):
    plan = approved_plan(world, body)
    report = start(world, plan)
    with pytest.raises(PlanInvalid):  # each planned activity needs its status first
        submit_report(world, report)
    edit(world, report, filled(report))
    report = world.bus.handle(commands.SubmitPlan(actor=DRAFTER_CB, plan_id=report.id, kind="report"))
    submitted = world.published[-1]
    assert isinstance(submitted, ReportSubmitted)
    data = submitted.payload()
    assert data["subject"]["kind"] == "report" and data["plan_id"] == data["report_id"] == report.id
    assert (data["plan_ref"], data["report_kind"], data["period_start"], data["period_end"]) == (
        plan.id,
        "annual",
        "2023-12-15",
        "2024-12-14",
    )
    # A plan's id is no report's and the reverse: the plan use cases do not take a report.
    with pytest.raises(PlanNotFound):
        world.bus.handle(commands.WithdrawPlan(actor=DRAFTER_CB, plan_id=report.id))
    world.bus.handle(commands.WithdrawPlan(actor=DRAFTER_CB, plan_id=report.id, kind="report"))
    assert isinstance(world.published[-1], ReportWithdrawn) and world.store[report.id].status == "withdrawn"
    world.bus.handle(commands.SubmitPlan(actor=DRAFTER_CB, plan_id=report.id, kind="report"))
    _, facts = report_chain(report.id, version=2)
    deliver(world, facts)
    issued = world.store[report.id]
    assert (issued.status, issued.document_number, issued.issuer) == ("approved", "02/BC-UBND", plan.issuer)
    assert isinstance(world.published[-1], ReportApproved)
    assert world.issued_files.queued[-1] == ("report", report.id, 2, "02/BC-UBND")
    # one yearly sequence per issuing body: the plan took 01, the report 02
    assert [entry[2] for entry in world.register.issued] == [1, 2]


def test_the_ministry_records_its_receipt_once(world, body):
    report = start(world, approved_plan(world, body))
    edit(world, report, filled(report))
    with pytest.raises(PlanNotFound):  # the ministry reads reports once issued, not before
        world.bus.handle(commands.RecordReceipt(actor=MINISTRY, report_id=report.id))
    world.bus.handle(commands.SubmitPlan(actor=DRAFTER_CB, plan_id=report.id, kind="report"))
    with pytest.raises(PlanNotFound):
        world.bus.handle(commands.RecordReceipt(actor=MINISTRY, report_id=report.id))
    deliver(world, report_chain(report.id)[1])
    with pytest.raises(PlanForbidden):
        world.bus.handle(commands.RecordReceipt(actor=DRAFTER_CB, report_id=report.id))
    world.clock.now = world.store[report.id].updated_at  # the ministry receives it after it was issued
    received = world.bus.handle(commands.RecordReceipt(actor=MINISTRY, report_id=report.id, note="Đã nhận."))
    assert received.receipt["by"] == MINISTRY.username and received.receipt["note"] == "Đã nhận."
    event = world.published[-1]
    assert isinstance(event, ReportReceived) and event.document_number == received.document_number
    assert received.ordered_timeline()[-1].kind == "received"
    plan = next(p for p in world.store.values() if p.kind == "plan")
    with pytest.raises(TransitionNotAllowed):  # plans are approved by the ministry, never "received"
        Plan.record_receipt(plan, by=MINISTRY.username, at=received.updated_at)
    with pytest.raises(AlreadyReceived):
        world.bus.handle(commands.RecordReceipt(actor=MINISTRY, report_id=report.id))


def test_reports_and_plans_list_apart(world, body):
    plan = approved_plan(world, body)
    report = start(world, plan)
    plans, _ = views.list_plans(PlanQuery(), DRAFTER_CB, world.uow())
    reports, _ = views.list_plans(PlanQuery(kind="report"), DRAFTER_CB, world.uow())
    assert [p.id for p in plans] == [plan.id] and [r.id for r in reports] == [report.id]
    assert views.list_plans(PlanQuery(kind="report"), DRAFTER_BK, world.uow())[0] == []


def imported_plan(world, year, issued_on):
    """Bắc Kạn's Sở TTTT's plan of ``year`` (seed 001's, moved to that year), imported as issued."""
    import json
    from datetime import date

    from plans.domain.access import Actor

    from infra.local.sample_plans import BAC_KAN_2020

    text = json.dumps(BAC_KAN_2020, ensure_ascii=False).replace('"svhttdl-thai-nguyen-2025"', '"stttt-bac-kan"')
    content = json.loads(text.replace('"2020-', f'"{year}-'))
    content["year"] = year
    admin = Actor("admin", frozenset({"admin"}))
    return world.bus.handle(
        commands.ImportIssuedDocument(
            actor=admin,
            kind="plan",
            content=content,
            document_number="12/KH-STTTT",
            issued_on=date.fromisoformat(issued_on),
            issuer="stttt-bac-kan",
        )
    )


def test_a_successor_reports_on_its_predecessors_plan_of_the_year_of_the_merger_only(world):
    from dataclasses import replace as with_
    from datetime import UTC, datetime

    world.clock.now = datetime(2025, 12, 10, 2, 0, tzinfo=UTC)
    registry = world.bus.dependencies["organisation_registry"]()
    successor = with_(DRAFTER_BK, history_units=frozenset(registry.predecessors(DRAFTER_BK.org_unit)))
    assert "stttt-bac-kan" in successor.history_units
    of_the_merger = imported_plan(world, 2025, "2025-01-20")  # Bắc Kạn's, merged into Thái Nguyên on 01/07/2025
    before = imported_plan(world, 2024, "2024-01-22")
    report = start(world, of_the_merger, actor=successor)
    assert (report.org_unit, report.province, report.content.plan_ref) == (
        "svhttdl-thai-nguyen-2025",
        "ubnd-thai-nguyen-2025",
        of_the_merger.id,
    )
    assert len(report.content.results) == len(of_the_merger.content.activities)
    with pytest.raises(ReportExists):  # one report of the kind for the year, whoever made it
        start(world, of_the_merger, actor=successor)
    with pytest.raises(PlanNotFound):  # a year before the merger the predecessor reported itself
        start(world, before, actor=successor)
    with pytest.raises(PlanNotFound):  # without the succession, another unit's plan
        start(world, of_the_merger, actor=DRAFTER_BK)
    with pytest.raises(PlanNotFound):
        start(world, of_the_merger, actor=DRAFTER_CB)
    assert registry.succeeded_in("stttt-bac-kan", "svhttdl-thai-nguyen-2025", 2025)
    assert not registry.succeeded_in("stttt-bac-kan", "svhttdl-thai-nguyen-2025", 2024)
    assert not registry.succeeded_in("stttt-cao-bang", "svhttdl-thai-nguyen-2025", 2025)
