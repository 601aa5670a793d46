"""Approvals decide on a subject (document kind, id, version, content hash), and the chain is
chosen by the document's kind and date: a report goes department → provincial People's
Committee (the ministry receives it), a plan up to the ministry; a 2017 document's ministry
is the Ministry of Information and Communications, a 2026 one the Ministry of Culture,
Sports and Tourism (01/03/2025). An approval keeps the chain version it started with."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from approvals.domain import commands
from approvals.domain.chain import chain_key_for, define_chain, in_force
from approvals.domain.errors import SeparationOfDuties
from approvals.domain.model import Actor, document_date
from approvals.service_layer import handlers
from servicekit.calendar import VIETNAM

from tests.support.orgs import province_of, unit_of

from .fakes import FakeClock, FakeUnitOfWork, cao_bang_plan, cao_bang_report, default_chain, make_bus

DEPT_CB = Actor("dept.cb", frozenset({"dept_approver"}), unit_of("dept.cb"), province_of("dept.cb"))
PROVINCE_CB = Actor("province.cb", frozenset({"province_approver"}), unit_of("province.cb"), province_of("province.cb"))
MINISTRY_1 = Actor("ministry.1", frozenset({"ministry_approver"}), unit_of("ministry.1"), province_of("ministry.1"))
ADMIN = Actor("admin", frozenset({"admin"}))
MIC = {"vi": "Bộ Thông tin và Truyền thông", "en": "Ministry of Information and Communications"}
MCST = {"vi": "Bộ Văn hóa, Thể thao và Du lịch", "en": "Ministry of Culture, Sports and Tourism"}
PUBLISHED = datetime(2017, 1, 2, tzinfo=UTC)


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VIETNAM)


def decide(bus, uow: FakeUnitOfWork, approval, actor: Actor, decision: str = "approve", comment: str = ""):  # type: ignore[no-untyped-def]
    return bus.handle(commands.RecordDecision(approval.open_task().id, actor, decision, comment), uow)


# -- the pure parts


def test_the_document_date_is_the_day_in_vietnam() -> None:
    # 17:30 UTC on 28/02/2025 is already 01/03/2025 in Hà Nội
    assert document_date(datetime(2025, 2, 28, 17, 30, tzinfo=UTC)) == date(2025, 3, 1)
    assert document_date(datetime(2025, 2, 28, 16, 59, tzinfo=UTC)) == date(2025, 2, 28)


def test_a_chain_is_chosen_by_kind() -> None:
    assert (chain_key_for("plan"), chain_key_for("report")) == ("ttdn-plan", "ttdn-report")


def test_the_bundled_plan_chain_names_the_ministry_in_force_on_the_date() -> None:
    ministry = default_chain().level(3)
    assert ministry.name_on(date(2017, 10, 6)).as_dict() == MIC
    assert ministry.name_on(date(2025, 2, 28)).as_dict() == MIC
    assert ministry.name_on(date(2025, 3, 1)).as_dict() == MCST
    assert ministry.name_on(date(2026, 1, 15)).as_dict() == MCST


def test_the_bundled_report_chain_ends_at_the_province_and_the_ministry_receives() -> None:
    definition = handlers.bundled_chain_definitions()["ttdn-report"]
    chain = define_chain("ttdn-report", 1, definition, published_by="system", published_at=PUBLISHED)
    assert [(level.role, level.scope) for level in chain.levels] == [
        ("dept_approver", "org_unit"),
        ("province_approver", "province"),
    ]
    assert chain.receiver is not None
    assert chain.receiver.name_on(date(2017, 12, 14)).as_dict() == MIC
    assert chain.receiver.name_on(date(2026, 12, 14)).as_dict() == MCST


def test_the_version_in_force_is_the_highest_whose_valid_from_has_come() -> None:
    plan = handlers.bundled_chain_definitions()["ttdn-plan"]

    def version(number: int, valid_from: date | None):  # type: ignore[no-untyped-def]
        return define_chain(
            "ttdn-plan", number, plan, published_by="admin", published_at=PUBLISHED, valid_from=valid_from
        )

    v1, v2, v3 = version(1, None), version(2, date(2027, 1, 1)), version(3, date(2028, 1, 1))
    assert in_force([v1, v2, v3], date(2017, 6, 1)) is v1
    assert in_force([v1, v2, v3], date(2027, 1, 1)) is v2
    assert in_force([v1, v2, v3], date(2030, 1, 1)) is v3
    assert in_force([v2, v3], date(2026, 12, 31)) is None
    # a later version with no date applies to every date from its publication on
    v4 = version(4, None)
    assert in_force([v1, v2, v3, v4], date(2017, 6, 1)) is v4


def test_dated_names_must_be_dated_increasing_and_named_in_both_languages() -> None:
    plan = handlers.bundled_chain_definitions()["ttdn-plan"]
    plan["levels"][2]["names_from"] = [
        {"from": "2025-03-01", "name": MCST},
        {"from": "2024-01-01", "name": MIC},
        {"from": "1 March", "name": MCST},
        {"from": "2026-01-01", "name": {"vi": "Bộ"}},
    ]
    with pytest.raises(Exception) as caught:
        define_chain("ttdn-plan", 2, plan, published_by="admin", published_at=PUBLISHED)
    problems = caught.value.errors["levels"]["2"]["names_from"]  # type: ignore[attr-defined]
    assert problems == [
        "entry 1: the dates must increase",
        "entry 2: from is a date, YYYY-MM-DD",
        "entry 3: the name in Vietnamese and English is required",
    ]


# -- the use cases


def test_a_report_walks_the_report_chain_and_its_events_carry_the_report_as_subject() -> None:
    clock = FakeClock(at(2024, 12, 16).astimezone(UTC))
    uow, bus = FakeUnitOfWork(), make_bus(clock)
    report = cao_bang_report()
    approval = bus.handle(commands.StartApproval(report, at(2024, 12, 16)), uow)
    assert approval.chain.key == "ttdn-report" and approval.subject.kind == "report"
    decide(bus, uow, approval, DEPT_CB)
    decide(bus, uow, approval, PROVINCE_CB)
    assert approval.status == "approved" and approval.current_level == 2
    assert uow.names() == [
        "approval.task_assigned",
        "approval.decision_recorded",
        "approval.task_assigned",
        "approval.decision_recorded",
        "approval.completed",
    ]
    subject = {"kind": "report", "id": report.id, "version": 1, "content_sha256": report.content_sha256}
    for event in uow.published:
        # the plan fields describe the same document: plan_id is the report's id
        assert event.data["subject"] == subject and event.data["plan_id"] == report.id
        assert event.subject == f"plans/{report.id}"  # the CloudEvents subject: the document's id
    completed = uow.of("approval.completed")[0]
    assert (completed["chain_key"], completed["level_name"]["en"]) == ("ttdn-report", "Provincial People's Committee")
    # the hash-chained record covers the subject's content hash
    assert [d.content_sha256 for d in approval.decisions] == [report.content_sha256] * 2
    assert approval.verify_decisions()


def test_a_plan_and_a_report_with_the_same_id_are_two_subjects() -> None:
    clock = FakeClock(at(2024, 12, 16).astimezone(UTC))
    uow, bus = FakeUnitOfWork(), make_bus(clock)
    shared = "11111111-2222-4333-8444-555555555555"
    plan = bus.handle(commands.StartApproval(cao_bang_plan(id=shared), at(2024, 12, 16)), uow)
    report = bus.handle(commands.StartApproval(cao_bang_report(id=shared), at(2024, 12, 16)), uow)
    assert plan is not None and report is not None and plan.id != report.id
    assert (plan.chain.key, report.chain.key) == ("ttdn-plan", "ttdn-report")
    bus.handle(commands.CancelApproval(shared, 1, "drafter.cb", clock(), kind="report"), uow)
    assert (plan.status, report.status) == ("open", "cancelled")


def test_separation_of_duties_return_and_resubmit_work_for_reports() -> None:
    clock = FakeClock(at(2024, 12, 16).astimezone(UTC))
    uow, bus = FakeUnitOfWork(), make_bus(clock)
    dual = Actor("dual.cb", frozenset({"drafter", "dept_approver"}), unit_of("dual.cb"), province_of("dual.cb"))
    first = bus.handle(commands.StartApproval(cao_bang_report(edited_by=("drafter.cb",)), at(2024, 12, 16)), uow)
    decide(bus, uow, first, DEPT_CB, "return", "Bổ sung số liệu tập huấn.")
    assert first.status == "returned"
    clock.advance(days=1)
    second = bus.handle(
        commands.StartApproval(
            cao_bang_report(2, submitted_by="dual.cb", edited_by=("drafter.cb", "dual.cb")), at(2024, 12, 17)
        ),
        uow,
    )
    assert second.tasks[0].assignees == ["dept.cb"]
    with pytest.raises(SeparationOfDuties, match="you submitted this report"):
        decide(bus, uow, second, dual)


def test_the_chain_is_chosen_by_the_document_date_and_kept_by_the_approval() -> None:
    clock = FakeClock(at(2026, 11, 2).astimezone(UTC))
    uow, bus = FakeUnitOfWork(), make_bus(clock)
    bus.handle(commands.LoadBundledChains(), uow)
    plan = handlers.bundled_chain_definitions()["ttdn-plan"]
    longer_sla = {**plan, "levels": [{**level, "sla_working_days": 5} for level in plan["levels"]]}
    published = bus.handle(
        commands.PublishChain(
            "ttdn-plan", ADMIN, longer_sla["name"], longer_sla["levels"], valid_from=date(2027, 1, 1)
        ),
        uow,
    )
    assert (published.version, published.valid_from) == (2, date(2027, 1, 1))
    this_year = bus.handle(commands.StartApproval(cao_bang_plan(id="p-2026"), at(2026, 11, 2)), uow)
    next_year = bus.handle(
        commands.StartApproval(cao_bang_plan(id="p-2027"), at(2026, 11, 2), document_date=date(2027, 1, 4)), uow
    )
    assert (this_year.chain.version, next_year.chain.version) == (1, 2)
    # a version published later does not move an approval already started
    bus.handle(commands.PublishChain("ttdn-plan", ADMIN, plan["name"], plan["levels"]), uow)
    decide(bus, uow, this_year, DEPT_CB)
    assert this_year.chain.version == 1 and this_year.tasks[1].level == 2


def test_a_2017_plan_meets_the_ministry_of_information_a_2026_one_the_ministry_of_culture() -> None:
    names = {}
    for year, submitted in ((2017, at(2017, 2, 20)), (2026, at(2026, 2, 20))):
        clock = FakeClock(submitted.astimezone(UTC))
        uow, bus = FakeUnitOfWork(), make_bus(clock)
        uow.chains.add(default_chain())
        approval = bus.handle(commands.StartApproval(cao_bang_plan(year=year), submitted), uow)
        decide(bus, uow, approval, DEPT_CB)
        decide(bus, uow, approval, PROVINCE_CB)
        assigned = uow.of("approval.task_assigned")[-1]
        assert assigned["level"] == 3
        names[year] = assigned["level_name"]
        decide(bus, uow, approval, MINISTRY_1)
        assert uow.of("approval.completed")[0]["level_name"] == names[year]
        assert approval.effective_on == submitted.date()
    assert names == {2017: MIC, 2026: MCST}


def test_no_chain_in_force_on_the_date_is_an_error_not_an_approval_on_nobody() -> None:
    clock = FakeClock(at(2026, 11, 2).astimezone(UTC))
    uow, bus = FakeUnitOfWork(), make_bus(clock)
    plan = handlers.bundled_chain_definitions()["ttdn-plan"]
    uow.chains.add(
        define_chain("ttdn-plan", 1, plan, published_by="admin", published_at=PUBLISHED, valid_from=date(2027, 1, 1))
    )
    with pytest.raises(handlers.NoChainInForce, match="ttdn-plan applies on 2026-11-02"):
        bus.handle(commands.StartApproval(cao_bang_plan(), at(2026, 11, 2)), uow)
    assert uow.approvals.store == {} and uow.published == []


def test_each_decision_signs_the_subject_and_a_decision_moved_to_another_subject_breaks_the_record() -> None:
    clock = FakeClock(at(2024, 12, 16).astimezone(UTC))
    uow, bus = FakeUnitOfWork(), make_bus(clock)
    report = cao_bang_report()
    approval = bus.handle(commands.StartApproval(report, at(2024, 12, 16)), uow)
    decide(bus, uow, approval, DEPT_CB)
    (decision,) = approval.decisions
    assert decision.signed_subject() == {"kind": "report", "id": report.id, "version": 1}
    assert approval.verify_decisions()
    # the same decision claimed for the plan of the same id and version: the hash no longer holds
    approval.decisions[0] = replace(decision, subject_kind="plan")
    assert not approval.verify_decisions()
    # nor does it when re-signed for the plan: the approval's subject is a report
    forged = replace(decision, subject_kind="plan")
    approval.decisions[0] = replace(forged, hash=forged.recomputed_hash())
    assert not approval.verify_decisions()


def test_a_decision_recorded_before_subjects_verifies_by_its_old_hash() -> None:
    clock = FakeClock(at(2024, 3, 4).astimezone(UTC))
    uow, bus = FakeUnitOfWork(), make_bus(clock)
    uow.chains.add(default_chain())
    approval = bus.handle(commands.StartApproval(cao_bang_plan(), at(2024, 3, 4)), uow)
    decide(bus, uow, approval, DEPT_CB)
    legacy = replace(approval.decisions[0], subject_kind=None, subject_id=None, subject_version=None)
    approval.decisions[0] = replace(legacy, hash=legacy.recomputed_hash())
    assert legacy.signed_subject() is None and approval.verify_decisions()


def test_a_reports_task_is_delegated_reminded_and_overdue_in_working_days_like_a_plans() -> None:
    # Monday 16/12/2024, 09:00 in Cao Bằng; the department level has 3 working days
    clock = FakeClock(at(2024, 12, 16).astimezone(UTC))
    uow, bus = FakeUnitOfWork(), make_bus(clock)
    approval = bus.handle(commands.StartApproval(cao_bang_report(), at(2024, 12, 16)), uow)
    task = approval.open_task()
    assert task.due_at == datetime(2024, 12, 19, 17, 0, tzinfo=VIETNAM)
    bus.handle(commands.DelegateTask(task.id, DEPT_CB, "dual.cb", "Đồng chí xem giúp."), uow)
    assert task.assignees == ["dual.cb"]
    clock.advance(days=2)
    bus.handle(commands.CheckDeadlines(clock()), uow)
    clock.advance(days=3)
    bus.handle(commands.CheckDeadlines(clock()), uow)
    bus.handle(commands.CheckDeadlines(clock()), uow)  # once each
    timers = [event for event in uow.published if event.name in ("approval.task_reminder", "approval.task_overdue")]
    assert [event.name for event in timers] == ["approval.task_reminder", "approval.task_overdue"]
    delegated = uow.of("approval.task_delegated")[0]
    for data in (delegated, *(event.data for event in timers)):
        assert data["subject"]["kind"] == "report" and data["plan_id"] == approval.subject.id
    assert timers[0].data["assignees"] == ["dual.cb"]
