"""The Cao Bằng department's 2024 TTĐN plan, from draft to its number, as the
people and systems involved meet it (architecture §1, seeds 000)."""

from __future__ import annotations

import re

from standardwebhooks import Webhook

from infra.local.sample_plans import CAO_BANG_2024
from tests.support.journeys import Person, eventually, plan_body
from tests.support.receivers import Mailbox, WebhookReceiver

RETURN_COMMENT = "Đề nghị bổ sung chỉ tiêu số lượt phóng viên nước ngoài và nguồn kinh phí của hoạt động tập huấn."


def test_the_cao_bang_2024_plan_from_draft_to_number(
    people: dict[str, Person],
    integrator: Person,
    webhook_receiver: WebhookReceiver,
    mailbox: tuple[Mailbox, int],
) -> None:
    drafter, dept, province = people["drafter.cb"], people["dept.cb"], people["province.cb"]
    ministry = people["ministry.1"]

    # The provincial e-office subscribes to approved plans of Cao Bằng.
    subscription = integrator.post(
        "/webhooks", json={"url": webhook_receiver.url, "event_types": ["plan.approved"], "province": "ubnd-cao-bang"}
    )
    assert subscription.status_code == 201, subscription.text
    secret = subscription.json()["secret"]

    # The drafter writes the plan and submits it.
    plan = drafter.create_plan(plan_body(CAO_BANG_2024))
    plan_id = plan["id"]
    assert plan["status"] == "draft"
    drafter.submit(plan_id)

    # Department approves; the provincial committee returns it with a comment.
    dept.approve_level(plan_id, level=1, comment="Nội dung phù hợp, trình UBND tỉnh.")
    task = province.wait_for_task(plan_id, level=2)
    returned = province.decide(task["id"], "return", RETURN_COMMENT)
    assert returned.status_code == 201, returned.text
    drafter.wait_for_status(plan_id, "returned")

    # The drafter reads the comment in the inbox, revises and resubmits.
    message = drafter.wait_for_message(
        lambda m: m["plan_id"] == plan_id and RETURN_COMMENT in m["body"], "the return comment"
    )
    assert "Cao Bằng" in message["body"] or "2024" in message["subject"]
    current = drafter.plan(plan_id)
    revised = plan_body(CAO_BANG_2024)
    revised["activities"][0]["indicators"].append(
        {"name": "lượt phóng viên nước ngoài", "unit": "lượt phóng viên", "target": 20}
    )
    response = drafter.put(f"/plans/{plan_id}", json=revised, headers={"If-Match": current["etag"]})
    assert response.status_code == 200, response.text
    drafter.submit(plan_id)

    # All three levels approve the second version.
    dept.approve_level(plan_id, level=1, version=2)
    province.approve_level(plan_id, level=2, version=2, comment="Đồng ý ban hành.")
    ministry.approve_level(plan_id, level=3, version=2, comment="Bộ thống nhất.")
    approved = drafter.wait_for_status(plan_id, "approved")
    assert re.fullmatch(r"\d{2,}/KH-UBND", approved["document_number"]), approved["document_number"]
    assert approved["current_version"] == 2

    # The timeline tells the whole story, in order.
    kinds = [(entry["kind"], entry.get("version"), entry.get("level")) for entry in drafter.timeline(plan_id)]
    story = [kind for kind, _, _ in kinds]
    assert story[0] == "created"
    assert story[-1] == "approved"
    assert story.count("submitted") == 2
    assert story.count("decision") == 5
    assert story.index("returned") < story.index("edited") < len(story) - 1 - story[::-1].index("submitted")
    decisions = [(version, level) for kind, version, level in kinds if kind == "decision"]
    assert decisions == [(1, 1), (1, 2), (2, 1), (2, 2), (2, 3)]

    # Each person's inbox holds what they should.
    def messages(person: Person, kind: str) -> list[dict]:
        return [m for m in person.inbox() if m["plan_id"] == plan_id and m["event_type"] == kind]

    # One item per happening: the final decision, the approval's end and the number are one item,
    # the return (the decision and the approval's end) another; the three other decisions one each.
    final = eventually(
        lambda: [m for m in messages(drafter, "plan.approved") if len(m["event_types"]) == 3],
        what="the drafter's one item of the final approval",
    )
    assert len(final) == 1 and len(messages(drafter, "plan.approved")) == 1
    assert final[0]["event_types"] == ["plan.approved", "approval.completed", "approval.decision_recorded"]
    assert approved["document_number"] in final[0]["body"] and "http" not in final[0]["body"]
    (returned,) = messages(drafter, "approval.completed")
    assert returned["event_types"] == ["approval.completed", "approval.decision_recorded"]
    assert RETURN_COMMENT in returned["body"] and returned["link_text"] == "Xem kế hoạch"
    assert len(messages(drafter, "approval.decision_recorded")) == 3
    assert len(messages(dept, "approval.task_assigned")) == 2
    assert len(messages(province, "approval.task_assigned")) == 2
    assert len(messages(ministry, "approval.task_assigned")) == 1
    assert len(messages(people["ministry.2"], "approval.task_assigned")) == 1
    assert not messages(dept, "approval.decision_recorded")  # nobody hears of their own decision
    assert not messages(people["drafter.bk"], "approval.task_assigned")  # nor of another province's plan

    # ...and so does each mailbox: digests in Vietnamese, the comment included.
    box = mailbox[0]
    drafter_mail = eventually(
        lambda: [m for m in box.to("drafter.cb@") if RETURN_COMMENT in Mailbox.text(m)], what="the drafter's mail"
    )
    assert any(ch in drafter_mail[0]["Subject"] for ch in "Đđếạảậồớờợưựểệịọỏốộởỡụủứừửữỳỵỷỹ"), drafter_mail[0]["Subject"]
    eventually(lambda: box.to("dept.cb@"), what="the department approver's mail")
    eventually(lambda: box.to("ministry.2@"), what="the ministry approver's mail")

    # The integrator's endpoint got a correctly signed plan.approved (after one failed attempt).
    delivery = eventually(
        lambda: next((d for d in webhook_receiver.deliveries if plan_id.encode() in d.body), None),
        what="the plan.approved webhook",
    )
    verified = Webhook(secret).verify(delivery.body, delivery.headers)
    assert verified["type"] == "vn.ttdn.plan.approved"
    assert verified["data"]["document_number"] == approved["document_number"]

    def delivered() -> dict | None:
        page = integrator.get(f"/webhooks/{subscription.json()['id']}/deliveries").json()
        return next((d for d in page["items"] if d["event_id"] == delivery.headers["webhook-id"]), None)

    record = eventually(lambda: (d := delivered()) and d["status"] == "succeeded" and d, what="the delivery log")
    outcomes = [(a["outcome"], a["response_code"]) for a in record["attempt_log"]]
    assert outcomes == [("failed", 503), ("succeeded", 204)], outcomes
