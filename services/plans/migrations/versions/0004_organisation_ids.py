"""Organisations become registry ids: the plans' org_unit, province and issuer, the register's
issuers and the working copies' lead and partner units, from the codes used before the
registry (CB-STTTT, CB-UBND, province CB) to the ids of the organisation registry.

A document keeps the organisation its code meant on the document's date (the issue date of an
issued plan); a plan not issued yet belongs to the unit that holds that work today (a draft of
Bắc Kạn's Sở TTTT passes to Thái Nguyên's Sở VHTTDL). Frozen versions are not rewritten: their
content is hashed and signed as submitted, and the names printed from them read old codes
through the registry's legacy_codes. The mapping comes from the seed file's legacy_codes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:40:00
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

EXTERNAL_INFORMATION = "external_information"


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.alter_column("org_unit", type_=sa.String(64), existing_type=sa.String(40), existing_nullable=False)
        batch.alter_column("province", type_=sa.String(64), existing_type=sa.String(12), existing_nullable=False)
        batch.alter_column("issuer", type_=sa.String(64), existing_type=sa.String(40), existing_nullable=True)
    for table in ("numbering_register", "issued_numbers"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("issuer", type_=sa.String(64), existing_type=sa.String(40), existing_nullable=False)
    migrate_codes(op.get_bind())


def migrate_codes(bind: Any, today: date | None = None) -> None:
    """Every stored code to its registry id (ids already there stay as they are)."""
    from plans.domain.organisation_seed import load_seed

    registry = load_seed()
    legacy = registry.legacy_codes
    today = today or date.today()

    def unit(code: str, day: date) -> str:
        found = legacy.get(code)
        if found is None:
            return code
        if registry.get(found).in_force(day):
            return found
        holders = registry.holders_on(found, day, EXTERNAL_INFORMATION)
        return holders[0] if holders else found

    plans = sa.table(
        "plans",
        sa.column("id", sa.String),
        sa.column("org_unit", sa.String),
        sa.column("province", sa.String),
        sa.column("issuer", sa.String),
        sa.column("issued_on", sa.Date),
        sa.column("content", sa.JSON),
    )
    for row in bind.execute(sa.select(plans)).mappings().all():
        day = row["issued_on"] or today
        if isinstance(day, str):
            day = date.fromisoformat(day)
        content = row["content"]
        if isinstance(content, str):
            content = json.loads(content)
        org_unit = unit(row["org_unit"], day)
        province = row["province"]
        if org_unit in registry and registry.get(org_unit).in_force(day):
            province = registry.province_on(org_unit, day) or province
        changed = dict(content)
        changed["org_unit"] = org_unit
        changed["activities"] = [
            {
                **activity,
                "lead_unit": unit(activity.get("lead_unit", ""), day),
                "partner_units": [unit(code, day) for code in activity.get("partner_units") or []],
            }
            for activity in content.get("activities") or []
        ]
        issuer = legacy.get(row["issuer"], row["issuer"]) if row["issuer"] else None
        bind.execute(
            plans.update()
            .where(plans.c.id == row["id"])
            .values(org_unit=org_unit, province=province, issuer=issuer, content=changed)
        )
    for table in ("numbering_register", "issued_numbers"):
        issuers = sa.table(table, sa.column("issuer", sa.String))
        for code, identifier in legacy.items():
            bind.execute(issuers.update().where(issuers.c.issuer == code).values(issuer=identifier))


def downgrade() -> None:
    # The codes are not restored: the registry ids stay readable (a wider column holds them).
    pass
