"""The plans list's accent-insensitive search (``GET /plans?q=…`` as the ministry) at 100,000 plans,
in process (Flask test client), on a scratch PostgreSQL database.

Seeds what ``make bench``'s lists phase searches: real plans submitted through the use cases, with
their approval events (department and province approve, the ministry is assigned), grown in SQL to
3,000 of them as the latency and decisions phases leave them (newest last: a third approved by
ministry.1, a third at the ministry, a third not offered to it), then copies of a plan row up to
100,000 as ``bench/suite.py`` ``lists_at_scale`` makes them. Times each list case as that phase does
(200 requests, every other one followed by the next page) and prints p50/p95 per request, this
process's CPU, and the SQL statements and their time per request (a ``before/after_cursor_execute``
timer); ``--statements`` adds each statement's own p50/p95.

    .venv/bin/python -m bench.micro.plans_search
    .venv/bin/python -m bench.micro.plans_search --requests 100 --only "accent" --keep

The database is created beside the test databases (``TEST_PG_ADMIN_DSN``) and dropped at the end
(``--keep`` prints its URL and keeps it; ``--database URL`` times a kept one again).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from devidp.testing import free_port, start_devidp
from keycloak import KeycloakOpenID
from plans.bootstrap import bootstrap
from plans.config import PlansSettings
from plans.domain import commands
from plans.entrypoints.app import create_app
from plans.entrypoints.consumer import to_command
from servicekit.db import Database
from servicekit.events import Event, new_event
from servicekit.process import upgrade_database
from sqlalchemy import event as sa_event

from bench.micro import scratch_database
from bench.suite import grow_plans, percentile
from infra.local.sample_plans import CAO_BANG_2024, drafter_of
from tests.support.journeys import plan_body

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "plans" / "migrations"
LEVELS = {
    1: ({"vi": "Lãnh đạo Sở", "en": "Department leadership"}, "dept_approver", "org_unit", "dept.cb"),
    2: ({"vi": "UBND tỉnh", "en": "Provincial People's Committee"}, "province_approver", "province", "province.cb"),
    3: ({"vi": "Bộ VHTTDL", "en": "Ministry"}, "ministry_approver", "national", "ministry.1"),
}
CASES = {  # as bench/suite.py lists_at_scale asks them
    "plans: ministry, status+province+year": (
        "ministry.1",
        {"status": "approved", "province": "ubnd-lang-son", "year": 2020, "limit": 20},
    ),
    "plans: drafter, own unit by year": ("drafter.cb", {"year": 2022, "limit": 20}),
    "plans: ministry, accent-insensitive q": ("ministry.1", {"q": "tap huan bien gioi", "limit": 20}),
}

# The real plans, copied nine times newer (the phases before the lists leave about 3,000): every third
# copy approved (the ministry decided it), every third at the ministry, every third not offered to it.
GROW = """
CREATE TEMP TABLE base AS SELECT p.* FROM plans p WHERE EXISTS (SELECT 1 FROM plan_versions v WHERE v.plan_id = p.id);
INSERT INTO plans SELECT md5('grown-' || k || p.id)::uuid::text, p.org_unit, p.province, p.year, p.plan_type,
    CASE WHEN k % 3 = 0 THEN 'approved' ELSE p.status END, p.title, p.search_text, p.content, p.revision,
    p.created_by, p.editors, p.created_at + make_interval(mins => k * 10), p.updated_at + make_interval(mins => k * 10),
    CASE WHEN k % 3 = 0 THEN NULL ELSE p.stage END, p.document_number, p.issued_on, p.issuer, p.place,
    p.withdrawal, p.kind, p.receipt
  FROM base p, generate_series(1, 9) AS k;
INSERT INTO plan_versions SELECT md5('grown-' || k || v.plan_id)::uuid::text, v.number, v.content, v.content_sha256,
    v.submitted_by, v.submitted_at, v.edited_by, v.approval_id, v.outcome, v.title, v.search_text, v.reply,
    v.reply_activity_id
  FROM plan_versions v, generate_series(1, 9) AS k;
INSERT INTO plan_version_readers SELECT md5('grown-' || k || r.plan_id)::uuid::text, r.number, r.reader,
    r.plan_created_at + make_interval(mins => k * 10)
  FROM plan_version_readers r, generate_series(1, 9) AS k WHERE k % 3 <> 2 OR r.reader <> 'role:ministry_approver';
INSERT INTO plan_version_readers SELECT md5('grown-' || k || r.plan_id)::uuid::text, r.number, 'user:ministry.1',
    r.plan_created_at + make_interval(mins => k * 10)
  FROM plan_version_readers r, generate_series(1, 9) AS k
  WHERE k % 3 = 0 AND r.reader = 'role:ministry_approver' AND r.plan_id IN (SELECT id FROM base);
