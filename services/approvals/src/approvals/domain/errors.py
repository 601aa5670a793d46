"""What can go wrong in the approval domain; mapped to problem+json in one place
(``entrypoints.app``)."""

from __future__ import annotations

from typing import Any


class ApprovalError(Exception):
    """Base of every domain error; ``detail`` is shown to the caller."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


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


class InvalidDecision(ApprovalError):
    """A decision or delegation that is well-formed but breaks a rule (e.g. no comment on return)."""

    def __init__(self, detail: str, errors: dict[str, list[str]]) -> None:
        super().__init__(detail)
        self.errors = errors


class InvalidChain(ApprovalError):
    """A chain definition that cannot be published; ``errors`` says why, per level and field."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("The approval chain is not valid; see errors.")
        self.errors = errors
