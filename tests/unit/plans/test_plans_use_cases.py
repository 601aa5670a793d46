"""The use cases through fakes: the status machine, versions, access, events and the
approval chain's facts in any order."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest
from plans import views
from plans.adapters.repository import PlanQuery
from plans.domain import commands
from plans.domain.access import Actor
from plans.domain.errors import (
    PlanForbidden,
    PlanInvalid,
    PlanNotEditable,
    PlanNotFound,
    RevisionMismatch,
    TransitionNotAllowed,
    VersionNotFound,
    WithdrawalInProgress,
    WithdrawalRefused,
)
from plans.domain.events import PlanApproved, PlanSubmitted, PlanWithdrawalRequested, PlanWithdrawn
from plans.domain.numbering import IssuingBodies
from plans.domain.organisations import Organisations

from tests.unit.plans.plans_fakes import (
    ADMIN,
    DEPT_CB,
    DRAFTER2_CB,
    DRAFTER_BK,
    DRAFTER_CB,
    INTEGRATOR,
    MINISTRY,
    PROVINCE_BK,
    PROVINCE_CB,
)

LEVEL_NAMES = {
    1: {"vi": "Lãnh đạo Sở", "en": "Department leadership"},
    2: {"vi": "UBND tỉnh", "en": "Provincial People's Committee"},
    3: {"vi": "Bộ VHTTDL", "en": "Ministry"},
}


def create(world, body, actor=DRAFTER_CB):
    return world.bus.handle(commands.CreatePlan(actor=actor, content=body))


def submit(world, plan, actor=DRAFTER_CB, expected=None):
    return world.bus.handle(commands.SubmitPlan(actor=actor, plan_id=plan.id, expected_revision=expected))


def replace(world, plan, body, actor=DRAFTER_CB, expected=None):
    """Replace as a client does: from the revision it read last (an edit must name one)."""
    if expected is None and plan.id in world.store:
        expected = world.store[plan.id].revision
    return world.bus.handle(
        commands.ReplacePlan(actor=actor, plan_id=plan.id, content=body, expected_revision=expected)
    )


def withdraw(world, plan, actor=DRAFTER_CB):
    return world.bus.handle(commands.WithdrawPlan(actor=actor, plan_id=plan.id)).plan


LEVEL_ROLES = {1: "dept_approver", 2: "province_approver", 3: "ministry_approver"}


class Approval:
    """The approvals service's events for one approval of one version, as facts."""

    def __init__(self, plan_id: str, version: int = 1, approval_id: str = "a-1") -> None:
        self.plan_id, self.version, self.approval_id = plan_id, version, approval_id
        self.at = datetime(2024, 2, 9, 1, 0, tzinfo=UTC)
        self.n = 0

    def _common(self) -> dict:
        self.n += 1
        self.at += timedelta(hours=1)
        return {
            "event_id": f"{self.approval_id}-e{self.n}",
            "plan_id": self.plan_id,
            "approval_id": self.approval_id,
            "version": self.version,
            "occurred_at": self.at,
        }

    def assigned(self, level: int) -> commands.RecordTaskAssigned:
        return commands.RecordTaskAssigned(
            **self._common(), task_id=f"t{level}", level=level, level_name=LEVEL_NAMES[level], role=LEVEL_ROLES[level]
        )

    def decided(
        self, level: int, decision: str = "approve", by: str = "dept.cb", comment: str = ""
    ) -> commands.RecordDecision:
        return commands.RecordDecision(
            **self._common(),
            task_id=f"t{level}",
            level=level,
            level_name=LEVEL_NAMES[level],
            decision=decision,
            by=by,
            comment=comment,
        )

    def completed(
        self, outcome: str, level: int = 3, by: str = "ministry.1", comment: str = ""
    ) -> commands.CompleteApproval:
        return commands.CompleteApproval(
            **self._common(), outcome=outcome, level=level, level_name=LEVEL_NAMES[level], by=by, comment=comment
        )

    def full_approval(self) -> list[commands.ApprovalFact]:
        return [
            self.assigned(1),
            self.decided(1, by="dept.cb"),
            self.assigned(2),
            self.decided(2, by="province.cb"),
            self.assigned(3),
            self.decided(3, by="ministry.1"),
            self.completed("approved"),
        ]


