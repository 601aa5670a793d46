"""Keyset pagination, one codec for every list: an opaque cursor is the sort key
of the last item seen (a moment and an id), base64url-encoded JSON. A cursor
this code did not make is refused as :class:`InvalidCursor`, which every
service answers as a ``422`` naming the ``cursor`` field
(``servicekit.problems.register_error_handlers``)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime


class InvalidCursor(ValueError):
    """A pagination cursor this service did not issue."""

    def __init__(self) -> None:
        super().__init__("Not a cursor this service issued.")


def encode_cursor(moment: datetime, item_id: str) -> str:
    """The cursor after an item sorted by ``(moment, item_id)``; a naive moment is UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raw = json.dumps([aware.isoformat(), item_id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The ``(moment, item_id)`` a cursor names; :class:`InvalidCursor` if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment_text, item_id = json.loads(raw)
        moment = datetime.fromisoformat(moment_text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor from None
    if moment.tzinfo is None or not isinstance(item_id, str):
        raise InvalidCursor
    return moment, item_id
