"""The copy of the organisation registry the plans service owns, fed by organisation.* events
(servicekit.organisations): the newest state of each organisation, and the successions. Approvals names a level's
organisation by its name in force and hands the open tasks of a dissolved body to its successor.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "organisation_successions",
        sa.Column("predecessor", sa.String(length=64), nullable=False),
        sa.Column("successor", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("act", sa.String(length=300), nullable=False),
        sa.Column("duties", sa.JSON(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("predecessor", "successor", "day", name=op.f("pk_organisation_successions")),
    )


def downgrade() -> None:
    op.drop_table("organisation_successions")
    op.drop_table("organisations")
