"""Delegation people can audit, out-of-office deputies and bulk approval, through the use cases
with fakes: who decides in whose place, what the hash chain keeps of it, where tasks go while
an approver is away, and what approving several tasks at once records."""

from __future__ import annotations

from datetime import UTC, date

import pytest
from approvals.domain import commands
from approvals.domain.errors import InvalidDecision, NotFound, NotPermitted
from approvals.domain.model import Actor

from tests.support.orgs import province_of, unit_of

from .fakes import SUBMITTED, FakeClock, FakeDirectory, FakeUnitOfWork, Person, cao_bang_plan, default_chain, make_bus

CB_UNIT, CB = unit_of("dept.cb"), province_of("dept.cb")
DEPT_CB = Actor("dept.cb", frozenset({"dept_approver"}), CB_UNIT, CB)
DUAL_CB = Actor("dual.cb", frozenset({"drafter", "dept_approver"}), CB_UNIT, CB)
PGD_CB = Actor("pgd.cb", frozenset({"dept_approver"}), CB_UNIT, CB)
PROVINCE_CB = Actor("province.cb", frozenset({"province_approver"}), unit_of("province.cb"), CB)
OFFICE_CB = Actor("vp.cb", frozenset({"province_approver"}), "vp-ubnd-cao-bang", CB)


@pytest.fixture
def directory() -> FakeDirectory:
    people = FakeDirectory()
    people.people["dept_approver"].append(Person("pgd.cb", CB_UNIT, CB, "Nông Văn Thắng", "Phó Giám đốc"))
    people.people["province_approver"].append(Person("vp.cb", "vp-ubnd-cao-bang", CB, "Lục Văn Sơn", "Chánh Văn phòng"))
    return people


def test_a_delegated_decision_names_both_people_and_its_hash_keeps_the_delegation(
    uow: FakeUnitOfWork, clock: FakeClock, directory: FakeDirectory
) -> None:
    bus = make_bus(clock, directory)
    approval = bus.handle(commands.StartApproval(cao_bang_plan(), SUBMITTED), uow)
    task_id = approval.tasks[0].id
    bus.handle(commands.DelegateTask(task_id, DEPT_CB, "pgd.cb", "Đi công tác Hà Nội đến 8/3."), uow)
    clock.advance(hours=2)
    bus.handle(commands.RecordDecision(task_id, PGD_CB, "approve", "Nhất trí trình UBND tỉnh."), uow)

    decision = approval.decisions[0]
    assert (decision.by, decision.on_behalf_of, decision.delegation_kind) == ("pgd.cb", "dept.cb", "manual")
    assert decision.delegation_reason == "Đi công tác Hà Nội đến 8/3."
    assert decision.delegated_at == SUBMITTED.astimezone(UTC)
    assert approval.verify_decisions()
    # The delegation is part of what the hash covers: rewriting its reason breaks the chain.
    decision.delegation_reason = "Không rõ lý do."
    assert not approval.verify_decisions()
    recorded = uow.of("approval.decision_recorded")[0]
    assert (recorded["by"], recorded["on_behalf_of"], recorded["delegation_kind"]) == ("pgd.cb", "dept.cb", "manual")


