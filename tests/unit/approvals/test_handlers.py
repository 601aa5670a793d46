"""The use cases through fakes: the lifecycle driven by events, decisions, chains, timers."""

from __future__ import annotations

import pytest
from approvals.domain import commands
from approvals.domain.errors import (
    InvalidChain,
    InvalidDecision,
    NotFound,
    NotPermitted,
    SeparationOfDuties,
    TaskClosed,
)
from approvals.domain.model import Actor
from approvals.service_layer import handlers

from .fakes import SUBMITTED, FakeClock, FakeDirectory, FakeUnitOfWork, Person, cao_bang_plan, default_chain, make_bus

DEPT_CB = Actor("dept.cb", frozenset({"dept_approver"}), "svhttdl-cao-bang", "ubnd-cao-bang")
PROVINCE_CB = Actor("province.cb", frozenset({"province_approver"}), "ubnd-cao-bang", "ubnd-cao-bang")
MINISTRY_1 = Actor("ministry.1", frozenset({"ministry_approver"}), "cuc-ttcs-ttdn", None)
ADMIN = Actor("admin", frozenset({"admin"}))


@pytest.fixture
def bus(clock: FakeClock):  # type: ignore[no-untyped-def]
    return make_bus(clock)


def submit(uow: FakeUnitOfWork, bus, version: int = 1, **changes: object):  # type: ignore[no-untyped-def]
    return bus.handle(commands.StartApproval(cao_bang_plan(version, **changes), SUBMITTED), uow)


def decide(uow, bus, actor: Actor, decision: str = "approve", comment: str = "", task_id: str | None = None):  # type: ignore[no-untyped-def]
    approval = next(iter(uow.approvals.store.values())) if task_id is None else None
    task_id = task_id or approval.open_task().id  # type: ignore[union-attr]
    return bus.handle(commands.RecordDecision(task_id, actor, decision, comment), uow)


