"""The ministry's year, end to end on the shared suite: the ministry issues a call, the addressed
provinces are told, two provinces answer — one on time, one late (its plans service runs on a
clock twenty days ahead when it submits) — and the overview and its workbook show exactly that."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from openpyxl import load_workbook
from servicekit.calendar import WorkingCalendar

from infra.local.sample_plans import CAO_BANG_2024, LANG_SON_2018
from tests.support.journeys import Person, eventually, plan_body
from tests.support.orgs import province_of
from tests.support.stack import Stack

YEAR = 2019  # a year no other scenario plans for, before the 2025 merger (both provinces exist)
VIETNAM = WorkingCalendar().timezone
TWENTY_DAYS = 20 * 24 * 3600


def body_for(template: dict[str, Any]) -> dict[str, Any]:
    unit = template["org_unit"]
    activity = {
        "title": "Họp báo định kỳ cung cấp thông tin cho báo chí",
        "category": "press",
        "lead_unit": unit,
        "quarter": 2,
        "budget_vnd": 100_000_000,
        "indicators": [
            {"code": "press.conferences", "name": "Họp báo", "unit": "cuộc", "target": 4},
            {"name": "Tọa đàm với phóng viên", "unit": "cuộc", "target": 1},
        ],
    }
    return plan_body(
        template,
        title=f"Kế hoạch thông tin đối ngoại năm {YEAR} ({uuid.uuid4().hex[:6]})",
        year=YEAR,
        activities=[activity],
    )


def wait_until_serving(person: Person) -> None:
    def probe() -> bool | None:
        try:
            return person.get("/plans?limit=1").status_code == 200 or None
        except requests.RequestException:
            return None

    eventually(probe, timeout=60, what="the plans service to serve again")


def test_the_ministry_issues_a_call_and_sees_who_answered_late(
    stack: Stack, people: dict[str, Person], integrator: Person
) -> None:
    # two provinces the 2025 merger left as they were: both are listed in that year
    ministry, on_time, late = people["ministry.1"], people["drafter.cb"], people["drafter.ls"]
    cb, ls = province_of("drafter.cb"), province_of("drafter.ls")
    today = datetime.now(UTC).astimezone(VIETNAM).date()
    due = today + timedelta(days=10)

    # a province's drafter may not issue a call
    letter = {
        "reference": f"{uuid.uuid4().int % 9000 + 1000}/BVHTTDL-TTCS",
        "issued_on": f"{YEAR - 1}-10-06",
        "plan_year": YEAR,
        "plan_due": due.isoformat(),
        "priorities": "Thông tin về các ngày lễ lớn; quảng bá du lịch biên giới.",
        "provinces": [cb, ls],
    }
    assert on_time.post("/calls", json=letter).status_code == 403
    issued = ministry.post("/calls", json=letter)
    assert issued.status_code == 201, issued.text
    call = issued.json()
    assert {p["id"] for p in call["provinces"]} == {cb, ls}
    names = {p["id"]: p["name"] for p in call["provinces"]}

    # the addressed provinces' drafters are told
    told = on_time.wait_for_message(
        lambda m: m["event_type"] == "call.issued" and letter["reference"] in m["body"], "the call"
    )
    assert told["link"].endswith(f"/calls/{call['id']}")

    # Cao Bằng answers now, on time, and its plan goes through its three levels
    plan = on_time.create_plan(body_for(CAO_BANG_2024))
    on_time.submit(plan["id"])
    people["dept.cb"].approve_level(plan["id"], level=1)
    people["province.cb"].approve_level(plan["id"], level=2)
    ministry.approve_level(plan["id"], level=3)
    approved = on_time.wait_for_status(plan["id"], "approved")

    # Bắc Kạn answers twenty days from now: after the due date
    stack.restart_process("plans", {"CLOCK_OFFSET_SECONDS": str(TWENTY_DAYS)})
    try:
        wait_until_serving(late)
        late_plan = late.create_plan(body_for(LANG_SON_2018))
        late.submit(late_plan["id"])
    finally:
        stack.restart_process("plans", {})
        wait_until_serving(late)
    submitted_on = (datetime.now(UTC) + timedelta(seconds=TWENTY_DAYS)).astimezone(VIETNAM).date()
    calendar = WorkingCalendar()
    expected_late = sum(
        1 for n in range(1, (submitted_on - due).days + 1) if calendar.is_working_day(due + timedelta(days=n))
    )

    def overview() -> dict[str, Any] | None:
        answer = ministry.get(f"/overview?year={YEAR}")
        assert answer.status_code == 200, answer.text
        data = answer.json()
        rows = {row["province"]["id"]: row for row in data["provinces"]}
        ready = rows[cb]["plan"]["status"] == "approved" and rows[ls]["plan"]["status"] == "submitted"
        return data if ready and rows[ls]["plan"].get("level") else None

    data = eventually(overview, timeout=60, what="the overview to show both answers")
    rows = {row["province"]["id"]: row for row in data["provinces"]}
    assert len(data["provinces"]) == 63  # the provinces as they were in that year
    expected = {
        "status": "approved",
        "late": False,
        "document_number": approved["document_number"],
        "call_id": call["id"],
    }
    assert {key: rows[cb]["plan"][key] for key in expected} == expected
    assert (rows[ls]["plan"]["late"], rows[ls]["plan"]["working_days_late"]) == (True, expected_late)
    assert data["late"] == 1  # exactly one late document in the country: the other provinces are not yet due
    assert rows[cb]["budget_planned_vnd"] == 100_000_000 and rows[ls]["budget_planned_vnd"] == 0
    [total] = [item for item in data["indicators"] if item["code"] == "press.conferences"]
    assert (total["target"], total["actual"]) == (4, 0)
    assert [item["name"] for item in data["uncoded_indicators"]] == ["Tọa đàm với phóng viên"]

    # compliance says the same
    compliance = ministry.get(f"/calls/{call['id']}/compliance").json()
    standing = {row["province"]["id"]: row["documents"][0] for row in compliance["provinces"]}
    assert (standing[cb]["late"], standing[ls]["working_days_late"]) == (False, expected_late)

    # the workbook: exactly that, in Vietnamese, amounts with the thousands separator
    answer = ministry.get(f"/overview.xlsx?year={YEAR}")
    assert answer.status_code == 200
    matrix, indicators = load_workbook(io.BytesIO(answer.content)).worksheets
    assert [cell.value for cell in matrix[1]][:3] == ["Tỉnh, thành phố", "Mã", "Kế hoạch: trạng thái"]
    by_code = {row[1].value: row for row in matrix.iter_rows(min_row=2)}  # the province's registry id
    assert (by_code[cb][2].value, by_code[cb][3].value, by_code[cb][6].value) == (
        "Đã ban hành",
        approved["document_number"],
        0,
    )
    assert by_code[ls][2].value.startswith("Đã trình") and by_code[ls][6].value == expected_late
    assert [row[0] for row in matrix.iter_rows(min_row=2) if row[6].value] == [by_code[ls][0]]
    assert by_code[cb][12].value == 100_000_000 and by_code[cb][12].number_format == "#,##0"
    assert any(row[0].value == "press.conferences" and row[3].value == 4 for row in indicators.iter_rows(min_row=2))

    # a province's drafter sees their own province only; integrators read the country
    assert on_time.get(f"/overview?year={YEAR}&province={ls}").status_code == 404
    mine = on_time.get(f"/overview?year={YEAR}").json()
    assert [row["province"]["id"] for row in mine["provinces"]] == [cb]
    assert by_code[cb][0].value == names[cb]
    assert integrator.get(f"/overview?year={YEAR}").status_code == 200
