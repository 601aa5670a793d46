"""The overview read model's store on real PostgreSQL: competing consumers applying two events of
one new document at the same time both commit, and the document holds both."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from plans.adapters.calls import OverviewStore
from servicekit.db import Database
from sqlalchemy import text

from tests.support.waiting import wait_for

CONTEXT = {"title": "Kế hoạch 2024", "org_unit": "svhttdl-cao-bang", "province": "ubnd-cao-bang", "year": 2024}


@pytest.fixture
def db(plans_db: str) -> Iterator[Database]:
    database = Database(plans_db)
    yield database
    database.dispose()


def apply(db: Database, plan_id: str, name: str, data: dict[str, Any]) -> None:
    with db.transaction() as session:
        store = OverviewStore(session)
        document = store.document("plan", plan_id, for_update=True)
        document.apply(name, {"plan_id": plan_id, "version": 1, **CONTEXT, **data}, datetime.now(UTC))
        store.save(document, datetime.now(UTC))


def waiting_on_a_lock(db: Database) -> int:
    with db.reading() as session:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        return int(session.scalar(text(query)) or 0)


def test_two_transactions_creating_one_document_both_commit(db: Database) -> None:
    plan_id = str(uuid.uuid4())
    errors: list[BaseException] = []

    def assign() -> None:
        try:
            apply(db, plan_id, "approval.task_assigned", {"level": 1, "level_name": {"vi": "Sở", "en": "Department"}})
        except BaseException as error:
            errors.append(error)

    with db.transaction() as session:  # the first one creates the document and has not committed
        store = OverviewStore(session)
        document = store.document("plan", plan_id, for_update=True)
        submitted = {"plan_id": plan_id, "version": 1, **CONTEXT, "total_budget_vnd": 500_000_000}
        document.apply("plan.submitted", submitted, datetime.now(UTC))
        store.save(document, datetime.now(UTC))
        second = threading.Thread(target=assign)
        second.start()
        wait_for(lambda: waiting_on_a_lock(db), what="the second transaction to wait for the first one's row")
    second.join(timeout=20)

    assert not second.is_alive() and errors == []
    with db.transaction() as session:
        stored = OverviewStore(session).document("plan", plan_id)
    assert stored.versions[1]["total_budget_vnd"] == 500_000_000
    assert stored.levels[1]["level"] == 1
    assert (stored.province, stored.title, stored.year) == ("ubnd-cao-bang", "Kế hoạch 2024", 2024)


def test_a_document_created_and_committed_before_is_read_and_merged(db: Database) -> None:
    plan_id = str(uuid.uuid4())
    apply(db, plan_id, "plan.submitted", {"total_budget_vnd": 7})
    apply(db, plan_id, "approval.completed", {"outcome": "returned"})
    with db.transaction() as session:
        stored = OverviewStore(session).document("plan", plan_id)
    assert stored.versions[1]["total_budget_vnd"] == 7
    assert stored.status == "returned"
