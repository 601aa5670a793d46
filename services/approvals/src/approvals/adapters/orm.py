"""The approvals database: SQLAlchemy 2 declarative tables (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.consumer import InboxMixin
from servicekit.db import declarative_base
from servicekit.outbox import OutboxMixin
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

Base = declarative_base()
UTCDateTime = DateTime(timezone=True)


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class ChainRow(Base):
    """One published version of a chain; versions are never changed, only added."""

    __tablename__ = "approval_chains"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_by: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApprovalRow(Base):
    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("plan_id", "plan_version", name="uq_approvals_plan_version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64), index=True)
    plan_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    # unidecode + lower (đ → d): accent-insensitive search over titles.
    title_folded: Mapped[str] = mapped_column(Text)
    org_unit: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    plan_type: Mapped[str] = mapped_column(String(32))
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(120))
    edited_by: Mapped[list[str]] = mapped_column(JSON)
    submitted_by: Mapped[str] = mapped_column(String(120))
    submitters: Mapped[list[str]] = mapped_column(JSON, default=list)  # who submitted any version
    chain_key: Mapped[str] = mapped_column(String(80))
    chain_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    current_level: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    tasks: Mapped[list[TaskRow]] = relationship(lazy="selectin", order_by="TaskRow.level", back_populates="approval")
    decisions: Mapped[list[DecisionRow]] = relationship(lazy="selectin", order_by="DecisionRow.sequence")
    delegations: Mapped[list[DelegationRow]] = relationship(lazy="selectin", order_by="DelegationRow.delegated_at")


class TaskRow(Base):
    """One level instance of an approval."""

    __tablename__ = "approval_tasks"
    __table_args__ = (
        UniqueConstraint("approval_id", "level", name="uq_approval_tasks_level"),
        Index("ix_approval_tasks_open_due", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    approval_id: Mapped[str] = mapped_column(ForeignKey("approvals.id"))
    level: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    required_approvals: Mapped[int] = mapped_column(Integer)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    approval: Mapped[ApprovalRow] = relationship(back_populates="tasks", lazy="raise")
    assignees: Mapped[list[AssigneeRow]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class AssigneeRow(Base):
    """Who a task is offered to (a table, so "my tasks" is an indexed query)."""

    __tablename__ = "task_assignees"

    task_id: Mapped[str] = mapped_column(ForeignKey("approval_tasks.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), primary_key=True, index=True)


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        # The last line against a lost race: one decision per place in the hash chain,
        # and one per person and task.
        UniqueConstraint("approval_id", "sequence", name="uq_decisions_sequence"),
        UniqueConstraint("task_id", "decided_by", name="uq_decisions_task_person"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    approval_id: Mapped[str] = mapped_column(ForeignKey("approvals.id"))
    task_id: Mapped[str] = mapped_column(ForeignKey("approval_tasks.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_sha256: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str] = mapped_column(String(64))


class DelegationRow(Base):
    __tablename__ = "delegations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    approval_id: Mapped[str] = mapped_column(ForeignKey("approvals.id"))
    task_id: Mapped[str] = mapped_column(ForeignKey("approval_tasks.id"))
    from_user: Mapped[str] = mapped_column(String(120))
    to_user: Mapped[str] = mapped_column(String(120))
    comment: Mapped[str] = mapped_column(Text)
    delegated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WithdrawalRow(Base):
    """A withdrawal that arrived before its submission (a retried event): the late
    ``plan.submitted`` must not open an approval for a version already recalled."""

    __tablename__ = "plan_withdrawals"

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    withdrawn_by: Mapped[str] = mapped_column(String(120))
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
