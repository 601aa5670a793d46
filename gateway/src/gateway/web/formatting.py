"""Numbers and dates the Vietnamese way (and the English way when asked)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

VIETNAM = timezone(timedelta(hours=7), "ICT")


def vnd(amount: Any, locale: str = "vi") -> str:
    """``1500000000`` -> ``1.500.000.000 ₫`` (dots group thousands in Vietnamese)."""
    try:
        value = int(amount or 0)
    except (TypeError, ValueError):
        return ""
    grouped = f"{abs(value):,}".replace(",", "." if locale == "vi" else ",")
    # A no-break space keeps the sign of the đồng on the amount's line.
    return f"{'-' if value < 0 else ''}{grouped}\u00a0₫"


def thousands(number: Any, locale: str = "vi") -> str:
    try:
        value = int(number)
    except (TypeError, ValueError):
        return ""
    return f"{value:,}".replace(",", "." if locale == "vi" else ",")


def _parse(moment: Any) -> date | datetime | None:
    if moment is None or moment == "":
        return None
    if isinstance(moment, date):
        return moment
    text = str(moment)
    try:
        if "T" in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def day(moment: Any) -> str:
    """dd/mm/yyyy, in Vietnam's time zone when a time is given."""
    parsed = _parse(moment)
    if parsed is None:
        return ""
    if isinstance(parsed, datetime):
        parsed = parsed.astimezone(VIETNAM) if parsed.tzinfo else parsed
    return parsed.strftime("%d/%m/%Y")


def day_and_time(moment: Any) -> str:
    parsed = _parse(moment)
    if not isinstance(parsed, datetime):
        return day(moment)
    if parsed.tzinfo:
        parsed = parsed.astimezone(VIETNAM)
    return parsed.strftime("%H:%M %d/%m/%Y")


def iso_day(moment: Any) -> str:
    """The value an ``<input type=date>`` takes."""
    parsed = _parse(moment)
    return parsed.strftime("%Y-%m-%d") if parsed else ""


def date_line(place: str, moment: Any) -> str:
    """Decree 30's place and date: ``Cao Bằng, ngày 08 tháng 02 năm 2024`` (leading zero
    for days below 10 and for months 1 and 2)."""
    parsed = _parse(moment)
    if parsed is None:
        return ""
    month = f"{parsed.month:02d}" if parsed.month <= 2 else str(parsed.month)
    return f"{place}, ngày {parsed.day:02d} tháng {month} năm {parsed.year}"


def roman(number: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


def person(name: Any) -> str:
    """A person as the API names them: their full name, family name first, and their position
    ("Nông Thị Hoa, Chuyên viên") where the service knows them; their username otherwise."""
    if isinstance(name, dict):
        full = str(name.get("name") or name.get("username") or "")
        return f"{full}, {name['position']}" if name.get("position") else full
    return "" if name is None else str(name)


_RAW_LINK_LINE = re.compile(r"^[^\n]*:\s*https?://\S+\s*$", re.MULTILINE)


def without_raw_links(text: Any) -> str:
    """A message's text without its "Xem kế hoạch: https://…" lines: in the inbox the whole item
    is the link (it opens the plan), so a raw address would only be noise."""
    return _RAW_LINK_LINE.sub("", str(text or "")).strip()
