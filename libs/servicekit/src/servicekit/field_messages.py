"""marshmallow's messages, and the kit's own about text, in the caller's language.

A field that breaks its schema is reported by marshmallow in English ("Length must be
between 1 and 500."), already formatted. Each message it can give is listed here as a
catalogue message with its placeholders; :func:`localised_errors` recognises a formatted
message by its pattern and renders it again in the reader's language from the kit's
catalogue (``servicekit/translations``). A message it does not know (a service's own,
already rendered in the caller's language) passes through unchanged.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from .i18n import KIT, N_, Message

# A command refused while the consumers of the service's events are behind (servicekit.backpressure).
CATCHING_UP = N_("The suite is catching up with earlier changes; try again in a moment.")

FIELD_MESSAGES: tuple[Message, ...] = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid input."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid UUID."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("String does not match expected pattern."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Longer than maximum length {max}."),
    N_("Shorter than minimum length {min}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be greater than {min}."),
    N_("Must be less than {max}."),
    N_("Must be one of: {choices}."),
    N_("Must be equal to {other}."),
    # servicekit.text: what may not be stored as text
    N_("must not contain the NUL character"),
    N_("must not contain control characters"),
    N_("must be valid Unicode (a lone surrogate was sent)"),
    N_("must not contain bidirectional override or isolate characters"),
    N_("must contain visible characters, not only invisible ones"),
    # the problems every service answers alike
    N_("The request has invalid fields; see errors."),
    N_("The request body is not valid JSON."),
    CATCHING_UP,
)


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    patterns = []
    for message in FIELD_MESSAGES:
        pattern = re.escape(message.msgid)
        pattern = re.sub(r"\\\{(\w+)\\\}", lambda found: f"(?P<{found.group(1)}>.+?)", pattern)
        patterns.append((re.compile(pattern), message.msgid))
    return tuple(patterns)


def localised(text: str, locale: str) -> str:
    """``text`` (one of marshmallow's messages, formatted) in ``locale``; unknown texts unchanged."""
    for pattern, msgid in _patterns():
        found = pattern.fullmatch(text)
        if found:
            return KIT.text(Message(msgid, found.groupdict()), locale)
    return text


def localised_errors(errors: Any, locale: str) -> Any:
    """A tree of field errors (marshmallow's shape) with every message in ``locale``."""
    if isinstance(errors, dict):
        return {key: localised_errors(value, locale) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [localised_errors(item, locale) for item in errors]
    if isinstance(errors, str):
        return localised(errors, locale)
    return errors
