"""The last withdrawal request of each plan (decided by the approvals service), and who may read each frozen version (the approver roles it was submitted to, the people who
decided on it), and each version's title and folded words, so approvers read and search what
was submitted to them, never the drafter's working copy.

Existing versions are backfilled: their title and words from their frozen content, their
readers from the timeline (the levels opened for them, by the plan chain's roles, and their
deciders), and the department's leadership for every submitted version.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB
from unidecode import unidecode
import unicodedata

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The plan chain's role of each level, for versions decided before events named the role.
LEVEL_ROLES = {1: "dept_approver", 2: "province_approver", 3: "ministry_approver"}


def _fold(value: str) -> str:
    return " ".join(unidecode(unicodedata.normalize("NFC", value)).lower().split())


def upgrade() -> None:
    with op.batch_alter_table("plan_versions") as batch:
        batch.add_column(sa.Column("title", sa.Text(), nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    op.create_table(
        "plan_version_readers",
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(length=140), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id", "number"],
            ["plan_versions.plan_id", "plan_versions.number"],
            name=op.f("fk_plan_version_readers_plan_id_plan_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "number", "reader", name=op.f("pk_plan_version_readers")),
    )
    op.create_index("ix_plan_version_readers_reader", "plan_version_readers", ["reader", "plan_id"])
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("withdrawal", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True))
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    versions = sa.table(
        "plan_versions",
        sa.column("plan_id"),
        sa.column("number"),
        sa.column("content", sa.JSON()),
        sa.column("title"),
        sa.column("search_text"),
    )
    timeline = sa.table("plan_timeline", sa.column("plan_id"), sa.column("kind"), sa.column("version"),
                        sa.column("level"), sa.column("actor"))
    readers: set[tuple[str, int, str]] = set()
    for plan_id, number, content in bind.execute(sa.select(versions.c.plan_id, versions.c.number, versions.c.content)):
        content = content or {}
        words = " ".join(
            [content.get("title", ""), content.get("summary", ""), *(a.get("title", "") for a in content.get("activities") or [])]
        )
        bind.execute(
            versions.update()
            .where(versions.c.plan_id == plan_id, versions.c.number == number)
            .values(title=content.get("title", ""), search_text=_fold(words))
        )
        readers.add((plan_id, number, "role:dept_approver"))
    known = {(plan_id, number) for plan_id, number, _ in readers}
    for plan_id, kind, version, level, actor in bind.execute(
        sa.select(timeline.c.plan_id, timeline.c.kind, timeline.c.version, timeline.c.level, timeline.c.actor).where(
            timeline.c.kind.in_(("task_assigned", "decision"))
        )
    ):
        if (plan_id, version) not in known:
            continue
        if kind == "task_assigned" and level in LEVEL_ROLES:
            readers.add((plan_id, version, f"role:{LEVEL_ROLES[level]}"))
        elif kind == "decision" and actor:
            readers.add((plan_id, version, f"user:{actor}"))
    if readers:
        op.bulk_insert(
            sa.table("plan_version_readers", sa.column("plan_id"), sa.column("number"), sa.column("reader")),
            [{"plan_id": plan_id, "number": number, "reader": reader} for plan_id, number, reader in sorted(readers)],
        )


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("withdrawal")
    op.drop_index("ix_plan_version_readers_reader", table_name="plan_version_readers")
    op.drop_table("plan_version_readers")
    with op.batch_alter_table("plan_versions") as batch:
        batch.drop_column("search_text")
        batch.drop_column("title")
