"""Bodies an attacker sends to make a JSON API fail: each must come back as a 400 or 422
problem (never a 500), and write nothing. Shared by the bad-input tests of every write endpoint."""

from __future__ import annotations

# Raw bodies, as they go over the wire (json.dumps cannot even produce the first two).
HOSTILE_JSON: dict[str, bytes] = {
    "nested-1000-deep": b'{"title": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    "integer-of-4301-digits": b'{"title": "K\\u1ebf ho\\u1ea1ch", "year": ' + b"9" * 4301 + b"}",
    "lone-surrogate": b'{"title": "K\\u1ebf ho\\u1ea1ch \\ud800", "comment": "\\ud800", "url": "http://127.0.0.1/\\ud800"}',
}

# Text that renders as something else than it says, or breaks storage: 422 naming the field.
HOSTILE_TEXT: dict[str, str] = {
    "nul": "Kế hoạch\x00 năm 2024",
    "control-character": "Kế hoạch\x1b[31m năm 2024",
    "bidi-override": "Kế hoạch \u202eđồng 000.000.051",
    "zero-width-only": "\u200b\u200b\u200c\u2060",
}


def is_problem(response, *statuses: int) -> bool:  # type: ignore[no-untyped-def]
    """A requests or Flask test response that is an application/problem+json with one of ``statuses``."""
    content_type = response.headers.get("Content-Type", "")
    return response.status_code in statuses and content_type.startswith("application/problem+json")
