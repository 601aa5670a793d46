"""Documents as kinds: a report is a second kind of the plans' document (same table, versions,
timeline, register and issued files), told apart by ``kind``; a report records the ministry's
receipt. Existing rows are plans.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=12), nullable=False, server_default="plan"))
        batch.add_column(sa.Column("receipt", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True))
    op.create_index("ix_plans_kind_org_unit_year", "plans", ["kind", "org_unit", "year"])


def downgrade() -> None:
    op.drop_index("ix_plans_kind_org_unit_year", table_name="plans")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("receipt")
        batch.drop_column("kind")
