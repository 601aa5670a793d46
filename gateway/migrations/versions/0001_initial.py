"""The gateway's tables: idempotency records and web sessions.

A store made before the gateway had migrations (its tables created on start)
is adopted as it is: a table that exists already is left alone.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-29 09:02:37
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _missing(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing("idempotency_records"):
        op.create_table(
            "idempotency_records",
            sa.Column("caller", sa.String(length=255), nullable=False),
            sa.Column("key", sa.String(length=255), nullable=False),
            sa.Column("method", sa.String(length=10), nullable=False),
            sa.Column("path", sa.Text(), nullable=False),
            sa.Column("body_sha256", sa.String(length=64), nullable=False),
            sa.Column("status", sa.Integer(), nullable=True),
            sa.Column("headers", sa.Text(), nullable=True),
            sa.Column("body", sa.LargeBinary(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("caller", "key", name=op.f("pk_idempotency_records")),
        )
        op.create_index(op.f("ix_idempotency_records_expires_at"), "idempotency_records", ["expires_at"])
    if _missing("web_sessions"):
        op.create_table(
            "web_sessions",
            sa.Column("id_sha256", sa.String(length=64), nullable=False),
            sa.Column("csrf_token", sa.String(length=64), nullable=False),
            sa.Column("locale", sa.String(length=8), nullable=True),
            sa.Column("login_state", sa.String(length=64), nullable=True),
            sa.Column("login_nonce", sa.String(length=64), nullable=True),
            sa.Column("code_verifier", sa.String(length=128), nullable=True),
            sa.Column("return_to", sa.Text(), nullable=True),
            sa.Column("username", sa.String(length=255), nullable=True),
            sa.Column("access_token", sa.Text(), nullable=True),
            sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("refresh_token", sa.Text(), nullable=True),
            sa.Column("id_token", sa.Text(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id_sha256", name=op.f("pk_web_sessions")),
        )
        op.create_index(op.f("ix_web_sessions_expires_at"), "web_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_expires_at"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_index(op.f("ix_idempotency_records_expires_at"), table_name="idempotency_records")
    op.drop_table("idempotency_records")
