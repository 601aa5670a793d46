"""The approvals service's texts in the caller's language (its Babel catalogue,
``approvals/translations``): ``Accept-Language``, else the token's ``locale`` claim."""

from __future__ import annotations

from typing import Any

from servicekit.i18n import Catalogue, Message, request_locale

CATALOGUE = Catalogue("approvals", "approvals")


def rendered(errors: Any) -> Any:
    """A tree of field errors whose messages are catalogue messages, in the caller's language."""
    locale = request_locale()

    def render(node: Any) -> Any:
        if isinstance(node, Message):
            return CATALOGUE.text(node, locale)
        if isinstance(node, dict):
            return {key: render(value) for key, value in node.items()}
        if isinstance(node, list | tuple):
            return [render(item) for item in node]
        return node

    return render(errors)
