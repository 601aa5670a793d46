"""Reports reach people as plans do: report events and the approval events of a report's
approval become inbox messages and mail in each reader's language, worded for a report and
linking to the report's page; integrators subscribe to the report types like any other."""

from __future__ import annotations

import json

from notifications.adapters.templates import DigestEntry, TemplateRenderer
from notifications.domain import commands, events
from notifications.service_layer.handlers import IncomingEvent
from notifications.testing import CAO_BANG_REPORT, CAO_BANG_REPORT_ID, sample_event_data

REPORT_LINK = f"https://ttdn.caobang.gov.vn/reports/{CAO_BANG_REPORT_ID}"
REPORT_TITLE = "Báo cáo tổng kết công tác thông tin đối ngoại năm 2024"


def incoming(name: str, event_id: str | None = None, **overrides: object) -> IncomingEvent:
    data = sample_event_data(name, **overrides)
    event_id = event_id or f"evt-{name}"
    body = {"specversion": "1.0", "id": event_id, "type": f"vn.ttdn.{name}", "data": data}
    return IncomingEvent(id=event_id, name=name, data=data, json=json.dumps(body, ensure_ascii=False))


def by_reader(uow) -> dict:  # type: ignore[no-untyped-def]
    return {notice.recipient: notice for notice in uow.notifications.items}


def test_a_report_submission_tells_the_co_drafters_and_remembers_the_audience(uow, bus) -> None:  # type: ignore[no-untyped-def]
    bus.handle(incoming(events.REPORT_SUBMITTED), uow)
    assert uow.audiences.get(CAO_BANG_REPORT_ID).drafters == ["drafter.cb", "dual.cb"]
    readers = by_reader(uow)
    assert sorted(readers) == ["drafter2.cb", "dual.cb"]  # never drafter.cb, who submitted it
    assert readers["dual.cb"].subject == f"Báo cáo đã được trình phê duyệt: {REPORT_TITLE}"
    assert readers["dual.cb"].body.startswith(
        f"Hoàng Thị Lan đã trình báo cáo “{REPORT_TITLE}” (svhttdl-cao-bang, năm 2024)"
    )
    assert readers["drafter2.cb"].subject == f"Report submitted for approval: {REPORT_TITLE}"  # locale en
    assert readers["dual.cb"].link == REPORT_LINK and readers["dual.cb"].plan_id == CAO_BANG_REPORT_ID


def test_a_decision_on_a_report_is_worded_for_a_report_and_links_to_its_page(uow, bus) -> None:  # type: ignore[no-untyped-def]
    bus.handle(incoming(events.REPORT_SUBMITTED), uow)
    uow.notifications.items.clear()
    bus.handle(incoming(events.DECISION_RECORDED, report=True), uow)
    readers = by_reader(uow)
    assert sorted(readers) == ["drafter.cb", "drafter2.cb", "dual.cb"]
    vi, en = readers["drafter.cb"], readers["drafter2.cb"]
    assert vi.subject == f"Sở Thông tin và Truyền thông trả lại để chỉnh sửa báo cáo: {REPORT_TITLE}"
    assert f"Nông Văn Sơn (Sở Thông tin và Truyền thông) đã trả lại để chỉnh sửa báo cáo “{REPORT_TITLE}”" in vi.body
    assert vi.link == REPORT_LINK and vi.link_text == "Xem báo cáo" and REPORT_LINK not in vi.body
    assert en.subject == f"Department returned the report for revision: {REPORT_TITLE}"
    assert en.link == REPORT_LINK and en.link_text == "Open the report" and REPORT_LINK not in en.body
    assert "kế hoạch" not in vi.body.lower() and "plan" not in en.body.lower()


def test_a_task_on_a_report_reaches_its_assignees_as_a_report(uow, bus) -> None:  # type: ignore[no-untyped-def]
    bus.handle(incoming(events.TASK_ASSIGNED, level=2, report=True), uow)
    (notice,) = uow.notifications.items
    assert notice.recipient == "province.cb"
    assert notice.subject == f"Báo cáo chờ phê duyệt (UBND tỉnh): {REPORT_TITLE}"
    # A message about a task opens its decision page (which shows the report).
    assert notice.link == "https://ttdn.caobang.gov.vn/approvals/a7f3e2d1-0000-4000-8000-000000000001?task=t-2"


