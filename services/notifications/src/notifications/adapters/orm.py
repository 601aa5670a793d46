"""The service's tables: SQLAlchemy 2 declarative models, and the delivery aggregate
mapped imperatively (``start_mappers``).

The inbox is read by one reader at a time, newest first, at millions of rows:
``ix_notifications_inbox`` (recipient, created_at, id) serves keyset pages in
both directions, and the partial ``ix_notifications_unread`` keeps unread
counts and ``unread=true`` pages small.

A notification is one inbox item, which may group several events of one happening
(``domain.model.InboxItem``): ``notification_mentions`` holds each event's part in it (one
row per event and reader, which also makes a redelivered event a no-op), and
``notification_keys`` the groups it answers to, one row per reader and group, whose primary
key makes two consumers that start the same item at once collide (the loser is retried and
joins the winner's item).
"""

from __future__ import annotations

from datetime import UTC, datetime

from servicekit.consumer import InboxMixin
from servicekit.db import BigIntKey, UTCDateTime, declarative_base, map_once
from servicekit.list_versions import ListVersionMixin
from servicekit.organisations import OrganisationCopyMixin, SuccessionCopyMixin
from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.deliveries import WebhookAttempt, WebhookDelivery

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(UTC)


class Inbox(InboxMixin, Base):
    pass


class InboxVersionRow(ListVersionMixin, Base):
    """Each reader's inbox version (servicekit.list_versions): what makes the inbox's ETag, so a poll that
    changed nothing is answered 304 from this row alone. Raised by the repository's writes of items."""


class OrganisationCopyRow(OrganisationCopyMixin, Base):
    """The copy of the organisation registry (servicekit.organisations): the newest state heard."""


class SuccessionCopyRow(SuccessionCopyMixin, Base):
    """The copy of the registry's successions."""


class NotificationRow(Base):
    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(120))
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(120))
    plan_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    subject: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(1000))
    # The link's words in the reader's language ("Xem kế hoạch"); empty on items written before them.
    link_text: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("event_id", "recipient", name="uq_notifications_event_recipient"),
        Index("ix_notifications_inbox", "recipient", "created_at", "id"),
        Index(
            "ix_notifications_unread",
            "recipient",
            "created_at",
            "id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )


class NotificationMentionRow(Base):
    """One event's part in an inbox item: the facts its message is written from."""

    __tablename__ = "notification_mentions"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    notification_id: Mapped[str] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(120))
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(120))
    context: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "recipient", name="uq_notification_mentions_event_recipient"),)


class NotificationKeyRow(Base):
    """A group an inbox item answers to, for its reader (``domain.model.grouping_keys``)."""

    __tablename__ = "notification_keys"

    recipient: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    notification_id: Mapped[str] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)


class PlanAudienceRow(Base):
    """The drafters of a plan, learnt from plan.submitted (no lookups into the plans service)."""

    __tablename__ = "plan_audiences"

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    drafters: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClosedApprovalRow(Base):
    """Approvals known to have ended, so a late task event about them tells nobody."""

    __tablename__ = "closed_approvals"

    approval_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutgoingMailRow(Base):
    """One notice waiting for its reader's next digest. ``batch_id`` is set when a
    mailer claims it; ``sent_at`` once the SMTP server accepted the digest."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    # An item's mail is rewritten while it waits; an item that changes after its mail went out
    # (the number issued after the decision was mailed) is mailed again: one row each time.
    notification_id: Mapped[str] = mapped_column(String(36), index=True)
    recipient: Mapped[str] = mapped_column(String(120))
    reader_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(1000))
    link_text: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    batch_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index(
            "ix_outgoing_mail_unsent",
            "recipient",
            "created_at",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )


class WebhookSubscriptionRow(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(String(120), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    province: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Needed in clear to sign (HMAC); shown to the integrator once, at creation.
    secret: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# Deliveries are domain objects (domain/deliveries.py) mapped onto their tables
# imperatively: the rules live in the dataclasses, SQLAlchemy tracks their changes.
webhook_deliveries = Table(
    "webhook_deliveries",
    Base.metadata,
    Column("id", String(36), primary_key=True),
    Column("subscription_id", ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    # Also the lease of an attempt in flight: a dispatcher that dies mid-attempt leaves it due again.
    Column("next_attempt_at", UTCDateTime, nullable=False, default=utcnow),
    Column("give_up_at", UTCDateTime, nullable=False),
    Column("last_response_code", Integer, nullable=True),
    Column("completed_at", UTCDateTime, nullable=True),
    UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_subscription_event"),
    Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
    Index("ix_webhook_deliveries_log", "subscription_id", "created_at", "id"),
)

webhook_attempts = Table(
    "webhook_attempts",
    Base.metadata,
    Column("id", BigIntKey, primary_key=True, autoincrement=True),
    Column("delivery_id", ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("response_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
)


def start_mappers() -> None:
    """Map the delivery aggregate onto its tables (once per process: servicekit's ``map_once``)."""
    map_once(WebhookDelivery, _map_deliveries)


def _map_deliveries() -> None:
    Base.registry.map_imperatively(WebhookAttempt, webhook_attempts)
    Base.registry.map_imperatively(
        WebhookDelivery,
        webhook_deliveries,
        properties={
            "attempt_log": relationship(
                WebhookAttempt, order_by=[webhook_attempts.c.attempt, webhook_attempts.c.id], cascade="all"
            )
        },
    )