def deliver(world, facts):
    for fact in facts:
        world.bus.handle(fact)


# -- drafting
def test_create_makes_a_draft_of_the_callers_unit(world, body):
    plan = create(world, body)
    assert (plan.status, plan.revision, plan.province, plan.created_by) == ("draft", 1, "ubnd-cao-bang", "drafter.cb")
    assert [entry.kind for entry in plan.timeline] == ["created"]
    assert world.published == []


def test_only_drafters_of_the_unit_create(world, body):
    with pytest.raises(PlanForbidden):
        create(world, body, actor=DEPT_CB)
    with pytest.raises(PlanForbidden):
        create(world, body, actor=DRAFTER_BK)
    assert world.store == {}


def test_invalid_content_writes_nothing(world, body):
    body["activities"][0]["budget_vnd"] = -1
    with pytest.raises(PlanInvalid) as raised:
        create(world, body)
    assert raised.value.errors == {"activities": {0: {"budget_vnd": ["A budget cannot be negative."]}}}
    assert world.store == {}


def test_replace_needs_the_current_revision(world, body):
    plan = create(world, body)
    body["title"] = "Kế hoạch thông tin đối ngoại năm 2024 (sửa đổi)"
    with pytest.raises(RevisionMismatch):
        replace(world, plan, body, expected=7)
    plan = replace(world, plan, body, actor=DRAFTER2_CB, expected=1)
    assert (plan.revision, plan.content.title, plan.editors) == (2, body["title"], ["drafter2.cb"])


def test_a_plan_stays_with_its_unit(world, body):
    plan = create(world, body)
    with pytest.raises(PlanForbidden):
        replace(world, plan, {**body, "org_unit": "svhttdl-thai-nguyen-2025"})


# -- submission and versions
def test_submit_freezes_a_version_and_records_plan_submitted(world, body):
    plan = create(world, body)
    replace(world, plan, body, actor=DRAFTER2_CB)
    plan = submit(world, plan)
    version = plan.versions[0]
    assert plan.status == "submitted" and plan.stage is None
    assert version.content_sha256 == plan.content.sha256() and version.edited_by == ("drafter2.cb",)
    [event] = world.published
    assert isinstance(event, PlanSubmitted)
    data = event.payload()
    assert (
        data["plan_id"] == plan.id
        and data["version"] == 1
        and data["province"] == "ubnd-cao-bang"
        and data["year"] == 2024
    )
    assert (
        data["submitted_by"] == "drafter.cb"
        and data["created_by"] == "drafter.cb"
        and data["edited_by"] == ["drafter2.cb"]
    )
    assert data["drafters"] == ["drafter.cb", "drafter2.cb"] and data["content_sha256"] == version.content_sha256
    assert data["submitted_at"].startswith("2024-02-08T")


def test_submitting_needs_an_activity(world, body):
    plan = create(world, {**body, "activities": []})
    with pytest.raises(PlanInvalid) as raised:
        submit(world, plan)
    assert raised.value.errors == {"activities": ["A plan needs at least one activity to be submitted."]}
    assert world.store[plan.id].status == "draft" and world.published == []


def test_a_submitted_plan_is_not_editable_nor_submitted_twice(world, body):
    plan = submit(world, create(world, body))
    with pytest.raises(PlanNotEditable):
        replace(world, plan, body)
    with pytest.raises(TransitionNotAllowed):
        submit(world, plan)


def test_withdraw_then_edit_and_resubmit_as_version_2(world, body):
    plan = submit(world, create(world, body))
    plan = withdraw(world, plan)
    assert plan.status == "withdrawn" and isinstance(world.published[-1], PlanWithdrawn)
    assert world.published[-1].payload()["by"] == "drafter.cb"
    with pytest.raises(TransitionNotAllowed):
        withdraw(world, plan)
    body["activities"][0]["budget_vnd"] = 180_000_000
    replace(world, plan, body)
    plan = submit(world, plan)
    assert [v.number for v in plan.versions] == [1, 2] and plan.versions[0].outcome == "withdrawn"
    assert plan.versions[0].content_sha256 != plan.versions[1].content_sha256


