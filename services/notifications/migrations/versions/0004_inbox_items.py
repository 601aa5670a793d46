"""One inbox item per happening: the events grouped in an item (notification_mentions), the groups
it answers to (notification_keys), the link's words beside the link (notifications.link_text,
outgoing_mail.link_text), and an item's mail that may be sent again when the item changes after
it went out (outgoing_mail.notification_id no longer unique).

Items written before keep their one event and their text (whose last line is the raw address);
they are never grouped with later events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notification_mentions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("received_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_mentions_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_mentions")),
        sa.UniqueConstraint("event_id", "recipient", name="uq_notification_mentions_event_recipient"),
    )
    with op.batch_alter_table("notification_mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_mentions_notification_id"), ["notification_id"], unique=False)

    op.create_table(
        "notification_keys",
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("notification_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_keys_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("recipient", "key", name=op.f("pk_notification_keys")),
    )
    with op.batch_alter_table("notification_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_keys_notification_id"), ["notification_id"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_text", sa.String(length=200), server_default="", nullable=False))

    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_text", sa.String(length=200), server_default="", nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_outgoing_mail_notification_id"), type_="unique")
        batch_op.create_index(batch_op.f("ix_outgoing_mail_notification_id"), ["notification_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_notification_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_outgoing_mail_notification_id"), ["notification_id"])
        batch_op.drop_column("link_text")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("link_text")
    with op.batch_alter_table("notification_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_keys_notification_id"))
    op.drop_table("notification_keys")
    with op.batch_alter_table("notification_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_mentions_notification_id"))
    op.drop_table("notification_mentions")
