"""The organisation registry's tables: organisations (each in the seed file's shape), their
successions, and every change to either (docs/organisations.md). `ttdn-plans migrate` then adds
what the seed files hold and the tables lack, never overwriting an administrator's change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 12:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "organisation_successions",
        sa.Column("predecessor", sa.String(length=64), nullable=False),
        sa.Column("successor", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("act", sa.Text(), nullable=True),
        sa.Column("duties", JSON, nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("predecessor", "successor", "day", name=op.f("pk_organisation_successions")),
    )
    op.create_table(
        "organisation_changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_organisation_changes")),
    )
    op.create_index(op.f("ix_organisation_changes_organisation_id"), "organisation_changes", ["organisation_id"])


def downgrade() -> None:
    op.drop_index("ix_organisation_changes_organisation_id", table_name="organisation_changes")
    op.drop_table("organisation_changes")
    op.drop_table("organisation_successions")
    op.drop_table("organisations")
