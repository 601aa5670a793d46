"""Idempotency-Key on POST: a retried submission or decision returns the first
answer and changes nothing.

A record is keyed by (caller, key). The first request claims the key (a row
with no status yet), is forwarded, and stores its answer; a retry with the
same method, path and body gets that answer again (``Idempotent-Replayed:
true``). The same key for another request is a client error (422), a retry
while the first is still in flight is 409. Only 2xx and 4xx answers are
kept: after a 5xx or an unreachable service the key is released so a retry
can succeed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from servicekit.db import Database, UTCDateTime, declarative_base
from servicekit.problems import Problem
from sqlalchemy import Integer, LargeBinary, String, Text, delete, exc, select, update
from sqlalchemy.orm import Mapped, mapped_column

Base: Any = declarative_base()  # built by servicekit: a class value mypy cannot follow

# Header names kept with a stored answer (enough for a client to act on a replay).
REPLAYED_HEADERS = frozenset({"content-type", "location", "etag", "last-modified"})
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"

    caller: Mapped[str] = mapped_column(String(255), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    headers: Mapped[str | None] = mapped_column(Text, nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def validate_key(key: str) -> str:
    if not _KEY_PATTERN.match(key):
        raise Problem(
            400,
            "Invalid Idempotency-Key",
            "An Idempotency-Key is 1 to 255 visible ASCII characters (a UUID is a good choice).",
            slug="invalid-idempotency-key",
        )
    return key


class IdempotencyStore:
    def __init__(self, database: Database, *, ttl_seconds: int = 86400, lock_seconds: float = 60.0) -> None:
        self.database = database
        self.ttl = timedelta(seconds=ttl_seconds)
        self.lock = timedelta(seconds=lock_seconds)

    def create_schema(self) -> None:
        """The gateway's migrations (gateway.store), where nobody ran them yet."""
        from .store import ensure_migrated

        ensure_migrated(self.database)

    def claim(self, caller: str, key: str, method: str, path: str, body_sha256: str) -> StoredAnswer | None:
        """Claim the key for this request; None means "go ahead and forward it".

        Returns the stored answer of an earlier identical request, or raises a
        409 (still in flight) or 422 (the key was used for another request).
        """
        now = _now()
        with self.database.transaction() as session:
            record = session.get(IdempotencyRecord, (caller, key))
            stale_claim = record is not None and record.status is None and record.created_at + self.lock < now
            if record is not None and (record.expires_at <= now or stale_claim):
                session.delete(record)
                session.flush()
                record = None
            if record is None:
                session.add(
                    IdempotencyRecord(
                        caller=caller,
                        key=key,
                        method=method,
                        path=path,
                        body_sha256=body_sha256,
                        created_at=now,
                        expires_at=now + self.ttl,
                    )
                )
                try:
                    session.flush()
                except exc.IntegrityError:
                    # A concurrent first attempt claimed it between our read and write.
                    raise in_progress() from None
                return None
            if (record.method, record.path, record.body_sha256) != (method, path, body_sha256):
                raise Problem(
                    422,
                    "Idempotency-Key reused",
                    "This Idempotency-Key was already used for a different request; use a new key.",
                    slug="idempotency-key-reused",
                )
            if record.status is None:
                raise in_progress()
            return StoredAnswer(
                record.status, [tuple(pair) for pair in json.loads(record.headers or "[]")], record.body or b""
            )

    def complete(self, caller: str, key: str, answer: StoredAnswer) -> None:
        if answer.status >= 500:
            self.release(caller, key)
            return
        kept = [(name, value) for name, value in answer.headers if name.lower() in REPLAYED_HEADERS]
        with self.database.transaction() as session:
            session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.caller == caller, IdempotencyRecord.key == key)
                .values(status=answer.status, headers=json.dumps(kept, ensure_ascii=False), body=answer.body)
            )

    def release(self, caller: str, key: str) -> None:
        with self.database.transaction() as session:
            session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.caller == caller, IdempotencyRecord.key == key)
            )

    def purge_expired(self) -> int:
        with self.database.transaction() as session:
            result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= _now()))
            return int(result.rowcount or 0)

    def count(self) -> int:
        with self.database.transaction() as session:
            return len(session.scalars(select(IdempotencyRecord.key)).all())


def in_progress() -> Problem:
    return Problem(
        409,
        "Request in progress",
        "A request with this Idempotency-Key is still being processed; retry after it completes.",
        slug="idempotency-in-progress",
        headers={"Retry-After": "1"},
    )


def _now() -> datetime:
    return datetime.now(UTC)
