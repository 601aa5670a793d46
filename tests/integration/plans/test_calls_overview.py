"""The ministry's calls and the national overview on real PostgreSQL: issuing a call (who may, what
is refused), a plan linked to the call it answers, compliance, and the overview read model built
from events — the same result whether the events come in order, shuffled or twice."""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from plans.adapters.orm import Inbox, Outbox, OverviewDocumentRow
from plans.bootstrap import bootstrap
from plans.config import PlansSettings
from plans.domain import commands
from plans.domain.provinces import seeded
from plans.entrypoints.consumer import OVERVIEW_QUEUE, build_consumer
from servicekit.contracts import events as contract
from servicekit.db import Database
from servicekit.events import Event, new_event
from sqlalchemy import delete, select

from infra.local.sample_plans import CAO_BANG_2024, LANG_SON_2018, drafter_of
from tests.support.journeys import plan_body

YEAR = CAO_BANG_2024["year"]
CB_UNIT = CAO_BANG_2024["org_unit"]
LS_UNIT = LANG_SON_2018["org_unit"]
ISSUED_ON = date(YEAR - 1, 10, 6)
DUE = date(YEAR - 1, 12, 20)  # a Wednesday
# Two provinces the 2025 merger left as they were, so they are listed in every year
CB, LS = (next(p for p in seeded().on(ISSUED_ON) if p.id == drafter_of(unit).province) for unit in (CB_UNIT, LS_UNIT))


def call_body(**changes: Any) -> dict[str, Any]:
    body = {
        "reference": f"{random.randint(1000, 9999)}/BTTTT-TTĐN",
        "issued_on": ISSUED_ON.isoformat(),
        "plan_year": YEAR,
        "plan_due": DUE.isoformat(),
        "priorities": "Thông tin về kỷ niệm các ngày lễ lớn.",
        "provinces": [CB.id, LS.id],
    }
    body.update(changes)
    return body


@pytest.fixture(scope="module")
def world(settings: PlansSettings):  # type: ignore[no-untyped-def]
    db = Database(settings.database_url)
    clock = {"now": datetime(YEAR - 1, 12, 18, 3, 0, tzinfo=UTC)}
    bus = bootstrap(settings, db=db, clock=lambda: clock["now"])
    yield db, bus, clock
    db.dispose()


def test_only_the_ministry_issues_a_call_and_bad_letters_are_refused_naming_every_field(client, tokens) -> None:  # type: ignore[no-untyped-def]
    refused = client.post("/calls", json=call_body(), headers=tokens("drafter.cb"))
    assert refused.status_code == 403

    bad = call_body(
        plan_due=(ISSUED_ON - timedelta(days=1)).isoformat(),
        report_year=YEAR - 1,
        report_due=(ISSUED_ON - timedelta(days=3)).isoformat(),
        provinces=[CB.id, "ubnd-atlantis"],
    )
    answer = client.post("/calls", json=bad, headers={**tokens("ministry.1"), "Accept-Language": "vi"})
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    problem = answer.get_json()
    assert {v["field"] for v in problem["violations"]} == {"plan_due", "report_due", "provinces.1"}
    assert "trước ngày ban hành công văn" in json.dumps(problem, ensure_ascii=False)
    listed = client.get("/calls", headers=tokens("ministry.1")).get_json()["items"]
    assert not any(call["reference"] == bad["reference"] for call in listed)  # nothing written


def test_a_call_addresses_every_province_in_force_on_its_date_by_default(client, tokens) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/calls",
        json=call_body(provinces=None, plan_year=2026, issued_on="2025-10-06", plan_due="2026-01-31"),
        headers=tokens("ministry.1"),
    )
    assert answer.status_code == 201, answer.get_json()
    call = answer.get_json()
    assert len(call["provinces"]) == 34
    assert (
        call["citation"]
        == f"Thực hiện Công văn số {call['reference']} ngày 06/10/2025 của Bộ Văn hóa, Thể thao và Du lịch"
    )
    old = client.post("/calls", json=call_body(provinces=[]), headers=tokens("ministry.1")).get_json()
    assert len(old["provinces"]) == 63 and old["issuer_name"] == "Bộ Thông tin và Truyền thông"
    # a province's users see the calls addressed to them; another province's call is not found
    assert {call["id"], old["id"]} <= {
        c["id"] for c in client.get("/calls", headers=tokens("drafter.cb")).get_json()["items"]
    }
    only_cb = client.post("/calls", json=call_body(provinces=[CB.id]), headers=tokens("ministry.1")).get_json()
    assert only_cb["id"] not in {
        c["id"] for c in client.get("/calls", headers=tokens("drafter.ls")).get_json()["items"]
    }
    assert client.get(f"/calls/{only_cb['id']}", headers=tokens("drafter.ls")).status_code == 404
    outbox = client.application.extensions["plans_db"]
    with outbox.transaction() as session:
        row = session.scalars(select(Outbox).where(Outbox.aggregate_id == f"calls/{call['id']}")).one()
    assert row.routing_key == "call.issued"
    assert len(json.loads(row.payload)["data"]["provinces"]) == 34


