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
    """The revision an ``If-Match`` header asks for; ``None`` when it is ``*`` (or absent and optional).

    Raises 428 when required and missing, 412 when no listed tag can match this plan.
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
        return None
    prefix = f"{plan_id}-r"
    for weak, tag in _OPAQUE_TAG.findall(header):
        if not weak and tag.startswith(prefix) and tag[len(prefix) :].isdigit():
            return int(tag[len(prefix) :])
    raise Problem(
        412, "Precondition failed", "The If-Match header names no revision of this plan.", slug="precondition-failed"
    )
