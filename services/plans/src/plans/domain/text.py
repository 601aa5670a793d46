"""Vietnamese text: stored NFC-normalised and trimmed, searched accent-insensitively."""

from __future__ import annotations

import unicodedata

from unidecode import unidecode


def clean_text(value: str) -> str:
    """NFC and trimmed: the same words typed on two keyboards (composed or combining
    diacritics) must compare and hash equal."""
    return unicodedata.normalize("NFC", value).strip()


def fold(value: str) -> str:
    """Accent- and case-free form for search: ``Tập huấn biên giới`` -> ``tap huan bien gioi``,
    ``Đoàn`` -> ``doan``. Whitespace is collapsed so a query matches across line breaks."""
    return " ".join(unidecode(unicodedata.normalize("NFC", value)).lower().split())
