"""Each reader's inbox version (servicekit.list_versions), raised by every commit that adds to, changes or
marks read what their inbox shows: the inbox's ETag is made from it, so a poll that finds nothing new is
answered 304 from one row. No row yet: version 0.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
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
