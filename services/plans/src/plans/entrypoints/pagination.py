"""Opaque cursors for keyset pagination: the sort key of the last item seen,
base64url-encoded. Generic enough to move into servicekit."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from servicekit.problems import Problem


def encode_cursor(created_at: datetime, item_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), item_id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, item_id = json.loads(raw)
        moment = datetime.fromisoformat(created_at)
        if moment.tzinfo is None or not isinstance(item_id, str):
            raise ValueError("not a cursor of ours")
        return moment, item_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise Problem(
            422,
            "Validation failed",
            "The request has invalid fields; see errors.",
            slug="validation-error",
            errors={"cursor": ["Not a cursor this service issued."]},
        ) from error
