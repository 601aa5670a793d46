"""Test doubles of the outside world for this service's tests: a directory of the
demo realm's people (what Keycloak's Admin API would answer). Not used in production."""

from __future__ import annotations

from collections.abc import Iterable

from servicekit.directory import Person, in_scope


def person(
    username: str,
    last_name: str,
    first_name: str,
    *,
    org_unit: str | None,
    province: str | None = None,
    locale: str = "vi",
    email: str | None = "",
) -> Person:
    return Person(
        id=f"id-{username}",
        username=username,
        email=f"{username}@ttdn.example" if email == "" else email,
        first_name=first_name,
        last_name=last_name,
        org_unit=org_unit,
        province=province,
        locale=locale,
    )


# The Cao Bằng part of the demo realm, plus the ministry; names are Vietnamese as Keycloak holds them.
DEMO_PEOPLE: dict[str, tuple[Person, tuple[str, ...]]] = {
    p.username: (p, roles)
    for p, roles in (
        (person("drafter.cb", "Hoàng Thị", "Lan", org_unit="svhttdl-cao-bang", province="ubnd-cao-bang"), ("drafter",)),
        (
            person(
                "drafter2.cb", "Lương Văn", "Minh", org_unit="svhttdl-cao-bang", province="ubnd-cao-bang", locale="en"
            ),
            ("drafter",),
        ),
        (
            person("dual.cb", "Bế Thị", "Hoa", org_unit="svhttdl-cao-bang", province="ubnd-cao-bang"),
            ("drafter", "dept_approver"),
        ),
        (
            person("dept.cb", "Nông Văn", "Sơn", org_unit="svhttdl-cao-bang", province="ubnd-cao-bang"),
            ("dept_approver",),
        ),
        (
            person("province.cb", "Đàm Quang", "Vinh", org_unit="ubnd-cao-bang", province="ubnd-cao-bang"),
            ("province_approver",),
        ),
        (
            person(
                "drafter.bk", "Hà Thị", "Thu", org_unit="svhttdl-thai-nguyen-2025", province="ubnd-thai-nguyen-2025"
            ),
            ("drafter",),
        ),
        (person("ministry.1", "Trần Đức", "Thắng", org_unit="cuc-ttcs-ttdn"), ("ministry_approver",)),
        (
            person("ministry.2", "Phạm Thu", "Trang", org_unit="cuc-ttcs-ttdn", locale="en"),
            ("ministry_approver",),
        ),
        # A reader Keycloak holds no address for: inbox only, no mail.
        (
            person(
                "province.qb",
                "Lê Văn",
                "Hùng",
                org_unit="ubnd-quang-tri-2025",
                province="ubnd-quang-tri-2025",
                email=None,
            ),
            ("province_approver",),
        ),
    )
}


class FakeDirectory:
    """Answers like servicekit.directory.Directory, from a fixed list of people."""

    def __init__(self, people: Iterable[tuple[Person, tuple[str, ...]]] | None = None) -> None:
        entries = list(people) if people is not None else list(DEMO_PEOPLE.values())
        self._people = {p.username: (p, roles) for p, roles in entries}
        self.lookups: list[str] = []

    def person(self, username: str) -> Person | None:
        self.lookups.append(username)
        entry = self._people.get(username)
        return entry[0] if entry else None

    def role_members(self, role: str) -> list[Person]:
        return [p for p, roles in self._people.values() if role in roles]

    def people_of_unit(self, org_unit: str, role: str) -> list[Person]:
        return [p for p in self.role_members(role) if p.org_unit == org_unit]

    def eligible(self, role: str, scope: str, *, org_unit: str | None, province: str | None) -> list[Person]:
        return [p for p in self.role_members(role) if in_scope(p, scope, org_unit=org_unit, province=province)]


