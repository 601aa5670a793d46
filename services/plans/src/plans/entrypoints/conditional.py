"""Strong ETags for plans and the If-Match precondition (RFC 9110 §13.1.1).

The ETag names the plan and its revision (``"<plan id>-r<revision>"``), so an
ETag copied from another plan can never satisfy a write to this one. Generic
enough to move into servicekit.
"""

from __future__ import annotations

import re

from servicekit.problems import Problem

_OPAQUE_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


def etag_for(plan_id: str, revision: int) -> str:
    return f'"{plan_id}-r{revision}"'


def parse_if_match(header: str | None, plan_id: str, *, required: bool) -> int | None:
    """The revision an ``If-Match`` header asks for; ``None`` when absent and optional, or ``*`` where
    required (the use case then refuses it with 428 unless the plan's state refuses the write first).

    Raises 428 when required and missing, or ``*`` where optional; 412 when no listed tag can match this plan.
    Weak tags never match (If-Match uses the strong comparison)."""
    if header is None or not header.strip():
        if required:
            raise Problem(
                428,
                "Precondition required",
                "Send If-Match with the plan's ETag (from GET) so edits are never lost.",
                slug="precondition-required",
            )
        return None
    if header.strip() == "*":
        if required:
            return None  # the use case refuses it, once the plan's state has had its say (409 first)
        raise Problem(
            428,
            "Precondition required",
            "If-Match: * does not say which revision you read: send the plan's ETag, or no If-Match.",
            slug="precondition-required",
        )
    prefix = f"{plan_id}-r"
    for weak, tag in _OPAQUE_TAG.findall(header):
        if not weak and tag.startswith(prefix) and tag[len(prefix) :].isdigit():
            return int(tag[len(prefix) :])
    raise Problem(
        412, "Precondition failed", "The If-Match header names no revision of this plan.", slug="precondition-failed"
    )
