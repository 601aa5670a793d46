"""The decisions of one approval form a hash chain (architecture §6): each
decision's hash covers its own fields — the subject decided on (document kind,
id, version) and its content hash among them — and the previous decision's
hash, so an edit of any stored decision breaks every hash from there on.
Decisions recorded before subjects existed were hashed without the subject and
still verify so; likewise a decision whose comment names no activity is hashed
without ``activity_id``."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import UTC, datetime
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8, every string NFC."""
    return json.dumps(_nfc(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nfc(v) for v in value]
    return value


def iso_utc(moment: datetime) -> str:
    """One spelling of an instant, whatever the database gave back (SQLite drops the zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def decision_hash(
    *,
    approval_id: str,
    task_id: str,
    level: int,
    decision: str,
    comment: str,
    by: str,
    decided_at: datetime,
    content_sha256: str,
    previous_hash: str | None,
    delegation: dict[str, str] | None = None,
    subject: dict[str, Any] | None = None,
    activity_id: str = "",
) -> str:
    record: dict[str, Any] = {
        "approval_id": approval_id,
        "task_id": task_id,
        "level": level,
        "decision": decision,
        "comment": comment,
        "by": by,
        "decided_at": iso_utc(decided_at),
        "content_sha256": content_sha256,
        "previous_hash": previous_hash,
    }
    if subject is not None:
        record["subject"] = subject
    if delegation:
        # Only a decision taken on someone's behalf carries this key, so every hash made
        # before delegations were recorded still recomputes.
        record["delegation"] = delegation
    if activity_id:
        # Only a comment that names an activity carries this key (every earlier hash recomputes).
        record["activity_id"] = activity_id
    return hashlib.sha256(canonical_json(record)).hexdigest()