def test_a_submitted_plan_walks_three_levels_to_approval(uow: FakeUnitOfWork, bus, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    approval = submit(uow, bus)
    assigned = uow.of("approval.task_assigned")[0]
    assert assigned["assignees"] == ["dept.cb", "dual.cb"]  # the unit's department approvers
    assert assigned["level_name"] == {"vi": "Lãnh đạo Sở", "en": "Department leadership"}
    assert assigned["due_at"] == "2024-03-05T10:00:00.000000+00:00"  # 3 working days, 17:00 in Hà Nội
    assert {
        "plan_id",
        "version",
        "title",
        "org_unit",
        "province",
        "year",
        "approval_id",
        "task_id",
        "role",
        "scope",
    } <= set(assigned)

    decide(uow, bus, DEPT_CB, comment="Đồng ý trình UBND tỉnh.")
    clock.advance(days=2)
    decide(uow, bus, PROVINCE_CB)
    decide(uow, bus, MINISTRY_1, comment="Thống nhất.")

    assert approval.status == "approved"
    assert uow.names() == [
        "approval.task_assigned",
        "approval.decision_recorded",
        "approval.task_assigned",
        "approval.decision_recorded",
        "approval.task_assigned",
        "approval.decision_recorded",
        "approval.completed",
    ]
    completed = uow.of("approval.completed")[0]
    assert (completed["outcome"], completed["level"], completed["by"]) == ("approved", 3, "ministry.1")
    recorded = uow.of("approval.decision_recorded")
    assert recorded[1]["signature"] == approval.decisions[1].hash
    assert all(event.subject == f"plans/{approval.plan.plan_id}" for event in uow.published)
    assert approval.verify_decisions()


def test_the_plans_authors_are_not_offered_the_task(uow: FakeUnitOfWork, bus) -> None:  # type: ignore[no-untyped-def]
    approval = submit(uow, bus, edited_by=("drafter.cb", "dual.cb"))
    assert approval.tasks[0].assignees == ["dept.cb"]
    approval_without_dual = submit(uow, bus, version=2, edited_by=("drafter.cb",))
    assert approval_without_dual.tasks[0].assignees == ["dept.cb", "dual.cb"]


def test_a_redelivered_or_stale_submission_has_no_second_effect(uow: FakeUnitOfWork, bus) -> None:  # type: ignore[no-untyped-def]
    submit(uow, bus, version=2)
    assert submit(uow, bus, version=2) is None
    assert submit(uow, bus, version=1) is None  # version 1 arriving after version 2
    assert len(uow.approvals.store) == 1
    assert uow.names() == ["approval.task_assigned"]


def test_withdrawal_cancels_only_the_open_approval_of_that_version(uow: FakeUnitOfWork, bus, clock) -> None:  # type: ignore[no-untyped-def]
    approval = submit(uow, bus)
    assert bus.handle(commands.CancelApproval(approval.plan.plan_id, 7, "drafter.cb", clock()), uow) is None
    bus.handle(commands.CancelApproval(approval.plan.plan_id, 1, "drafter.cb", clock()), uow)
    bus.handle(commands.CancelApproval(approval.plan.plan_id, 1, "drafter.cb", clock()), uow)
    assert approval.status == "cancelled" and approval.tasks[0].status == "cancelled"
    assert uow.names().count("approval.completed") == 1
    with pytest.raises(TaskClosed):
        decide(uow, bus, DEPT_CB, task_id=approval.tasks[0].id)


def test_a_resubmission_resumes_at_the_returning_level_when_the_chain_says_so(clock: FakeClock) -> None:
    uow = FakeUnitOfWork()
    uow.chains.add(default_chain(level2={"on_resubmit": "resume_at_returning_level"}))
    bus = make_bus(clock)
    first = submit(uow, bus)
    decide(uow, bus, DEPT_CB, task_id=first.open_task().id)
    decide(uow, bus, PROVINCE_CB, "return", "Bổ sung dự toán kinh phí.", task_id=first.open_task().id)
    second = submit(uow, bus, version=2)
    assert second.current_level == 2 and second.tasks[0].role == "province_approver"
    decide(uow, bus, PROVINCE_CB, "return", "Chưa đủ căn cứ.", task_id=second.open_task().id)
    # Level 1 restarts by default.
    third = submit(uow, bus, version=3)
    assert third.current_level == 2
    restart_uow = FakeUnitOfWork()
    restart_uow.chains.add(default_chain())
    returned = submit(restart_uow, bus)
    decide(restart_uow, bus, DEPT_CB, "return", "Sửa tên hoạt động.", task_id=returned.open_task().id)
    assert submit(restart_uow, bus, version=2).current_level == 1


def test_an_approval_keeps_the_chain_version_it_started_with(uow: FakeUnitOfWork, bus) -> None:  # type: ignore[no-untyped-def]
    before = submit(uow, bus)
    definition = default_chain().definition()
    definition["levels"] = definition["levels"][:2]  # the ministry stops reviewing provincial plans
    bus.handle(commands.PublishChain("ttdn-plan", ADMIN, definition["name"], definition["levels"]), uow)
    after = submit(uow, bus, version=2)
    assert (before.chain.version, before.chain.last_level) == (1, 3)
    assert (after.chain.version, after.chain.last_level) == (2, 2)


def test_only_admins_publish_chains_and_bad_ones_are_refused(uow: FakeUnitOfWork, bus) -> None:  # type: ignore[no-untyped-def]
    definition = default_chain().definition()
    with pytest.raises(NotPermitted):
        bus.handle(commands.PublishChain("ttdn-plan", DEPT_CB, definition["name"], definition["levels"]), uow)
    definition["levels"][2]["quorum"] = 5
    with pytest.raises(InvalidChain):
        bus.handle(commands.PublishChain("ttdn-plan", ADMIN, definition["name"], definition["levels"]), uow)
    assert [chain.version for chain in uow.chains.versions("ttdn-plan")] == [1]


def test_an_approver_who_joined_after_assignment_may_decide(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    directory = FakeDirectory()
    bus = make_bus(clock, directory)
    approval = submit(uow, bus)
    directory.people["dept_approver"].append(Person("deputy.cb", "svhttdl-cao-bang", "ubnd-cao-bang"))
    deputy = Actor("deputy.cb", frozenset({"dept_approver"}), "svhttdl-cao-bang", "ubnd-cao-bang")
    decide(uow, bus, deputy, task_id=approval.tasks[0].id)
    assert approval.decisions[0].by == "deputy.cb"


def test_an_unknown_task_is_not_found(uow: FakeUnitOfWork, bus) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        decide(uow, bus, DEPT_CB, task_id="00000000-0000-4000-8000-000000000000")


def test_delegation_is_recorded_and_announced(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    directory = FakeDirectory()
    bus = make_bus(clock, directory)
    approval = submit(uow, bus)
    directory.people["dept_approver"].append(
        Person("pgd.cb", "svhttdl-cao-bang", "ubnd-cao-bang")
    )  # a deputy director appointed since
    bus.handle(commands.DelegateTask(approval.tasks[0].id, DEPT_CB, "pgd.cb", "Ủy quyền Phó Giám đốc."), uow)
    assert approval.tasks[0].assignees == ["dual.cb", "pgd.cb"]
    delegated = uow.of("approval.task_delegated")[0]
    assert (delegated["from"], delegated["to"], delegated["comment"]) == ("dept.cb", "pgd.cb", "Ủy quyền Phó Giám đốc.")


def test_the_scheduler_reminds_once_then_announces_overdue_once(uow: FakeUnitOfWork, bus, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    approval = submit(uow, bus)
    task = approval.tasks[0]

    def tick() -> handlers.DeadlineReport:
        return bus.handle(commands.CheckDeadlines(clock()), uow)

    assert tick() == handlers.DeadlineReport(0, 0)
    clock.now = task.remind_at
    assert tick() == handlers.DeadlineReport(1, 0)
    assert tick() == handlers.DeadlineReport(0, 0)
    clock.now = task.due_at
    assert tick() == handlers.DeadlineReport(0, 0)  # due at 17:00 sharp is not late yet
    clock.advance(minutes=1)
    assert tick() == handlers.DeadlineReport(0, 1)
    assert tick() == handlers.DeadlineReport(0, 0)
    overdue = uow.of("approval.task_overdue")[0]
    assert (overdue["task_id"], overdue["assignees"], overdue["due_at"]) == (
        task.id,
        ["dept.cb", "dual.cb"],
        "2024-03-05T10:00:00.000000+00:00",
    )
    assert uow.names().count("approval.task_reminder") == 1


def test_the_bundled_chain_is_published_as_version_1_on_first_need(clock: FakeClock) -> None:
    empty = FakeUnitOfWork()
    approval = make_bus(clock).handle(commands.StartApproval(cao_bang_plan(), SUBMITTED), empty)
    assert approval is not None and (approval.chain.key, approval.chain.version) == ("ttdn-plan", 1)
    # ttdn-plan is not published again; only the other bundled chain (reports) was still missing
    assert make_bus(clock).handle(commands.LoadBundledChains(), empty) == ["ttdn-report"]
    assert make_bus(clock).handle(commands.LoadBundledChains(), empty) == []


def test_a_newer_version_supersedes_an_approval_still_open(uow: FakeUnitOfWork, bus) -> None:  # type: ignore[no-untyped-def]
    first = submit(uow, bus)
    second = submit(uow, bus, version=2)
    assert (first.status, second.status) == ("cancelled", "open")
    cancelled = uow.of("approval.completed")[0]
    assert (cancelled["version"], cancelled["outcome"], cancelled["comment"]) == (
        1,
        "cancelled",
        "superseded by version 2",
    )


def test_a_withdrawal_that_overtakes_its_submission_prevents_the_approval(uow: FakeUnitOfWork, bus, clock) -> None:  # type: ignore[no-untyped-def]
    plan = cao_bang_plan(version=3)
    bus.handle(commands.CancelApproval(plan.plan_id, 3, "drafter.cb", clock()), uow)
    assert bus.handle(commands.StartApproval(plan, SUBMITTED), uow) is None
    assert uow.published == [] and uow.approvals.store == {}


class UnreachableDirectory(FakeDirectory):
    def role_members(self, role: str):  # type: ignore[no-untyped-def]
        raise ConnectionError("Keycloak Admin API: connection refused")


def test_when_the_directory_is_down_a_decision_changes_nothing(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    approval = submit(uow, make_bus(clock))
    with pytest.raises(handlers.DirectoryUnavailable):
        decide(uow, make_bus(clock, UnreachableDirectory()), DEPT_CB, task_id=approval.tasks[0].id)
    assert uow.names() == ["approval.task_assigned"]  # nothing of the failed decision reached the outbox


# -- separation of duties across versions (issue: dual.cb submitted v1, then decided v2)
DUAL_CB = Actor("dual.cb", frozenset({"drafter", "dept_approver"}), "svhttdl-cao-bang", "ubnd-cao-bang")


def test_whoever_submitted_any_version_decides_no_later_one(uow: FakeUnitOfWork, bus) -> None:  # type: ignore[no-untyped-def]
    submit(uow, bus, version=1, submitted_by="dual.cb", submitters=("dual.cb",), edited_by=())
    decide(uow, bus, DEPT_CB, "return", "Bổ sung kinh phí.")
    second = submit(uow, bus, version=2, submitted_by="drafter.cb", submitters=("dual.cb", "drafter.cb"), edited_by=())
    assert second.tasks[0].assignees == ["dept.cb"]
    with pytest.raises(SeparationOfDuties):
        decide(uow, bus, DUAL_CB, task_id=second.tasks[0].id)


def test_an_earlier_submitter_is_kept_out_even_when_the_event_does_not_name_them(uow: FakeUnitOfWork, bus) -> None:  # type: ignore[no-untyped-def]
    # A producer that sends no `submitters`: the earlier approval of the same plan remembers them.
    submit(uow, bus, version=1, submitted_by="dual.cb", edited_by=())
    decide(uow, bus, DEPT_CB, "return", "Bổ sung kinh phí.")
    second = submit(uow, bus, version=2, submitted_by="drafter.cb", edited_by=())
    assert "dual.cb" in second.plan.submitters and second.tasks[0].assignees == ["dept.cb"]
    with pytest.raises(InvalidDecision) as refused:
        bus.handle(commands.DelegateTask(second.tasks[0].id, DEPT_CB, "dual.cb", "Nhờ anh xem giúp"), uow)
    assert "separation of duties" in str(refused.value.errors["to"])


# -- withdrawal against decisions: the approval decides, under its own lock
def request_withdrawal(uow, bus, clock, version: int = 1, seen: int = 0, request_id: str = "w-1"):  # type: ignore[no-untyped-def]
    command = commands.AnswerWithdrawal(cao_bang_plan(version), request_id, "drafter.cb", seen, clock())
    return bus.handle(command, uow)


def test_a_withdrawal_the_approval_still_waits_for_wins(uow: FakeUnitOfWork, bus, clock) -> None:  # type: ignore[no-untyped-def]
    approval = submit(uow, bus)
    assert request_withdrawal(uow, bus, clock) is True
    assert approval.status == "cancelled"
    assert uow.names()[-2:] == ["approval.withdrawal_answered", "approval.completed"]
    assert uow.of("approval.withdrawal_answered")[0]["accepted"] is True
    with pytest.raises(TaskClosed):
        decide(uow, bus, DEPT_CB, task_id=approval.tasks[0].id)


def test_a_decision_the_drafter_had_not_seen_beats_the_withdrawal(uow: FakeUnitOfWork, bus, clock) -> None:  # type: ignore[no-untyped-def]
    approval = submit(uow, bus)
    decide(uow, bus, DEPT_CB)  # level 1 approved a moment before the withdrawal arrived
    published = len(uow.published)
    assert request_withdrawal(uow, bus, clock, seen=0) is False
    assert approval.is_open and approval.current_level == 2
    answer = uow.of("approval.withdrawal_answered")[0]
    assert answer["accepted"] is False and "decision" in answer["reason"]
    assert uow.names()[published:] == ["approval.withdrawal_answered"]  # nothing cancelled, nobody told
    # Having seen that decision, the drafter may still withdraw at level 2.
    assert request_withdrawal(uow, bus, clock, seen=1, request_id="w-2") is True
    assert approval.status == "cancelled"


def test_a_withdrawal_before_the_approval_started_prevents_it(uow: FakeUnitOfWork, bus, clock) -> None:  # type: ignore[no-untyped-def]
    assert request_withdrawal(uow, bus, clock) is True
    assert uow.of("approval.withdrawal_answered")[0]["accepted"] is True
    assert submit(uow, bus) is None and uow.approvals.store == {}
