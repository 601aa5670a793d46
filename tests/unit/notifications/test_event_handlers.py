"""Use cases driven through in-memory repositories: an event becomes inbox
messages in each reader's language, queued mail and webhook deliveries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from notifications import views
from notifications.domain import commands, events
from notifications.domain.errors import NotificationNotFound, SubscriptionNotFound, UnsafeWebhookTarget
from notifications.service_layer import handlers
from notifications.service_layer.handlers import IncomingEvent
from notifications.testing import sample_event_data

from tests.unit.notifications.conftest import make_bus


def incoming(name: str, event_id: str | None = None, **overrides: object) -> IncomingEvent:
    data = sample_event_data(name, **overrides)
    event_id = event_id or f"evt-{name}"
    body = {"specversion": "1.0", "id": event_id, "type": f"vn.ttdn.{name}", "data": data}
    return IncomingEvent(id=event_id, name=name, data=data, json=json.dumps(body, ensure_ascii=False))


def submitted(uow, bus) -> None:
    bus.handle(incoming(events.PLAN_SUBMITTED), uow)


def test_a_submission_remembers_the_plans_drafters_and_notifies_nobody(uow, bus) -> None:
    submitted(uow, bus)
    assert uow.audiences.get(sample_event_data(events.PLAN_SUBMITTED)["plan_id"]).drafters == ["drafter.cb", "dual.cb"]
    assert uow.notifications.items == []


def test_a_decision_reaches_each_drafter_in_their_language_with_mail_where_known(uow, bus) -> None:
    submitted(uow, bus)
    bus.handle(incoming(events.DECISION_RECORDED), uow)

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


def test_without_a_known_submission_the_units_drafters_still_hear(uow, bus) -> None:
    bus.handle(incoming(events.PLAN_APPROVED), uow)
    assert sorted(n.recipient for n in uow.notifications.items) == ["drafter.cb", "drafter2.cb", "dual.cb"]


def test_assigned_tasks_reach_the_assignees_and_a_reader_without_address_gets_no_mail(uow, bus, directory) -> None:
    bus.handle(incoming(events.TASK_ASSIGNED, level=2, province="ubnd-quang-tri-2025", assignees=["province.qb"]), uow)
    assert [n.recipient for n in uow.notifications.items] == ["province.qb"]
    assert uow.mail.queued == []


def test_a_message_about_a_task_opens_its_decision_page(uow, bus) -> None:
    data = sample_event_data(events.TASK_ASSIGNED)
    bus.handle(incoming(events.TASK_ASSIGNED, assignees=["dept.cb"]), uow)
    (notice,) = uow.notifications.items
    assert notice.link == (f"https://ttdn.caobang.gov.vn/approvals/{data['approval_id']}?task={data['task_id']}")


def test_a_task_naming_no_assignees_reaches_everyone_eligible_in_its_scope(uow, bus) -> None:
    bus.handle(incoming(events.TASK_OVERDUE, level=3, assignees=[]), uow)
    assert sorted(n.recipient for n in uow.notifications.items) == ["ministry.1", "ministry.2"]
    english = next(n for n in uow.notifications.items if n.recipient == "ministry.2")
    assert english.subject.startswith("Approval overdue (ministry)")


def test_a_reader_unknown_to_the_directory_still_gets_the_message_in_vietnamese(uow, bus) -> None:
    bus.handle(incoming(events.TASK_ASSIGNED, assignees=["can-bo.moi"]), uow)
    (notice,) = uow.notifications.items
    assert notice.recipient == "can-bo.moi" and notice.subject.startswith("Kế hoạch chờ phê duyệt")
    assert uow.mail.queued == []


def test_matching_subscriptions_get_one_delivery_each_carrying_the_cloudevent(uow, bus) -> None:
    owner = "ttdn-integrator-dashboard"  # the bus resolves every host to 203.162.10.20, a public address
    everything = bus.handle(
        commands.CreateSubscription(owner, "https://dashboard.bvhttdl.gov.vn/hooks", ("vn.ttdn.plan.approved",)),
        uow,
    )
    quang_binh = bus.handle(
        commands.CreateSubscription(
            owner, "https://egov.quangbinh.gov.vn/hooks", ("plan.approved",), "ubnd-quang-tri-2025"
        ),
        uow,
    )
    event = incoming(events.PLAN_APPROVED)
    bus.handle(event, uow)
    bus.handle(event, uow)  # the same event replayed from the DLQ

    assert everything.event_types == ("plan.approved",)
    assert list(uow.deliveries.rows) == [(everything.id, event.id)]
    delivery = uow.deliveries.rows[(everything.id, event.id)]
    assert json.loads(delivery["payload"])["data"]["document_number"] == "15/KH-UBND"
    assert delivery["give_up_at"] == datetime(2024, 1, 18, 8, 0, 5, tzinfo=UTC)
    assert quang_binh.id not in {sub for sub, _ in uow.deliveries.rows}


def test_an_unsafe_subscription_url_is_refused_and_nothing_is_stored(uow, directory, renderer) -> None:
    bus = make_bus(directory, renderer, resolve=lambda host: [host])
    with pytest.raises(UnsafeWebhookTarget):
        bus.handle(
            commands.CreateSubscription("ttdn-integrator-dashboard", "http://169.254.169.254/", ("plan.approved",)),
            uow,
        )
    assert uow.subscriptions.items == {}


def test_integrators_see_and_delete_only_their_own_subscriptions(uow, bus) -> None:
    created = bus.handle(
        commands.CreateSubscription(
            "ttdn-integrator-dashboard", "https://dashboard.bvhttdl.gov.vn/", ("plan.approved",)
        ),
        uow,
    )
    assert views.list_subscriptions("egov-caobang", uow) == []
    with pytest.raises(SubscriptionNotFound):
        bus.handle(commands.DeleteSubscription("egov-caobang", created.id), uow)
    with pytest.raises(SubscriptionNotFound):
        views.list_deliveries(commands.ListDeliveries("egov-caobang", created.id), uow)
    bus.handle(commands.DeleteSubscription("ttdn-integrator-dashboard", created.id), uow)
    assert views.list_subscriptions("ttdn-integrator-dashboard", uow) == []


def test_marking_read_is_per_reader(uow, bus) -> None:
    bus.handle(incoming(events.TASK_ASSIGNED, level=3), uow)
    mine = uow.notifications.of("ministry.1")[0]
    with pytest.raises(NotificationNotFound):
        bus.handle(commands.MarkRead("ministry.2", mine.id), uow)
    assert bus.handle(commands.MarkRead("ministry.1", mine.id), uow).read
    assert views.count_unread("ministry.1", uow) == 0
    assert bus.handle(commands.MarkAllRead("ministry.2"), uow) == 1
    with pytest.raises(handlers.NotAnIntegrator):
        handlers.require_integrator(False)


def test_a_task_event_arriving_after_its_approval_completed_tells_nobody(uow, bus) -> None:
    bus.handle(incoming(events.APPROVAL_COMPLETED, outcome="approved", level=3), uow)
    before = len(uow.notifications.items)
    bus.handle(incoming(events.TASK_REMINDER, level=3), uow)
    bus.handle(incoming(events.TASK_OVERDUE, level=3), uow)
    assert len(uow.notifications.items) == before
    # another approval of the same plan (a resubmission) is not affected
    bus.handle(
        incoming(events.TASK_ASSIGNED, "evt-new", level=1, approval_id="a7f3e2d1-0000-4000-8000-000000000002"), uow
    )
    assert [n.recipient for n in uow.notifications.items[before:]] == ["dept.cb"]
