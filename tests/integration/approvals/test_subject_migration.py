"""Migration 0004 on PostgreSQL: the approvals of plans made before subjects existed keep every
row — they become plan subjects, dated by the day of their submission in Vietnam, their
decisions keeping their hashes — the early withdrawals move over, and the bundled plan chain's
ministry level gets its dated names; the approvals then load and read the ministry in force on
their own date."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from approvals.adapters import orm
from approvals.adapters.repository import SqlApprovalRepository
from approvals.domain.signing import decision_hash
from servicekit.db import Database, normalise_url
from sqlalchemy import create_engine, text

MIGRATIONS = Path(__file__).resolve().parents[3] / "services/approvals/migrations"
OLD_PLAN_CHAIN = {
    "name": {"vi": "Phê duyệt kế hoạch thông tin đối ngoại", "en": "External-information plan approval"},
    "levels": [
        {
            "level": 1,
            "name": {"vi": "Lãnh đạo Sở", "en": "Department leadership"},
            "role": "dept_approver",
            "scope": "org_unit",
            "quorum": "any",
            "sla_working_days": 3,
            "on_resubmit": "restart_at_level_1",
        },
        {
            "level": 2,
            "name": {"vi": "Ủy ban nhân dân tỉnh", "en": "Provincial People's Committee"},
            "role": "province_approver",
            "scope": "province",
            "quorum": "any",
            "sla_working_days": 7,
            "on_resubmit": "restart_at_level_1",
        },
        {
            "level": 3,
            "name": {"vi": "Bộ Văn hóa, Thể thao và Du lịch", "en": "Ministry of Culture, Sports and Tourism"},
            "role": "ministry_approver",
            "scope": "national",
            "quorum": "any",
            "sla_working_days": 10,
            "on_resubmit": "restart_at_level_1",
        },
    ],
}


def alembic(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url))
    return config


def insert_approval(connection, approval_id: str, plan_id: str, started_at: datetime) -> None:  # type: ignore[no-untyped-def]
    connection.execute(
        text(
            "INSERT INTO approvals (id, plan_id, plan_version, title, title_folded, org_unit, province, year,"
            " plan_type, content_sha256, created_by, edited_by, submitted_by, submitters, chain_key, chain_version,"
            " status, current_level, started_at) VALUES (:id, :plan_id, 1, 'Kế hoạch TTĐN', 'ke hoach ttdn',"
            " 'CB-STTTT', 'CB', :year, 'annual', :sha, 'drafter.cb', '[\"drafter.cb\"]', 'drafter.cb',"
            " '[\"drafter.cb\"]', 'ttdn-plan', 1, 'open', 3, :started_at)"
        ),
        {"id": approval_id, "plan_id": plan_id, "year": started_at.year, "sha": "a" * 64, "started_at": started_at},
    )
    connection.execute(
        text(
            "INSERT INTO approval_tasks (id, approval_id, level, role, scope, status, required_approvals,"
            " assigned_at, due_at, remind_at) VALUES (:id, :approval_id, 3, 'ministry_approver', 'national',"
            " 'open', 1, :at, :at, :at)"
        ),
        {"id": f"t-{approval_id}", "approval_id": approval_id, "at": started_at},
    )


def test_existing_plan_approvals_become_plan_subjects_with_their_dates(postgres_url: str) -> None:
    config = alembic(postgres_url)
    command.upgrade(config, "0003")
    engine = create_engine(normalise_url(postgres_url))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO approval_chains (key, version, definition, published_by, published_at)"
                " VALUES ('ttdn-plan', 1, :definition, 'system', '2024-01-02T00:00:00Z')"
            ),
            {"definition": json.dumps(OLD_PLAN_CHAIN, ensure_ascii=False)},
        )
        # submitted at 23:30 UTC on 28/02/2025: already 01/03/2025 in Hà Nội
        insert_approval(connection, "a-2024", "p-2024", datetime(2024, 3, 4, 1, 0, tzinfo=UTC))
        insert_approval(connection, "a-2025", "p-2025", datetime(2025, 2, 28, 23, 30, tzinfo=UTC))
        # a decision recorded before subjects: hashed without the subject
        decided_at = datetime(2024, 3, 5, 2, 0, tzinfo=UTC)
        legacy_hash = decision_hash(
            approval_id="a-2024",
            task_id="t-a-2024",
            level=3,
            decision="approve",
            comment="Thống nhất.",
            by="ministry.1",
            decided_at=decided_at,
            content_sha256="a" * 64,
            previous_hash=None,
        )
        connection.execute(
            text(
                "INSERT INTO decisions (id, approval_id, task_id, sequence, level, decision, comment, decided_by,"
                " decided_at, content_sha256, previous_hash, hash) VALUES ('d-1', 'a-2024', 't-a-2024', 1, 3,"
                " 'approve', 'Thống nhất.', 'ministry.1', :at, :sha, NULL, :hash)"
            ),
            {"at": decided_at, "sha": "a" * 64, "hash": legacy_hash},
        )
        connection.execute(
            text(
                "INSERT INTO plan_withdrawals (plan_id, plan_version, withdrawn_by, withdrawn_at)"
                " VALUES ('p-early', 2, 'drafter.cb', '2024-03-04T02:00:00Z')"
            )
        )
    engine.dispose()

    command.upgrade(config, "head")

    db = Database(postgres_url)
    try:
        with db.transaction() as session:
            rows = session.execute(
                text(
                    "SELECT id, subject_kind, subject_id, subject_version, document_type, effective_on"
                    " FROM approvals ORDER BY id"
                )
            ).all()
            assert [tuple(row) for row in rows] == [
                ("a-2024", "plan", "p-2024", 1, "annual", date(2024, 3, 4)),
                ("a-2025", "plan", "p-2025", 1, "annual", date(2025, 3, 1)),
            ]
            early = session.execute(
                text("SELECT subject_kind, subject_id, subject_version FROM early_withdrawals")
            ).all()
            assert [tuple(row) for row in early] == [("plan", "p-early", 2)]
            orm.start_mappers()
            repository = SqlApprovalRepository(session)
            assert repository.was_withdrawn("plan", "p-early", 2) and not repository.was_withdrawn(
                "report", "p-early", 2
            )
            before = repository.for_subject_version("plan", "p-2024", 1)
            after = repository.for_subject_version("plan", "p-2025", 1)
            assert before is not None and after is not None
            assert (
                (before.chain.key, before.chain.version) == ("ttdn-plan", 1) == (after.chain.key, after.chain.version)
            )
            assert before.level_name(3).vi == "Bộ Thông tin và Truyền thông"
            assert after.level_name(3).vi == "Bộ Văn hóa, Thể thao và Du lịch"
            assert before.subject.kind == "plan" and before.tasks[0].level == 3
            # the decision recorded before subjects keeps its hash and the record still verifies
            assert before.decisions[0].signed_subject() is None and before.verify_decisions()
    finally:
        db.dispose()

    # and back: the plan approvals return to the older columns
    command.downgrade(config, "0003")
    engine = create_engine(normalise_url(postgres_url))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT plan_id FROM approvals ORDER BY id")).scalars().all() == [
            "p-2024",
            "p-2025",
        ]
        assert connection.execute(text("SELECT plan_id FROM plan_withdrawals")).scalars().all() == ["p-early"]
    engine.dispose()