def replay(db: Database, bus, events: list[Event]) -> None:  # type: ignore[no-untyped-def]
    consumer = build_consumer(PlansSettings(), db, bus, OVERVIEW_QUEUE)
    for event in events:
        consumer.process(event.to_json().encode(), {})


def reset(db: Database) -> None:
    with db.transaction() as session:
        session.execute(delete(OverviewDocumentRow))
        session.execute(delete(Inbox).where(Inbox.consumer == OVERVIEW_QUEUE))


def approval(plan_id: str, unit: str, province: str, at: datetime, outcome: str = "approved") -> list[Event]:
    context = {"plan_id": plan_id, "version": 1, "title": "KH", "org_unit": unit, "province": province, "year": YEAR}
    subject = {"kind": "plan", "id": plan_id, "version": 1, "content_sha256": ""}
    approval_id = str(uuid.uuid4())
    found = [
        new_event(
            "approval.task_assigned",
            source="/ttdn/approvals",
            subject=f"plans/{plan_id}",
            data={
                **context,
                "subject": subject,
                "approval_id": approval_id,
                "task_id": str(uuid.uuid4()),
                "level": level,
                "level_name": {"vi": f"Cấp {level}", "en": f"Level {level}"},
                "role": "dept_approver",
                "scope": "org_unit",
                "due_at": (at + timedelta(days=level)).isoformat(),
            },
        )
        for level in (1, 2)
    ]
    found.append(
        new_event(
            "approval.completed",
            source="/ttdn/approvals",
            subject=f"plans/{plan_id}",
            data={**context, "subject": subject, "approval_id": approval_id, "outcome": outcome, "level": 2},
        )
    )
    if outcome == "approved":
        found.append(
            new_event(
                "plan.approved",
                source="/ttdn/plans",
                subject=f"plans/{plan_id}",
                data={
                    **context,
                    "subject": subject,
                    "document_number": "15/KH-UBND",
                    "issued_on": (at + timedelta(days=5)).date().isoformat(),
                    "issuer": "X-UBND",
                },
            )
        )
    return found


def report(province: str, unit: str, plan_id: str, actuals: dict[str, int]) -> list[Event]:
    """A report's events as the contract has them (servicekit.contracts: report.submitted carries the
    actuals in its figures, report.approved its number)."""
    report_id = str(uuid.uuid4())
    context: dict[str, Any] = {
        "report_id": report_id,
        "report_kind": "annual",
        "plan_ref": plan_id,
        "period_start": date(YEAR - 1, 12, 15),
        "period_end": date(YEAR, 12, 14),
        "plan_id": report_id,
        "version": 1,
        "title": "Báo cáo",
        "org_unit": unit,
        "province": province,
        "year": YEAR,
        "subject": contract.Subject(kind="report", id=report_id, version=1),
    }
    indicators = [
        contract.IndicatorFigure(code=code, name=code, unit="cuộc", category="press", value=value)
        for code, value in actuals.items()
    ]
    indicators.append(contract.IndicatorFigure(name="Việc khác", unit="lần", category="press", value=3))
    submitted = contract.ReportSubmitted(
        **context,
        content_sha256="0" * 64,
        plan_type="annual",
        submitted_by="drafter",
        submitted_at=datetime(YEAR, 12, 16, 2, tzinfo=UTC),
        indicators=tuple(indicators),
        total_budget_vnd=90_000_000,
        budgets={"press": 90_000_000},
    )
    approved = contract.ReportApproved(
        **context, document_number="9/BC-UBND", issued_on=date(YEAR, 12, 20), issuer="X-UBND"
    )
    return [
        new_event(payload.name, source="/ttdn/plans", subject=f"plans/{report_id}", data=payload.payload())
        for payload in (submitted, approved)
    ]