def test_a_draft_cannot_be_withdrawn(world, body):
    with pytest.raises(TransitionNotAllowed):
        withdraw(world, create(world, body))


# -- access
def test_another_units_plan_is_not_found(world, body):
    plan = create(world, body)
    for outsider in (DRAFTER_BK, PROVINCE_BK, DEPT_CB, MINISTRY, INTEGRATOR):  # approvers see no drafts
        with pytest.raises(PlanNotFound):
            views.get_plan(plan.id, outsider, world.uow())
    assert views.get_plan(plan.id, ADMIN, world.uow()).id == plan.id


def test_approvers_read_submitted_plans_in_their_scope(world, body):
    # Approvers read a version once it was submitted to a level they act on (architecture §4): the
    # department at once, the province and the ministry when their level opens, not before.
    plan = submit(world, create(world, body))
    for reader in (DRAFTER_CB, DEPT_CB, ADMIN):
        assert views.get_plan(plan.id, reader, world.uow()).id == plan.id
    for not_yet in (PROVINCE_CB, MINISTRY):
        with pytest.raises(PlanNotFound):
            views.get_plan(plan.id, not_yet, world.uow())
    approval = Approval(plan.id)
    deliver(world, [approval.assigned(1), approval.decided(1), approval.assigned(2)])
    assert views.get_plan(plan.id, PROVINCE_CB, world.uow()).id == plan.id
    with pytest.raises(PlanNotFound):
        views.get_plan(plan.id, MINISTRY, world.uow())
    deliver(world, [approval.decided(2, by="province.cb"), approval.assigned(3)])
    assert views.get_plan(plan.id, MINISTRY, world.uow()).id == plan.id
    for outsider in (PROVINCE_BK, DRAFTER_BK, INTEGRATOR):
        with pytest.raises(PlanNotFound):
            views.get_plan(plan.id, outsider, world.uow())
    with pytest.raises(PlanForbidden):
        withdraw(world, plan, actor=DEPT_CB)


def test_approvers_read_the_frozen_version_never_the_working_copy(world, body):
    plan = submit(world, create(world, body))
    approval = Approval(plan.id)
    deliver(world, [approval.assigned(1), approval.decided(1), approval.assigned(2), approval.assigned(3)])
    deliver(
        world,
        [
            approval.decided(3, "return", by="ministry.1", comment="Bổ sung kinh phí"),
            approval.completed("returned", by="ministry.1"),
        ],
    )
    edited = replace(world, plan, {**body, "title": "Bản nháp chưa trình: tăng kinh phí đoàn ra"})
    assert views.get_plan(plan.id, DRAFTER_CB, world.uow()).content.title == edited.content.title
    for approver in (DEPT_CB, PROVINCE_CB, MINISTRY):
        seen = views.get_plan(plan.id, approver, world.uow())
        assert seen.content.title == body["title"] and seen.current_version.number == 1
        page, _ = views.list_plans(PlanQuery(q="chua trinh"), approver, world.uow())
        assert page == []
        page, _ = views.list_plans(PlanQuery(), approver, world.uow())
        assert [(p.id, p.title) for p in page] == [(plan.id, body["title"])]
    # Version 2, resubmitted, goes to level 1 only: the ministry keeps reading the version it decided.
    submit(world, plan)
    assert views.get_plan(plan.id, DEPT_CB, world.uow()).content.title == edited.content.title
    seen = views.get_plan(plan.id, MINISTRY, world.uow())
    assert seen.content.title == body["title"] and [v.number for v in seen.versions] == [1]
    with pytest.raises(VersionNotFound):
        views.get_version(plan.id, 2, MINISTRY, world.uow())


def test_whoever_decided_keeps_reading(world, body):
    plan = submit(world, create(world, body))
    outsider_approver = PROVINCE_BK  # e.g. a delegate from elsewhere
    deliver(world, [Approval(plan.id).decided(2, by=outsider_approver.username)])
    assert views.get_plan(plan.id, outsider_approver, world.uow()).id == plan.id


def test_integrators_read_approved_plans_only(world, body):
    plan = submit(world, create(world, body))
    with pytest.raises(PlanNotFound):
        views.get_plan(plan.id, INTEGRATOR, world.uow())
    deliver(world, Approval(plan.id).full_approval())
    assert views.get_plan(plan.id, INTEGRATOR, world.uow()).status == "approved"


