"""The list's accent-insensitive search (`q`) at 100,000 plans: trigram indexes on the folded words of the
working copies and of the frozen versions, on PostgreSQL (the pg_trgm extension, trusted: the database's
owner may create it), without GIN's pending list (fastupdate off: a search would otherwise scan every
row written since the last vacuum); on SQLite, plain indexes of the same names.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 18:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, name in (("plans", "ix_plans_search_text_trgm"), ("plan_versions", "ix_plan_versions_search_text_trgm")):
        op.create_index(
            name,
            table,
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        )


def downgrade() -> None:
    op.drop_index("ix_plan_versions_search_text_trgm", table_name="plan_versions")
    op.drop_index("ix_plans_search_text_trgm", table_name="plans")
