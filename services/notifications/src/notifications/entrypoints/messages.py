"""The notifications service's texts in the caller's language (its Babel catalogue,
``notifications/translations``): ``Accept-Language``, else the token's ``locale`` claim.
The inbox messages themselves are written in their reader's language from the templates."""

from __future__ import annotations

from typing import Any

from servicekit.i18n import Catalogue, Message, request_locale

CATALOGUE = Catalogue("notifications", "notifications")


def text(message: Message | str) -> str:
    """One message in the caller's language."""
    return CATALOGUE.text(message, request_locale())


def rendered(errors: Any) -> Any:
    """A tree of field errors whose messages are catalogue messages, in the caller's language."""
    if isinstance(errors, Message):
        return text(errors)
    if isinstance(errors, dict):
        return {key: rendered(value) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [rendered(item) for item in errors]
    return errors