"""


def approval_events(plan_id: str) -> list[Event]:
    """Levels 1 and 2 assigned and approved, level 3 assigned: the ministry reads the version."""
    approval_id, at = str(uuid.uuid4()), datetime.now(UTC)
    context = {
        "plan_id": plan_id,
        "version": 1,
        "title": "Kế hoạch thông tin đối ngoại năm 2024",
        "org_unit": "svhttdl-cao-bang",
        "province": "ubnd-cao-bang",
        "year": 2024,
        "approval_id": approval_id,
    }
    events = []
    for level, (name, role, scope, approver) in LEVELS.items():
        at += timedelta(seconds=1)
        step = {**context, "task_id": f"{approval_id}-{level}", "level": level, "level_name": name}
        assignment = {"role": role, "scope": scope, "due_at": (at + timedelta(days=3)).isoformat()}
        data = {**step, **assignment, "assignees": [approver]}
        events.append(
            new_event("approval.task_assigned", source="/ttdn/approvals", subject=f"plans/{plan_id}", data=data)
        )
        if level < 3:
            at += timedelta(seconds=1)
            decision = {"decision": "approve", "comment": "Đồng ý", "by": approver, "decided_at": at.isoformat()}
            data = {**step, **decision, "content_sha256": "0" * 64, "signature": "1" * 64}
            events.append(
                new_event("approval.decision_recorded", source="/ttdn/approvals", subject=f"plans/{plan_id}", data=data)
            )
    first = datetime.now(UTC)
    return [Event(**{**e.__dict__, "time": first + timedelta(seconds=n)}) for n, e in enumerate(events)]


def seed(url: str, plans: int, in_review: int) -> None:
    upgrade_database(MIGRATIONS, url)
    db = Database(url)
    bus = bootstrap(PlansSettings(database_url=url, log_format="text"), db=db)
    drafter = drafter_of("svhttdl-cao-bang")
    for n in range(in_review):
        body = plan_body(CAO_BANG_2024, title=f"Kế hoạch thông tin đối ngoại năm 2024 — đợt đo {n}")
        plan = bus.handle(commands.CreatePlan(actor=drafter, content=body))
        bus.handle(commands.SubmitPlan(actor=drafter, plan_id=plan.id))
        for event in approval_events(plan.id):
            command = to_command(event)
            assert command is not None
            bus.handle(command)
    db.dispose()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(GROW)
        existing = connection.execute("SELECT count(*) FROM plans").fetchone()[0]  # type: ignore[index]
        for table in ("plan_versions", "plan_version_readers"):
            connection.execute(f"ANALYZE {table}")
    grow_plans(url, max(0, plans - existing))  # as lists_at_scale grows them (it analyzes plans)


def time_case(client: Any, headers: dict[str, str], params: dict[str, Any], requests: int) -> tuple[list[float], float]:
    """``requests`` first pages, every other one followed by the next page (as lists_at_scale does):
    each request's duration in ms, and this process's CPU seconds for them all."""
    durations: list[float] = []
    cpu = 0.0

    def get(query: dict[str, Any]) -> dict[str, Any]:
        nonlocal cpu
        started_cpu, started = time.process_time(), time.perf_counter()
        response = client.get("/plans", query_string=query, headers=headers)
        durations.append((time.perf_counter() - started) * 1000)
        cpu += time.process_time() - started_cpu
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json  # type: ignore[no-any-return]

    for n in range(requests):
        page = get(params)
        if page["next_cursor"] and n % 2 == 0:
            get({**params, "cursor": page["next_cursor"]})
    return durations, cpu


def measure(url: str, requests: int, only: str | None, per_statement: bool) -> None:
    process, idp = start_devidp(free_port(), Path(tempfile.mkdtemp()) / "keys.json")
    try:
        settings = PlansSettings(
            database_url=url, keycloak_url=idp, amqp_url="amqp://guest:guest@127.0.0.1:1/%2F", log_format="text"
        )
        app = create_app(settings)
        statements: dict[str, list[float]] = defaultdict(list)

        @sa_event.listens_for(app.extensions["plans_db"].engine, "before_cursor_execute")
        def _started(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            conn.info["started"] = time.perf_counter()

        @sa_event.listens_for(app.extensions["plans_db"].engine, "after_cursor_execute")
        def _ended(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            statements[" ".join(statement.split())[:70]].append((time.perf_counter() - conn.info.pop("started")) * 1000)

        oidc = KeycloakOpenID(server_url=idp, realm_name="ttdn", client_id="ttdn-cli")
        client = app.test_client()
        for name, (user, params) in CASES.items():
            if only and only not in name:
                continue
            headers = {"Authorization": f"Bearer {oidc.token(user, 'ttdn2024')['access_token']}"}
            client.get("/plans", query_string=params, headers=headers)  # the organisations' first load
            statements.clear()
            durations, cpu = time_case(client, headers, params, requests)
            count = len(durations)
            sql_count = sum(len(times) for times in statements.values())
            sql_ms = sum(sum(times) for times in statements.values())
            print(
                f"{name:40} p50 {percentile(durations, 0.5):6.1f} p95 {percentile(durations, 0.95):6.1f} ms"
                f"  CPU {cpu * 1000 / count:5.1f} ms  SQL {sql_count / count:.1f} statements"
                f" {sql_ms / count:5.1f} ms per request ({count} requests)"
            )
            if per_statement:
                for statement, times in statements.items():
                    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
                    print(f"    {len(times):5} × p50 {p50:6.2f} p95 {p95:6.2f} ms  {statement}")
        app.extensions["plans_db"].dispose()
    finally:
        process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=100_000)
    parser.add_argument("--in-review", type=int, default=300, help="real plans made through the use cases")
    parser.add_argument("--requests", type=int, default=200, help="first pages per case (bench: 200)")
    parser.add_argument("--only", help="the cases whose name holds this")
    parser.add_argument("--statements", action="store_true", help="each statement's own timings")
    parser.add_argument("--database", help="a database seeded before (--keep)")
    parser.add_argument("--keep", action="store_true", help="keep the database and print its URL")
    args = parser.parse_args()
    with scratch_database(args.database, keep=args.keep) as url:
        if args.database is None:
            started = time.perf_counter()
            seed(url, args.plans, args.in_review)
            print(f"seeded in {time.perf_counter() - started:.0f} s")
        measure(url, args.requests, args.only, args.statements)


if __name__ == "__main__":
    main()
