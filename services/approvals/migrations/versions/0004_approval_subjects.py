"""Approvals decide on a subject — a document kind, id, version and content hash — not only on
plans: the plan columns become the subject's (existing rows are plans), the document date that
chose the chain version is kept, chain versions get the first document date they apply to, and
an early withdrawal is remembered by kind too; a decision signs its subject (the decisions
recorded before keep their hashes and verify as they are). The bundled plan chain's ministry level gets its
dated names (the Ministry of Information and Communications until 28/02/2025, the Ministry of
Culture, Sports and Tourism from 01/03/2025), which is a correction of a name, not of the chain.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MIC = {"vi": "Bộ Thông tin và Truyền thông", "en": "Ministry of Information and Communications"}
MCST = {"vi": "Bộ Văn hóa, Thể thao và Du lịch", "en": "Ministry of Culture, Sports and Tourism"}
REORGANISED_ON = "2025-03-01"


def upgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.drop_constraint("uq_approvals_plan_version", type_="unique")
        batch.drop_index("ix_approvals_plan_id")
        batch.alter_column("plan_id", new_column_name="subject_id", existing_type=sa.String(64), existing_nullable=False)
        batch.alter_column(
            "plan_version", new_column_name="subject_version", existing_type=sa.Integer(), existing_nullable=False
        )
        batch.alter_column(
            "plan_type", new_column_name="document_type", existing_type=sa.String(32), existing_nullable=False
        )
        batch.add_column(sa.Column("subject_kind", sa.String(16), nullable=False, server_default="plan"))
        batch.add_column(sa.Column("effective_on", sa.Date(), nullable=True))
    with op.batch_alter_table("approvals") as batch:
        batch.create_index("ix_approvals_subject_id", ["subject_id"], unique=False)
        batch.create_unique_constraint(
            "uq_approvals_subject_version", ["subject_kind", "subject_id", "subject_version"]
        )

    # The document date of the approvals already started: the day of their submission in Vietnam.
    connection = op.get_bind()
    approvals = sa.table(
        "approvals", sa.column("id", sa.String), sa.column("started_at", sa.DateTime), sa.column("effective_on", sa.Date)
    )
    for approval_id, started_at in connection.execute(sa.select(approvals.c.id, approvals.c.started_at)).all():
        moment = started_at if isinstance(started_at, datetime) else datetime.fromisoformat(str(started_at))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        connection.execute(
            approvals.update()
            .where(approvals.c.id == approval_id)
            .values(effective_on=moment.astimezone(VIETNAM).date())
        )
    with op.batch_alter_table("approvals") as batch:
        batch.alter_column("effective_on", existing_type=sa.Date(), nullable=False)

    with op.batch_alter_table("approval_chains") as batch:
        batch.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
    _date_the_ministry_level(connection)

    # A decision signs its subject from now on; those recorded before keep their hashes (NULL here).
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("subject_kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("subject_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("subject_version", sa.Integer(), nullable=True))

    op.create_table(
        "early_withdrawals",
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("subject_version", sa.Integer(), nullable=False),
        sa.Column("withdrawn_by", sa.String(120), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject_kind", "subject_id", "subject_version", name=op.f("pk_early_withdrawals")),
    )
    op.execute(
        "INSERT INTO early_withdrawals (subject_kind, subject_id, subject_version, withdrawn_by, withdrawn_at) "
        "SELECT 'plan', plan_id, plan_version, withdrawn_by, withdrawn_at FROM plan_withdrawals"
    )
    op.drop_table("plan_withdrawals")


def _date_the_ministry_level(connection: sa.Connection) -> None:
    """The bundled ttdn-plan chain named its ministry level by today's ministry only; a level
    still so named, without dated names, reads the ministry in force on the document's date."""
    chains = sa.table(
        "approval_chains", sa.column("key", sa.String), sa.column("version", sa.Integer), sa.column("definition", sa.JSON)
    )
    rows = connection.execute(
        sa.select(chains.c.version, chains.c.definition).where(chains.c.key == "ttdn-plan")
    ).all()
    for version, stored in rows:
        definition = json.loads(stored) if isinstance(stored, str) else stored
        changed = False
        for level in definition.get("levels", []):
            if level.get("name") == MCST and not level.get("names_from"):
                level["name"] = MIC
                level["names_from"] = [{"from": REORGANISED_ON, "name": MCST}]
                changed = True
        if changed:
            connection.execute(
                chains.update()
                .where(chains.c.key == "ttdn-plan", chains.c.version == version)
                .values(definition=definition)
            )


def downgrade() -> None:
    op.create_table(
        "plan_withdrawals",
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("withdrawn_by", sa.String(120), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "plan_version", name=op.f("pk_plan_withdrawals")),
    )
    op.execute(
        "INSERT INTO plan_withdrawals (plan_id, plan_version, withdrawn_by, withdrawn_at) "
        "SELECT subject_id, subject_version, withdrawn_by, withdrawn_at FROM early_withdrawals "
        "WHERE subject_kind = 'plan'"
    )
    op.drop_table("early_withdrawals")
    with op.batch_alter_table("approval_chains") as batch:
        batch.drop_column("valid_from")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("subject_version")
        batch.drop_column("subject_id")
        batch.drop_column("subject_kind")
    # Approvals of other kinds of document have no place in the older schema.
    op.execute("DELETE FROM task_assignees WHERE task_id IN (SELECT t.id FROM approval_tasks t "
               "JOIN approvals a ON a.id = t.approval_id WHERE a.subject_kind <> 'plan')")
    for table in ("decisions", "delegations", "approval_tasks"):
        op.execute(f"DELETE FROM {table} WHERE approval_id IN (SELECT id FROM approvals WHERE subject_kind <> 'plan')")  # noqa: S608
    op.execute("DELETE FROM approvals WHERE subject_kind <> 'plan'")
    with op.batch_alter_table("approvals") as batch:
        batch.drop_constraint("uq_approvals_subject_version", type_="unique")
        batch.drop_index("ix_approvals_subject_id")
        batch.drop_column("effective_on")
        batch.drop_column("subject_kind")
        batch.alter_column("subject_id", new_column_name="plan_id", existing_type=sa.String(64), existing_nullable=False)
        batch.alter_column(
            "subject_version", new_column_name="plan_version", existing_type=sa.Integer(), existing_nullable=False
        )
        batch.alter_column(
            "document_type", new_column_name="plan_type", existing_type=sa.String(32), existing_nullable=False
        )
    with op.batch_alter_table("approvals") as batch:
        batch.create_index("ix_approvals_plan_id", ["plan_id"], unique=False)
        batch.create_unique_constraint("uq_approvals_plan_version", ["plan_id", "plan_version"])
