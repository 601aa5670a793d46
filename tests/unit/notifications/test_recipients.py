"""Who hears of what (architecture §8): recipient resolution in the domain."""

from __future__ import annotations

import pytest
from notifications.domain import events
from notifications.domain.model import PlanAudience, recipients
from notifications.testing import sample_event_data

PLAN_DRAFTERS = ["drafter.cb", "dual.cb"]
UNIT_DRAFTERS = ["drafter.cb", "drafter2.cb", "dual.cb"]


@pytest.mark.parametrize("name", [events.DECISION_RECORDED, events.APPROVAL_COMPLETED, events.PLAN_APPROVED])
def test_drafters_hear_of_decisions_outcomes_and_the_issued_number(name: str) -> None:
    data = sample_event_data(name)
    assert recipients(name, data, plan_drafters=PLAN_DRAFTERS, unit_drafters=UNIT_DRAFTERS) == [
        "drafter.cb",
        "dual.cb",
        "drafter2.cb",
    ]


@pytest.mark.parametrize("outcome", ["approved", "returned", "rejected"])
def test_every_final_outcome_but_cancellation_reaches_the_drafters(outcome: str) -> None:
    data = sample_event_data(events.APPROVAL_COMPLETED, outcome=outcome)
    assert recipients(events.APPROVAL_COMPLETED, data, plan_drafters=PLAN_DRAFTERS) == PLAN_DRAFTERS


def test_a_cancelled_approval_follows_the_drafters_own_withdrawal_and_tells_nobody() -> None:
    data = sample_event_data(events.APPROVAL_COMPLETED, outcome="cancelled", by="drafter.cb")
    assert recipients(events.APPROVAL_COMPLETED, data, plan_drafters=PLAN_DRAFTERS, unit_drafters=UNIT_DRAFTERS) == []


def test_nobody_is_told_of_their_own_decision() -> None:
    # dual.cb is a drafter of the unit and (elsewhere) an approver: acting, they are not notified.
    data = sample_event_data(events.DECISION_RECORDED, by="dual.cb")
    assert "dual.cb" not in recipients(events.DECISION_RECORDED, data, plan_drafters=PLAN_DRAFTERS)


@pytest.mark.parametrize("name", [events.TASK_ASSIGNED, events.TASK_REMINDER, events.TASK_OVERDUE])
def test_task_events_go_to_the_assignees_of_the_level(name: str) -> None:
    data = sample_event_data(name, level=3)
    assert recipients(name, data, plan_drafters=PLAN_DRAFTERS, unit_drafters=UNIT_DRAFTERS) == [
        "ministry.1",
        "ministry.2",
    ]


def test_a_task_without_assignees_goes_to_the_eligible_approvers_of_its_scope() -> None:
    data = sample_event_data(events.TASK_ASSIGNED, level=2, assignees=[])
    assert recipients(events.TASK_ASSIGNED, data, eligible_approvers=["province.cb"]) == ["province.cb"]


def test_a_delegated_task_goes_to_the_delegate_only_never_back_to_the_delegator() -> None:
    data = sample_event_data(events.TASK_DELEGATED, level=3)
    assert recipients(events.TASK_DELEGATED, data) == ["ministry.2"]
    assert recipients(events.TASK_DELEGATED, {**data, "to": "ministry.1"}) == []


@pytest.mark.parametrize("name", [events.PLAN_SUBMITTED, events.PLAN_WITHDRAWN])
def test_plan_submission_and_withdrawal_make_no_inbox_message(name: str) -> None:
    assert recipients(name, sample_event_data(name), plan_drafters=PLAN_DRAFTERS, unit_drafters=UNIT_DRAFTERS) == []


def test_the_plan_audience_merges_creator_editors_submitter_across_versions() -> None:
    audience = PlanAudience("p")
    audience.learn_from_submission(sample_event_data(events.PLAN_SUBMITTED))
    audience.learn_from_submission(
        sample_event_data(events.PLAN_SUBMITTED, version=2, submitted_by="drafter2.cb", edited_by=["drafter2.cb"])
    )
    assert audience.drafters == ["drafter.cb", "dual.cb", "drafter2.cb"]
