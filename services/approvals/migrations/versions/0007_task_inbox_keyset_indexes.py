"""The task inbox at scale: each sort's index ends with the task id, the keyset's tie-breaker, so a
page is read in index order and stops at its limit (no sort of the tasks sharing a due time or an
arrival); they replace the two indexes that ended at the moment. The title search gets a trigram
index on PostgreSQL (the pg_trgm extension, trusted: the database's owner may create it), without
GIN's pending list; on SQLite the same index is a plain one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 15:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_approvals_title_folded_trgm",
        "approvals",
        ["title_folded"],
        postgresql_using="gin",
        postgresql_ops={"title_folded": "gin_trgm_ops"},
        # no pending list: a search would scan every title added since the last vacuum
        postgresql_with={"fastupdate": "off"},
    )
    op.create_index("ix_approval_tasks_status_due_id", "approval_tasks", ["status", "due_at", "id"])
    op.create_index("ix_approval_tasks_status_assigned_id", "approval_tasks", ["status", "assigned_at", "id"])
    op.drop_index("ix_approval_tasks_open_due", table_name="approval_tasks")
    op.drop_index("ix_approval_tasks_status_assigned", table_name="approval_tasks")


def downgrade() -> None:
    op.create_index("ix_approval_tasks_status_assigned", "approval_tasks", ["status", "assigned_at"])
    op.create_index("ix_approval_tasks_open_due", "approval_tasks", ["status", "due_at"])
    op.drop_index("ix_approval_tasks_status_assigned_id", table_name="approval_tasks")
    op.drop_index("ix_approval_tasks_status_due_id", table_name="approval_tasks")
    op.drop_index("ix_approvals_title_folded_trgm", table_name="approvals")
