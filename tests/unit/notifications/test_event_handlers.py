"""Use cases driven through in-memory repositories: an event becomes inbox
messages in each reader's language, queued mail and webhook deliveries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from notifications.domain import commands, events
from notifications.domain.errors import NotificationNotFound, SubscriptionNotFound, UnsafeWebhookTarget
from notifications.domain.webhooks import RetryPolicy, TargetPolicy
from notifications.service_layer import handlers
from notifications.service_layer.handlers import IncomingEvent, Messaging
from notifications.testing import sample_event_data

RETRY = RetryPolicy(base_seconds=5, cap_seconds=3600, give_up_after_seconds=86400)


def incoming(name: str, event_id: str | None = None, **overrides: object) -> IncomingEvent:
    data = sample_event_data(name, **overrides)
    event_id = event_id or f"evt-{name}"
    body = {"specversion": "1.0", "id": event_id, "type": f"vn.ttdn.{name}", "data": data}
    return IncomingEvent(id=event_id, name=name, data=data, json=json.dumps(body, ensure_ascii=False))


def submitted(uow, messaging: Messaging) -> None:
    handlers.handle_event(uow, incoming(events.PLAN_SUBMITTED), messaging, RETRY)


def test_a_submission_remembers_the_plans_drafters_and_notifies_nobody(uow, messaging) -> None:
    submitted(uow, messaging)
    assert uow.audiences.get(sample_event_data(events.PLAN_SUBMITTED)["plan_id"]).drafters == ["drafter.cb", "dual.cb"]
    assert uow.notifications.items == []


def test_a_decision_reaches_each_drafter_in_their_language_with_mail_where_known(uow, messaging) -> None:
    submitted(uow, messaging)
    handlers.handle_event(uow, incoming(events.DECISION_RECORDED), messaging, RETRY)

    by_reader = {notice.recipient: notice for notice in uow.notifications.items}
    assert sorted(by_reader) == ["drafter.cb", "drafter2.cb", "dual.cb"]  # never dept.cb, who decided
    assert by_reader["drafter.cb"].subject.startswith("Sở Thông tin và Truyền thông trả lại để chỉnh sửa")
    assert "Nông Văn Sơn (Sở Thông tin và Truyền thông)" in by_reader["drafter.cb"].body  # the actor's name
    assert by_reader["drafter2.cb"].subject.startswith("Department returned the plan for revision")  # locale en
    assert by_reader["drafter.cb"].link == "https://ttdn.caobang.gov.vn/plans/5f0c8a1e-2b7d-4c55-9a7e-0d3c2f6b8a11"
    assert next((m.recipient, m.address, m.reader_name) for m in uow.mail.queued) == (
        "drafter.cb",
        "drafter.cb@ttdn.example",
        "Hoàng Thị Lan",
    )
    assert len(uow.mail.queued) == 3


def test_without_a_known_submission_the_units_drafters_still_hear(uow, messaging) -> None:
    handlers.handle_event(uow, incoming(events.PLAN_APPROVED), messaging, RETRY)
    assert sorted(n.recipient for n in uow.notifications.items) == ["drafter.cb", "drafter2.cb", "dual.cb"]


def test_assigned_tasks_reach_the_assignees_and_a_reader_without_address_gets_no_mail(
    uow, messaging, directory
) -> None:
    handlers.handle_event(
        uow, incoming(events.TASK_ASSIGNED, level=2, province="QB", assignees=["province.qb"]), messaging, RETRY
    )
    assert [n.recipient for n in uow.notifications.items] == ["province.qb"]
    assert uow.mail.queued == []


def test_a_task_naming_no_assignees_reaches_everyone_eligible_in_its_scope(uow, messaging) -> None:
    handlers.handle_event(uow, incoming(events.TASK_OVERDUE, level=3, assignees=[]), messaging, RETRY)
    assert sorted(n.recipient for n in uow.notifications.items) == ["ministry.1", "ministry.2"]
    english = next(n for n in uow.notifications.items if n.recipient == "ministry.2")
    assert english.subject.startswith("Approval overdue (ministry)")


def test_a_reader_unknown_to_the_directory_still_gets_the_message_in_vietnamese(uow, messaging) -> None:
    handlers.handle_event(uow, incoming(events.TASK_ASSIGNED, assignees=["can-bo.moi"]), messaging, RETRY)
    (notice,) = uow.notifications.items
    assert notice.recipient == "can-bo.moi" and notice.subject.startswith("Kế hoạch chờ phê duyệt")
    assert uow.mail.queued == []


def test_matching_subscriptions_get_one_delivery_each_carrying_the_cloudevent(uow, messaging) -> None:
    policy = TargetPolicy()
    resolve = lambda host: ["203.162.10.20"]  # noqa: E731
    owner = "ttdn-integrator-dashboard"
    everything = handlers.create_subscription(
        uow,
        commands.CreateSubscription(owner, "https://dashboard.bvhttdl.gov.vn/hooks", ("vn.ttdn.plan.approved",)),
        policy,
        resolve,
    )
    quang_binh = handlers.create_subscription(
        uow,
        commands.CreateSubscription(owner, "https://egov.quangbinh.gov.vn/hooks", ("plan.approved",), "QB"),
        policy,
        resolve,
    )
    event = incoming(events.PLAN_APPROVED)
    handlers.handle_event(uow, event, messaging, RETRY)
    handlers.handle_event(uow, event, messaging, RETRY)  # the same event replayed from the DLQ

    assert everything.event_types == ("plan.approved",)
    assert list(uow.deliveries.rows) == [(everything.id, event.id)]
    delivery = uow.deliveries.rows[(everything.id, event.id)]
    assert json.loads(delivery["payload"])["data"]["document_number"] == "15/KH-UBND"
    assert delivery["give_up_at"] == datetime(2024, 1, 18, 8, 0, 5, tzinfo=UTC)
    assert quang_binh.id not in {sub for sub, _ in uow.deliveries.rows}


def test_an_unsafe_subscription_url_is_refused_and_nothing_is_stored(uow) -> None:
    with pytest.raises(UnsafeWebhookTarget):
        handlers.create_subscription(
            uow,
            commands.CreateSubscription("ttdn-integrator-dashboard", "http://169.254.169.254/", ("plan.approved",)),
            TargetPolicy(),
            lambda host: [host],
        )
    assert uow.subscriptions.items == {}


def test_integrators_see_and_delete_only_their_own_subscriptions(uow) -> None:
    created = handlers.create_subscription(
        uow,
        commands.CreateSubscription(
            "ttdn-integrator-dashboard", "https://dashboard.bvhttdl.gov.vn/", ("plan.approved",)
        ),
        TargetPolicy(),
        lambda host: ["203.162.10.20"],
    )
    assert handlers.list_subscriptions(uow, "egov-caobang") == []
    with pytest.raises(SubscriptionNotFound):
        handlers.delete_subscription(uow, commands.DeleteSubscription("egov-caobang", created.id))
    with pytest.raises(SubscriptionNotFound):
        handlers.list_deliveries(uow, commands.ListDeliveries("egov-caobang", created.id))
    handlers.delete_subscription(uow, commands.DeleteSubscription("ttdn-integrator-dashboard", created.id))
    assert handlers.list_subscriptions(uow, "ttdn-integrator-dashboard") == []


def test_marking_read_is_per_reader(uow, messaging) -> None:
    handlers.handle_event(uow, incoming(events.TASK_ASSIGNED, level=3), messaging, RETRY)
    mine = uow.notifications.of("ministry.1")[0]
    with pytest.raises(NotificationNotFound):
        handlers.mark_read(uow, commands.MarkRead("ministry.2", mine.id))
    assert handlers.mark_read(uow, commands.MarkRead("ministry.1", mine.id)).read
    assert handlers.count_unread(uow, "ministry.1") == 0
    assert handlers.mark_all_read(uow, commands.MarkAllRead("ministry.2")) == 1
    with pytest.raises(handlers.NotAnIntegrator):
        handlers.require_integrator(False)


def test_a_task_event_arriving_after_its_approval_completed_tells_nobody(uow, messaging) -> None:
    handlers.handle_event(uow, incoming(events.APPROVAL_COMPLETED, outcome="approved", level=3), messaging, RETRY)
    before = len(uow.notifications.items)
    handlers.handle_event(uow, incoming(events.TASK_REMINDER, level=3), messaging, RETRY)
    handlers.handle_event(uow, incoming(events.TASK_OVERDUE, level=3), messaging, RETRY)
    assert len(uow.notifications.items) == before
    # another approval of the same plan (a resubmission) is not affected
    handlers.handle_event(
        uow,
        incoming(events.TASK_ASSIGNED, "evt-new", level=1, approval_id="a7f3e2d1-0000-4000-8000-000000000002"),
        messaging,
        RETRY,
    )
    assert [n.recipient for n in uow.notifications.items[before:]] == ["dept.cb"]
