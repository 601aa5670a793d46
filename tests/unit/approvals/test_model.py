"""The approval aggregate: the decision step, the hash chain, who may act."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from approvals.domain.chain import Quorum
from approvals.domain.errors import InvalidDecision, NotFound, NotPermitted, SeparationOfDuties, TaskClosed
from approvals.domain.model import Actor, Approval, Step, next_step
from approvals.domain.signing import decision_hash

from .fakes import cao_bang_plan, default_chain

NOW = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
DEPT_CB = Actor("dept.cb", frozenset({"dept_approver"}), "svhttdl-cao-bang", "ubnd-cao-bang")
PROVINCE_CB = Actor("province.cb", frozenset({"province_approver"}), "ubnd-cao-bang", "ubnd-cao-bang")
MINISTRY_1 = Actor("ministry.1", frozenset({"ministry_approver"}), "cuc-ttcs-ttdn", None)


@pytest.mark.parametrize(
    ("decision", "approvals", "required", "level", "step"),
    [
        ("approve", 1, 1, 1, Step.NEXT_LEVEL),
        ("approve", 1, 1, 3, Step.APPROVED),
        ("approve", 1, 2, 2, Step.WAIT),
        ("approve", 2, 2, 2, Step.NEXT_LEVEL),
        ("return", 0, 2, 2, Step.RETURNED),
        ("reject", 1, 3, 1, Step.REJECTED),
    ],
)
def test_one_decision_to_the_next_state(decision: str, approvals: int, required: int, level: int, step: Step) -> None:
    assert next_step(decision, approvals, required, level, last_level=3) is step


def started(assignees: tuple[str, ...] = ("dept.cb",), chain=None, plan=None) -> Approval:  # type: ignore[no-untyped-def]
    approval = Approval.start(plan or cao_bang_plan(), chain or default_chain(), at=NOW)
    approval.open_level(1, assignees, at=NOW, due_at=NOW + timedelta(days=3), remind_share=0.5)
    return approval


def test_decisions_form_a_hash_chain_that_verifies() -> None:
    approval = started()
    task = approval.tasks[0]
    approval.record_decision(task.id, DEPT_CB, "approve", "Nội dung phù hợp Kết luận 57-KL/TW.", at=NOW)
    approval.open_level(2, ["province.cb"], at=NOW, due_at=NOW + timedelta(days=7), remind_share=0.5)
    approval.record_decision(approval.tasks[1].id, PROVINCE_CB, "approve", "", at=NOW + timedelta(hours=5))
    first, second = approval.decisions
    assert first.previous_hash is None and second.previous_hash == first.hash
    assert first.content_sha256 == cao_bang_plan().content_sha256
    assert approval.verify_decisions()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda ds: [dataclasses.replace(ds[0], comment="Đồng ý."), ds[1]],
        lambda ds: [dataclasses.replace(ds[0], decision="reject"), ds[1]],
        lambda ds: [ds[1]],
        lambda ds: [ds[1], ds[0]],
    ],
    ids=["comment-edited", "outcome-edited", "decision-removed", "reordered"],
)
def test_any_edit_of_the_record_breaks_the_verification(tamper) -> None:  # type: ignore[no-untyped-def]
    approval = started(("dept.cb",), plan=cao_bang_plan())
    approval.record_decision(approval.tasks[0].id, DEPT_CB, "approve", "Nội dung phù hợp.", at=NOW)
    approval.open_level(2, ["province.cb"], at=NOW, due_at=NOW + timedelta(days=7), remind_share=0.5)
    approval.record_decision(approval.tasks[1].id, PROVINCE_CB, "approve", "", at=NOW)
    approval.decisions = tamper(approval.decisions)
    assert not approval.verify_decisions()


def test_the_hash_does_not_depend_on_unicode_normalisation() -> None:
    approval = started()
    decomposed = "Đe\u0302̀ nghị bổ sung kinh phí"  # "Đề" typed with combining marks
    approval.record_decision(approval.tasks[0].id, DEPT_CB, "return", decomposed, at=NOW)
    stored = approval.decisions[0]
    approval.decisions = [dataclasses.replace(stored, comment=unicodedata.normalize("NFC", decomposed))]
    assert approval.verify_decisions()


@pytest.mark.parametrize(
    ("plan_changes", "reason"),
    [
        ({"submitted_by": "dual.cb"}, "you submitted this plan"),
        ({"created_by": "dual.cb"}, "you created this plan"),
        ({"edited_by": ("drafter.cb", "dual.cb")}, "you edited this plan"),
    ],
)
def test_nobody_decides_on_a_plan_they_authored(plan_changes: dict, reason: str) -> None:
    dual = Actor("dual.cb", frozenset({"drafter", "dept_approver"}), "svhttdl-cao-bang", "ubnd-cao-bang")
    approval = started(("dept.cb", "dual.cb"), plan=cao_bang_plan(**plan_changes))
    assert approval.tasks[0].assignees == ["dept.cb"]  # never even offered
    with pytest.raises(SeparationOfDuties, match=reason):
        approval.record_decision(approval.tasks[0].id, dual, "approve", "", at=NOW)


def test_another_scope_does_not_see_the_task() -> None:
    approval = started()
    dept_bk = Actor("dept.bk", frozenset({"dept_approver"}), "svhttdl-thai-nguyen-2025", "ubnd-thai-nguyen-2025")
    with pytest.raises(NotFound):
        approval.record_decision(approval.tasks[0].id, dept_bk, "approve", "", at=NOW)
    with pytest.raises(NotFound):  # the right unit but the wrong role
        approval.record_decision(
            approval.tasks[0].id,
            Actor("drafter2.cb", frozenset({"drafter"}), "svhttdl-cao-bang", "ubnd-cao-bang"),
            "approve",
            "",
            at=NOW,
        )


def test_return_and_reject_need_a_comment_and_end_the_approval() -> None:
    approval = started()
    task = approval.tasks[0]
    with pytest.raises(InvalidDecision) as refused:
        approval.record_decision(task.id, DEPT_CB, "return", "", at=NOW)
    assert "comment" in refused.value.errors
    assert (
        approval.record_decision(task.id, DEPT_CB, "return", "Bổ sung chỉ tiêu tập huấn biên giới.", at=NOW)
        is Step.RETURNED
    )
    assert (approval.status, task.status) == ("returned", "returned")
    with pytest.raises(TaskClosed):
        approval.record_decision(task.id, DEPT_CB, "approve", "", at=NOW)


def test_a_quorum_of_all_waits_for_every_assignee() -> None:
    chain = default_chain(level3={"quorum": "all"})
    approval = Approval.start(cao_bang_plan(), chain, at=NOW)
    approval.open_level(3, ["ministry.1", "ministry.2"], at=NOW, due_at=NOW + timedelta(days=10), remind_share=0.5)
    task = approval.tasks[0]
    assert task.required_approvals == 2
    assert approval.record_decision(task.id, MINISTRY_1, "approve", "", at=NOW) is Step.WAIT
    ministry_2 = Actor("ministry.2", frozenset({"ministry_approver"}), "cuc-ttcs-ttdn", None)
    assert approval.record_decision(task.id, ministry_2, "approve", "Thống nhất.", at=NOW) is Step.APPROVED
    assert approval.status == "approved"
    assert chain.level(3).quorum == Quorum("all")


def test_delegation_hands_over_the_place_on_the_task() -> None:
    approval = Approval.start(cao_bang_plan(), default_chain(), at=NOW)
    approval.open_level(3, ["ministry.1"], at=NOW, due_at=NOW + timedelta(days=10), remind_share=0.5)
    approval.delegate(
        approval.tasks[0].id, MINISTRY_1, "ministry.2", "Đi công tác Lạng Sơn.", at=NOW, to_is_eligible=True
    )
    assert approval.tasks[0].assignees == ["ministry.2"]
    assert approval.delegations[0].from_user == "ministry.1"
    with pytest.raises(NotPermitted):  # the delegator's place is gone
        approval.record_decision(approval.tasks[0].id, MINISTRY_1, "approve", "", at=NOW)


def test_delegation_to_a_fellow_assignee_leaves_the_task_to_them() -> None:
    approval = Approval.start(cao_bang_plan(), default_chain(), at=NOW)
    approval.open_level(1, ["dept.cb", "dual.cb"], at=NOW, due_at=NOW + timedelta(days=3), remind_share=0.5)
    approval.delegate(approval.tasks[0].id, DEPT_CB, "dual.cb", "Đi công tác.", at=NOW, to_is_eligible=True)
    assert approval.tasks[0].assignees == ["dual.cb"]
    approval.admit(approval.tasks[0], "dept.cb")  # still eligible by role, but handed the task away
    assert approval.tasks[0].assignees == ["dual.cb"]
    with pytest.raises(NotPermitted, match=r"delegated this task to dual\.cb"):
        approval.record_decision(approval.tasks[0].id, DEPT_CB, "approve", "", at=NOW)


def test_delegation_to_a_fellow_assignee_is_refused_when_the_quorum_would_be_lost() -> None:
    approval = Approval.start(cao_bang_plan(), default_chain(level3={"quorum": "all"}), at=NOW)
    approval.open_level(3, ["ministry.1", "ministry.2"], at=NOW, due_at=NOW + timedelta(days=10), remind_share=0.5)
    with pytest.raises(InvalidDecision) as refused:
        approval.delegate(approval.tasks[0].id, MINISTRY_1, "ministry.2", "", at=NOW, to_is_eligible=True)
    assert "quorum" in refused.value.errors["to"][0]


@pytest.mark.parametrize(
    ("to", "eligible", "message"),
    [
        ("dept.cb", True, "yourself"),
        ("drafter.cb", True, "separation of duties"),
        ("dept.bk", False, "is not a dept_approver"),
    ],
)
def test_delegation_only_to_another_eligible_approver(to: str, eligible: bool, message: str) -> None:
    approval = started()
    with pytest.raises(InvalidDecision) as refused:
        approval.delegate(approval.tasks[0].id, DEPT_CB, to, "", at=NOW, to_is_eligible=eligible)
    assert message in refused.value.errors["to"][0]


ACTIVITIES = ("a1b2c3d4-0000-4000-8000-000000000001", "a1b2c3d4-0000-4000-8000-000000000002")


def test_a_return_comment_may_name_one_activity_of_the_decided_version() -> None:
    approval = started(plan=cao_bang_plan(activity_ids=ACTIVITIES))
    task = approval.tasks[0]
    comment = "Đề nghị giảm kinh phí tập huấn."
    assert approval.record_decision(task.id, DEPT_CB, "return", comment, at=NOW, activity_id=ACTIVITIES[1]) is (
        Step.RETURNED
    )
    (decision,) = approval.decisions
    assert decision.activity_id == ACTIVITIES[1]
    by_name = {event.name: event for event in approval.events}
    recorded, completed = by_name["approval.decision_recorded"], by_name["approval.completed"]
    assert recorded.activity_id == ACTIVITIES[1] and completed.activity_id == ACTIVITIES[1]
    assert completed.outcome == "returned" and completed.comment == comment
    # The activity is signed with the decision: pointing the comment elsewhere breaks the chain.
    assert approval.verify_decisions()
    approval.decisions = [dataclasses.replace(decision, activity_id=ACTIVITIES[0])]
    assert not approval.verify_decisions()


def test_a_comment_naming_no_activity_is_hashed_as_before() -> None:
    approval = started(plan=cao_bang_plan(activity_ids=ACTIVITIES))
    approval.record_decision(approval.tasks[0].id, DEPT_CB, "approve", "Đồng ý.", at=NOW)
    (decision,) = approval.decisions
    unchanged = decision_hash(
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
    assert decision.activity_id == "" and decision.hash == unchanged
    assert [e.activity_id for e in approval.events if e.name == "approval.decision_recorded"] == [""]


@pytest.mark.parametrize(
    ("activity_ids", "named"),
    [
        (ACTIVITIES, "a1b2c3d4-0000-4000-8000-00000000dead"),  # not in this version
        (None, ACTIVITIES[0]),  # a submission that did not list its activities: nothing to name
        ((), ACTIVITIES[0]),
    ],
    ids=["unknown", "not-listed", "no-activities"],
)
def test_a_comment_naming_another_activity_is_refused_with_every_error_at_once(activity_ids, named) -> None:  # type: ignore[no-untyped-def]
    approval = started(plan=cao_bang_plan(activity_ids=activity_ids))
    task = approval.tasks[0]
    with pytest.raises(InvalidDecision) as refused:
        approval.record_decision(task.id, DEPT_CB, "return", "", at=NOW, activity_id=named)
    assert set(refused.value.errors) == {"comment", "activity_id"}
    assert refused.value.errors["activity_id"] == ["not an activity of version 1"]
    with pytest.raises(InvalidDecision) as alone:
        approval.record_decision(task.id, DEPT_CB, "return", "Sửa lại.", at=NOW, activity_id=named)
    assert set(alone.value.errors) == {"activity_id"}
    assert "does not have" in str(alone.value)
    assert approval.decisions == [] and task.is_open
    assert not [e for e in approval.events if e.name == "approval.decision_recorded"]
