"""One happening, one inbox item: the events of a return (the decision and the approval's end) and
of a final approval (the decision, the approval's end and the number) reach each drafter as one
item, whatever order they arrive in, once however often they are delivered, and with one mail —
rewritten while it waits, followed by another only when the item says something new after it went."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import pytest
from notifications.domain import events
from notifications.domain.model import InboxItem, MailState, Mention, grouping_keys, plan_mail, survivor
from notifications.service_layer.handlers import IncomingEvent
from notifications.testing import sample_event_data

DRAFTERS = ["drafter.cb", "drafter2.cb", "dual.cb"]
COMMENT = "Bộ thống nhất, đề nghị tỉnh tổ chức thực hiện."


def incoming(name: str, event_id: str, **overrides: object) -> IncomingEvent:
    data = sample_event_data(name, **overrides)
    body = {"specversion": "1.0", "id": event_id, "type": f"vn.ttdn.{name}", "data": data}
    return IncomingEvent(id=event_id, name=name, data=data, json=json.dumps(body, ensure_ascii=False))


def the_return() -> list[IncomingEvent]:
    return [
        incoming(events.DECISION_RECORDED, "evt-return-decision", level=2),
        incoming(events.APPROVAL_COMPLETED, "evt-return-completed", level=2),
    ]


def the_final_approval() -> list[IncomingEvent]:
    return [
        incoming(events.DECISION_RECORDED, "evt-final-decision", level=3, decision="approve", comment=COMMENT),
        incoming(events.APPROVAL_COMPLETED, "evt-final-completed", level=3, outcome="approved", comment=COMMENT),
        incoming(events.PLAN_APPROVED, "evt-final-number"),
    ]


def items_of(uow, reader: str) -> list[InboxItem]:  # type: ignore[no-untyped-def]
    return uow.notifications.of(reader)


def test_a_return_is_one_item_per_drafter_told_by_the_approvals_end(uow, bus) -> None:  # type: ignore[no-untyped-def]
    for event in the_return():
        bus.handle(event, uow)
    for reader in DRAFTERS:
        (item,) = items_of(uow, reader)
        assert item.event_type == events.APPROVAL_COMPLETED
        assert item.event_types == (events.APPROVAL_COMPLETED, events.DECISION_RECORDED)
    lan = items_of(uow, "drafter.cb")[0]
    assert lan.subject.startswith("Kế hoạch bị trả lại để chỉnh sửa: ")
    assert "ở UBND tỉnh (Đàm Quang Vinh). Đề nghị chỉnh sửa và trình lại." in lan.body
    assert lan.body.count("Ý kiến: Đề nghị bổ sung kinh phí") == 1
    assert "http" not in lan.body and lan.link_text == "Xem kế hoạch"
    assert items_of(uow, "drafter2.cb")[0].subject.startswith("Plan returned for revision: ")
    # One mail per drafter, saying what the item says.
    assert sorted(mail.recipient for mail in uow.mail.queued) == DRAFTERS
    assert {mail.subject for mail in uow.mail.queued if mail.recipient == "drafter.cb"} == {lan.subject}


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_a_final_approval_is_one_item_whatever_order_its_three_events_arrive_in(
    uow, bus, order: tuple[int, ...]
) -> None:  # type: ignore[no-untyped-def]
    happening = the_final_approval()
    for index in order:
        bus.handle(happening[index], uow)
    for reader in DRAFTERS:
        (item,) = items_of(uow, reader)
        assert item.event_type == events.PLAN_APPROVED
        assert set(item.event_types) == {events.PLAN_APPROVED, events.APPROVAL_COMPLETED, events.DECISION_RECORDED}
    lan = items_of(uow, "drafter.cb")[0]
    assert lan.subject == "Kế hoạch đã được cấp số 15/KH-UBND: Kế hoạch hoạt động thông tin đối ngoại năm 2024"
    assert lan.body == (
        "Kế hoạch “Kế hoạch hoạt động thông tin đối ngoại năm 2024” (svhttdl-cao-bang, năm 2024) đã được "
        "Bộ Văn hóa, Thể thao và Du lịch (Trần Đức Thắng) phê duyệt và ban hành với số 15/KH-UBND ngày "
        f"08/02/2024. Kế hoạch từ nay không thể chỉnh sửa.\n\nÝ kiến: {COMMENT}"
    )
    assert lan.link == "https://ttdn.caobang.gov.vn/plans/5f0c8a1e-2b7d-4c55-9a7e-0d3c2f6b8a11"
    minh = items_of(uow, "drafter2.cb")[0]
    assert "was approved by the ministry (Trần Đức Thắng) and issued as No. 15/KH-UBND" in minh.body
    assert minh.link_text == "Open the plan"
    # The mail waited while the events came: one each, as the item reads at the end.
    assert sorted(mail.recipient for mail in uow.mail.queued) == DRAFTERS
    assert {mail.body for mail in uow.mail.queued if mail.recipient == "drafter.cb"} == {lan.body}


def test_an_event_bridging_two_items_makes_them_one(uow, bus) -> None:  # type: ignore[no-untyped-def]
    decision, completed, number = the_final_approval()
    bus.handle(number, uow)
    bus.handle(decision, uow)
    assert len(items_of(uow, "drafter.cb")) == 2  # nothing yet says the decision ended the approval
    first = min(items_of(uow, "drafter.cb"), key=lambda item: (item.created_at, item.id))
    bus.handle(completed, uow)
    (item,) = items_of(uow, "drafter.cb")
    assert item.id == first.id and item.event_type == events.PLAN_APPROVED
    assert sorted(mail.recipient for mail in uow.mail.queued) == DRAFTERS  # the other item's mail went too


def test_a_redelivered_event_changes_nothing(uow, bus) -> None:  # type: ignore[no-untyped-def]
    for event in [*the_return(), *the_return()]:
        bus.handle(event, uow)
    (item,) = items_of(uow, "drafter.cb")
    assert [mention.event_id for mention in item.mentions] == ["evt-return-decision", "evt-return-completed"]
    assert len(uow.notifications.items) == 3 and len(uow.mail.queued) == 3


def test_decisions_at_other_levels_and_versions_stay_items_of_their_own(uow, bus) -> None:  # type: ignore[no-untyped-def]
    bus.handle(incoming(events.DECISION_RECORDED, "evt-l1", level=1, decision="approve"), uow)
    bus.handle(incoming(events.DECISION_RECORDED, "evt-l2", level=2, decision="approve"), uow)
    bus.handle(incoming(events.DECISION_RECORDED, "evt-l1-v2", level=1, decision="approve", version=2), uow)
    assert len(items_of(uow, "drafter.cb")) == 3
    assert all(item.event_type == events.DECISION_RECORDED for item in items_of(uow, "drafter.cb"))


def test_after_its_mail_went_out_the_number_is_mailed_again_and_the_read_item_is_unread(uow, bus) -> None:  # type: ignore[no-untyped-def]
    decision, completed, number = the_final_approval()
    bus.handle(decision, uow)
    bus.handle(completed, uow)
    uow.mail.claim_all()  # the digest went out with the approval
    item = items_of(uow, "drafter.cb")[0]
    item.read_at = datetime(2024, 1, 17, 9, 0, tzinfo=UTC)
    bus.handle(number, uow)
    mails = [mail for mail in uow.mail.queued if mail.recipient == "drafter.cb"]
    assert [mail.subject.split(":")[0] for mail in mails] == [
        "Kế hoạch đã được phê duyệt",
        "Kế hoạch đã được cấp số 15/KH-UBND",
    ]
    assert items_of(uow, "drafter.cb")[0].read_at is None


def test_a_late_event_that_tells_nothing_new_sends_no_second_mail(uow, bus) -> None:  # type: ignore[no-untyped-def]
    decision, completed, number = the_final_approval()
    bus.handle(number, uow)
    bus.handle(completed, uow)
    uow.mail.claim_all()
    bus.handle(decision, uow)  # what it adds (the decision) the item already said
    assert len([mail for mail in uow.mail.queued if mail.recipient == "drafter.cb"]) == 1


def test_grouping_keys_come_from_the_event_alone() -> None:
    at = "5f0c8a1e-2b7d-4c55-9a7e-0d3c2f6b8a11@1"
    decision = sample_event_data(events.DECISION_RECORDED, level=3, decision="approve")
    completed = sample_event_data(events.APPROVAL_COMPLETED, level=3, outcome="approved")
    assert grouping_keys("e1", events.DECISION_RECORDED, decision) == (f"{at}:decision:3:ministry.1",)
    assert grouping_keys("e2", events.APPROVAL_COMPLETED, completed) == (f"{at}:decision:3:ministry.1", f"{at}:end")
    assert grouping_keys("e3", events.PLAN_APPROVED, sample_event_data(events.PLAN_APPROVED)) == (f"{at}:end",)
    # an approval's end that names no decider (an older producer) still meets the number
    assert grouping_keys("e4", events.APPROVAL_COMPLETED, {**completed, "by": ""}) == (f"{at}:end",)
    assert grouping_keys("e5", events.TASK_ASSIGNED, sample_event_data(events.TASK_ASSIGNED)) == ("event:e5",)


def test_the_earlier_item_survives_and_the_mail_plan_follows_the_queue() -> None:
    early = datetime(2024, 1, 17, 8, 0, tzinfo=UTC)
    late = datetime(2024, 1, 17, 8, 1, tzinfo=UTC)
    a = InboxItem("b", "drafter.cb", "p", late, [Mention("e1", events.PLAN_APPROVED, {}, late)])
    b = InboxItem("a", "drafter.cb", "p", early, [Mention("e2", events.DECISION_RECORDED, {}, early)])
    assert survivor([a, b]) is b
    assert plan_mail([], "S").enqueue
    assert plan_mail([MailState(1, "a", True, "old"), MailState(2, "a", True, "older")], "S").rewrite == 2
    assert plan_mail([MailState(1, "a", True, "x"), MailState(2, "a", True, "y")], "S").drop == (1,)
    assert not plan_mail([MailState(1, "a", False, "S")], "S").enqueue
    assert plan_mail([MailState(1, "a", False, "old")], "S").enqueue
