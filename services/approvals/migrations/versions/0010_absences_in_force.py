"""Whether any out-of-office period is in force on a day, asked with every decision's lock: an index of
the periods not cancelled by their end date, so the question reads the periods not yet ended, never the
past ones.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 01:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_absences_in_force",
        "absences",
        ["ends_on", "starts_on"],
        postgresql_where=sa.text("cancelled_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_absences_in_force", table_name="absences")
