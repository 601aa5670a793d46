"""Issued files: the signed PDF of each issued document, stored once with its
SHA-256, and the queue of documents waiting to be rendered.

The issuing transaction adds a ``pending`` row (no bytes); the renderer
claims pending rows one at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so renderers may run side by side), stores the bytes and marks the row
``stored``. A stored file never changes: every download is the same bytes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Index, Integer, LargeBinary, String, Text, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from .orm import Base

PENDING, STORED = "pending", "stored"


class IssuedFileRow(Base):
    __tablename__ = "issued_files"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # plan, report
    document_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    document_number: Mapped[str] = mapped_column(String(40))
    issuer: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    media_type: Mapped[str] = mapped_column(String(60), default="application/pdf")
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # What the signed face says that edXML repeats: signer's name, position and competence, pages …
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        Index(
            "ix_issued_files_pending",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )


@dataclass(frozen=True)
class IssuedFile:
    kind: str
    document_id: str
    version: int
    document_number: str
    issuer: str
    issued_on: date
    status: str
    sha256: str | None
    size: int | None
    stored_at: datetime | None
    attempts: int
    last_error: str | None
    details: dict[str, Any]


@functools.cache
def _await_rendering(dialect: str) -> Any:
    """The insert of a pending row that leaves one already there as it is. Built once (an approval
    that issues its document runs it in the consumer); the row is its parameters."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(IssuedFileRow.__table__).on_conflict_do_nothing()


def _file(row: IssuedFileRow) -> IssuedFile:
    return IssuedFile(
        kind=row.kind,
        document_id=row.document_id,
        version=row.version,
        document_number=row.document_number,
        issuer=row.issuer,
        issued_on=row.issued_on,
        status=row.status,
        sha256=row.sha256,
        size=row.size,
        stored_at=row.stored_at,
        attempts=row.attempts,
        last_error=row.last_error,
        details=dict(row.details or {}),
    )


class IssuedFiles:
    """The issued files of one database session (the caller's transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def await_rendering(
        self, kind: str, document_id: str, *, version: int, document_number: str, issuer: str, issued_on: date
    ) -> None:
        """Queue an issued document for the renderer (idempotent: a second request changes nothing)."""
        now = datetime.now(UTC)
        self.session.execute(
            _await_rendering(self.session.get_bind().dialect.name),
            {
                "kind": kind,
                "document_id": document_id,
                "version": version,
                "document_number": document_number,
                "issuer": issuer,
                "issued_on": issued_on,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "media_type": "application/pdf",
                "details": {},
                "requested_at": now,
            },
        )

    def get(self, kind: str, document_id: str) -> IssuedFile | None:
        row = self.session.get(IssuedFileRow, (kind, document_id))
        return _file(row) if row is not None else None

    def content(self, kind: str, document_id: str) -> tuple[IssuedFile, bytes] | None:
        row = self.session.get(IssuedFileRow, (kind, document_id))
        if row is None or row.content is None:
            return None
        return _file(row), bytes(row.content)

    def by_sha256(self, sha256: str) -> IssuedFile | None:
        row = self.session.scalars(select(IssuedFileRow).where(IssuedFileRow.sha256 == sha256)).first()
        return _file(row) if row is not None else None

    def claim_next(self, now: datetime, *, lease: timedelta) -> IssuedFile | None:
        """The oldest pending row that is due, leased to the caller until ``now + lease``."""
        query = (
            select(IssuedFileRow)
            .where(IssuedFileRow.status == PENDING, IssuedFileRow.next_attempt_at <= now)
            .order_by(IssuedFileRow.next_attempt_at)
            .limit(1)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = self.session.scalars(query).first()
        if row is None:
            return None
        row.next_attempt_at = now + lease
        self.session.flush()
        return _file(row)

    def pending_count(self) -> int:
        statement = select(func.count()).select_from(IssuedFileRow).where(IssuedFileRow.status == PENDING)
        return int(self.session.scalar(statement) or 0)

    def store(
        self,
        kind: str,
        document_id: str,
        content: bytes,
        sha256: str,
        signed_by: str,
        details: dict[str, Any],
        now: datetime,
    ) -> bool:
        """Keep the signed bytes; False when another renderer stored them first (they stay)."""
        row = self.session.get(IssuedFileRow, (kind, document_id), with_for_update=True)
        if row is None or row.status != PENDING:
            return False
        row.content = content
        row.details = details
        row.sha256 = sha256
        row.size = len(content)
        row.signed_by = signed_by
        row.status = STORED
        row.stored_at = now
        row.attempts += 1
        row.last_error = None
        return True

    def postpone(self, kind: str, document_id: str, error: str, now: datetime) -> None:
        """A failed attempt: try again later, waiting longer each time (at most ten minutes)."""
        row = self.session.get(IssuedFileRow, (kind, document_id), with_for_update=True)
        if row is None or row.status != PENDING:
            return
        row.attempts += 1
        row.last_error = error[:2000]
        row.next_attempt_at = now + timedelta(seconds=min(600, 2 ** min(row.attempts, 10)))
