"""Organisations on the pages: by their name in force, never by their id, and a searchable picker
in the forms (docs/organisations.md).

The names come from the organisation registry's API (``GET /organisations?at=`` and
``GET /organisations/{id}``), asked with the signed-in user's token and kept a few minutes per
worker. A form's unit fields take a name (or an id): the picker offers the organisations in force
(a ``datalist`` the browser shows without JavaScript; ``static/organisation-picker.js`` turns it
into a combobox searched by the API, accents optional), and what is sent is turned back into ids
here, accent-insensitively; what matches nothing goes to the service as typed, which names the
field that is wrong.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask import g

from .api import Answer

# How long a worker keeps the registry's answers before asking again.
REGISTRY_SECONDS = 300.0

Ask = Callable[[str, dict[str, Any] | None], Answer]


def fold(text: str) -> str:
    """Accent-insensitive key: "Sở Văn hóa" and "so van hoa" fold alike (đ → d)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return " ".join(stripped.casefold().split())


class OrganisationNames:
    """The registry's organisations as the pages need them, per day, kept ``REGISTRY_SECONDS``."""

    def __init__(self, *, seconds: float = REGISTRY_SECONDS, now: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.now = seconds, now
        self._lock = threading.Lock()
        self._days: dict[date, tuple[float, list[dict[str, Any]]]] = {}
        self._one: dict[str, tuple[float, dict[str, Any] | None]] = {}

    def on(self, day: date, ask: Ask) -> list[dict[str, Any]]:
        """The organisations in force on ``day`` (id, name, short_name, abbreviation, level, province)."""
        with self._lock:
            kept = self._days.get(day)
            if kept is not None and self.now() - kept[0] < self.seconds:
                return kept[1]
        answer = ask("/organisations", {"at": day.isoformat()})
        items = list(answer.body.get("items") or []) if answer.ok and isinstance(answer.body, dict) else []
        with self._lock:
            if answer.ok:
                self._days[day] = (self.now(), items)
        return items

    def one(self, organisation_id: str, ask: Ask) -> dict[str, Any] | None:
        """One organisation with its dated names (for an id not in force on the day asked)."""
        with self._lock:
            kept = self._one.get(organisation_id)
            if kept is not None and self.now() - kept[0] < self.seconds:
                return kept[1]
        answer = ask(f"/organisations/{organisation_id}", None)
        found = answer.body if answer.ok and isinstance(answer.body, dict) else None
        with self._lock:
            if answer.ok or answer.status == 404:
                self._one[organisation_id] = (self.now(), found)
        return found

    def name(self, organisation_id: str | None, day: date, ask: Ask, *, short: bool = False) -> str:
        """Its name in force on ``day``; the id itself when the registry does not know it."""
        if not organisation_id:
            return ""
        key = "short_name" if short else "name"
        for item in self.on(day, ask):
            if item.get("id") == organisation_id:
                return str(item.get(key) or item.get("name") or organisation_id)
        detail = self.one(organisation_id, ask)
        if detail is None:
            return organisation_id
        chosen: dict[str, Any] | None = None
        for named in detail.get("names") or []:  # the last name whose day had come (else the first)
            since = named.get("since")
            if chosen is None or since is None or date.fromisoformat(str(since)[:10]) <= day:
                chosen = named
        if chosen is None:
            return str(detail.get(key) or detail.get("name") or organisation_id)
        return str(chosen.get("short" if short else "full") or chosen.get("full") or organisation_id)

    def resolve(self, typed: str, day: date, ask: Ask) -> str:
        """The id of the organisation in force on ``day`` that ``typed`` names (its id, full name,
        short name or abbreviation, accents optional); ``typed`` itself when none or several do."""
        text = typed.strip()
        if not text:
            return text
        items = self.on(day, ask)
        if any(item.get("id") == text for item in items):
            return text
        wanted = fold(text)
        for field in ("name", "short_name", "abbreviation"):
            matches = {str(item["id"]) for item in items if fold(str(item.get(field) or "")) == wanted}
            if len(matches) == 1:
                return matches.pop()
        return text

    def resolve_many(self, typed: str, day: date, ask: Ask) -> list[str]:
        """Several organisations in one field, separated by semicolons (names hold commas: "Sở Văn hóa,
        Thể thao và Du lịch"); a piece that names none is split at its commas (ids, as before)."""
        found: list[str] = []
        for piece in (part.strip() for part in typed.split(";")):
            if not piece:
                continue
            resolved = self.resolve(piece, day, ask)
            if resolved != piece or "," not in piece:
                found.append(resolved)
                continue
            found.extend(self.resolve(part, day, ask) for part in (p.strip() for p in piece.split(",")) if part)
        return found


def document_day(document: dict[str, Any] | None) -> date:
    """The day a document names its organisations on: its issue date once issued, else today."""
    issued = (document or {}).get("issued_on")
    if isinstance(issued, str) and issued:
        try:
            return date.fromisoformat(issued[:10])
        except ValueError:
            pass
    return date.today()


def page_ask(call: Callable[..., Answer]) -> Ask:
    """The registry asked as the page's user (``views.call``)."""
    return lambda path, params: call("GET", path, params=params) if params else call("GET", path)


def names_of(ids: Iterable[str], day: date, names: OrganisationNames, ask: Ask) -> list[str]:
    return [names.name(organisation_id, day, ask) for organisation_id in ids]


def current_day() -> date:
    return g.get("organisation_day") or date.today()
