"""What a text field may hold: NFC, trimmed, and nothing a reader cannot see.

Refused everywhere: NUL (PostgreSQL cannot store it), the other control
characters except tab and line breaks, lone surrogates (not UTF-8), and the
bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
that make a title read differently from what it says. A value made only of
zero-width (format) characters and spaces is refused too; a blank one is left to the
field's own length rule.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from marshmallow import ValidationError, fields

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def unsafe_text_reason(value: str) -> str | None:
    """Why ``value`` may not be stored as text, or ``None``."""
    if "\x00" in value:
        return "must not contain the NUL character"
    if _CONTROL.search(value):
        return "must not contain control characters"
    if _SURROGATE.search(value):
        return "must be valid Unicode (a lone surrogate was sent)"
    if _BIDI_CONTROL.search(value):
        return "must not contain bidirectional override or isolate characters"
    visible = [char for char in value if not char.isspace()]
    if visible and all(unicodedata.category(char) == "Cf" for char in visible):
        return "must contain visible characters, not only invisible ones"
    return None


def clean_text(value: str) -> str:
    """NFC and trimmed: the same words typed on two keyboards (composed or combining
    diacritics) compare and hash equal."""
    return unicodedata.normalize("NFC", value).strip()


def checked_text(value: str) -> str:
    """``value`` cleaned, or a marshmallow ValidationError saying what is wrong with it."""
    reason = unsafe_text_reason(value)
    if reason is not None:
        raise ValidationError(reason)
    return clean_text(value)


class SafeText(fields.String):
    """A string field that refuses what :func:`unsafe_text_reason` refuses, and stores NFC, trimmed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return checked_text(super()._deserialize(value, attr, data, **kwargs))
