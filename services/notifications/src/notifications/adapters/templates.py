"""Rendering messages from the Jinja2 templates in ``notifications/templates/{vi,en}``.

Each template sets ``subject`` and ``body`` (the digest also ``html``) at its top
level; we read them from the template's module, so one render yields all parts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..domain.deliveries import DigestEntry
from ..domain.model import Rendered

__all__ = ["DigestEntry", "RenderedMail", "TemplateRenderer", "format_deadline", "reader_locale"]

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
# Deadlines are read in Vietnam's time (UTC+7 all year, no daylight saving).
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_LEVEL_FALLBACK = {"vi": "cấp {level}", "en": "level {level}"}
# What a document of each kind is called in a sentence, by locale.
NOUNS = {
    "vi": {"plan": "kế hoạch", "report": "báo cáo"},
    "en": {"plan": "plan", "report": "report"},
}


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def reader_locale(locale: str | None) -> str:
    return locale if locale in LOCALES else DEFAULT_LOCALE


class TemplateRenderer:
    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("notifications", "templates"),
            # Plain text; the HTML parts switch autoescaping on themselves ({% autoescape true %}).
            autoescape=False,  # noqa: S701
            undefined=StrictUndefined,
            trim_blocks=False,
        )
        self._env.filters["capitalize_first"] = lambda text: text[:1].upper() + text[1:] if text else text

    def has_template(self, event_name: str) -> bool:
        return f"{DEFAULT_LOCALE}/{event_name}.j2" in self._env.list_templates()

    def render_notice(self, event_name: str, locale: str | None, context: Mapping[str, Any]) -> Rendered:
        locale = reader_locale(locale)
        parts = self._render(f"{locale}/{event_name}.j2", _localised(context, locale))
        link_text = _one_line(parts.get("link_text", "")) or link_label(str(context.get("link") or ""), locale)
        return Rendered(subject=_one_line(parts["subject"]), body=parts["body"].strip(), link_text=link_text)

    def render_digest(self, locale: str | None, reader: str, entries: Sequence[DigestEntry]) -> RenderedMail:
        locale = reader_locale(locale)
        parts = self._render(
            f"{locale}/digest.j2",
            {"reader": reader, "notices": list(entries), "link_label": lambda link: link_label(link, locale)},
        )
        return RenderedMail(
            subject=_one_line(parts["subject"]),
            text=parts["body"].strip() + "\n",
            html=parts["html"].strip() + "\n",
        )

    def _render(self, name: str, context: Mapping[str, Any]) -> dict[str, str]:
        """The parts a template sets at its top level (``subject``, ``body``, ``html``, ``link_text``)."""
        exported = self._env.get_template(name).make_module(dict(context)).__dict__
        return {key: str(value) for key, value in exported.items() if key in ("subject", "body", "html", "link_text")}


def _localised(context: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """The event's facts in the reader's words: level name, dates."""
    values = dict(context)
    level_name = values.get("level_name")
    if isinstance(level_name, Mapping):
        level_name = level_name.get(locale) or level_name.get(DEFAULT_LOCALE) or next(iter(level_name.values()), None)
    if not level_name and values.get("level"):
        level_name = _LEVEL_FALLBACK[locale].format(level=values["level"])
    values["level_name"] = level_name or ""
    values["due_at"] = format_deadline(values.get("due_at"), locale)
    values["issued_on"] = format_date(values.get("issued_on"), locale)
    values["received_at"] = format_deadline(values.get("received_at"), locale)
    noun = NOUNS[locale].get(str(values.get("kind") or "plan"), NOUNS[locale]["plan"])
    values["noun"], values["Noun"] = noun, noun[:1].upper() + noun[1:]
    for key in ("plan_due", "report_due", "due_on"):
        if key in values:
            values[key] = format_date(values.get(key), locale)
    return values


_LINK_LABELS = {
    "vi": {"/approvals/": "Mở trang quyết định", "/calls/": "Xem công văn"},
    "en": {"/approvals/": "Open the decision page", "/calls/": "Open the letter"},
}


def link_label(link: str, locale: str) -> str:
    """The words of a link to ``link``: "Xem báo cáo" for a report's page, "Xem kế hoạch" for a plan's,
    "Mở trang quyết định" for a task's decision page (a message whose template names none, one of
    before the templates did)."""
    locale = reader_locale(locale)
    for part, label in _LINK_LABELS[locale].items():
        if part in link:
            return label
    kind = "report" if "/reports/" in link else "plan"
    return ("Xem " if locale == "vi" else "Open the ") + NOUNS[locale][kind]


def format_deadline(value: Any, locale: str) -> str:
    """``2024-03-15T10:00:00Z`` -> ``17:00 ngày 15/03/2024`` / ``15 March 2024, 17:00 (UTC+7)``."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(VIETNAM_TIME)
    if locale == "vi":
        return f"{local:%H:%M} ngày {local:%d/%m/%Y}"
    return f"{local.day} {_EN_MONTHS[local.month - 1]} {local.year}, {local:%H:%M} (UTC+7)"


def format_date(value: Any, locale: str) -> str:
    if not value:
        return ""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    if locale == "vi":
        return f"{day:%d/%m/%Y}"
    return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