def test_list_filters_searches_and_pages(world, body):
    first = create(world, body)
    second = create(
        world, {**body, "title": "Kế hoạch tuyên truyền biên giới năm 2024", "activities": body["activities"][1:2]}
    )
    # In 2024 (the world's clock) Bắc Kạn's Sở TTTT drafted its own plans.
    bac_kan = Actor("drafter.bk", frozenset({"drafter"}), "stttt-bac-kan", "ubnd-bac-kan")
    create(world, {**body, "org_unit": "stttt-bac-kan", "activities": []}, actor=bac_kan)
    page, last = views.list_plans(PlanQuery(limit=1), DRAFTER_CB, world.uow())
    assert [p.id for p in page] == [second.id] and last is not None
    page, last = views.list_plans(PlanQuery(limit=1, after=(last.created_at, last.id)), DRAFTER_CB, world.uow())
    assert [p.id for p in page] == [first.id] and last is None
    page, _ = views.list_plans(PlanQuery(q="tap huan bien gioi"), DRAFTER_CB, world.uow())
    assert [p.id for p in page] == [first.id]


# -- the approval chain's facts
def test_a_full_approval_numbers_the_plan(world, body):
    plan = submit(world, create(world, body))
    deliver(world, Approval(plan.id).full_approval())
    plan = world.store[plan.id]
    assert (plan.status, plan.document_number, plan.issuer, plan.stage) == (
        "approved",
        "01/KH-UBND",
        "ubnd-cao-bang",
        None,
    )
    assert plan.date_line == "Cao Bằng, ngày 09 tháng 02 năm 2024"
    assert isinstance(world.published[-1], PlanApproved)
    assert world.published[-1].payload() | {} == {
        "subject": {"kind": "plan", "id": plan.id, "version": 1, "content_sha256": plan.versions[0].content_sha256},
        "plan_id": plan.id,
        "version": 1,
        "title": body["title"],
        "org_unit": "svhttdl-cao-bang",
        "province": "ubnd-cao-bang",
        "year": 2024,
        "document_number": "01/KH-UBND",
        "issued_on": "2024-02-09",
        "issuer": "ubnd-cao-bang",
    }
    with pytest.raises(PlanNotEditable):
        replace(world, plan, body)


def test_stage_follows_the_levels(world, body):
    plan = submit(world, create(world, body))
    approval = Approval(plan.id)
    deliver(world, [approval.assigned(1)])
    assert world.store[plan.id].stage.to_dict() == {"level": 1, **LEVEL_NAMES[1]}
    deliver(world, [approval.decided(1), approval.assigned(2)])
    assert world.store[plan.id].stage.level == 2


def test_shuffled_and_redelivered_events_reach_the_same_state_and_timeline(world, body):
    plan = submit(world, create(world, body))
    facts = Approval(plan.id).full_approval()
    deliver(world, facts)
    expected = world.store[plan.id]
    expected_timeline = [(e.kind, e.version, e.level, e.actor) for e in expected.ordered_timeline()]
    for seed in range(5):
        other = type(world)()
        other_plan = submit(other, create(other, body))
        shuffled = [fact.__class__(**{**fact.__dict__, "plan_id": other_plan.id}) for fact in facts] * 2
        random.Random(seed).shuffle(shuffled)
        deliver(other, shuffled)
        got = other.store[other_plan.id]
        assert (got.status, got.document_number, got.stage) == ("approved", "01/KH-UBND", None)
        assert [(e.kind, e.version, e.level, e.actor) for e in got.ordered_timeline()] == expected_timeline
        assert len(other.register.issued) == 1
        # Issuing queues the document for the renderer once, in the issuing transaction.
        assert other.issued_files.queued == [("plan", other_plan.id, 1, "01/KH-UBND")]


def test_a_late_lower_level_does_not_move_the_stage_back(world, body):
    plan = submit(world, create(world, body))
    approval = Approval(plan.id)
    first, second = approval.assigned(1), approval.assigned(2)
    deliver(world, [second, first])
    assert world.store[plan.id].stage.level == 2