def coded_plan(template: dict[str, Any], unit: str, targets: dict[str, int]) -> dict[str, Any]:
    body = plan_body(template, org_unit=unit, title=f"Kế hoạch TTĐN năm {YEAR} {uuid.uuid4().hex[:6]}")
    activity = dict(body["activities"][0], lead_unit=unit, budget_vnd=100_000_000, category="press")
    activity["indicators"] = [
        {"code": code, "name": code, "unit": "cuộc", "target": value} for code, value in targets.items()
    ]
    activity["indicators"].append({"name": "Tọa đàm", "unit": "cuộc", "target": 2})  # free text: listed, not summed
    body["activities"] = [activity]
    return body


def test_the_read_model_is_the_same_from_events_in_order_shuffled_and_redelivered(world, client, tokens) -> None:  # type: ignore[no-untyped-def]
    db, bus, clock = world
    call = bus.handle(
        commands.IssueCall(
            # the latest letter asking for the plan is the one a plan answers: a day after the others
            actor=ministry(),
            body={**call_body(), "issued_on": ISSUED_ON + timedelta(days=1), "plan_due": DUE},
        )
    )
    plan_ids = {}
    for province, unit, when in ((CB, CB_UNIT, DUE - timedelta(days=2)), (LS, LS_UNIT, DUE + timedelta(days=7))):
        clock["now"] = datetime(when.year, when.month, when.day, 3, 0, tzinfo=UTC)
        drafter = drafter_of(unit)
        plan = bus.handle(
            commands.CreatePlan(actor=drafter, content=coded_plan(CAO_BANG_2024, unit, {"press.conferences": 10}))
        )
        bus.handle(commands.SubmitPlan(actor=drafter, plan_id=plan.id))
        plan_ids[province.id] = plan.id
    with db.transaction() as session:
        submitted = [
            Event.from_json(row.payload.encode())
            for row in session.scalars(
                select(Outbox)
                .where(Outbox.aggregate_id.in_([f"calls/{call.id}", *(f"plans/{i}" for i in plan_ids.values())]))
                .order_by(Outbox.seq)
            )
        ]
    assert [e.type for e in submitted] == ["vn.ttdn.call.issued", "vn.ttdn.plan.submitted", "vn.ttdn.plan.submitted"]
    assert [e.data["call_id"] for e in submitted] == [call.id] * 3  # the plans are linked to it automatically
    events = [*submitted]
    for province, unit in ((CB, CB_UNIT), (LS, LS_UNIT)):
        code = province.id
        events += approval(plan_ids[province.id], unit, code, datetime(YEAR, 1, 2, tzinfo=UTC))
    events += report(CB.id, CB_UNIT, plan_ids[CB.id], {"press.conferences": 8})

    def overview() -> dict[str, Any]:
        answer = client.get(f"/overview?year={YEAR}", headers=tokens("ministry.1"))
        assert answer.status_code == 200, answer.get_json()
        data = answer.get_json()
        data.pop("as_of")
        return data

    reset(db)
    replay(db, bus, events)
    in_order = overview()
    reset(db)
    shuffled = events + random.sample(events, len(events) // 2)  # some delivered twice
    random.shuffle(shuffled)
    replay(db, bus, shuffled)
    assert overview() == in_order

    rows = {row["province"]["id"]: row for row in in_order["provinces"]}
    assert len(rows) == 63  # the year before the merger lists the provinces as they were
    cb, ls = rows[CB.id], rows[LS.id]
    assert (cb["plan"]["status"], cb["plan"]["late"]) == ("approved", False)
    assert cb["plan"]["document_number"] == "15/KH-UBND"
    assert (ls["plan"]["status"], ls["plan"]["late"], ls["plan"]["working_days_late"]) == ("approved", True, 5)
    assert cb["report"]["status"] == "approved" and ls["report"]["status"] == "not_started"
    assert cb["budget_planned_vnd"] == 100_000_000 and cb["budget_spent_vnd"] == 90_000_000
    # national completion: Σ actual ÷ Σ target over the provinces that reported (CB: 8 of 10), not of all
    assert in_order["national"]["completion"] == 80.0
    [total] = [t for t in in_order["indicators"] if t["code"] == "press.conferences"]
    assert (total["target"], total["actual"], total["completion"]) == (20, 8, 80.0)
    assert {item["name"] for item in in_order["uncoded_indicators"]} == {"Tọa đàm", "Việc khác"}

    # compliance of the call: Cao Bằng on time, Lạng Sơn five working days late
    compliance = client.get(f"/calls/{call.id}/compliance", headers=tokens("ministry.1")).get_json()
    standing = {row["province"]["id"]: row["documents"][0] for row in compliance["provinces"]}
    assert standing[CB.id]["late"] is False and standing[LS.id]["working_days_late"] == 5

    # a province's users see their province only; another province is not found
    mine = client.get(f"/overview?year={YEAR}", headers=tokens("drafter.cb")).get_json()
    assert [row["province"]["id"] for row in mine["provinces"]] == [CB.id]
    assert client.get(f"/overview?year={YEAR}&province={LS.id}", headers=tokens("drafter.cb")).status_code == 404

    # the workbook: the matrix and the indicator totals, Vietnamese headers, thousands separators
    workbook = load_workbook(io.BytesIO(client.get(f"/overview.xlsx?year={YEAR}", headers=tokens("ministry.1")).data))
    matrix, indicators = workbook.worksheets
    assert matrix["A1"].value == "Tỉnh, thành phố" and indicators["A1"].value == "Mã chỉ tiêu"
    by_name = {row[0].value: row for row in matrix.iter_rows(min_row=2)}
    assert by_name[LS.name][6].value == 5 and by_name[CB.name][6].value == 0
    assert by_name[CB.name][12].value == 100_000_000 and by_name[CB.name][12].number_format == "#,##0"
    csv_text = client.get(f"/overview.csv?year={YEAR}", headers=tokens("ministry.1")).data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(csv_text)))
    assert lines[0][0] == "Tỉnh, thành phố" and len(lines) == 64  # the same rows as the workbook's matrix

    def same(value: object) -> str:  # a number as both files spell it (the workbook stores 80.0 as 80)
        text = "" if value is None else str(value)
        return text.removesuffix(".0")

    assert {tuple(map(same, line)) for line in lines[1:]} == {
        tuple(same(cell.value) for cell in row) for row in matrix.iter_rows(min_row=2)
    }

    # rebuilt from scratch from this service's own records (its outbox: the call and the plans'
    # submissions; the approval facts their timelines recorded, none here): the same lateness
    assert bus.handle(commands.RebuildOverview()) >= 3
    rebuilt = {row["province"]["id"]: row for row in overview()["provinces"]}
    assert (rebuilt[LS.id]["plan"]["status"], rebuilt[LS.id]["plan"]["working_days_late"]) == ("submitted", 5)
    assert rebuilt[CB.id]["plan"]["late"] is False


