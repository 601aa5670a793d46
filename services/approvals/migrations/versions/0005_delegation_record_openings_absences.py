"""Delegation people can audit and plan for: a decision taken in someone's place records whose,
why and since when (hashed with it); a delegation says whether it was handed over or came from an
out-of-office period; approvers' openings of decision pages (bulk approval) and their absences.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("on_behalf_of", sa.String(length=120), nullable=False, server_default=""))
        batch.add_column(sa.Column("delegation_kind", sa.String(length=16), nullable=False, server_default=""))
        batch.add_column(sa.Column("delegation_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("delegated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("delegations") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="manual"))
    op.create_index("ix_delegations_task_to", "delegations", ["task_id", "to_user"])
    # The task inbox sorted by arrival (latest first).
    op.create_index("ix_approval_tasks_status_assigned", "approval_tasks", ["status", "assigned_at"])
    op.create_table(
        "task_openings",
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["approval_tasks.id"], name=op.f("fk_task_openings_task_id_approval_tasks")),
        sa.PrimaryKeyConstraint("task_id", "username", name=op.f("pk_task_openings")),
    )
    op.create_table(
        "absences",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("deputy", sa.String(length=120), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    op.create_index("ix_absences_username_period", "absences", ["username", "starts_on", "ends_on"])


def downgrade() -> None:
    op.drop_index("ix_absences_username_period", table_name="absences")
    op.drop_table("absences")
    op.drop_table("task_openings")
    op.drop_index("ix_approval_tasks_status_assigned", table_name="approval_tasks")
    op.drop_index("ix_delegations_task_to", table_name="delegations")
    with op.batch_alter_table("delegations") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("decisions") as batch:
        for column in ("delegated_at", "delegation_reason", "delegation_kind", "on_behalf_of"):
            batch.drop_column(column)
