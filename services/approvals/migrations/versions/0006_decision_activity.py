"""Comments that point at one activity: an approval keeps the stable ids of its version's activities
(from the submission; NULL for approvals started before, whose comments name none), and a decision
the activity its comment is about (empty: the whole document; hashed with the decision when set).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("activity_ids", sa.JSON(), nullable=True))
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("activity_id", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("activity_id")
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("activity_ids")