def test_a_decision_in_ones_own_right_hashes_as_before(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    bus = make_bus(clock)
    approval = bus.handle(commands.StartApproval(cao_bang_plan(), SUBMITTED), uow)
    bus.handle(commands.RecordDecision(approval.tasks[0].id, DEPT_CB, "approve", "Nhất trí."), uow)
    decision = approval.decisions[0]
    assert decision.on_behalf_of == "" and decision.delegation_record() is None
    from approvals.domain.signing import decision_hash

    assert decision.hash == decision_hash(
        approval_id=decision.approval_id,
        task_id=decision.task_id,
        level=decision.level,
        decision=decision.decision,
        comment=decision.comment,
        by=decision.by,
        decided_at=decision.decided_at,
        content_sha256=decision.content_sha256,
        previous_hash=None,
        subject=decision.signed_subject(),
    )


def test_a_task_arriving_while_the_approver_is_away_goes_to_their_deputy(
    uow: FakeUnitOfWork, clock: FakeClock, directory: FakeDirectory
) -> None:
    bus = make_bus(clock, directory)
    bus.handle(
        commands.RecordAbsence(PROVINCE_CB, "vp.cb", date(2024, 2, 29), date(2024, 3, 8), "Học tập trung tại Hà Nội."),
        uow,
    )
    approval = bus.handle(commands.StartApproval(cao_bang_plan(), SUBMITTED), uow)
    bus.handle(commands.RecordDecision(approval.tasks[0].id, DEPT_CB, "approve", ""), uow)

    level_2 = approval.tasks[1]
    assert level_2.assignees == ["vp.cb"]
    handed = approval.delegations[-1]
    assert (handed.from_user, handed.to_user, handed.kind) == ("province.cb", "vp.cb", "out_of_office")
    assert handed.comment == "Học tập trung tại Hà Nội."
    assert uow.of("approval.task_delegated")[-1]["kind"] == "out_of_office"
    with pytest.raises(NotPermitted, match="delegated"):
        bus.handle(commands.RecordDecision(level_2.id, PROVINCE_CB, "approve", ""), uow)
    bus.handle(commands.RecordDecision(level_2.id, OFFICE_CB, "approve", ""), uow)
    decision = approval.decisions[-1]
    assert (decision.by, decision.on_behalf_of, decision.delegation_kind) == ("vp.cb", "province.cb", "out_of_office")
    assert approval.verify_decisions()


def test_a_task_arriving_outside_the_absence_stays_with_the_approver(
    uow: FakeUnitOfWork, clock: FakeClock, directory: FakeDirectory
) -> None:
    bus = make_bus(clock, directory)
    bus.handle(commands.RecordAbsence(PROVINCE_CB, "vp.cb", date(2024, 3, 1), date(2024, 3, 8), ""), uow)
    approval = bus.handle(commands.StartApproval(cao_bang_plan(), SUBMITTED), uow)
    bus.handle(commands.RecordDecision(approval.tasks[0].id, DEPT_CB, "approve", ""), uow)  # 29/02: before it
    assert approval.tasks[1].assignees == ["province.cb", "vp.cb"] and approval.delegations == []


def test_a_cancelled_absence_sends_nothing_to_the_deputy(
    uow: FakeUnitOfWork, clock: FakeClock, directory: FakeDirectory
) -> None:
    bus = make_bus(clock, directory)
    absence = bus.handle(commands.RecordAbsence(PROVINCE_CB, "vp.cb", date(2024, 2, 29), date(2024, 3, 8), ""), uow)
    bus.handle(commands.CancelAbsence(absence.id, PROVINCE_CB), uow)
    with pytest.raises(NotFound):
        bus.handle(commands.CancelAbsence(absence.id, DEPT_CB), uow)  # not theirs
    approval = bus.handle(commands.StartApproval(cao_bang_plan(), SUBMITTED), uow)
    bus.handle(commands.RecordDecision(approval.tasks[0].id, DEPT_CB, "approve", ""), uow)
    assert approval.tasks[1].assignees == ["province.cb", "vp.cb"] and approval.delegations == []


def test_an_absence_names_every_wrong_field_at_once(
    uow: FakeUnitOfWork, clock: FakeClock, directory: FakeDirectory
) -> None:
    bus = make_bus(clock, directory)
    with pytest.raises(InvalidDecision) as refused:
        bus.handle(commands.RecordAbsence(PROVINCE_CB, "dept.cb", date(2024, 3, 8), date(2024, 3, 1), ""), uow)
    assert set(refused.value.errors) == {"ends_on", "deputy"}
    with pytest.raises(InvalidDecision) as refused:
        bus.handle(commands.RecordAbsence(PROVINCE_CB, "province.cb", date(2024, 1, 1), date(2024, 1, 5), ""), uow)
    assert set(refused.value.errors) == {"ends_on", "deputy"}  # already over; oneself
    with pytest.raises(NotPermitted):
        drafter = Actor("drafter.cb", frozenset({"drafter"}), "CB-STTTT", "CB")
        bus.handle(commands.RecordAbsence(drafter, "dept.cb", date(2024, 3, 1), date(2024, 3, 8), ""), uow)
    assert uow.absences.store == {}


def test_bulk_approval_records_one_decision_per_task_each_with_its_hash(
    clock: FakeClock, directory: FakeDirectory
) -> None:
    uow = FakeUnitOfWork()
    uow.chains.add(default_chain())
    bus = make_bus(clock, directory)
    plans = [cao_bang_plan(id=f"6f1c2b1e-3d4a-4c1b-9a55-0b1e2c3d4e0{n}", title=f"Kế hoạch {n}") for n in range(3)]
    approvals = [bus.handle(commands.StartApproval(plan, SUBMITTED), uow) for plan in plans]
    task_ids = tuple(approval.tasks[0].id for approval in approvals)
    for task_id in task_ids[:2]:
        bus.handle(commands.NoteTaskOpened(task_id, DEPT_CB), uow)

    with pytest.raises(InvalidDecision) as refused:
        bus.handle(commands.ApproveTasks(task_ids, DEPT_CB, "Nhất trí."), uow)
    assert list(refused.value.errors["task_ids"]) == [2]  # the one never opened
    assert all(approval.decisions == [] for approval in approvals)

    outcomes = bus.handle(commands.ApproveTasks(task_ids[:2], DEPT_CB, "Nhất trí."), uow)
    assert [outcome.decision.task_id for outcome in outcomes] == list(task_ids[:2])
    assert len({outcome.decision.hash for outcome in outcomes}) == 2
    assert all(approval.verify_decisions() and approval.current_level == 2 for approval in approvals[:2])
    assert len(uow.of("approval.decision_recorded")) == 2


def test_an_opening_is_recorded_only_for_an_assignee(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    bus = make_bus(clock)
    approval = bus.handle(commands.StartApproval(cao_bang_plan(), SUBMITTED), uow)
    task_id = approval.tasks[0].id
    assert bus.handle(commands.NoteTaskOpened(task_id, DEPT_CB), uow) is True
    assert bus.handle(commands.NoteTaskOpened(task_id, DEPT_CB), uow) is False
    with pytest.raises(NotFound):
        bus.handle(commands.NoteTaskOpened(task_id, PROVINCE_CB), uow)
