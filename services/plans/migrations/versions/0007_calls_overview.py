"""The ministry's calls (with the reminders sent and the documents' chosen calls), and the
overview read model (documents as their events told them, and the calls' copies).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(80), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issuer", sa.String(80), nullable=False),
        sa.Column("issuer_name", sa.Text(), nullable=False),
        sa.Column("plan_year", sa.Integer(), nullable=True),
        sa.Column("plan_due", sa.Date(), nullable=True),
        sa.Column("report_year", sa.Integer(), nullable=True),
        sa.Column("report_due", sa.Date(), nullable=True),
        sa.Column("priorities", sa.Text(), nullable=False),
        sa.Column("provinces", Json, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_calls_issued_on", "calls", ["issued_on"])
    op.create_index("ix_calls_plan_year", "calls", ["plan_year"])
    op.create_index("ix_calls_report_year", "calls", ["report_year"])
    op.create_table(
        "call_reminders",
        sa.Column("call_id", sa.String(36), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("province", sa.String(80), primary_key=True),
        sa.Column("document", sa.String(20), primary_key=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "call_links",
        sa.Column("document_kind", sa.String(20), primary_key=True),
        sa.Column("document_id", sa.String(36), primary_key=True),
        sa.Column("call_id", sa.String(36), nullable=False),
        sa.Column("linked_by", sa.String(120), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "overview_documents",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("province", sa.String(80), nullable=False),
        sa.Column("org_unit", sa.String(80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("plan_type", sa.String(40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("call_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("document_number", sa.String(40), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("state", Json, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change", sa.String(32), nullable=False, server_default=""),
    )
    op.create_index("ix_overview_documents_year", "overview_documents", ["year", "province"])
    op.create_table(
        "overview_calls",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("data", Json, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("overview_calls")
    op.drop_index("ix_overview_documents_year", table_name="overview_documents")
    op.drop_table("overview_documents")
    op.drop_table("call_links")
    op.drop_table("call_reminders")
    op.drop_index("ix_calls_report_year", table_name="calls")
    op.drop_index("ix_calls_plan_year", table_name="calls")
    op.drop_index("ix_calls_issued_on", table_name="calls")
    op.drop_table("calls")
