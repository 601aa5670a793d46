"""The list's accent-insensitive search (`q`) at 100,000 plans. Each visibility clause is now a query of
its own (adapters/repository.py, `_found`), which the planner may drive from the trigram index on the
working copies' folded words (0001) — so that index loses GIN's pending list (fastupdate off, the list
emptied now): a search through it would otherwise also scan every plan written since the last vacuum,
as the approvals' title search did (28 ms against 2.5 ms after 10,000 new titles). PostgreSQL only, and
only where pg_trgm could be created (0001's rule): elsewhere the search works unindexed.

The frozen versions' words get no index: an approver's clause is read from the readers' index, and a
trigram index there would be written on every decision (a version's approval fields change with it).

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

_EXISTS = "SELECT 1 FROM pg_class WHERE relname = 'ix_plans_search_trgm' AND relkind = 'i'"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or bind.exec_driver_sql(_EXISTS).first() is None:
        return
    op.execute("ALTER INDEX ix_plans_search_trgm SET (fastupdate = off)")
    op.execute("SELECT gin_clean_pending_list('ix_plans_search_trgm'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX IF EXISTS ix_plans_search_trgm RESET (fastupdate)")