# -- sample events of docs/events.md, about a real plan of the seeds (Cao Bằng, 2024)
CAO_BANG_PLAN = {
    "plan_id": "5f0c8a1e-2b7d-4c55-9a7e-0d3c2f6b8a11",
    "version": 1,
    "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2024",
    "org_unit": "svhttdl-cao-bang",
    "province": "ubnd-cao-bang",
    "year": 2024,
}
# The year-end report on that plan: the plan fields describe the report (plan_id is its id).
CAO_BANG_REPORT_ID = "8e2a4c6b-1f3d-4b5a-9c7e-2d4f6a8b0c35"
CAO_BANG_REPORT = {
    "plan_id": CAO_BANG_REPORT_ID,
    "version": 1,
    "title": "Báo cáo tổng kết công tác thông tin đối ngoại năm 2024",
    "org_unit": CAO_BANG_PLAN["org_unit"],
    "province": CAO_BANG_PLAN["province"],
    "year": 2024,
    "subject": {"kind": "report", "id": CAO_BANG_REPORT_ID, "version": 1, "content_sha256": "7c1e5a9d" * 8},
    "report_id": CAO_BANG_REPORT_ID,
    "report_kind": "annual",
    "plan_ref": CAO_BANG_PLAN["plan_id"],
    "plan_ref_version": 1,
    "plan_ref_number": "15/KH-UBND",
    "period_start": "2023-12-15",
    "period_end": "2024-12-14",
}
LEVEL_NAMES = {
    1: {"vi": "Sở Thông tin và Truyền thông", "en": "department"},
    2: {"vi": "UBND tỉnh", "en": "provincial committee"},
    3: {"vi": "Bộ Văn hóa, Thể thao và Du lịch", "en": "ministry"},
}
LEVEL_ROLES = {
    1: ("dept_approver", "org_unit"),
    2: ("province_approver", "province"),
    3: ("ministry_approver", "national"),
}


def sample_event_data(name: str, *, level: int = 1, report: bool = False, **overrides: object) -> dict:
    """The ``data`` of one event of ``name`` (short name) about the Cao Bằng plan; a ``report.*``
    event, or any event with ``report=True``, is about the year-end report on it."""
    role, scope = LEVEL_ROLES[level]
    task = {
        "approval_id": "a7f3e2d1-0000-4000-8000-000000000001",
        "task_id": f"t-{level}",
        "level": level,
        "level_name": LEVEL_NAMES[level],
    }
    assignees = {1: ["dept.cb"], 2: ["province.cb"], 3: ["ministry.1", "ministry.2"]}[level]
    approver = assignees[0]
    by_name: dict[str, dict] = {
        "plan.submitted": {
            "content_sha256": "9d5e3f0b" * 8,
            "plan_type": "annual",
            "submitted_by": "drafter.cb",
            "created_by": "drafter.cb",
            "edited_by": ["drafter.cb", "dual.cb"],
            "drafters": [],
            "submitted_at": "2024-01-15T02:30:00Z",
        },
        "plan.withdrawn": {"by": "drafter.cb", "withdrawn_at": "2024-01-16T03:00:00Z"},
        "plan.approved": {"document_number": "15/KH-UBND", "issued_on": "2024-02-08", "issuer": "ubnd-cao-bang"},
        "approval.task_assigned": {
            **task,
            "role": role,
            "scope": scope,
            "due_at": "2024-01-18T10:00:00Z",
            "assignees": assignees,
        },
        "approval.task_reminder": {
            **task,
            "role": role,
            "scope": scope,
            "due_at": "2024-01-18T10:00:00Z",
            "assignees": assignees,
        },
        "approval.task_overdue": {
            **task,
            "role": role,
            "scope": scope,
            "due_at": "2024-01-18T10:00:00Z",
            "assignees": assignees,
        },
        "approval.task_delegated": {
            **task,
            "from": approver,
            "to": assignees[-1] if len(assignees) > 1 else "dual.cb",
            "comment": "Đồng chí xem xét giúp, tôi đi công tác biên giới.",
            "due_at": "2024-01-18T10:00:00Z",
        },
        "approval.decision_recorded": {
            **task,
            "decision": "return",
            "comment": "Đề nghị bổ sung kinh phí cho lớp tập huấn nghiệp vụ tại khu vực biên giới.",
            "by": approver,
            "decided_at": "2024-01-17T08:00:00Z",
            "content_sha256": "9d5e3f0b" * 8,
            "signature": "c0ffee" * 10,
        },
        "approval.completed": {
            "approval_id": task["approval_id"],
            "outcome": "returned",
            "level": level,
            "level_name": LEVEL_NAMES[level],
            "comment": "Đề nghị bổ sung kinh phí cho lớp tập huấn nghiệp vụ tại khu vực biên giới.",
            "by": approver,
        },
    }
    by_name["report.submitted"] = {**by_name["plan.submitted"], "submitted_at": "2024-12-16T02:00:00Z"}
    by_name["report.withdrawn"] = {"by": "drafter.cb", "withdrawn_at": "2024-12-16T03:00:00Z"}
    by_name["report.approved"] = {"document_number": "112/BC-UBND", "issued_on": "2024-12-20", "issuer": "CB-UBND"}
    by_name["report.received"] = {
        "document_number": "112/BC-UBND",
        "received_by": "ministry.1",
        "received_at": "2024-12-23T02:00:00Z",
        "note": "Đã tiếp nhận, tổng hợp vào báo cáo chung toàn quốc.",
    }
    document = CAO_BANG_REPORT if report or name.startswith("report.") else CAO_BANG_PLAN
    return {**document, **by_name[name], **overrides}
