"""Organisations become registry ids: an approval's org_unit and province, from the codes used
before the organisation registry (CB-STTTT, province CB) to the registry's ids, as the plans
service and the realm now send them. Approver scope compares them with the people's
attributes, so an approval still open after this migration is routed to the unit and province
that hold the work today (Bắc Kạn's to Thái Nguyên's). The mapping is the plans service's seed
file's legacy_codes as they stood when this migration was written, frozen here.

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

UNITS = {
    "CB-STTTT": "svhttdl-cao-bang",
    "CB-SVHTTDL": "svhttdl-cao-bang",
    "CB-UBND": "ubnd-cao-bang",
    "BK-STTTT": "svhttdl-thai-nguyen-2025",
    "BK-UBND": "ubnd-thai-nguyen-2025",
    "KT-STTTT": "svhttdl-quang-ngai-2025",
    "KT-SVHTTDL": "svhttdl-quang-ngai-2025",
    "KT-UBND": "ubnd-quang-ngai-2025",
    "LS-STTTT": "svhttdl-lang-son",
    "LS-UBND": "ubnd-lang-son",
    "QB-STTTT": "svhttdl-quang-tri-2025",
    "QB-UBND": "ubnd-quang-tri-2025",
    "TN-SVHTTDL": "svhttdl-thai-nguyen-2025",
    "BVHTTDL-TTCS": "cuc-ttcs-ttdn",
}
PROVINCES = {
    "CB": "ubnd-cao-bang",
    "BK": "ubnd-thai-nguyen-2025",
    "KT": "ubnd-quang-ngai-2025",
    "LS": "ubnd-lang-son",
    "QB": "ubnd-quang-tri-2025",
    "TN": "ubnd-thai-nguyen-2025",
}


def upgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.alter_column("province", type_=sa.String(64), existing_type=sa.String(16), existing_nullable=False)
    approvals = sa.table("approvals", sa.column("org_unit", sa.String), sa.column("province", sa.String))
    for code, identifier in UNITS.items():
        op.execute(approvals.update().where(approvals.c.org_unit == code).values(org_unit=identifier))
    for code, identifier in PROVINCES.items():
        op.execute(approvals.update().where(approvals.c.province == code).values(province=identifier))


def downgrade() -> None:
    pass  # the ids stay: the wider column holds them
