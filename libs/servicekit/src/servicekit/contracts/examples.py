"""One example of every event type, for the AsyncAPI document and the contract's
tests: Cao Bằng's 2024 TTĐN plan going through its three levels."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from . import events

_PLAN: dict[str, Any] = {
    "plan_id": "5d1c8f0e-2b7a-4c39-9a61-0f3e4b2d7c18",
    "version": 1,
    "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2024",
    "org_unit": "svhttdl-cao-bang",
    "province": "ubnd-cao-bang",
    "year": 2024,
}
# Cao Bằng's 2024 year-end report on that plan: the plan fields describe the report.
_REPORT_ID = "9a2e4c6b-8d1f-4b3a-a5c7-e9f1b3d5a7c9"
_REPORT: dict[str, Any] = {
    **_PLAN,
    "plan_id": _REPORT_ID,
    "title": "Báo cáo kết quả công tác thông tin đối ngoại năm 2024",
    "subject": events.Subject(kind="report", id=_REPORT_ID, version=1, content_sha256="7c1e" + "0" * 60),
    "report_id": _REPORT_ID,
    "report_kind": "annual",
    "plan_ref": _PLAN["plan_id"],
    "plan_ref_version": 1,
    "plan_ref_number": "15/KH-UBND",
    "period_start": date(2023, 12, 15),
    "period_end": date(2024, 12, 14),
}
_APPROVAL: dict[str, Any] = {**_PLAN, "approval_id": "a7f3e2d1-6c4b-4e2a-8d9f-3b1c0e5a7f42"}
_TASK: dict[str, Any] = {**_APPROVAL, "task_id": "c2e4a6b8-1d3f-4a5c-9e7b-2f4d6a8c0e13", "level": 1}
# Thái Nguyên's department of culture after the 1 July 2025 merger, as the registry describes it.
_SEEDED = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
_THAI_NGUYEN_DEPARTMENT: dict[str, Any] = {
    "organisation_id": "svhttdl-thai-nguyen-2025",
    "changed_at": _SEEDED,
    "changed_by": "seed",
    "kind": "state",
    "names": (
        events.OrganisationName(
            full="Sở Văn hóa, Thể thao và Du lịch tỉnh Thái Nguyên",
            short="Sở VHTTDL Thái Nguyên",
            abbreviation="SVHTTDL",
        ),
    ),
    "levels": (events.DatedId(value="department"),),
    "parents": (events.DatedId(value="ubnd-thai-nguyen-2025"),),
    "valid_from": date(2025, 7, 1),
}
_DEPARTMENT = {"vi": "Lãnh đạo Sở", "en": "Department leadership"}
_MINISTRY = {"vi": "Bộ Văn hóa, Thể thao và Du lịch", "en": "Ministry of Culture, Sports and Tourism"}
_SHA = "3b9f0c5e8d2a4f1b7c6e9a0d3f5b8c1e4a7d0f2b5c8e1a4d7f0b3c6e9a2d5f8b"
_DUE = datetime(2024, 3, 7, 10, 0, tzinfo=UTC)
# What the department's approvers are told of their task, in every task event that names them.
_OFFERED: dict[str, Any] = {
    **_TASK,
    "level_name": _DEPARTMENT,
    "role": "dept_approver",
    "scope": "org_unit",
    "due_at": _DUE,
    "assignees": ("dept.cb",),
}

_CALL: dict[str, Any] = {
    "call_id": "9a4e1c7b-3d2f-4b8a-a6c1-5e0f2d9b7c31",
    "reference": "3616/BTTTT-TTĐN",
    "issued_on": date(2023, 10, 6),
    "issuer": "bo-tttt",
    "issuer_name": "Bộ Thông tin và Truyền thông",
}
_CAO_BANG = events.AddressedProvince(id="ubnd-cao-bang", code="CB", name="Cao Bằng")

EXAMPLES: dict[str, events.Payload] = {
    example.name: example
    for example in (
        events.PlanSubmitted(
            **_PLAN,
            content_sha256=_SHA,
            plan_type="annual",
            submitted_by="drafter.cb",
            created_by="drafter.cb",
            edited_by=("drafter.cb",),
            drafters=("drafter.cb", "drafter2.cb"),
            submitted_at=datetime(2024, 3, 4, 1, 0, tzinfo=UTC),
            submitters=("drafter.cb",),
            call_id=_CALL["call_id"],
            total_budget_vnd=150_000_000,
            budgets={"press": 150_000_000},
            indicators=(
                events.IndicatorFigure(code="HOP-BAO", name="Họp báo định kỳ", unit="cuộc", category="press", value=4),
            ),
        ),
        events.PlanWithdrawalRequested(
            **_PLAN,
            request_id="e3b1c9d7-5a2f-4c8e-b6d0-1f7a9c3e5b24",
            by="drafter.cb",
            requested_at=datetime(2024, 3, 4, 2, 30, tzinfo=UTC),
            seen_decisions=0,
        ),
        events.PlanWithdrawn(**_PLAN, by="drafter.cb", withdrawn_at=datetime(2024, 3, 4, 2, 30, tzinfo=UTC)),
        events.PlanApproved(**_PLAN, document_number="15/KH-UBND", issued_on=date(2024, 3, 20), issuer="ubnd-cao-bang"),
        events.ReportSubmitted(
            **_REPORT,
            content_sha256="7c1e" + "0" * 60,
            plan_type="annual",
            submitted_by="drafter.cb",
            created_by="drafter.cb",
            edited_by=("drafter.cb",),
            drafters=("drafter.cb", "drafter2.cb"),
            submitted_at=datetime(2024, 12, 16, 2, 0, tzinfo=UTC),
            submitters=("drafter.cb",),
        ),
        events.ReportWithdrawalRequested(
            **_REPORT,
            request_id="f4c2d0e8-6b3a-4d9f-c7e1-2a8b0d4f6c35",
            by="drafter.cb",
            requested_at=datetime(2024, 12, 16, 3, 0, tzinfo=UTC),
            seen_decisions=0,
        ),
        events.ReportWithdrawn(**_REPORT, by="drafter.cb", withdrawn_at=datetime(2024, 12, 16, 3, 0, tzinfo=UTC)),
        events.ReportApproved(
            **_REPORT, document_number="07/BC-UBND", issued_on=date(2024, 12, 20), issuer="ubnd-cao-bang"
        ),
        events.ReportReceived(
            **_REPORT,
            document_number="07/BC-UBND",
            received_by="ministry.1",
            received_at=datetime(2024, 12, 23, 8, 0, tzinfo=UTC),
            note="Đã nhận báo cáo.",
        ),
        events.TaskAssigned(**_OFFERED, required_approvals=1),
        events.TaskDelegated(
            **_TASK,
            level_name=_DEPARTMENT,
            from_user="dept.cb",
            to_user="dual.cb",
            comment="Đồng chí Phó Giám đốc xem xét thay.",
            due_at=_DUE,
            kind="manual",
            delegated_at=datetime(2024, 3, 4, 9, 30, tzinfo=UTC),
        ),
        events.DecisionRecorded(
            **_TASK,
            level_name=_DEPARTMENT,
            decision="return",
            comment="Bổ sung chỉ tiêu cho hoạt động tập huấn nghiệp vụ.",
            by="dept.cb",
            decided_at=datetime(2024, 3, 5, 3, 15, tzinfo=UTC),
            content_sha256=_SHA,
            signature="9e1d4b7a0c3f6e2d5a8b1c4f7e0a3d6b9c2f5e8a1d4b7c0e3f6a9d2b5c8e1f4a",
        ),
        events.ApprovalCompleted(
            **_APPROVAL,
            outcome="approved",
            level=3,
            level_name=_MINISTRY,
            comment="",
            by="ministry.1",
            chain_key="ttdn-plan",
            chain_version=1,
        ),
        events.WithdrawalAnswered(
            **_APPROVAL,
            request_id="e3b1c9d7-5a2f-4c8e-b6d0-1f7a9c3e5b24",
            accepted=True,
            reason="",
            by="drafter.cb",
        ),
        events.TaskReminder(**_OFFERED),
        events.TaskOverdue(**_OFFERED),
        events.CallIssued(
            **_CALL,
            plan_year=2024,
            plan_due=date(2024, 1, 31),
            report_year=2023,
            report_due=date(2023, 12, 20),
            priorities="Tập trung thông tin về kỷ niệm các ngày lễ lớn của đất nước.",
            provinces=(_CAO_BANG,),
            by="ministry.1",
            issued_at=datetime(2023, 10, 6, 2, 0, tzinfo=UTC),
        ),
        events.CallReminder(
            **_CALL, province=_CAO_BANG, document="plan", year=2024, due_on=date(2024, 1, 31), working_days_left=3
        ),
        events.OrganisationCreated(**_THAI_NGUYEN_DEPARTMENT, version=412),
        events.OrganisationChanged(**{**_THAI_NGUYEN_DEPARTMENT, "changed_by": "admin"}, version=530),
        events.OrganisationSucceeded(
            organisation_id="svhttdl-bac-kan",
            version=471,
            changed_at=_SEEDED,
            changed_by="seed",
            successions=(
                events.SuccessionFact(
                    predecessor="svhttdl-bac-kan",
                    successor="svhttdl-thai-nguyen-2025",
                    reason="merger",
                    day=date(2025, 7, 1),
                    act="Nghị quyết 202/2025/QH15",
                ),
            ),
        ),
    )
}
