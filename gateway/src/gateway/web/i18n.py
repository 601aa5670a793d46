"""Vietnamese first, English switchable: message catalogues in translations/*.json.

A missing English message falls back to the Vietnamese one and a missing key
shows itself, so a gap is visible in review rather than silently blank."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"


@cache
def catalogue(locale: str) -> dict[str, str]:
    text = resources.files(__package__).joinpath("translations", f"{locale}.json").read_text(encoding="utf-8")
    return json.loads(text)


def translate(locale: str, key: str, **values: Any) -> str:
    message = catalogue(locale).get(key) or catalogue(DEFAULT_LOCALE).get(key) or key
    return message.format(**values) if values else message


def pick(labels: Any, locale: str) -> str:
    """A ``{"vi": …, "en": …}`` label (level names, stages) in the reader's language."""
    if isinstance(labels, dict):
        return str(labels.get(locale) or labels.get(DEFAULT_LOCALE) or "")
    return "" if labels is None else str(labels)
