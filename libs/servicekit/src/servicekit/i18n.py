"""Texts in the reader's language, from gettext catalogues (Babel).

Domain rules and validation do not translate: they return :class:`Message`
values (an English msgid and the values it names, marked with :func:`N_` so
that ``pybabel extract`` finds them). The edge that answers a person turns a
message into text with :meth:`Catalogue.text` in the locale it negotiated.

Each package keeps its catalogue beside its code, in
``<package>/translations/<locale>/LC_MESSAGES/<domain>.po`` with the compiled
``.mo`` committed next to it; ``make messages`` extracts, updates and compiles
them (docs/architecture.md, "Messages").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALES = ("vi", "en")
SOURCE_LOCALE = "en"  # msgids are English: a missing translation shows the English text


@dataclass(frozen=True)
class Message:
    """A text for a person, not yet in their language."""

    msgid: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return format_message(self.msgid, self.values, SOURCE_LOCALE)


def N_(msgid: str, **values: Any) -> Message:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark ``msgid`` for the catalogue; ``values`` fill its ``{placeholders}``."""
    return Message(msgid, values)


def format_value(value: Any, locale: str) -> str:
    """A value inside a message, as the reader writes it: ``150.000.000`` and ``31/12/2024``
    in Vietnamese; English keeps ISO dates and ``150,000,000``."""
    if isinstance(value, bool) or not isinstance(value, (int, date)):
        return str(value)
    if isinstance(value, int):
        return format_decimal(value, locale=locale)
    return value.strftime("%d/%m/%Y") if locale == "vi" else value.isoformat()


def format_message(template: str, values: Mapping[str, Any], locale: str) -> str:
    if not values:
        return template
    return template.format(**{name: format_value(value, locale) for name, value in values.items()})


class Catalogue:
    """One package's messages (its ``translations`` folder, one gettext domain)."""

    def __init__(self, package: str, domain: str) -> None:
        self.package = package
        self.domain = domain

    @property
    def directory(self) -> str:
        return str(resources.files(self.package).joinpath("translations"))

    def translations(self, locale: str) -> NullTranslations:
        return _load(self.directory, self.domain, locale)

    def text(self, message: Message | str, locale: str | None) -> str:
        """``message`` in ``locale`` (English where it has no translation)."""
        if isinstance(message, str):
            return message
        chosen = locale if locale in LOCALES else SOURCE_LOCALE
        # A value that is itself a message (a status, an action) is rendered in the same language.
        values = {
            name: self.text(value, chosen) if isinstance(value, Message) else value
            for name, value in message.values.items()
        }
        return format_message(self.translations(chosen).gettext(message.msgid), values, chosen)


@cache
def _load(directory: str, domain: str, locale: str) -> NullTranslations:
    return Translations.load(directory, [locale], domain)


def request_locale() -> str:
    """The language of the person behind the request: ``Accept-Language`` when it names one of
    :data:`LOCALES`, else the token's ``locale`` claim, else English (the API's source language)."""
    from flask import g, has_request_context, request

    if not has_request_context():
        return SOURCE_LOCALE
    if request.headers.get("Accept-Language"):
        chosen = request.accept_languages.best_match(LOCALES)
        if chosen:
            return chosen
    principal = g.get("principal")
    claimed = getattr(principal, "claims", {}).get("locale") if principal is not None else None
    return claimed if claimed in LOCALES else SOURCE_LOCALE


class LocalisedError(Exception):
    """An error a person may read: its ``message`` is rendered in their language at the edge (the
    service's table of problems, :func:`servicekit.problems.register_problem_table`); ``str()``
    is the English text, for logs."""

    def __init__(self, message: Message | str = "") -> None:
        self.message: Message | None = message if isinstance(message, Message) else (N_(message) if message else None)
        super().__init__(str(message))


# The kit's own texts: marshmallow's messages for fields that break their schema, and the
# problems every service answers alike, in the caller's language.
KIT = Catalogue("servicekit", "servicekit")
