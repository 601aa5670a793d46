"""What can go wrong in the approval domain; mapped to problem+json in one place
(``entrypoints.app``)."""

from __future__ import annotations

from typing import Any

from servicekit.i18n import N_, LocalisedError, Message

# How a message names a task's status, a decision, a role and a scope (in the reader's language).
TERMS: dict[str, Message] = {
    "open": N_("open"),
    "approved": N_("approved"),
    "returned": N_("returned"),
    "rejected": N_("rejected"),
    "cancelled": N_("cancelled"),
    "delegated": N_("delegated"),
    "closed": N_("closed"),
    "approve": N_("approve"),
    "return": N_("return"),
    "reject": N_("reject"),
    "dept_approver": N_("dept_approver"),
    "province_approver": N_("province_approver"),
    "ministry_approver": N_("ministry_approver"),
    "org_unit": N_("org_unit"),
    "province": N_("province"),
    "national": N_("national"),
    "plan": N_("plan"),
    "report": N_("report"),
}


def term(word: str) -> Message | str:
    return TERMS.get(word, word)


class ApprovalError(LocalisedError):
    """Base of every domain error; its message (``detail`` in English) is shown to the caller
    in their language."""

    def __init__(self, detail: Message | str) -> None:
        super().__init__(detail)
        self.detail = str(detail)


class NotFound(ApprovalError):
    """Unknown id, or an id outside the caller's scope (ids leak nothing)."""


class NotPermitted(ApprovalError):
    """The caller sees the thing but may not do this to it."""


class SeparationOfDuties(NotPermitted):
    """Nobody decides a task on a plan they created, edited or submitted."""


class Conflict(ApprovalError):
    """The state moved on: a closed task, a decision already made, a race lost."""


class TaskClosed(Conflict):
    pass


class AlreadyDecided(Conflict):
    pass


def _in_english(node: Any) -> Any:
    """A tree of field errors (lists of messages, or per item of a list field) in English."""
    if isinstance(node, dict):
        return {key: _in_english(value) for key, value in node.items()}
    return [str(message) for message in node]


class InvalidDecision(ApprovalError):
    """A decision or delegation that is well-formed but breaks a rule (e.g. no comment on return):
    ``messages`` per field, rendered in the caller's language at the edge; ``errors`` the same
    in English."""

    def __init__(self, detail: Message | str, errors: dict[str, Any]) -> None:
        super().__init__(detail)
        self.messages = errors
        self.errors = _in_english(errors)


class InvalidChain(ApprovalError):
    """A chain definition that cannot be published; ``errors`` says why, per level and field."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(N_("The approval chain is not valid; see errors."))
        self.errors = errors