def ministry():  # type: ignore[no-untyped-def]
    from plans.domain.access import Actor

    return Actor(username="ministry.1", roles=frozenset({"ministry_approver"}), org_unit=None, province="VN")


def test_reminders_go_once_to_the_provinces_that_have_not_submitted(world) -> None:  # type: ignore[no-untyped-def]
    db, bus, clock = world
    year = 2031  # a year no other test of this module plans for
    due = date(2030, 12, 20)  # a Friday
    clock["now"] = datetime(2030, 12, 16, 2, 0, tzinfo=UTC)  # Monday: four working days before
    call = bus.handle(
        commands.IssueCall(
            actor=ministry(),
            body={
                **call_body(provinces=[CB.id, LS.id]),
                "issued_on": date(2030, 10, 6),
                "plan_year": year,
                "plan_due": due,
            },
        )
    )
    drafter = drafter_of(CB_UNIT)
    body = coded_plan(CAO_BANG_2024, CB_UNIT, {"press.conferences": 1})
    body["year"] = year
    body["activities"][0] |= {"start_date": None, "end_date": None, "quarter": 1}
    plan = bus.handle(commands.CreatePlan(actor=drafter, content=body))
    bus.handle(commands.SubmitPlan(actor=drafter, plan_id=plan.id))
    # the overview learns of the submission from its event, as the consumer would apply it
    with db.transaction() as session:
        rows = session.scalars(
            select(Outbox).where(Outbox.aggregate_id.in_([f"plans/{plan.id}", f"calls/{call.id}"])).order_by(Outbox.seq)
        ).all()
        events = [Event.from_json(row.payload.encode()) for row in rows]
    replay(db, bus, events)

    assert bus.handle(commands.RemindCalls()) == 1
    assert bus.handle(commands.RemindCalls()) == 0  # once each
    with db.transaction() as session:
        [reminder] = session.scalars(
            select(Outbox).where(Outbox.aggregate_id == f"calls/{call.id}", Outbox.routing_key == "call.reminder")
        ).all()
    data = json.loads(reminder.payload)["data"]
    assert (data["province"]["id"], data["document"], data["due_on"], data["working_days_left"]) == (
        LS.id,
        "plan",
        "2030-12-20",
        4,
    )