def test_a_task_handed_to_a_successors_approvers_moves_the_due_date_and_says_so(world, body):
    plan = submit(world, create(world, body))
    approval = Approval(plan.id)
    first = approval.assigned(1)
    deliver(world, [dataclasses.replace(first, due_at="2025-06-25T10:00:00+00:00")])
    reassigned = {
        "task_id": "t1",
        "predecessor": "svhttdl-bac-kan",
        "successor": "svhttdl-thai-nguyen-2025",
        "date": "2025-07-01",
    }
    handed = dataclasses.replace(
        approval.assigned(1), due_at="2025-07-04T10:00:00+00:00", assignees=("dept.bk",), reassigned=reassigned
    )
    deliver(world, [handed, handed])  # redelivered: one entry
    stored = world.store[plan.id]
    assert stored.stage.level == 1 and stored.stage.due_at == "2025-07-04T10:00:00+00:00"
    entries = [e for e in stored.ordered_timeline() if e.kind == "task_assigned"]
    assert len(entries) == 2 and entries[-1].details["reassigned"] == reassigned
    # An ordinary late task of the same level (no hand-over) still does not move the stage.
    deliver(world, [dataclasses.replace(approval.assigned(1), due_at="2025-06-20T10:00:00+00:00")])
    assert world.store[plan.id].stage.due_at == "2025-07-04T10:00:00+00:00"


def test_events_of_an_older_version_change_nothing(world, body):
    plan = submit(world, create(world, body))
    old = Approval(plan.id, version=1, approval_id="a-old")
    deliver(world, [old.assigned(1)])
    withdraw(world, plan)
    plan = submit(world, world.store[plan.id])
    deliver(world, [old.decided(1), old.completed("approved")])
    plan = world.store[plan.id]
    assert (plan.status, plan.document_number, world.register.issued) == ("submitted", None, [])


def test_a_second_approval_of_the_same_version_is_ignored(world, body):
    plan = submit(world, create(world, body))
    deliver(world, [Approval(plan.id, approval_id="a-1").assigned(1)])
    deliver(world, [Approval(plan.id, approval_id="a-2").completed("rejected")])
    assert world.store[plan.id].status == "submitted"


def test_returned_plans_are_edited_and_resubmitted(world, body):
    plan = submit(world, create(world, body))
    approval = Approval(plan.id)
    comment = "Đề nghị bổ sung chỉ tiêu cho hoạt động tập huấn."
    deliver(
        world,
        [
            approval.assigned(1),
            approval.decided(1, "return", comment=comment),
            approval.completed("returned", level=1, by="dept.cb", comment=comment),
        ],
    )
    plan = world.store[plan.id]
    assert plan.status == "returned" and plan.versions[0].outcome == "returned"
    assert plan.ordered_timeline()[-1].details["comment"] == comment
    plan = submit(world, replace(world, plan, body))
    assert plan.status == "submitted" and len(plan.versions) == 2


def test_a_return_comment_on_one_activity_and_the_reply_to_it_travel_with_their_activity(world, body):
    plan = submit(world, create(world, body))
    first, second = (activity.id for activity in world.store[plan.id].versions[0].content.activities[:2])
    assert first and second  # content model v2: every activity has its stable id
    (submitted,) = [e for e in world.published if isinstance(e, PlanSubmitted)]
    assert submitted.activity_ids == tuple(a.id for a in world.store[plan.id].content.activities)
    approval = Approval(plan.id)
    comment = "Đề nghị giảm kinh phí tập huấn."
    decided = dataclasses.replace(approval.decided(1, "return", comment=comment), activity_id=second)
    completed = dataclasses.replace(
        approval.completed("returned", level=1, by="dept.cb", comment=comment), activity_id=second
    )
    deliver(world, [approval.assigned(1), decided, completed])
    about = {e.kind: e.details.get("activity_id") for e in world.store[plan.id].timeline}
    assert (about["decision"], about["returned"], about["task_assigned"]) == (second, second, None)

    plan = replace(world, world.store[plan.id], body)
    reply = "Đã giảm kinh phí tập huấn."
    ask = {"actor": DRAFTER_CB, "plan_id": plan.id, "reply": reply}
    # The reply names an activity of the version it goes with, and only a reply names one: every error at once.
    with pytest.raises(PlanInvalid) as unknown:
        world.bus.handle(commands.SubmitPlan(**ask, reply_activity_id="no-such-activity"))
    assert unknown.value.errors == {"activity_id": ["not an activity of this version"]}
    with pytest.raises(PlanInvalid) as no_reply:
        world.bus.handle(commands.SubmitPlan(**{**ask, "reply": ""}, reply_activity_id=second))
    assert list(no_reply.value.errors) == ["activity_id"]
    assert world.store[plan.id].status == "returned"
    plan = world.bus.handle(commands.SubmitPlan(**ask, reply_activity_id=second))
    assert (plan.versions[-1].reply, plan.versions[-1].reply_activity_id) == (reply, second)
    submissions = [e for e in plan.timeline if e.kind == "submitted"]
    assert [e.details.get("reply_activity_id") for e in submissions] == [None, second]
    resubmitted = [e for e in world.published if isinstance(e, PlanSubmitted)][-1]
    assert (resubmitted.reply, resubmitted.reply_activity_id) == (reply, second)
    assert second in resubmitted.activity_ids


