"""Each frozen version keeps the drafters' reply (giải trình) to the comment that returned the
version before it; versions submitted before this have none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plan_versions", sa.Column("reply", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("plan_versions", "reply")
