"""Issued files: the signed PDF of each issued document with its SHA-256, and the
renderer's queue. Plans approved before this revision are queued for rendering.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_files",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document_number", sa.String(length=40), nullable=False),
        sa.Column("issuer", sa.String(length=40), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("signed_by", sa.String(length=120), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", "document_id", name=op.f("pk_issued_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_issued_files_sha256")),
    )
    op.create_index(
        "ix_issued_files_pending",
        "issued_files",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    # Plans issued before documents were rendered get theirs now.
    op.execute(
        """
        INSERT INTO issued_files (kind, document_id, version, document_number, issuer, issued_on, status, attempts,
                                  next_attempt_at, media_type, details, requested_at)
        SELECT 'plan', p.id, (SELECT max(v.number) FROM plan_versions v WHERE v.plan_id = p.id), p.document_number,
               p.issuer, p.issued_on, 'pending', 0, CURRENT_TIMESTAMP, 'application/pdf', '{}', CURRENT_TIMESTAMP
        FROM plans p
        WHERE p.status = 'approved' AND p.document_number IS NOT NULL AND p.issued_on IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_index("ix_issued_files_pending", table_name="issued_files")
    op.drop_table("issued_files")
