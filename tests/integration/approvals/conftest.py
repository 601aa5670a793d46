"""The approvals service on a throwaway PostgreSQL database: migrated by its own
`migrate` code, the Flask app with tokens signed by a key made for the run."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from approvals.__main__ import migrate_database
from approvals.adapters import orm
from approvals.bootstrap import bootstrap
from approvals.config import ApprovalsSettings
from approvals.entrypoints.app import create_app
from approvals.entrypoints.consumer import build_consumer
from flask import Flask
from flask.testing import FlaskClient
from servicekit.auth import TokenVerifier
from servicekit.db import Database
from servicekit.events import new_event
from sqlalchemy import select

from tests.support.tokens import ISSUER, KEY_A, KeySet, claims, sign
from tests.unit.approvals.fakes import FakeClock, FakeDirectory

# Who is who in the demo realm (infra/keycloak/realm-ttdn.json).
USERS: dict[str, dict[str, Any]] = {
    "drafter.cb": {"roles": ["drafter"], "org_unit": "svhttdl-cao-bang", "province": "ubnd-cao-bang"},
    "drafter.bk": {"roles": ["drafter"], "org_unit": "svhttdl-thai-nguyen-2025", "province": "ubnd-thai-nguyen-2025"},
    "dept.cb": {"roles": ["dept_approver"], "org_unit": "svhttdl-cao-bang", "province": "ubnd-cao-bang"},
    "dept.bk": {
        "roles": ["dept_approver"],
        "org_unit": "svhttdl-thai-nguyen-2025",
        "province": "ubnd-thai-nguyen-2025",
    },
    "dept.ls": {"roles": ["dept_approver"], "org_unit": "svhttdl-lang-son", "province": "ubnd-lang-son"},
    "dual.cb": {"roles": ["drafter", "dept_approver"], "org_unit": "svhttdl-cao-bang", "province": "ubnd-cao-bang"},
    "province.cb": {"roles": ["province_approver"], "org_unit": "ubnd-cao-bang", "province": "ubnd-cao-bang"},
    "province.bk": {
        "roles": ["province_approver"],
        "org_unit": "ubnd-thai-nguyen-2025",
        "province": "ubnd-thai-nguyen-2025",
    },
    "ministry.1": {"roles": ["ministry_approver"], "org_unit": "cuc-ttcs-ttdn"},
    "ministry.2": {"roles": ["ministry_approver"], "org_unit": "cuc-ttcs-ttdn", "locale": "en"},
    "admin": {"roles": ["admin"]},
}


def token_for(username: str) -> str:
    user = USERS[username]
    return sign(
        claims(
            preferred_username=username,
            sub=str(uuid.uuid5(uuid.NAMESPACE_DNS, username)),
            realm_access={"roles": [*user["roles"], "default-roles-ttdn"]},
            org_unit=user.get("org_unit"),
            province=user.get("province"),
            locale=user.get("locale", "vi"),
        )
    )


def auth(username: str) -> dict[str, str]:
    # The demo people's tokens say locale vi; these tests read the API's English (the language
    # rule itself: tests/unit/servicekit/test_message_catalogues.py).
    return {"Authorization": f"Bearer {token_for(username)}", "Accept-Language": "en"}


@pytest.fixture(scope="module")
def settings(module_postgres_url: str) -> ApprovalsSettings:
    configured = ApprovalsSettings(
        database_url=module_postgres_url,
        keycloak_url="http://idp.test",
        # No broker is needed by the API (its events wait in the outbox), nor asked for its queues' depths.
        amqp_url="amqp://guest:guest@127.0.0.1:1/%2F",
        log_format="text",
        log_level="WARNING",
    )
    migrate_database(configured)
    return configured


@pytest.fixture(scope="module")
def db(settings: ApprovalsSettings) -> Iterator[Database]:
    database = Database(settings.database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    # Monday 4 March 2024, 08:00 in Hà Nội.
    return FakeClock(datetime(2024, 3, 4, 1, 0, tzinfo=UTC))


@pytest.fixture
def app(settings: ApprovalsSettings, clock: FakeClock) -> Flask:
    verifier = TokenVerifier("http://idp.test", "ttdn", issuer=ISSUER, jwks_source=KeySet(KEY_A))
    return create_app(settings, verifier=verifier, directory=FakeDirectory(), clock=clock)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def plan_submitted(**changes: Any) -> dict[str, Any]:
    """A plan.submitted payload per docs/events.md: Cao Bằng's 2024 plan by default."""
    data: dict[str, Any] = {
        "plan_id": str(uuid.uuid4()),
        "version": 1,
        "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2024",
        "org_unit": "svhttdl-cao-bang",
        "province": "ubnd-cao-bang",
        "year": 2024,
        "content_sha256": uuid.uuid4().hex + uuid.uuid4().hex,
        "plan_type": "annual",
        "submitted_by": "drafter.cb",
        "created_by": "drafter.cb",
        "edited_by": ["drafter.cb"],
        "drafters": ["drafter.cb", "dual.cb"],
        "submitted_at": "2024-03-04T01:00:00Z",
    }
    data.update(changes)
    return data


def report_submitted(**changes: Any) -> dict[str, Any]:
    """A report.submitted payload per docs/events.md: Cao Bằng's 2024 year-end report. The plan
    fields describe the report (``plan_id`` is the report's id); the subject says it is a report."""
    report_id = str(changes.pop("report_id", uuid.uuid4()))
    data = plan_submitted(
        plan_id=report_id,
        title="Báo cáo tổng kết công tác thông tin đối ngoại năm 2024",
        submitted_at="2024-12-16T02:00:00Z",
    )
    data.update(
        report_id=report_id,
        report_kind="annual",
        plan_ref=str(uuid.uuid4()),
        plan_ref_version=2,
        plan_ref_number="15/KH-UBND",
        period_start="2023-12-15",
        period_end="2024-12-14",
    )
    data.update(changes)
    data["subject"] = {
        "kind": "report",
        "id": report_id,
        "version": data["version"],
        "content_sha256": data["content_sha256"],
    }
    return data


@pytest.fixture
def deliver(settings: ApprovalsSettings, db: Database, clock: FakeClock) -> Callable[..., str]:
    """Hand an event to the approvals consumer exactly as RabbitMQ would (inbox included)."""
    consumer = build_consumer(settings, db, bootstrap(settings, db=db, directory=FakeDirectory(), clock=clock))

    def _deliver(name: str, data: dict[str, Any], event_id: str | None = None) -> str:
        event = new_event(name, source="/ttdn/plans", subject=f"plans/{data['plan_id']}", data=data, id=event_id)
        return consumer.process(event.to_json().encode(), {})

    return _deliver


def outbox_events(db: Database, plan_id: str) -> list[tuple[str, dict[str, Any]]]:
    with db.transaction() as session:
        rows = session.scalars(
            select(orm.Outbox).where(orm.Outbox.aggregate_id == f"plans/{plan_id}").order_by(orm.Outbox.seq)
        )
        return [(row.routing_key, json.loads(row.payload)["data"]) for row in rows]


def open_task_of(db: Database, plan_id: str) -> orm.TaskRow:
    with db.transaction() as session:
        return session.scalars(
            select(orm.TaskRow)
            .join(orm.ApprovalRow, orm.ApprovalRow.id == orm.TaskRow.approval_id)
            .where(orm.ApprovalRow.plan_id == plan_id, orm.TaskRow.status == "open")
        ).one()
