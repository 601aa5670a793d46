"""Tables of the plans database. The filterable facts of a plan are columns
(indexed together with the list's sort key, so a filtered page is one index
range scan at 100,000 plans); the content itself is JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from servicekit.consumer import InboxMixin
from servicekit.db import BigIntKey, UTCDateTime, declarative_base
from servicekit.outbox import OutboxMixin
from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

Base = declarative_base()
Json = JSON().with_variant(JSONB(), "postgresql")


class PlanRow(Base):
    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_unit: Mapped[str] = mapped_column(String(64))  # a registry id (svhttdl-cao-bang)
    province: Mapped[str] = mapped_column(String(64))  # the province's registry id (ubnd-cao-bang)
    year: Mapped[int] = mapped_column(Integer)
    plan_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)  # folded (accent-free, lower-case) words searched by `q`
    content: Mapped[dict[str, Any]] = mapped_column(Json)
    revision: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(120))
    editors: Mapped[list[str]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stage: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    document_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    issuer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    place: Mapped[str | None] = mapped_column(String(120), nullable=True)
    withdrawal: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)  # the last withdrawal request
    # The document's kind: plan, or report (on a plan); plan_type then holds the report's kind.
    kind: Mapped[str] = mapped_column(String(12), default="plan", server_default="plan")
    receipt: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)  # a report's receipt by the ministry

    __table_args__ = (
        # The list sorts newest first by (created_at, id); each filter leads an index ending in that key.
        Index("ix_plans_created", "created_at", "id"),
        Index("ix_plans_org_unit_created", "org_unit", "created_at", "id"),
        Index("ix_plans_province_created", "province", "created_at", "id"),
        Index("ix_plans_status_created", "status", "created_at", "id"),
        Index("ix_plans_year_created", "year", "created_at", "id"),
        Index("ix_plans_kind_org_unit_year", "kind", "org_unit", "year"),
    )


class PlanVersionRow(Base):
    __tablename__ = "plan_versions"

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(Json)
    content_sha256: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[str] = mapped_column(String(120))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_by: Mapped[list[str]] = mapped_column(Json, default=list)
    approval_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # The frozen title and folded words, so approvers list and search what was submitted to them
    # (on PostgreSQL through a trigram index, as the working copies' words: migrations 0001 and 0010).
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    search_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The drafters' reply to the return that came before this version (giải trình).
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The activity of this version the reply is about (its stable id; NULL: the whole document).
    reply_activity_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PlanVersionReaderRow(Base):
    """Who may read a frozen version besides the unit's drafters: ``role:<approver role>`` for each
    level it was offered to, ``user:<username>`` for each person who decided on it.

    ``plan_created_at`` is the plan's own ``created_at`` (which never changes), kept here so that a
    reader's versions can be walked in the list's order, newest plan first, from one index: a search
    of an approver's versions then reads the page and stops, however few of the newest plans the
    approver may read (repository ``_visible_clauses``)."""

    __tablename__ = "plan_version_readers"

    plan_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    reader: Mapped[str] = mapped_column(String(140), primary_key=True)
    plan_created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        ForeignKeyConstraint(
            ["plan_id", "number"], ["plan_versions.plan_id", "plan_versions.number"], ondelete="CASCADE"
        ),
        Index("ix_plan_version_readers_reader", "reader", "plan_id"),
        Index("ix_plan_version_readers_newest", "reader", "plan_created_at", "plan_id"),
    )


class TimelineRow(Base):
    __tablename__ = "plan_timeline"

    seq: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str | None] = mapped_column(String(120), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)

    __table_args__ = (UniqueConstraint("plan_id", "entry_id", name="uq_plan_timeline_entry"),)


class PlanDeciderRow(Base):
    """Who decided on a plan: they keep reading it (architecture §4), and the list filters on it."""

    __tablename__ = "plan_deciders"

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), primary_key=True, index=True)


class RegisterRow(Base):
    """The numbering register: the last number an issuing body took in a series and year."""

    __tablename__ = "numbering_register"

    issuer: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class IssuedNumberRow(Base):
    """Every number taken, and by which plan: the register's audit trail; the primary key makes
    a reused number impossible even if the counter were tampered with."""

    __tablename__ = "issued_numbers"

    issuer: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(36), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallRow(Base):
    """A ministry's call (plans.domain.calls): the letter, what it asks for and whom."""

    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(80))
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    issuer: Mapped[str] = mapped_column(String(80))
    issuer_name: Mapped[str] = mapped_column(Text)
    plan_year: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    plan_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    report_year: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    report_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    priorities: Mapped[str] = mapped_column(Text)
    provinces: Mapped[list[dict[str, str]]] = mapped_column(Json)  # [{id, code, name}]
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallReminderRow(Base):
    """A reminder sent for a call, a province and a document kind: each is sent once."""

    __tablename__ = "call_reminders"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    province: Mapped[str] = mapped_column(String(80), primary_key=True)
    document: Mapped[str] = mapped_column(String(20), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallLinkRow(Base):
    """The call a document answers, as its drafter chose it (``call_id`` empty: none); a document
    without a row answers the call its year, kind and province match (plans.domain.calls.answering)."""

    __tablename__ = "call_links"

    document_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(36))
    linked_by: Mapped[str] = mapped_column(String(120))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OverviewDocumentRow(Base):
    """The overview read model (plans.domain.overview): one document as its events told it.
    Rebuilt from scratch by ``ttdn-plans overview-rebuild``."""

    __tablename__ = "overview_documents"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    province: Mapped[str] = mapped_column(String(80))
    org_unit: Mapped[str] = mapped_column(String(80))
    year: Mapped[int] = mapped_column(Integer)
    plan_type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    call_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))
    document_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    change: Mapped[str] = mapped_column(String(32), default="")  # a fresh token at every change (the cache stamp)

    __table_args__ = (Index("ix_overview_documents_year", "year", "province"),)


class OverviewCallRow(Base):
    """The overview's copy of each call, from ``call.issued``."""

    __tablename__ = "overview_calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(Json)  # the call.issued payload


class OrganisationRow(Base):
    """One organisation of the registry, in the seed file's shape (docs/organisations.md)."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    record: Mapped[dict[str, Any]] = mapped_column(Json)
    source: Mapped[str] = mapped_column(String(10))  # seed: from the seed file; admin: written through the API
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))


class OrganisationSuccessionRow(Base):
    """A predecessor's work passing to a successor from a day."""

    __tablename__ = "organisation_successions"

    predecessor: Mapped[str] = mapped_column(String(64), primary_key=True)
    successor: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(30))
    act: Mapped[str | None] = mapped_column(Text, nullable=True)
    duties: Mapped[list[str]] = mapped_column(Json, default=list)
    source: Mapped[str] = mapped_column(String(10))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(120))


class OrganisationChangeRow(Base):
    """Every change to the registry, kept: who, when, what it was before and after."""

    __tablename__ = "organisation_changes"

    seq: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # seeded, created, updated, succession_recorded
    before: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    after: Mapped[dict[str, Any]] = mapped_column(Json)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(120))


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass
