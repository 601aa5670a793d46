"""The national overview at national scale: 34 provinces × 10 years, each with an approved plan and an
approved report of 20 coded indicators, and the ministry's call of each year — seeded through the
suite's own event path (CloudEvents made by the contract classes, published persistent to the
``plans.overview`` queue, applied by the plans consumer with its inbox, exactly as the relays'
events are), never by writing the read model's tables. Then ``GET /overview`` p95, beside the plans
list p95 measured in the same run.

The events go to the overview's queue alone (through the default exchange) rather than to the topic
exchange: published there, the invented plans' submissions would also start approvals and
notifications for plans that do not exist, which is load this measurement is not about."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime

from plans.domain.provinces import seeded
from servicekit.broker import Publisher
from servicekit.contracts import events as contract
from servicekit.events import new_event

from bench.baselines import percentile
from bench.suite import person, psql, scalar, wait_until
from tests.support.stack import Stack

INDICATORS = [f"TTDN-{n:02d}" for n in range(1, 21)]
FIRST_YEAR, YEARS = 2017, 10


def _events(provinces: list, years: range) -> list:
    made = []
    for year in years:
        call_id = str(uuid.uuid4())
        made.append(
            contract.CallIssued(
                call_id=call_id,
                reference=f"{year - 2000}/BVHTTDL-TTCS",
                issued_on=date(year - 1, 10, 6),
                issuer="bo-vhttdl",
                issuer_name="Bộ Văn hóa, Thể thao và Du lịch",
                plan_year=year,
                plan_due=date(year, 1, 31),
                report_year=year,
                report_due=date(year, 12, 20),
                provinces=tuple(p.to_contract() for p in provinces),
                by="ministry.1",
                issued_at=datetime(year - 1, 10, 6, 2, tzinfo=UTC),
            )
        )
        for index, province in enumerate(provinces):
            for kind in ("plan", "report"):
                ident = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-{kind}-{province.id}-{year}"))
                context = {
                    "plan_id": ident,
                    "version": 1,
                    "title": f"{kind} {year}",
                    "org_unit": f"{province.id}-sở",
                    "province": province.id,
                    "year": year,
                    "subject": contract.Subject(kind=kind, id=ident, version=1),
                }
                figures = {
                    "call_id": call_id,
                    "total_budget_vnd": 1_000_000_000 + index * 1_000_000,
                    "budgets": {"press": 600_000_000, "training": 400_000_000 + index * 1_000_000},
                    "indicators": tuple(
                        contract.IndicatorFigure(
                            code=code,
                            name=f"Chỉ tiêu {code}",
                            unit="cuộc",
                            category="press",
                            value=100 + n if kind == "plan" else 80 + (n + index) % 30,
                        )
                        for n, code in enumerate(INDICATORS)
                    ),
                }
                submitted_at = datetime(year, 1, 10 + index % 20, 3, tzinfo=UTC)
                common = {"content_sha256": "0" * 64, "submitted_by": "bench", "submitted_at": submitted_at}
                if kind == "plan":
                    made.append(contract.PlanSubmitted(**context, **common, **figures))
                    made.append(
                        contract.PlanApproved(
                            **context, document_number=f"{index + 1}/KH-UBND", issued_on=date(year, 2, 1), issuer="X"
                        )
                    )
                else:
                    report = {
                        "report_id": ident,
                        "report_kind": "annual",
                        "plan_ref": ident,
                        "period_start": date(year - 1, 12, 15),
                        "period_end": date(year, 12, 14),
                    }
                    made.append(contract.ReportSubmitted(**context, **report, **common, **figures))
                    made.append(
                        contract.ReportApproved(
                            **context,
                            **report,
                            document_number=f"{index + 1}/BC-UBND",
                            issued_on=date(year, 12, 18),
                            issuer="X",
                        )
                    )
    return made


def overview_at_scale(stack: Stack, requests_each: int = 200) -> dict:
    provinces = seeded().on(date(2025, 7, 1))
    years = range(FIRST_YEAR, FIRST_YEAR + YEARS)
    payloads = _events(provinces, years)
    plans_db = stack.databases["plans"]
    # What is approved already: the phases before leave documents still under approval (the decisions
    # phase stops mid-way), and the seeded ones are waited for as approved on top of these.
    approved = "SELECT count(*) FROM overview_documents WHERE status = 'approved'"
    before = scalar(plans_db, approved)
    publisher = Publisher(stack.env["AMQP_URL"], "")
    started = time.perf_counter()
    for payload in payloads:
        event = new_event(
            payload.name, source="/ttdn/plans", subject=contract.aggregate_of(payload), data=payload.payload()
        )
        publisher.publish("plans.overview", event.to_json().encode(), message_id=event.id, event_type=event.type)
    expected = before + len(provinces) * YEARS * 2
    with psql(plans_db) as connection:  # one connection for the wait: the database's clients are few
        wait_until(
            lambda: connection.execute(approved).fetchone()[0] >= expected,  # type: ignore[index]
            timeout=600,
            what="the overview consumer to apply the seeded events (every document approved)",
        )
    seeded_seconds = time.perf_counter() - started
    ministry = person(stack, "ministry.1")
    last = FIRST_YEAR + YEARS - 1

    def timed(path: str, params: dict) -> list[float]:
        durations = []
        for _ in range(requests_each):
            began = time.perf_counter()
            answer = ministry.get(path, params=params)
            durations.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, answer.text
        return durations

    overview = timed("/overview", {"year": last})
    plans = timed("/plans", {"limit": 20})
    sample = ministry.get("/overview", params={"year": last}).json()
    assert len(sample["provinces"]) == 34 and len(sample["trend"]["years"]) >= YEARS
    return {
        "events": len(payloads),
        "documents": scalar(plans_db, "SELECT count(*) FROM overview_documents"),
        "seed_seconds": round(seeded_seconds, 1),
        "overview_p95_ms": round(percentile(overview, 0.95), 1),
        "overview_p50_ms": round(percentile(overview, 0.50), 1),
        "plans_list_p95_ms": round(percentile(plans, 0.95), 1),
        "plans_list_p50_ms": round(percentile(plans, 0.50), 1),
    }
