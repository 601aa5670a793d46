"""Everyone who ever submitted the plan (any version), from plan.submitted's `submitters`:
separation of duties holds across versions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("submitters", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("submitters")
