"""Each approver's task list version (servicekit.list_versions), raised by every commit that changes what
their list shows: the list's ETag is made from it, so a poll that finds nothing new is answered 304 from
one row. No row yet: version 0.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_versions",
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_list_versions")),
    )


def downgrade() -> None:
    op.drop_table("list_versions")