def test_rejection_is_final(world, body):
    plan = submit(world, create(world, body))
    deliver(world, [Approval(plan.id).completed("rejected", level=2, by="province.cb")])
    plan = world.store[plan.id]
    assert plan.status == "rejected"
    with pytest.raises(PlanNotEditable):
        replace(world, plan, body)
    with pytest.raises(TransitionNotAllowed):
        submit(world, plan)


def test_a_cancelled_approval_leaves_the_plan_editable(world, body):
    plan = submit(world, create(world, body))
    deliver(world, [Approval(plan.id).completed("cancelled", level=1, by="")])
    assert world.store[plan.id].status == "withdrawn"


def test_a_withdrawn_plan_ignores_a_late_approval(world, body):
    plan = submit(world, create(world, body))
    withdraw(world, plan)
    deliver(world, Approval(plan.id).full_approval())
    plan = world.store[plan.id]
    assert (plan.status, plan.document_number) == ("withdrawn", None)


def test_events_for_unknown_plans_are_ignored(world):
    assert world.bus.handle(Approval("11111111-1111-4111-8111-111111111111").completed("approved")) is False


def test_numbers_follow_the_issuers_register(world, body):
    numbers = []
    for _ in range(11):
        plan = submit(world, create(world, body))
        deliver(world, [Approval(plan.id, approval_id=f"a-{plan.id}").completed("approved")])
        numbers.append(world.store[plan.id].document_number)
    assert numbers[0] == "01/KH-UBND" and numbers[8] == "09/KH-UBND" and numbers[10] == "11/KH-UBND"


# -- withdrawal once the submission has left: the approvals service decides
def test_a_sent_submission_is_withdrawn_only_on_the_approvals_verdict(world, body):
    plan = submit(world, create(world, body))
    world.relayed.add(plan.id)  # plan.submitted has been published: an approval may be deciding
    verdicts = []

    def approvals_answers(_seconds: float) -> None:  # the verdict arrives while the request waits
        request = world.store[plan.id].withdrawal
        if not verdicts:
            verdicts.append(
                world.bus.handle(
                    commands.AnswerWithdrawal(
                        **Approval(plan.id)._common(), request_id=request["id"], accepted=True, by="drafter.cb"
                    )
                )
            )

    bus = world.bus_with(sleep=approvals_answers)
    result = bus.handle(commands.WithdrawPlan(actor=DRAFTER_CB, plan_id=plan.id))
    requested = [e for e in world.published if isinstance(e, PlanWithdrawalRequested)]
    assert len(requested) == 1 and requested[0].seen_decisions == 0
    assert verdicts == [True] and not result.pending and result.plan.status == "withdrawn"
    assert isinstance(world.published[-1], PlanWithdrawn)


def test_a_refused_withdrawal_is_409_and_leaves_the_plan_with_the_approval(world, body):
    plan = submit(world, create(world, body))
    world.relayed.add(plan.id)
    approval = Approval(plan.id)
    deliver(world, [approval.assigned(1)])

    def a_decision_won(_seconds: float) -> None:
        request = world.store[plan.id].withdrawal
        if request["outcome"] is None:
            world.bus.handle(
                commands.AnswerWithdrawal(
                    **approval._common(),
                    request_id=request["id"],
                    accepted=False,
                    reason="a decision was recorded while the withdrawal was on its way",
                )
            )

    bus = world.bus_with(sleep=a_decision_won)
    with pytest.raises(WithdrawalRefused):
        bus.handle(commands.WithdrawPlan(actor=DRAFTER_CB, plan_id=plan.id))
    stored = world.store[plan.id]
    assert stored.status == "submitted" and not any(isinstance(e, PlanWithdrawn) for e in world.published)


