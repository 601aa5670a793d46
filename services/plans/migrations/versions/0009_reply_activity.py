"""A drafters' reply (giải trình) may name the activity of its version it is about (by its stable
id); versions submitted before have none.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 15:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_versions") as batch:
        batch.add_column(sa.Column("reply_activity_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_versions") as batch:
        batch.drop_column("reply_activity_id")