def test_the_end_of_a_reports_approval_its_number_and_its_receipt_reach_the_drafters(uow, bus) -> None:  # type: ignore[no-untyped-def]
    bus.handle(incoming(events.APPROVAL_COMPLETED, level=2, report=True, outcome="approved", comment=""), uow)
    assert by_reader(uow)["drafter.cb"].subject == f"Báo cáo đã được phê duyệt: {REPORT_TITLE}"
    assert by_reader(uow)["drafter2.cb"].subject == f"Report approved: {REPORT_TITLE}"
    uow.notifications.items.clear()

    bus.handle(incoming(events.REPORT_APPROVED), uow)
    vi, en = by_reader(uow)["drafter.cb"], by_reader(uow)["drafter2.cb"]
    assert vi.subject == f"Báo cáo đã được cấp số 112/BC-UBND: {REPORT_TITLE}"
    assert "đã được ban hành với số 112/BC-UBND ngày 20/12/2024" in vi.body
    assert en.subject == f"Report issued as No. 112/BC-UBND: {REPORT_TITLE}" and "on 20 December 2024" in en.body
    uow.notifications.items.clear()

    bus.handle(incoming(events.REPORT_RECEIVED), uow)
    readers = by_reader(uow)
    assert "ministry.1" not in readers  # the official who recorded the receipt is not told of it
    vi, en = readers["drafter.cb"], readers["drafter2.cb"]
    assert vi.subject == f"Bộ đã tiếp nhận báo cáo số 112/BC-UBND: {REPORT_TITLE}"
    assert "đã được Bộ tiếp nhận lúc 09:00 ngày 23/12/2024 (Trần Đức Thắng)." in vi.body
    assert "Ý kiến: Đã tiếp nhận, tổng hợp vào báo cáo chung toàn quốc." in vi.body
    assert en.subject == f"The ministry received the report No. 112/BC-UBND: {REPORT_TITLE}"
    assert "on 23 December 2024, 09:00 (UTC+7) (Trần Đức Thắng)." in en.body
    assert vi.link == en.link == REPORT_LINK


def test_a_report_withdrawn_tells_the_other_drafters(uow, bus) -> None:  # type: ignore[no-untyped-def]
    bus.handle(incoming(events.REPORT_WITHDRAWN), uow)
    readers = by_reader(uow)
    assert sorted(readers) == ["drafter2.cb", "dual.cb"]
    assert readers["dual.cb"].subject == f"Báo cáo đã được rút lại: {REPORT_TITLE}"
    assert readers["drafter2.cb"].body.startswith(
        f"The report “{REPORT_TITLE}” (svhttdl-cao-bang, 2024) was withdrawn by Hoàng Thị Lan"
    )


def test_webhook_subscriptions_filter_on_the_report_types(uow, bus) -> None:  # type: ignore[no-untyped-def]
    owner = "svc-e-office-cb"
    reports = bus.handle(
        commands.CreateSubscription(owner, "https://egov.caobang.gov.vn/hooks", ("vn.ttdn.report.received",)), uow
    )
    plans = bus.handle(
        commands.CreateSubscription(owner, "https://egov.caobang.gov.vn/plans", ("vn.ttdn.plan.approved",)), uow
    )
    assert reports.event_types == ("report.received",)
    bus.handle(incoming(events.REPORT_RECEIVED, event_id="evt-received"), uow)
    bus.handle(incoming(events.PLAN_APPROVED, event_id="evt-plan"), uow)
    assert set(uow.deliveries.rows) == {(reports.id, "evt-received"), (plans.id, "evt-plan")}
    payload = json.loads(uow.deliveries.rows[(reports.id, "evt-received")]["payload"])
    # the receiver's CloudEvent carries the report in the plan fields and as its subject
    assert payload["data"]["plan_id"] == CAO_BANG_REPORT["plan_id"] and payload["data"]["subject"]["kind"] == "report"


def test_a_digest_links_each_notice_with_the_words_of_its_kind() -> None:
    renderer = TemplateRenderer()
    plan_link = "https://ttdn.caobang.gov.vn/plans/5f0c8a1e-2b7d-4c55-9a7e-0d3c2f6b8a11"
    entries = [
        DigestEntry("Báo cáo chờ phê duyệt", "Báo cáo …\n\nXem báo cáo: " + REPORT_LINK, REPORT_LINK),
        DigestEntry("Kế hoạch chờ phê duyệt", "Kế hoạch …\n\nXem kế hoạch: " + plan_link, plan_link),
    ]
    vi = renderer.render_digest("vi", "Hoàng Thị Lan", entries)
    en = renderer.render_digest("en", "Lương Văn Minh", entries)
    assert (
        f'<a href="{REPORT_LINK}">Xem báo cáo</a>' in vi.html and f'<a href="{plan_link}">Xem kế hoạch</a>' in vi.html
    )
    assert (
        f'<a href="{REPORT_LINK}">Open the report</a>' in en.html
        and f'<a href="{plan_link}">Open the plan</a>' in en.html
    )