def test_without_a_verdict_in_time_the_withdrawal_stays_requested(world, body):
    plan = submit(world, create(world, body))
    world.relayed.add(plan.id)
    bus = world.bus_with(withdrawal_wait_seconds=0.0)
    result = bus.handle(commands.WithdrawPlan(actor=DRAFTER_CB, plan_id=plan.id))
    assert result.pending and result.plan.status == "submitted"
    with pytest.raises(WithdrawalInProgress):
        bus.handle(commands.WithdrawPlan(actor=DRAFTER_CB, plan_id=plan.id))


def test_an_issued_plan_names_its_issuing_body_and_its_signer_whatever_the_order_of_events(world, body):
    plan = submit(world, create(world, body))
    facts = Approval(plan.id).full_approval()
    deliver(world, [facts[0], facts[-1], *facts[1:-1]])  # the completion overtakes the decisions
    organisations = Organisations.load(IssuingBodies().registry)
    named = {"province.cb": "Bế Đức Thắng"}.get
    issue = views.issue_of(world.store[plan.id], organisations, named, world.uow())
    assert issue is not None
    assert (issue.body.code, issue.body.name, issue.body.signing_level) == (
        "ubnd-cao-bang",
        "Ủy ban nhân dân tỉnh Cao Bằng",
        2,
    )
    # The committee's approver signs (level 2), named as the directory names them.
    assert (issue.signer, issue.signer_name) == ("province.cb", "Bế Đức Thắng")
    # Without a name from the directory, the username stands; before issuing there is nothing to sign.
    unnamed = views.issue_of(world.store[plan.id], organisations, world.bus.dependencies["name_of"], world.uow())
    assert unnamed is not None and unnamed.signer_name == "province.cb"
    assert views.issue_of(submit(world, create(world, body)), organisations, named, world.uow()) is None


def test_a_successor_reads_its_predecessors_issued_plans_and_changes_none(world, body):
    """Bắc Kạn's Sở TTTT issued a plan in 2024; after the 2025 mergers Thái Nguyên's Sở VHTTDL,
    which carries on its work, reads it as history and cannot edit it; other provinces see nothing."""
    from plans.domain.organisation_seed import load_seed

    registry = load_seed()
    bac_kan = Actor("drafter.bk", frozenset({"drafter"}), "stttt-bac-kan", "ubnd-bac-kan")
    plan = submit(world, create(world, {**body, "org_unit": "stttt-bac-kan"}, actor=bac_kan), actor=bac_kan)
    deliver(world, Approval(plan.id).full_approval())
    assert world.store[plan.id].document_number == "01/KH-UBND"
    thai_nguyen = Actor(
        "drafter.tn",
        frozenset({"drafter"}),
        "svhttdl-thai-nguyen-2025",
        "ubnd-thai-nguyen-2025",
        history_units=frozenset(registry.predecessors("svhttdl-thai-nguyen-2025")),
    )
    assert "stttt-bac-kan" in thai_nguyen.history_units
    assert views.get_plan(plan.id, thai_nguyen, world.uow()).id == plan.id
    page, _ = views.list_plans(PlanQuery(), thai_nguyen, world.uow())
    assert [p.id for p in page] == [plan.id]
    with pytest.raises(PlanForbidden):
        world.bus.handle(commands.ReplacePlan(actor=thai_nguyen, plan_id=plan.id, content=body, expected_revision=99))
    cao_bang = Actor(
        "drafter.cb",
        frozenset({"drafter"}),
        "svhttdl-cao-bang",
        "ubnd-cao-bang",
        history_units=frozenset(registry.predecessors("svhttdl-cao-bang")),
    )
    with pytest.raises(PlanNotFound):
        views.get_plan(plan.id, cao_bang, world.uow())
