"""Organisations become registry ids: a webhook subscription's province filter, from the codes used
before the organisation registry (CB) to the id of the province's People's Committee
(ubnd-cao-bang), as the events now carry it. A subscription for a province merged in 2025 follows
the province that took it over. Frozen mapping (the plans service's seed file's legacy_codes).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PROVINCES = {
    "CB": "ubnd-cao-bang",
    "BK": "ubnd-thai-nguyen-2025",
    "KT": "ubnd-quang-ngai-2025",
    "LS": "ubnd-lang-son",
    "QB": "ubnd-quang-tri-2025",
    "TN": "ubnd-thai-nguyen-2025",
}


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.alter_column("province", type_=sa.String(64), existing_type=sa.String(16), existing_nullable=True)
    subscriptions = sa.table("webhook_subscriptions", sa.column("province", sa.String))
    for code, identifier in PROVINCES.items():
        op.execute(subscriptions.update().where(subscriptions.c.province == code).values(province=identifier))


def downgrade() -> None:
    pass  # the ids stay: the wider column holds them
